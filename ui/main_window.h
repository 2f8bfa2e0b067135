#pragma once
// The main window: the image in the centre, the prediction panel on the right, a thumbnail strip
// of the current folder at the bottom; File/Go/View menus and a toolbar. All model work goes
// through a ModelSession (one worker thread); the window never blocks on it, and errors are
// shown in place (view, panel, status bar), never in a modal dialog. GUI thread only.

#include "model_session.h"

#include <QCache>
#include <QMainWindow>
#include <QStringList>

class QAction;
class QLabel;
class QMenu;

namespace sg::ui {

class ImageView;
class PredictionPanel;
class ThumbnailStrip;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    // How many classes the panel lists.
    static constexpr int kTopK = 5;

    // Restores geometry and dock layout from QSettings ("Sightglass", "Sightglass").
    explicit MainWindow(QWidget *parent = nullptr);
    // Waits for the model worker to finish its current task.
    ~MainWindow() override;

    // Device for models loaded from now on: "auto", "cpu", "cuda", "cuda:N".
    void setDevice(const QString &device);

    // Starts loading `path` (a .pt with its .json sidecar) in the background; the result shows
    // up in the panel and status bar, and the current image is predicted again with it.
    void openModel(const QString &path);

    // Lists the images of `folder` (by extension, natural sort order) and shows `selectFile`
    // when it is one of them, else the first image. Returns false (with the reason in the
    // status bar and the view) when the folder does not exist or holds no image.
    bool openImageFolder(const QString &folder, const QString &selectFile = {});

    // Opens the folder of `imagePath` and shows that image.
    bool openImage(const QString &imagePath);

    // The files of the current folder, and the index of the one shown (-1: none).
    const QStringList &files() const { return files_; }
    int currentIndex() const { return current_; }

    // Step through the folder; no-ops at the ends (no wrap-around).
    void showImage(int index);
    void showPrevious();
    void showNext();

Q_SIGNALS:
    // A prediction with scores is on screen for `path` (also when it came from the cache).
    void predictionShown(const QString &path, const sg::ui::LabelScores &scores);
    // A model failed to load, or the image on screen could not be read or predicted.
    void failed(const QString &message);
    // A model finished loading.
    void modelReady(const sg::ui::ModelInfo &info);

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    struct CachedResult {
        QImage display;
        LabelScores scores;
    };

    void createActions();
    void createMenus();
    void createToolBar();
    void createDocks();
    void createStatusBar();
    void readSettings();
    void writeSettings() const;

    void chooseModel();
    void chooseFolder();
    void rebuildRecentMenu();
    void addRecentModel(const QString &path);
    void updateNavigation();
    void updateStatus();
    void updateTitle();
    void showError(const QString &message);

    void onModelLoaded(const ModelInfo &info);
    void onModelFailed(const QString &path, const QString &message);
    void onImageReady(const QString &path, const QImage &display);
    void onPredicted(const QString &path, const QImage &display, const LabelScores &scores);
    void onImageFailed(const QString &path, const QString &message);
    QString currentPath() const;

    ModelSession *session_ = nullptr;
    ImageView *view_ = nullptr;
    PredictionPanel *panel_ = nullptr;
    ThumbnailStrip *strip_ = nullptr;

    QStringList files_;
    QString folder_;
    int current_ = -1;
    QString displayedPath_;  // the path whose pixels the view shows
    bool hasModel_ = false;
    ModelInfo model_;
    // Results of recent images for the current model (cost: KiB of the display image).
    QCache<QString, CachedResult> cache_;

    QAction *openModelAction_ = nullptr;
    QAction *openFolderAction_ = nullptr;
    QAction *quitAction_ = nullptr;
    QAction *previousAction_ = nullptr;
    QAction *nextAction_ = nullptr;
    QAction *firstAction_ = nullptr;
    QAction *lastAction_ = nullptr;
    QAction *aboutAction_ = nullptr;
    QMenu *recentMenu_ = nullptr;
    QMenu *viewMenu_ = nullptr;

    QLabel *fileLabel_ = nullptr;
    QLabel *positionLabel_ = nullptr;
    QLabel *modelLabel_ = nullptr;
    QLabel *deviceLabel_ = nullptr;
};

} // namespace sg::ui
