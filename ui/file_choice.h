#pragma once
// Where files come from and go to: the open and save dialogs (each starting where the user
// last was, remembered in QSettings "dialogs/..."), dropped files, and atomic writes of exports
// (a QSaveFile, so nothing at the path is touched on failure). GUI thread only.

#include <QByteArray>
#include <QString>

class QMimeData;
class QWidget;

namespace sg::ui {

// Asks for a model file, starting in `current`'s folder or the last one used. Empty when
// cancelled.
QString chooseModelPath(QWidget *parent, const QString &current);
// Asks for an image folder, starting in `current` or the last one used. Empty when cancelled.
QString chooseFolderPath(QWidget *parent, const QString &current);
// Records `folder` as the last image folder opened.
void rememberImageFolder(const QString &folder);

// What a drop offers: the first model (.pt) and the first folder or supported image.
struct DroppedFiles {
    QString model;
    QString images;
    bool isEmpty() const { return model.isEmpty() && images.isEmpty(); }
};
DroppedFiles droppedFiles(const QMimeData &mime);

// Asks where to export: a save dialog starting in the last export folder (QSettings
// "dialogs/exportDir") with `suggestedName`; remembers the folder chosen. Empty when cancelled.
QString chooseExportPath(
    QWidget *parent, const QString &title, const QString &filter, const QString &suggestedName);

// Writes `bytes` to `path`. Returns an empty string on success, else a message naming the file,
// `what` was being written ("overlay", "map") and the system's reason. GUI thread.
QString writeFileAtomically(const QString &path, const QByteArray &bytes, const QString &what);

} // namespace sg::ui
