#include "file_choice.h"

#include "app_settings.h"
#include "image/image_folder.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMimeData>
#include <QObject>
#include <QSaveFile>
#include <QUrl>

namespace sg::ui {

namespace {

const QString kKeyModelDir = QStringLiteral("dialogs/modelDir");
const QString kKeyImageDir = QStringLiteral("dialogs/imageDir");

} // namespace

QString chooseModelPath(QWidget *parent, const QString &current)
{
    const QString start = current.isEmpty() ? appSettings().value(kKeyModelDir).toString()
                                            : QFileInfo(current).absolutePath();
    const QString path = QFileDialog::getOpenFileName(
        parent, QObject::tr("Open Model"), start, QObject::tr("TorchScript models (*.pt);;All files (*)"));
    if (!path.isEmpty())
        appSettings().setValue(kKeyModelDir, QFileInfo(path).absolutePath());
    return path;
}

QString chooseFolderPath(QWidget *parent, const QString &current)
{
    const QString start = current.isEmpty() ? appSettings().value(kKeyImageDir).toString() : current;
    return QFileDialog::getExistingDirectory(parent, QObject::tr("Open Image Folder"), start);
}

void rememberImageFolder(const QString &folder)
{
    appSettings().setValue(kKeyImageDir, folder);
}

DroppedFiles droppedFiles(const QMimeData &mime)
{
    DroppedFiles dropped;
    for (const QUrl &url : mime.urls()) {
        const QString path = url.toLocalFile();
        if (!url.isLocalFile())
            continue;
        if (dropped.model.isEmpty() && path.endsWith(QStringLiteral(".pt"), Qt::CaseInsensitive))
            dropped.model = path;
        else if (dropped.images.isEmpty()
            && (QFileInfo(path).isDir() || sg::isSupportedImage(path.toStdString())))
            dropped.images = path;
    }
    return dropped;
}

QString writeFileAtomically(const QString &path, const QByteArray &bytes, const QString &what)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return QObject::tr("%1: cannot write the %2: %3")
            .arg(QDir::toNativeSeparators(path), what, file.errorString());
    return {};
}

QString chooseExportPath(
    QWidget *parent, const QString &title, const QString &filter, const QString &suggestedName)
{
    QSettings store = appSettings();
    const QString key = QStringLiteral("dialogs/exportDir");
    const QString start = store.value(key, QDir::homePath()).toString();
    const QString path
        = QFileDialog::getSaveFileName(parent, title, QDir(start).filePath(suggestedName), filter);
    if (!path.isEmpty())
        store.setValue(key, QFileInfo(path).absolutePath());
    return path;
}

} // namespace sg::ui
