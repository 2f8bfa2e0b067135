#include "main_window.h"

#include "app_settings.h"
#include "compare_view.h"
#include "curve_plot.h"
#include "explanation_view.h"
#include "file_choice.h"
#include "glyph_icons.h"
#include "jobs_panel.h"
#include "method_panel.h"
#include "prediction_feed.h"
#include "prediction_panel.h"
#include "recent_models_menu.h"
#include "sag_view.h"
#include "status_fields.h"
#include "study_console.h"
#include "thumbnail_strip.h"
#include "view_controls.h"
#include "view_tabs.h"
#include "what_if_view.h"
#include "xnn_service.h"
#include "xnn_view.h"

#include "common/error.h"
#include "common/version.h"
#include "image/image_folder.h"
#include "model/runtime.h"

#include <QAction>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>

#include <algorithm>

namespace sg::ui {

namespace {

constexpr int kStatusMessageMs = 8000;

const QString kKeyGeometry = QStringLiteral("window/geometry");
const QString kKeyState = QStringLiteral("window/state");
const QString kKeyAutoExplain = QStringLiteral("explain/auto");
const QString kKeyCentralView = QStringLiteral("window/centralView");

QAction *makeAction(QObject *parent, const QString &text, const QKeySequence &shortcut = {},
    const QString &toolTip = {}, const QIcon &icon = {})
{
    auto *action = new QAction(icon, text, parent);
    action->setShortcut(shortcut);
    action->setToolTip(toolTip.isEmpty() ? text : toolTip);
    return action;
}

} // namespace

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent)
{
    setObjectName(QStringLiteral("MainWindow"));
    setAcceptDrops(true);

    worker_ = new ModelWorker(this);
    predictions_ = new PredictionService(*worker_, this);
    explanations_ = new ExplanationService(*worker_, this);
    sags_ = new SagService(*worker_, this);
    xnns_ = new XnnService(*worker_, this);
    document_ = new ExplorerDocument(this);
    connect(worker_, &ModelWorker::modelLoaded, this, &MainWindow::onModelLoaded);
    connect(worker_, &ModelWorker::modelFailed, this, [this](const QString &, const QString &message) {
        panel_->setModelError(message);
        showError(tr("Could not load model: %1").arg(message));
    });
    connect(document_, &ExplorerDocument::imageChanged, this, &MainWindow::onImageChanged);
    auto *feed = new PredictionFeed(*document_, *predictions_, kTopK, this);
    connect(feed, &PredictionFeed::pending, this,
        [this](const QString &path) { panel_->setPending(QFileInfo(path).fileName()); });
    connect(feed, &PredictionFeed::failed, this, [this](const QString &path, const QString &message) {
        panel_->setPredictionMessage(QFileInfo(path).fileName(), message, true);
        showError(message);
    });
    connect(document_, &ExplorerDocument::predictionChanged, this, [this] {
        const QString path = document_->currentPath();
        panel_->setScores(QFileInfo(path).fileName(), document_->scores());
        methods_->setTopClass(document_->topClass());
        if (!document_->scores().isEmpty())
            Q_EMIT predictionShown(path, document_->scores());
    });

    tabs_ = new ViewTabs(this);
    setCentralWidget(tabs_->area());
    explanationView_ = new ExplanationView(*document_, *explanations_, *worker_, this);
    compareView_ = new CompareView(*document_, *explanations_, *worker_, this);
    connect(explanationView_, &ExplanationView::explanationShown, this, &MainWindow::explanationShown);
    connect(explanationView_, &ExplanationView::liveMapShown, this, &MainWindow::liveMapShown);
    connect(explanationView_, &ExplanationView::failed, this, &MainWindow::showError);
    connect(compareView_, &CompareView::comparisonFinished, this, &MainWindow::comparisonFinished);
    sagView_ = new SagView(*document_, *sags_, *worker_, this);
    connect(sagView_, &SagView::failed, this, &MainWindow::showError);
    addView(explanationView_);
    addView(compareView_);
    addView(sagView_);
    whatIfView_ = new WhatIfView(*document_, *worker_, sagView_, this);
    addView(whatIfView_);
    xnnView_ = new XnnView(*document_, *xnns_, *worker_, this);
    connect(xnnView_, &XnnView::failed, this, &MainWindow::showError);
    addView(xnnView_);

    createActions();
    createMenus();
    createToolBars();
    createDocks();
    createStatusBar();
    readSettings();
    onImageChanged();
}

MainWindow::~MainWindow()
{
    // Finish (or drop) model work while the window, its services and views are still whole.
    delete worker_;
    worker_ = nullptr;
}

void MainWindow::addView(ExplorerView *view)
{
    tabs_->addView(view);
}

void MainWindow::showView(ExplorerView *view)
{
    tabs_->showView(view);
}

HeatmapCanvas *MainWindow::canvas() const
{
    return explanationView_->canvas();
}

CompareGrid *MainWindow::compareGrid() const
{
    return compareView_->grid();
}

CurvePlot *MainWindow::curvePlot() const
{
    return explanationView_->curvePlot();
}

ExplanationPtr MainWindow::shownExplanation() const
{
    return explanationView_->shown();
}

void MainWindow::createActions()
{
    openModelAction_ = makeAction(this, tr("Open &Model\u2026"), QKeySequence::Open,
        tr("Open a TorchScript classifier (.pt with its .json sidecar)"), glyphIcon(Glyph::Model));
    connect(openModelAction_, &QAction::triggered, this, &MainWindow::chooseModel);
    openFolderAction_
        = makeAction(this, tr("Open Image &Folder\u2026"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O),
            tr("Open a folder of images"), glyphIcon(Glyph::Folder));
    connect(openFolderAction_, &QAction::triggered, this, &MainWindow::chooseFolder);

    previousAction_ = makeAction(
        this, tr("&Previous Image"), {}, tr("Previous image (Left, Page Up)"), glyphIcon(Glyph::Previous));
    previousAction_->setShortcuts({QKeySequence(Qt::Key_Left), QKeySequence(Qt::Key_PageUp)});
    connect(previousAction_, &QAction::triggered, this, &MainWindow::showPrevious);
    nextAction_ = makeAction(
        this, tr("&Next Image"), {}, tr("Next image (Right, Page Down)"), glyphIcon(Glyph::Next));
    nextAction_->setShortcuts({QKeySequence(Qt::Key_Right), QKeySequence(Qt::Key_PageDown)});
    connect(nextAction_, &QAction::triggered, this, &MainWindow::showNext);
    firstAction_ = makeAction(this, tr("F&irst Image"), QKeySequence(Qt::Key_Home));
    connect(firstAction_, &QAction::triggered, this, [this] { showImage(0); });
    lastAction_ = makeAction(this, tr("&Last Image"), QKeySequence(Qt::Key_End));
    connect(lastAction_, &QAction::triggered, this, [this] { showImage(int(files().size()) - 1); });

    explainAction_ = makeAction(this, tr("&Explain"), QKeySequence(Qt::Key_E),
        tr("Explain the current image with the method panel's settings (E)"));
    connect(explainAction_, &QAction::triggered, this, [this] {
        showView(explanationView_);
        explainCurrent();
    });
    compareAction_ = makeAction(this, tr("&Compare Methods"), QKeySequence(Qt::CTRL | Qt::Key_K),
        tr("Explain the current image with every method and resolution (Ctrl+K)"));
    connect(compareAction_, &QAction::triggered, this, [this] { compareCurrent(); });
    autoExplainAction_ = makeAction(
        this, tr("Explain Each &Image Shown"), {}, tr("Start an explanation whenever an image is shown"));
    autoExplainAction_->setCheckable(true);
    autoExplainAction_->setChecked(document_->autoExplain());
    connect(autoExplainAction_, &QAction::toggled, this, &MainWindow::setAutoExplain);

    const auto exportAction = [this](const QString &text, const QString &title, const QString &filter,
                                  const QString &suffix, bool (MainWindow::*exporter)(const QString &)) {
        QAction *action = makeAction(this, text);
        connect(action, &QAction::triggered, this,
            [this, title, filter, suffix, exporter] { chooseExport(title, filter, suffix, exporter); });
        exportActions_ << action;
        return action;
    };
    exportAction(tr("Export &Overlay (PNG)\u2026"), tr("Export Overlay"), tr("PNG images (*.png)"),
        QStringLiteral("overlay.png"), &MainWindow::exportOverlay)
        ->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_S));
    exportAction(tr("Export Saliency Map (.&npy)\u2026"), tr("Export Saliency Map"),
        tr("NumPy arrays (*.npy)"), QStringLiteral("saliency.npy"), &MainWindow::exportSaliency);
    exportAction(tr("Export &result.json\u2026"), tr("Export Result"), tr("JSON (*.json)"),
        QStringLiteral("result.json"), &MainWindow::exportResultJson);
    exportAction(tr("Export &Comparison (PNG)\u2026"), tr("Export Comparison"), tr("PNG images (*.png)"),
        QStringLiteral("comparison.png"), &MainWindow::exportComparison);
}

void MainWindow::createMenus()
{
    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    fileMenu->addAction(openModelAction_);
    auto *recent = new RecentModelsMenu(tr("Open &Recent Models"), fileMenu);
    fileMenu->addMenu(recent);
    connect(recent, &RecentModelsMenu::modelChosen, this, &MainWindow::openModel);
    fileMenu->addAction(openFolderAction_);
    fileMenu->addSeparator();
    fileMenu->addMenu(tr("&Export"))->addActions(exportActions_);
    fileMenu->addSeparator();
    // The researcher console of a user study: its own window, reading the database only.
    fileMenu->addAction(tr("Open Study &Console\u2026"), this, [this] {
        const QString database = QFileDialog::getOpenFileName(
            this, tr("Open a study database"), QString(), tr("Study databases (*.sqlite);;All files (*)"));
        if (database.isEmpty())
            return;
        auto *console = new StudyConsole(database);
        console->setAttribute(Qt::WA_DeleteOnClose);
        console->resize(1400, 900);
        console->refresh();
        console->show();
    });
    fileMenu->addSeparator();
    QAction *quit = fileMenu->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    quit->setMenuRole(QAction::QuitRole);

    QMenu *goMenu = menuBar()->addMenu(tr("&Go"));
    goMenu->addActions({previousAction_, nextAction_});
    goMenu->addSeparator();
    goMenu->addActions({firstAction_, lastAction_});

    QMenu *explainMenu = menuBar()->addMenu(tr("E&xplain"));
    explainMenu->addActions({explainAction_, compareAction_});
    explainMenu->addSeparator();
    explainMenu->addAction(
        tr("Cancel E&xplanation"), QKeySequence(Qt::Key_Escape), this, &MainWindow::cancelCurrent);
    explainMenu->addAction(tr("Cancel &All Jobs"), QKeySequence(Qt::SHIFT | Qt::Key_Escape), worker_,
        &ModelWorker::cancelAllJobs);
    explainMenu->addSeparator();
    explainMenu->addAction(autoExplainAction_);

    viewMenu_ = menuBar()->addMenu(tr("&View"));
    viewMenu_->addAction(tr("Show This View &Beside"), QKeySequence(tr("Ctrl+\\")), this, [this] {
        if (ExplorerView *view = tabs_->shownView())
            tabs_->showBeside(view);
    });
    viewMenu_->addAction(tr("&Unsplit"), this, [this] { tabs_->unsplit(); });
    viewMenu_->addSeparator();
    QAction *about = menuBar()->addMenu(tr("&Help"))->addAction(tr("&About Sightglass"), this, [this] {
        QMessageBox::about(this, tr("About Sightglass"),
            tr("<h3>Sightglass %1</h3><p>A native lab for explaining image classifiers.</p><p>%2</p>")
                .arg(QString::fromUtf8(sg::kVersion),
                    QString::fromStdString(sg::runtimeDescription()).toHtmlEscaped()));
    });
    about->setMenuRole(QAction::AboutRole);
}

void MainWindow::createToolBars()
{
    QToolBar *toolBar = addToolBar(tr("Main Toolbar"));
    toolBar->setObjectName(QStringLiteral("mainToolBar"));
    toolBar->setMovable(false);
    toolBar->setIconSize(QSize(20, 20));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->addActions({openModelAction_, openFolderAction_});
    toolBar->addSeparator();
    toolBar->addActions({previousAction_, nextAction_});
    viewMenu_->addAction(toolBar->toggleViewAction());

    QToolBar *viewBar = addToolBar(tr("View Controls"));
    viewBar->setObjectName(QStringLiteral("viewToolBar"));
    viewBar->setMovable(false);
    new ViewControls(*document_, viewBar);
    viewMenu_->addAction(viewBar->toggleViewAction());
}

void MainWindow::createDocks()
{
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    const auto addDock
        = [this](QWidget *widget, const QString &title, const QString &name, Qt::DockWidgetArea area) {
              auto *dock = new QDockWidget(title, this);
              dock->setObjectName(name);
              dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable
                  | QDockWidget::DockWidgetFloatable);
              dock->setWidget(widget);
              addDockWidget(area, dock);
              viewMenu_->addAction(dock->toggleViewAction());
              return dock;
          };
    panel_ = new PredictionPanel(this);
    QDockWidget *panelDock
        = addDock(panel_, tr("Prediction"), QStringLiteral("predictionDock"), Qt::RightDockWidgetArea);

    methods_ = new MethodPanel(sg::MethodRegistry::builtin(), this);
    QDockWidget *methodDock
        = addDock(methods_, tr("Method"), QStringLiteral("methodDock"), Qt::LeftDockWidgetArea);
    resizeDocks({methodDock}, {290}, Qt::Horizontal);
    connect(methods_, &MethodPanel::explainRequested, explainAction_, &QAction::trigger);
    connect(methods_, &MethodPanel::compareRequested, this, [this] { compareCurrent(); });
    connect(methods_, &MethodPanel::settingsChanged, this, &MainWindow::updateRequest);

    QDockWidget *curveDock = addDock(explanationView_->curvePlot(), tr("Deletion / Insertion"),
        QStringLiteral("curveDock"), Qt::RightDockWidgetArea);
    resizeDocks({panelDock}, {370}, Qt::Horizontal);
    resizeDocks({panelDock, curveDock}, {330, 420}, Qt::Vertical);

    strip_ = new ThumbnailStrip(this);
    QDockWidget *stripDock
        = addDock(strip_, tr("Images"), QStringLiteral("imagesDock"), Qt::BottomDockWidgetArea);
    connect(strip_, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0 && row != currentIndex())
            showImage(row);
    });
    jobs_ = new JobsPanel(this);
    QDockWidget *jobsDock = addDock(jobs_, tr("Jobs"), QStringLiteral("jobsDock"), Qt::BottomDockWidgetArea);
    tabifyDockWidget(stripDock, jobsDock);
    stripDock->raise();
    connect(jobs_, &JobsPanel::cancelRequested, worker_, &ModelWorker::cancelJob);
    connect(jobs_, &JobsPanel::cancelAllRequested, worker_, &ModelWorker::cancelAllJobs);
}

void MainWindow::createStatusBar()
{
    status_ = new StatusFields(*document_, *jobs_, statusBar());
    connect(worker_, &ModelWorker::jobChanged, this, [this](const sg::JobStatus &status) {
        jobs_->updateJob(status);
        status_->showJob(status);
    });
}

void MainWindow::readSettings()
{
    QSettings store = appSettings();
    const QByteArray geometry = store.value(kKeyGeometry).toByteArray();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(1280, 820);
    restoreState(store.value(kKeyState).toByteArray());
    methods_->restoreSettings(store);
    updateRequest();
    document_->setViewSettings(readViewSettings(store));
    setAutoExplain(store.value(kKeyAutoExplain, true).toBool());
    if (ExplorerView *shown = tabs_->view(store.value(kKeyCentralView).toString()))
        showView(shown);
}

void MainWindow::writeSettings() const
{
    QSettings store = appSettings();
    store.setValue(kKeyGeometry, saveGeometry());
    store.setValue(kKeyState, saveState());
    methods_->saveSettings(store);
    writeViewSettings(store, document_->viewSettings());
    store.setValue(kKeyAutoExplain, document_->autoExplain());
    if (tabs_->shownView())
        store.setValue(kKeyCentralView, tabs_->shownView()->id());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    writeSettings();
    event->accept();
}

void MainWindow::setDevice(const QString &device)
{
    worker_->setDevice(device);
}

void MainWindow::openModel(const QString &path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    panel_->setModelLoading(absolute);
    statusBar()->showMessage(tr("Loading model %1\u2026").arg(QFileInfo(path).fileName()));
    worker_->loadModel(absolute);
}

bool MainWindow::openImageFolder(const QString &folder, const QString &selectFile)
{
    QStringList files;
    try {
        for (const std::string &file : sg::listImages(folder.toStdString()))
            files << QString::fromStdString(file);
    } catch (const sg::Error &error) {
        showError(QString::fromStdString(error.what()));
        return false;
    }
    const QString absolute = QFileInfo(folder).absoluteFilePath();
    rememberImageFolder(absolute);
    strip_->setFiles(files);
    const int selected = selectFile.isEmpty() || files.isEmpty()
        ? (files.isEmpty() ? -1 : 0)
        : std::max(0, int(files.indexOf(QFileInfo(selectFile).absoluteFilePath())));
    document_->setFolder(absolute, files, selected);
    if (files.isEmpty()) {
        panel_->setPredictionMessage(QString(), tr("No image."), false);
        statusBar()->showMessage(
            tr("No images in %1").arg(QDir::toNativeSeparators(absolute)), kStatusMessageMs);
        return false;
    }
    return true;
}

bool MainWindow::openImage(const QString &imagePath)
{
    return openImageFolder(QFileInfo(imagePath).absolutePath(), imagePath);
}

void MainWindow::showImage(int index)
{
    document_->setCurrentIndex(index);
}

void MainWindow::showPrevious()
{
    showImage(currentIndex() - 1);
}

void MainWindow::showNext()
{
    showImage(currentIndex() + 1);
}

void MainWindow::onImageChanged()
{
    const int index = currentIndex();
    const int count = int(files().size());
    previousAction_->setEnabled(index > 0);
    firstAction_->setEnabled(index > 0);
    nextAction_->setEnabled(index >= 0 && index < count - 1);
    lastAction_->setEnabled(index >= 0 && index < count - 1);
    QStringList title;
    const QString path = document_->currentPath();
    if (!path.isEmpty())
        title << QFileInfo(path).fileName();
    if (document_->hasModel())
        title << document_->model().name;
    setWindowTitle((title << QStringLiteral("Sightglass")).join(QStringLiteral(" \u2014 ")));
    if (path.isEmpty())
        return;
    {
        const QSignalBlocker blocker(strip_);
        strip_->setCurrentRow(index);
    }
    strip_->scrollToItem(strip_->item(index), QAbstractItemView::PositionAtCenter);
}

void MainWindow::showError(const QString &message)
{
    statusBar()->showMessage(message, kStatusMessageMs);
    Q_EMIT failed(message);
}

void MainWindow::onModelLoaded(const ModelInfo &info)
{
    panel_->setModel(info);
    QStringList labels;
    for (const std::string &label : info.spec.labels)
        labels << QString::fromStdString(label);
    methods_->setModel(labels, info.spec.hasSplit());
    updateRequest();
    RecentModelsMenu::add(info.path);
    statusBar()->clearMessage();
    document_->setModel(info); // views drop the old model's work and show the image again
    Q_EMIT modelReady(info);
}

void MainWindow::updateRequest()
{
    sg::ExplanationRequest request;
    request.method = methods_->methodId().toStdString();
    request.resolution = methods_->resolution();
    request.target = methods_->target();
    request.params = methods_->params();
    document_->setExplanationRequest(request, methods_->blockedReason());
}

void MainWindow::chooseModel()
{
    if (const QString path
        = chooseModelPath(this, document_->hasModel() ? document_->model().path : QString());
        !path.isEmpty())
        openModel(path);
}

void MainWindow::chooseFolder()
{
    if (const QString folder = chooseFolderPath(this, document_->folder()); !folder.isEmpty())
        openImageFolder(folder);
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (const DroppedFiles dropped = droppedFiles(*event->mimeData()); !dropped.isEmpty())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const DroppedFiles dropped = droppedFiles(*event->mimeData());
    if (dropped.isEmpty())
        return;
    event->acceptProposedAction();
    if (!dropped.model.isEmpty())
        openModel(dropped.model);
    if (!dropped.images.isEmpty())
        QFileInfo(dropped.images).isDir() ? openImageFolder(dropped.images) : openImage(dropped.images);
}

// --- explanations and view settings ----------------------------------------------------------

sg::JobId MainWindow::explainCurrent()
{
    return explanationView_->explainNow();
}

int MainWindow::compareCurrent()
{
    const int queued = compareView_->compareNow(); // first, so showing the tab starts nothing more
    showView(compareView_);
    return queued;
}

void MainWindow::cancelCurrent()
{
    explanationView_->cancel();
}

void MainWindow::setAutoExplain(bool on)
{
    document_->setAutoExplain(on);
    if (autoExplainAction_->isChecked() != on)
        autoExplainAction_->setChecked(on);
}

// --- export --------------------------------------------------------------------------------

bool MainWindow::save(
    const QString &path, const QString &what, const std::function<QString(QByteArray *)> &make)
{
    QByteArray bytes;
    QString error = make(&bytes);
    if (error.isEmpty())
        error = writeFileAtomically(path, bytes, what);
    if (!error.isEmpty()) {
        showError(error);
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), kStatusMessageMs);
    return true;
}

bool MainWindow::exportOverlay(const QString &path)
{
    return save(
        path, tr("overlay"), [this](QByteArray *bytes) { return explanationView_->overlayPng(bytes); });
}

bool MainWindow::exportSaliency(const QString &path)
{
    return save(path, tr("map"), [this](QByteArray *bytes) { return explanationView_->saliencyNpy(bytes); });
}

bool MainWindow::exportResultJson(const QString &path)
{
    return save(
        path, tr("result"), [this](QByteArray *bytes) { return explanationView_->resultJson(bytes); });
}

bool MainWindow::exportComparison(const QString &path)
{
    return save(
        path, tr("comparison"), [this](QByteArray *bytes) { return compareView_->comparisonPng(bytes); });
}

void MainWindow::chooseExport(const QString &title, const QString &filter, const QString &suffix,
    bool (MainWindow::*exporter)(const QString &))
{
    const QString current = document_->currentPath();
    const QString base
        = current.isEmpty() ? QString() : QFileInfo(current).completeBaseName() + QLatin1Char('-');
    if (const QString path = chooseExportPath(this, title, filter, base + suffix); !path.isEmpty())
        (this->*exporter)(path);
}

} // namespace sg::ui
