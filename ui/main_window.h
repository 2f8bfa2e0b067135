#pragma once
// The main window: wires the explorer document, its views, the services and the panels to
// actions. Centre: one tab per view (Explanation, Compare; others can be added). Left: the
// method panel. Right: the prediction panel and the deletion/insertion curves of the map on
// screen. Bottom: the folder's thumbnails and the jobs panel. The toolbar holds navigation and
// the view controls. All model work goes through the ModelWorker (an interactive lane for
// loads and predictions, a background lane for long jobs); the window never blocks on it, and
// errors are shown in place (views, panels, status bar), never in a modal dialog. Settings and
// layout persist in QSettings. GUI thread only.

#include "explanation_service.h"
#include "explorer_document.h"
#include "model_worker.h"
#include "prediction_service.h"
#include "view_tabs.h"

#include <QMainWindow>
#include <QStringList>

#include <functional>
#include <optional>

class QAction;
class QMenu;

namespace sg::ui {

class CompareGrid;
class CompareView;
class CurvePlot;
class ExplanationView;
class ExplorerView;
class HeatmapCanvas;
class JobsPanel;
class MethodPanel;
class PredictionPanel;
class SagService;
class SagView;
class WhatIfView;
class XnnService;
class XnnView;
class StatusFields;
class ThumbnailStrip;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    // How many classes the panel lists.
    static constexpr int kTopK = 5;

    // Restores geometry and dock layout from QSettings ("Sightglass", "Sightglass").
    explicit MainWindow(QWidget *parent = nullptr);
    // Stops the model worker (waits for its current tasks) while the window is still whole.
    ~MainWindow() override;

    // Device for models loaded from now on: "auto", "cpu", "cuda", "cuda:N".
    void setDevice(const QString &device);
    // Starts loading `path` (a .pt with its .json sidecar) in the background; the result shows
    // up in the panel and status bar, and the current image is predicted again with it.
    void openModel(const QString &path);
    // Lists the images of `folder` (sg::listImages: supported formats, natural order) and shows
    // `selectFile` when it is one of them, else the first image. Returns false (with the reason
    // in the status bar and the view) when the folder does not exist or holds no image.
    bool openImageFolder(const QString &folder, const QString &selectFile = {});
    // Opens the folder of `imagePath` and shows that image.
    bool openImage(const QString &imagePath);

    // The files of the current folder, and the index of the one shown (-1: none).
    const QStringList &files() const { return document_->files(); }
    int currentIndex() const { return document_->currentIndex(); }
    // Step through the folder; no-ops at the ends (no wrap-around).
    void showImage(int index);
    void showPrevious();
    void showNext();

    // Explains the current image with the method panel's settings on the Explanation view
    // (ExplanationView::explainNow). Returns the job id, 0 when nothing was queued.
    sg::JobId explainCurrent();
    // Fills the compare grid for the current image and shows it; returns the jobs queued.
    int compareCurrent();
    // Cancels the job explaining the current image (not the comparison), if any.
    void cancelCurrent();
    // When on (default), showing an image explains it (and fills the compare grid when that tab
    // is shown); a job still running for an image left behind is cancelled.
    void setAutoExplain(bool on);
    bool autoExplain() const { return document_->autoExplain(); }
    // The explanation on the canvas (nullptr: none yet for this image and settings).
    ExplanationPtr shownExplanation() const;

    // Export. Each writes atomically (nothing at `path` is touched on failure) and returns
    // false with the reason in the status bar and failed() when there is nothing to export or
    // the file cannot be written.
    bool exportOverlay(const QString &path); // the canvas as shown, image resolution (PNG)
    bool exportSaliency(const QString &path); // the map, float32 .npy at model input size
    bool exportResultJson(const QString &path); // result.json as `sightglass-cli explain`
    bool exportComparison(const QString &path); // the compare grid (PNG)

    // Adds a view as a tab after the built-in ones (the window keeps a reference, the view's
    // owner keeps the view alive as long as the window). For analyses that come as plug-ins
    // and for tests.
    void addView(ExplorerView *view);
    // Shows the tab of `view`.
    void showView(ExplorerView *view);

    // Parts, for views added from outside, tests and the screenshot tour.
    ModelWorker *worker() const { return worker_; }
    ExplorerDocument *document() const { return document_; }
    ExplanationService *explanations() const { return explanations_; }
    SagService *sags() const { return sags_; }
    SagView *sagView() const { return sagView_; }
    WhatIfView *whatIfView() const { return whatIfView_; }
    XnnService *xnns() const { return xnns_; }
    XnnView *xnnView() const { return xnnView_; }
    HeatmapCanvas *canvas() const;
    CompareGrid *compareGrid() const;
    CurvePlot *curvePlot() const;
    MethodPanel *methodPanel() const { return methods_; }
    JobsPanel *jobsPanel() const { return jobs_; }
    ViewTabs *centralTabs() const { return tabs_; }

Q_SIGNALS:
    // A prediction with scores is on screen for `path` (also when it came from the cache).
    void predictionShown(const QString &path, const sg::ui::ClassScores &scores);
    // A model failed to load, the image on screen could not be read or predicted, or a view
    // reported a failure.
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
    void createActions();
    void createMenus();
    void createToolBars();
    void createDocks();
    void createStatusBar();
    void readSettings();
    void writeSettings() const;

    void chooseModel();
    void chooseFolder();
    void onImageChanged();
    void showError(const QString &message);
    void onModelLoaded(const ModelInfo &info);
    void updateRequest();
    // Writes what `make` makes (it returns why not, or empty) to `path`; reports either way.
    bool save(const QString &path, const QString &what, const std::function<QString(QByteArray *)> &make);
    void chooseExport(const QString &title, const QString &filter, const QString &suffix,
        bool (MainWindow::*exporter)(const QString &));

    ModelWorker *worker_ = nullptr;
    PredictionService *predictions_ = nullptr;
    ExplanationService *explanations_ = nullptr;
    ExplorerDocument *document_ = nullptr;
    ExplanationView *explanationView_ = nullptr;
    CompareView *compareView_ = nullptr;
    SagService *sags_ = nullptr;
    SagView *sagView_ = nullptr;
    WhatIfView *whatIfView_ = nullptr;
    XnnService *xnns_ = nullptr;
    XnnView *xnnView_ = nullptr;
    ViewTabs *tabs_ = nullptr;
    MethodPanel *methods_ = nullptr;
    JobsPanel *jobs_ = nullptr;
    PredictionPanel *panel_ = nullptr;
    ThumbnailStrip *strip_ = nullptr;

    QAction *openModelAction_ = nullptr;
    QAction *openFolderAction_ = nullptr;
    QAction *previousAction_ = nullptr;
    QAction *nextAction_ = nullptr;
    QAction *firstAction_ = nullptr;
    QAction *lastAction_ = nullptr;
    QAction *explainAction_ = nullptr;
    QAction *compareAction_ = nullptr;
    QAction *autoExplainAction_ = nullptr;
    QList<QAction *> exportActions_;
    QMenu *viewMenu_ = nullptr;
    StatusFields *status_ = nullptr;
};

} // namespace sg::ui
