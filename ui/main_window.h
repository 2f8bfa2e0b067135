#pragma once
// The main window. Centre: a tab with the heatmap canvas (the image and its explanation) and a
// tab with the compare grid. Left: the method panel. Right: the prediction panel and the
// deletion/insertion curves of the map on screen. Bottom: the folder's thumbnails and the jobs
// panel. The toolbar holds navigation and the view controls (opacity, colour map, threshold,
// contour). All model work goes through a ModelSession (one worker thread owning the model);
// the window never blocks on it, and errors are shown in place (canvas, panels, status bar),
// never in a modal dialog. Settings and layout persist in QSettings. GUI thread only.

#include "model_session.h"

#include "image/colormap.h"

#include <QCache>
#include <QHash>
#include <QMainWindow>
#include <QStringList>

#include <optional>

class QAction;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QMenu;
class QProgressBar;
class QSlider;
class QTabWidget;

namespace sg::ui {

class CompareGrid;
class CurvePlot;
class HeatmapCanvas;
class JobsPanel;
class MethodPanel;
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

    // Explains the current image with the method panel's settings: shows the cached result at
    // once, else queues a job (the map refreshes live while it runs) and returns its id. Returns
    // 0 when there is nothing to run (no model or image, the method cannot run on this model:
    // the reason is shown) or the result came from the cache.
    sg::JobId explainCurrent();
    // Explains the current image with the panel's method at every resolution that fits the
    // model, and every other method that can run at its default, in the compare grid (cached
    // cells fill at once). Switches to the compare tab. Returns the number of jobs queued.
    int compareCurrent();
    // Cancels the job explaining the current image (not the comparison), if any.
    void cancelCurrent();
    // When on (default), showing an image explains it (and fills the compare grid when that tab
    // is shown); a job still running for an image left behind is cancelled.
    void setAutoExplain(bool on);
    bool autoExplain() const;

    // The explanation on the canvas (nullptr: none yet for this image and settings).
    ExplanationPtr shownExplanation() const { return shown_; }
    // Export. Each writes atomically (nothing at `path` is touched on failure) and returns
    // false with the reason in the status bar and failed() when there is nothing to export or
    // the file cannot be written.
    bool exportOverlay(const QString &path); // the canvas as shown, image resolution (PNG)
    bool exportSaliency(const QString &path); // the map, float32 .npy at model input size
    bool exportResultJson(const QString &path); // result.json as `sightglass-cli explain`
    bool exportComparison(const QString &path); // the compare grid (PNG)

    // View controls (also in the toolbar), applied to the canvas and the compare grid.
    void setOverlayOpacity(double opacity);
    void setColormap(sg::Colormap colormap);
    void setThreshold(std::optional<double> threshold);
    void setContourVisible(bool visible);

    // Parts, for tests and the screenshot tour.
    ModelSession *session() const { return session_; }
    HeatmapCanvas *canvas() const { return canvas_; }
    CompareGrid *compareGrid() const { return grid_; }
    CurvePlot *curvePlot() const { return curves_; }
    MethodPanel *methodPanel() const { return methods_; }
    JobsPanel *jobsPanel() const { return jobs_; }
    QTabWidget *centralTabs() const { return tabs_; }

Q_SIGNALS:
    // A prediction with scores is on screen for `path` (also when it came from the cache).
    void predictionShown(const QString &path, const sg::ui::LabelScores &scores);
    // A model failed to load, or the image on screen could not be read or predicted.
    void failed(const QString &message);
    // A model finished loading.
    void modelReady(const sg::ui::ModelInfo &info);
    // A finished explanation of the current image is on the canvas (also from the cache).
    void explanationShown(const sg::ui::ExplanationPtr &result);
    // The live map of the running explanation of the current image was updated.
    void liveMapShown();
    // Every cell of the compare grid has its final map or an error.
    void comparisonFinished();

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

    sg::ExplanationRequest currentRequest() const;
    QString requestTitle(const sg::ExplanationRequest &request) const;
    // Shows the cached explanation of the current image for the panel's settings; without one,
    // starts a job when auto-explain is on and `mayStartJobs`.
    void refreshExplanation(bool mayStartJobs = true);
    void showExplanation(const ExplanationPtr &result);
    void clearExplanation(const QString &curveMessage);
    void onExplanationProgress(sg::JobId id, const QString &path, const cv::Mat &liveMap);
    void onExplained(sg::JobId id, const ExplanationPtr &result);
    void onExplainFailed(sg::JobId id, const QString &path, const QString &message, bool cancelled);
    void onJobChanged(const sg::JobStatus &status);
    void onCurveStep(sg::MetricCurve curve, int step);
    void cancelCompareJobs();
    void checkComparisonFinished();
    bool saveBytes(const QString &path, const QByteArray &bytes, const QString &what);
    void chooseExport(const QString &title, const QString &filter, const QString &suffix,
        bool (MainWindow::*exporter)(const QString &));

    ModelSession *session_ = nullptr;
    HeatmapCanvas *canvas_ = nullptr;
    CompareGrid *grid_ = nullptr;
    QTabWidget *tabs_ = nullptr;
    CurvePlot *curves_ = nullptr;
    MethodPanel *methods_ = nullptr;
    JobsPanel *jobs_ = nullptr;
    PredictionPanel *panel_ = nullptr;
    ThumbnailStrip *strip_ = nullptr;

    // The explanation of the current image.
    ExplanationPtr shown_;
    sg::JobId currentJob_ = 0; // running or queued job for the canvas (0: none)
    bool currentJobAuto_ = false; // started by stepping (cancelled when the user moves on)
    QString currentJobPath_;
    // The comparison: job -> cell, and the image it is for.
    QHash<sg::JobId, int> compareJobs_;
    QString comparePath_;
    bool autoExplain_ = true;

    QStringList files_;
    QString folder_;
    int current_ = -1;
    QString displayedPath_; // the path whose pixels the view shows
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
    QAction *explainAction_ = nullptr;
    QAction *compareAction_ = nullptr;
    QAction *cancelAction_ = nullptr;
    QAction *cancelAllAction_ = nullptr;
    QAction *autoExplainAction_ = nullptr;
    QAction *exportOverlayAction_ = nullptr;
    QAction *exportSaliencyAction_ = nullptr;
    QAction *exportResultAction_ = nullptr;
    QAction *exportComparisonAction_ = nullptr;
    QMenu *recentMenu_ = nullptr;
    QMenu *viewMenu_ = nullptr;
    QSlider *opacitySlider_ = nullptr;
    QComboBox *colormapCombo_ = nullptr;
    QCheckBox *thresholdCheck_ = nullptr;
    QDoubleSpinBox *thresholdSpin_ = nullptr;
    QCheckBox *contourCheck_ = nullptr;
    QProgressBar *jobProgress_ = nullptr;
    QLabel *jobLabel_ = nullptr;

    QLabel *fileLabel_ = nullptr;
    QLabel *positionLabel_ = nullptr;
    QLabel *modelLabel_ = nullptr;
    QLabel *deviceLabel_ = nullptr;
};

} // namespace sg::ui
