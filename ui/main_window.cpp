#include "main_window.h"

#include "compare_grid.h"
#include "curve_plot.h"
#include "heatmap_canvas.h"
#include "jobs_panel.h"
#include "mat_qimage.h"
#include "method_panel.h"
#include "prediction_panel.h"
#include "theme.h"
#include "thumbnail_strip.h"

#include "common/version.h"
#include "image/image_io.h"
#include "image/npy.h"
#include "jobs/explanation_json.h"
#include "model/runtime.h"

#include <QAction>
#include <QApplication>
#include <QBuffer>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPainterPath>
#include <QProgressBar>
#include <QSaveFile>
#include <QSettings>
#include <QSlider>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>

#include <algorithm>
#include <cmath>

namespace sg::ui {

namespace {

constexpr int kMaxRecentModels = 8;
constexpr int kStatusMessageMs = 8000;
constexpr int kCacheKiB = 256 * 1024;

const QString kKeyGeometry = QStringLiteral("window/geometry");
const QString kKeyState = QStringLiteral("window/state");
const QString kKeyRecentModels = QStringLiteral("recentModels");
const QString kKeyModelDir = QStringLiteral("dialogs/modelDir");
const QString kKeyImageDir = QStringLiteral("dialogs/imageDir");
const QString kKeyExportDir = QStringLiteral("dialogs/exportDir");
const QString kKeyOpacity = QStringLiteral("view/opacity");
const QString kKeyColormap = QStringLiteral("view/colormap");
const QString kKeyThresholdOn = QStringLiteral("view/thresholdOn");
const QString kKeyThreshold = QStringLiteral("view/threshold");
const QString kKeyContour = QStringLiteral("view/contour");
const QString kKeyAutoExplain = QStringLiteral("explain/auto");
const QString kKeyCentralTab = QStringLiteral("window/centralTab");

QSettings settings()
{
    return QSettings(QStringLiteral("Sightglass"), QStringLiteral("Sightglass"));
}

enum class Glyph { Model, Folder, Previous, Next };

// Toolbar icons drawn as light strokes, so they read well on the dark palette at any scale.
QIcon glyphIcon(Glyph glyph)
{
    QIcon icon;
    for (const int size : {16, 24, 32, 48}) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.scale(size / 24.0, size / 24.0);
        QPen pen(QColor(0xd4, 0xd7, 0xdc), 1.8, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
        painter.setPen(pen);
        painter.setBrush(Qt::NoBrush);
        switch (glyph) {
        case Glyph::Model: {
            // A small layered network: three inputs, two hidden units, one output.
            const QPointF in[] = {{5, 6}, {5, 12}, {5, 18}};
            const QPointF hidden[] = {{12, 9}, {12, 15}};
            const QPointF out(19, 12);
            QPen thin = pen;
            thin.setWidthF(1.0);
            painter.setPen(thin);
            for (const QPointF &a : in)
                for (const QPointF &b : hidden)
                    painter.drawLine(a, b);
            for (const QPointF &b : hidden)
                painter.drawLine(b, out);
            painter.setPen(Qt::NoPen);
            painter.setBrush(QColor(0xd4, 0xd7, 0xdc));
            for (const QPointF &a : in)
                painter.drawEllipse(a, 2.0, 2.0);
            for (const QPointF &b : hidden)
                painter.drawEllipse(b, 2.0, 2.0);
            painter.setBrush(theme::kAccent.lighter(115));
            painter.drawEllipse(out, 2.6, 2.6);
            break;
        }
        case Glyph::Folder: {
            QPainterPath path;
            path.moveTo(3, 7);
            path.lineTo(3, 18.5);
            path.lineTo(21, 18.5);
            path.lineTo(21, 8.5);
            path.lineTo(11.5, 8.5);
            path.lineTo(9.5, 6);
            path.lineTo(3.8, 6);
            path.closeSubpath();
            painter.drawPath(path);
            break;
        }
        case Glyph::Previous: painter.drawPolyline(QPolygonF({{14.5, 6}, {8.5, 12}, {14.5, 18}})); break;
        case Glyph::Next: painter.drawPolyline(QPolygonF({{9.5, 6}, {15.5, 12}, {9.5, 18}})); break;
        }
        icon.addPixmap(pixmap);
    }
    return icon;
}

QStringList imageNameFilters()
{
    QStringList filters;
    for (const std::string &extension : sg::imageExtensions())
        filters << QLatin1Char('*') + QString::fromStdString(extension);
    return filters;
}

bool isModelFile(const QString &path)
{
    return path.endsWith(QStringLiteral(".pt"), Qt::CaseInsensitive);
}

// File-name order as people expect it: "img2" before "img10", case ignored.
bool naturalLess(const QString &a, const QString &b)
{
    int i = 0;
    int j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i].isDigit() && b[j].isDigit()) {
            int endA = i;
            int endB = j;
            while (endA < a.size() && a[endA].isDigit())
                ++endA;
            while (endB < b.size() && b[endB].isDigit())
                ++endB;
            // Compare the digit runs as numbers: drop leading zeros, then longer is larger.
            int startA = i;
            int startB = j;
            while (startA < endA - 1 && a[startA] == QLatin1Char('0'))
                ++startA;
            while (startB < endB - 1 && b[startB] == QLatin1Char('0'))
                ++startB;
            const QStringView runA = QStringView(a).mid(startA, endA - startA);
            const QStringView runB = QStringView(b).mid(startB, endB - startB);
            if (runA.size() != runB.size())
                return runA.size() < runB.size();
            if (const int order = runA.compare(runB); order != 0)
                return order < 0;
            i = endA;
            j = endB;
            continue;
        }
        const QChar ca = a[i].toCaseFolded();
        const QChar cb = b[j].toCaseFolded();
        if (ca != cb)
            return ca < cb;
        ++i;
        ++j;
    }
    if ((a.size() - i) != (b.size() - j))
        return (a.size() - i) < (b.size() - j);
    return a < b; // equal ignoring case and zeros: any fixed order
}

QLabel *statusField(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setContentsMargins(8, 0, 8, 0);
    return label;
}

} // namespace

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent), cache_(kCacheKiB)
{
    setObjectName(QStringLiteral("MainWindow"));
    setAcceptDrops(true);

    session_ = new ModelSession(this);
    connect(session_, &ModelSession::modelLoaded, this, &MainWindow::onModelLoaded);
    connect(session_, &ModelSession::modelFailed, this, &MainWindow::onModelFailed);
    connect(session_, &ModelSession::imageReady, this, &MainWindow::onImageReady);
    connect(session_, &ModelSession::predicted, this, &MainWindow::onPredicted);
    connect(session_, &ModelSession::imageFailed, this, &MainWindow::onImageFailed);

    connect(session_, &ModelSession::explanationProgress, this, &MainWindow::onExplanationProgress);
    connect(session_, &ModelSession::explained, this, &MainWindow::onExplained);
    connect(session_, &ModelSession::explainFailed, this, &MainWindow::onExplainFailed);
    connect(session_, &ModelSession::jobChanged, this, &MainWindow::onJobChanged);

    canvas_ = new HeatmapCanvas(this);
    canvas_->setMessage(
        tr("Open an image folder (Ctrl+Shift+O)\nor drop images, a folder or a model (.pt) here"));
    grid_ = new CompareGrid(this);
    tabs_ = new QTabWidget(this);
    tabs_->setObjectName(QStringLiteral("centralTabs"));
    tabs_->setDocumentMode(true);
    tabs_->addTab(canvas_, tr("Explanation"));
    tabs_->addTab(grid_, tr("Compare"));
    setCentralWidget(tabs_);
    connect(tabs_, &QTabWidget::currentChanged, this, [this](int index) {
        if (index == 1 && autoExplain_ && comparePath_ != currentPath())
            compareCurrent();
    });

    createActions();
    createMenus();
    createToolBar();
    createDocks();
    createStatusBar();
    readSettings();
    updateNavigation();
    updateStatus();
    updateTitle();
}

MainWindow::~MainWindow()
{
    // Finish (or drop) model work while the window is still whole.
    delete session_;
    session_ = nullptr;
}

void MainWindow::createActions()
{
    openModelAction_ = new QAction(glyphIcon(Glyph::Model), tr("Open &Model\u2026"), this);
    openModelAction_->setShortcut(QKeySequence::Open);
    openModelAction_->setToolTip(tr("Open a TorchScript classifier (.pt with its .json sidecar)"));
    connect(openModelAction_, &QAction::triggered, this, &MainWindow::chooseModel);

    openFolderAction_ = new QAction(glyphIcon(Glyph::Folder), tr("Open Image &Folder\u2026"), this);
    openFolderAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    openFolderAction_->setToolTip(tr("Open a folder of images"));
    connect(openFolderAction_, &QAction::triggered, this, &MainWindow::chooseFolder);

    quitAction_ = new QAction(tr("&Quit"), this);
    quitAction_->setShortcut(QKeySequence::Quit);
    quitAction_->setMenuRole(QAction::QuitRole);
    connect(quitAction_, &QAction::triggered, this, &QWidget::close);

    previousAction_ = new QAction(glyphIcon(Glyph::Previous), tr("&Previous Image"), this);
    previousAction_->setShortcuts({QKeySequence(Qt::Key_Left), QKeySequence(Qt::Key_PageUp)});
    previousAction_->setToolTip(tr("Previous image (Left, Page Up)"));
    connect(previousAction_, &QAction::triggered, this, &MainWindow::showPrevious);

    nextAction_ = new QAction(glyphIcon(Glyph::Next), tr("&Next Image"), this);
    nextAction_->setShortcuts({QKeySequence(Qt::Key_Right), QKeySequence(Qt::Key_PageDown)});
    nextAction_->setToolTip(tr("Next image (Right, Page Down)"));
    connect(nextAction_, &QAction::triggered, this, &MainWindow::showNext);

    firstAction_ = new QAction(tr("F&irst Image"), this);
    firstAction_->setShortcut(QKeySequence(Qt::Key_Home));
    connect(firstAction_, &QAction::triggered, this, [this] { showImage(0); });

    lastAction_ = new QAction(tr("&Last Image"), this);
    lastAction_->setShortcut(QKeySequence(Qt::Key_End));
    connect(lastAction_, &QAction::triggered, this, [this] { showImage(int(files_.size()) - 1); });

    explainAction_ = new QAction(tr("&Explain"), this);
    explainAction_->setShortcut(QKeySequence(Qt::Key_E));
    explainAction_->setToolTip(tr("Explain the current image with the method panel's settings (E)"));
    connect(explainAction_, &QAction::triggered, this, [this] {
        tabs_->setCurrentIndex(0);
        explainCurrent();
    });

    compareAction_ = new QAction(tr("&Compare Methods"), this);
    compareAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    compareAction_->setToolTip(tr("Explain the current image with every method and resolution (Ctrl+K)"));
    connect(compareAction_, &QAction::triggered, this, [this] { compareCurrent(); });

    cancelAction_ = new QAction(tr("Cancel E&xplanation"), this);
    cancelAction_->setShortcut(QKeySequence(Qt::Key_Escape));
    connect(cancelAction_, &QAction::triggered, this, &MainWindow::cancelCurrent);

    cancelAllAction_ = new QAction(tr("Cancel &All Jobs"), this);
    cancelAllAction_->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_Escape));
    connect(cancelAllAction_, &QAction::triggered, this, [this] { session_->cancelAllJobs(); });

    autoExplainAction_ = new QAction(tr("Explain Each &Image Shown"), this);
    autoExplainAction_->setCheckable(true);
    autoExplainAction_->setChecked(autoExplain_);
    autoExplainAction_->setToolTip(tr("Start an explanation whenever an image is shown"));
    connect(autoExplainAction_, &QAction::toggled, this, &MainWindow::setAutoExplain);

    exportOverlayAction_ = new QAction(tr("Export &Overlay (PNG)\u2026"), this);
    exportOverlayAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_S));
    connect(exportOverlayAction_, &QAction::triggered, this, [this] {
        chooseExport(tr("Export Overlay"), tr("PNG images (*.png)"), QStringLiteral("overlay.png"),
            &MainWindow::exportOverlay);
    });
    exportSaliencyAction_ = new QAction(tr("Export Saliency Map (.&npy)\u2026"), this);
    connect(exportSaliencyAction_, &QAction::triggered, this, [this] {
        chooseExport(tr("Export Saliency Map"), tr("NumPy arrays (*.npy)"), QStringLiteral("saliency.npy"),
            &MainWindow::exportSaliency);
    });
    exportResultAction_ = new QAction(tr("Export &result.json\u2026"), this);
    connect(exportResultAction_, &QAction::triggered, this, [this] {
        chooseExport(tr("Export Result"), tr("JSON (*.json)"), QStringLiteral("result.json"),
            &MainWindow::exportResultJson);
    });
    exportComparisonAction_ = new QAction(tr("Export &Comparison (PNG)\u2026"), this);
    connect(exportComparisonAction_, &QAction::triggered, this, [this] {
        chooseExport(tr("Export Comparison"), tr("PNG images (*.png)"), QStringLiteral("comparison.png"),
            &MainWindow::exportComparison);
    });

    aboutAction_ = new QAction(tr("&About Sightglass"), this);
    aboutAction_->setMenuRole(QAction::AboutRole);
    connect(aboutAction_, &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About Sightglass"),
            tr("<h3>Sightglass %1</h3><p>A native lab for explaining image classifiers.</p>"
               "<p>%2</p>")
                .arg(QString::fromUtf8(sg::kVersion),
                    QString::fromStdString(sg::runtimeDescription()).toHtmlEscaped()));
    });
}

void MainWindow::createMenus()
{
    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    fileMenu->addAction(openModelAction_);
    recentMenu_ = fileMenu->addMenu(tr("Open &Recent Models"));
    connect(recentMenu_, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
    fileMenu->addAction(openFolderAction_);
    fileMenu->addSeparator();
    QMenu *exportMenu = fileMenu->addMenu(tr("&Export"));
    exportMenu->addAction(exportOverlayAction_);
    exportMenu->addAction(exportSaliencyAction_);
    exportMenu->addAction(exportResultAction_);
    exportMenu->addAction(exportComparisonAction_);
    fileMenu->addSeparator();
    fileMenu->addAction(quitAction_);

    QMenu *goMenu = menuBar()->addMenu(tr("&Go"));
    goMenu->addAction(previousAction_);
    goMenu->addAction(nextAction_);
    goMenu->addSeparator();
    goMenu->addAction(firstAction_);
    goMenu->addAction(lastAction_);

    QMenu *explainMenu = menuBar()->addMenu(tr("E&xplain"));
    explainMenu->addAction(explainAction_);
    explainMenu->addAction(compareAction_);
    explainMenu->addSeparator();
    explainMenu->addAction(cancelAction_);
    explainMenu->addAction(cancelAllAction_);
    explainMenu->addSeparator();
    explainMenu->addAction(autoExplainAction_);

    viewMenu_ = menuBar()->addMenu(tr("&View"));

    QMenu *helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->addAction(aboutAction_);
    rebuildRecentMenu();
}

void MainWindow::createToolBar()
{
    QToolBar *toolBar = addToolBar(tr("Main Toolbar"));
    toolBar->setObjectName(QStringLiteral("mainToolBar"));
    toolBar->setMovable(false);
    toolBar->setIconSize(QSize(20, 20));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->addAction(openModelAction_);
    toolBar->addAction(openFolderAction_);
    toolBar->addSeparator();
    toolBar->addAction(previousAction_);
    toolBar->addAction(nextAction_);
    viewMenu_->addAction(toolBar->toggleViewAction());

    // The view controls change only how maps are drawn, never a job.
    QToolBar *viewBar = addToolBar(tr("View Controls"));
    viewBar->setObjectName(QStringLiteral("viewToolBar"));
    viewBar->setMovable(false);
    viewBar->addWidget(new QLabel(tr(" Opacity "), viewBar));
    opacitySlider_ = new QSlider(Qt::Horizontal, viewBar);
    opacitySlider_->setObjectName(QStringLiteral("opacitySlider"));
    opacitySlider_->setRange(0, 100);
    opacitySlider_->setValue(int(std::lround(canvas_->opacity() * 100)));
    opacitySlider_->setFixedWidth(120);
    opacitySlider_->setToolTip(tr("Opacity of the map over the image"));
    viewBar->addWidget(opacitySlider_);
    connect(opacitySlider_, &QSlider::valueChanged, this,
        [this](int value) { setOverlayOpacity(value / 100.0); });
    viewBar->addWidget(new QLabel(tr("  Colours "), viewBar));
    colormapCombo_ = new QComboBox(viewBar);
    colormapCombo_->setObjectName(QStringLiteral("colormapCombo"));
    for (const std::string &name : sg::colormapNames())
        colormapCombo_->addItem(QString::fromStdString(name));
    viewBar->addWidget(colormapCombo_);
    connect(colormapCombo_, &QComboBox::currentTextChanged, this,
        [this](const QString &name) { setColormap(sg::colormapFromName(name.toStdString())); });
    thresholdCheck_ = new QCheckBox(tr("Threshold"), viewBar);
    thresholdCheck_->setToolTip(tr("Hide map values below the threshold"));
    viewBar->addWidget(new QLabel(QStringLiteral("  "), viewBar));
    viewBar->addWidget(thresholdCheck_);
    thresholdSpin_ = new QDoubleSpinBox(viewBar);
    thresholdSpin_->setRange(0.0, 1.0);
    thresholdSpin_->setSingleStep(0.05);
    thresholdSpin_->setDecimals(2);
    thresholdSpin_->setValue(0.5);
    viewBar->addWidget(thresholdSpin_);
    const auto applyThreshold = [this] {
        setThreshold(
            thresholdCheck_->isChecked() ? std::optional<double>(thresholdSpin_->value()) : std::nullopt);
    };
    connect(thresholdCheck_, &QCheckBox::toggled, this, applyThreshold);
    connect(thresholdSpin_, &QDoubleSpinBox::valueChanged, this, applyThreshold);
    contourCheck_ = new QCheckBox(tr("Contour"), viewBar);
    contourCheck_->setToolTip(tr("Outline the region above the threshold (0.5 when none is set)"));
    viewBar->addWidget(new QLabel(QStringLiteral("  "), viewBar));
    viewBar->addWidget(contourCheck_);
    connect(contourCheck_, &QCheckBox::toggled, this, &MainWindow::setContourVisible);
    viewMenu_->addAction(viewBar->toggleViewAction());
}

void MainWindow::createDocks()
{
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    const auto features
        = QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetFloatable;

    panel_ = new PredictionPanel(this);
    auto *panelDock = new QDockWidget(tr("Prediction"), this);
    panelDock->setObjectName(QStringLiteral("predictionDock"));
    panelDock->setFeatures(features);
    panelDock->setWidget(panel_);
    addDockWidget(Qt::RightDockWidgetArea, panelDock);

    strip_ = new ThumbnailStrip(this);
    auto *stripDock = new QDockWidget(tr("Images"), this);
    stripDock->setObjectName(QStringLiteral("imagesDock"));
    stripDock->setFeatures(features);
    stripDock->setWidget(strip_);
    addDockWidget(Qt::BottomDockWidgetArea, stripDock);
    connect(strip_, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0 && row != current_)
            showImage(row);
    });

    methods_ = new MethodPanel(sg::MethodRegistry::builtin(), this);
    auto *methodDock = new QDockWidget(tr("Method"), this);
    methodDock->setObjectName(QStringLiteral("methodDock"));
    methodDock->setFeatures(features);
    methodDock->setWidget(methods_);
    addDockWidget(Qt::LeftDockWidgetArea, methodDock);
    resizeDocks({methodDock}, {290}, Qt::Horizontal);
    connect(methods_, &MethodPanel::explainRequested, explainAction_, &QAction::trigger);
    connect(methods_, &MethodPanel::compareRequested, this, [this] { compareCurrent(); });
    // New settings show what is known for them at once; computing waits for Explain.
    connect(methods_, &MethodPanel::settingsChanged, this, [this] { refreshExplanation(false); });

    curves_ = new CurvePlot(this);
    curves_->clear(tr("No map yet."));
    auto *curveDock = new QDockWidget(tr("Deletion / Insertion"), this);
    curveDock->setObjectName(QStringLiteral("curveDock"));
    curveDock->setFeatures(features);
    curveDock->setWidget(curves_);
    addDockWidget(Qt::RightDockWidgetArea, curveDock);
    resizeDocks({panelDock}, {370}, Qt::Horizontal);
    resizeDocks({panelDock, curveDock}, {330, 420}, Qt::Vertical);
    connect(curves_, &CurvePlot::stepHovered, this, &MainWindow::onCurveStep);
    connect(curves_, &CurvePlot::stepLeft, canvas_, &HeatmapCanvas::clearStepImage);

    jobs_ = new JobsPanel(this);
    auto *jobsDock = new QDockWidget(tr("Jobs"), this);
    jobsDock->setObjectName(QStringLiteral("jobsDock"));
    jobsDock->setFeatures(features);
    jobsDock->setWidget(jobs_);
    addDockWidget(Qt::BottomDockWidgetArea, jobsDock);
    tabifyDockWidget(stripDock, jobsDock);
    stripDock->raise();
    connect(jobs_, &JobsPanel::cancelRequested, session_, &ModelSession::cancelJob);
    connect(jobs_, &JobsPanel::cancelAllRequested, session_, &ModelSession::cancelAllJobs);

    viewMenu_->addAction(panelDock->toggleViewAction());
    viewMenu_->addAction(methodDock->toggleViewAction());
    viewMenu_->addAction(curveDock->toggleViewAction());
    viewMenu_->addAction(stripDock->toggleViewAction());
    viewMenu_->addAction(jobsDock->toggleViewAction());
}

void MainWindow::createStatusBar()
{
    fileLabel_ = statusField(this);
    fileLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    positionLabel_ = statusField(this);
    modelLabel_ = statusField(this);
    deviceLabel_ = statusField(this);
    jobLabel_ = statusField(this);
    jobProgress_ = new QProgressBar(this);
    jobProgress_->setRange(0, 1000);
    jobProgress_->setFixedWidth(140);
    jobProgress_->setMaximumHeight(14);
    jobProgress_->setTextVisible(false);
    jobProgress_->hide();
    jobLabel_->hide();
    statusBar()->addWidget(fileLabel_, 1);
    statusBar()->addPermanentWidget(jobLabel_);
    statusBar()->addPermanentWidget(jobProgress_);
    statusBar()->addPermanentWidget(positionLabel_);
    statusBar()->addPermanentWidget(modelLabel_);
    statusBar()->addPermanentWidget(deviceLabel_);
}

void MainWindow::readSettings()
{
    QSettings store = settings();
    const QByteArray geometry = store.value(kKeyGeometry).toByteArray();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(1280, 820);
    restoreState(store.value(kKeyState).toByteArray());
    methods_->restoreSettings(store);
    opacitySlider_->setValue(std::clamp(store.value(kKeyOpacity, 50).toInt(), 0, 100));
    const int colormap
        = colormapCombo_->findText(store.value(kKeyColormap, QStringLiteral("jet")).toString());
    colormapCombo_->setCurrentIndex(std::max(0, colormap));
    thresholdSpin_->setValue(std::clamp(store.value(kKeyThreshold, 0.5).toDouble(), 0.0, 1.0));
    thresholdCheck_->setChecked(store.value(kKeyThresholdOn, false).toBool());
    contourCheck_->setChecked(store.value(kKeyContour, false).toBool());
    autoExplainAction_->setChecked(store.value(kKeyAutoExplain, true).toBool());
    tabs_->setCurrentIndex(std::clamp(store.value(kKeyCentralTab, 0).toInt(), 0, 1));
}

void MainWindow::writeSettings() const
{
    QSettings store = settings();
    store.setValue(kKeyGeometry, saveGeometry());
    store.setValue(kKeyState, saveState());
    methods_->saveSettings(store);
    store.setValue(kKeyOpacity, opacitySlider_->value());
    store.setValue(kKeyColormap, colormapCombo_->currentText());
    store.setValue(kKeyThreshold, thresholdSpin_->value());
    store.setValue(kKeyThresholdOn, thresholdCheck_->isChecked());
    store.setValue(kKeyContour, contourCheck_->isChecked());
    store.setValue(kKeyAutoExplain, autoExplain_);
    store.setValue(kKeyCentralTab, tabs_->currentIndex());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    writeSettings();
    event->accept();
}

void MainWindow::setDevice(const QString &device)
{
    session_->setDevice(device);
}

void MainWindow::openModel(const QString &path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    panel_->setModelLoading(absolute);
    statusBar()->showMessage(tr("Loading model %1\u2026").arg(QFileInfo(path).fileName()));
    session_->loadModel(absolute);
}

bool MainWindow::openImageFolder(const QString &folder, const QString &selectFile)
{
    const QFileInfo info(folder);
    if (!info.isDir()) {
        showError(tr("%1: not a folder").arg(QDir::toNativeSeparators(folder)));
        return false;
    }
    QDir dir(info.absoluteFilePath());
    const QFileInfoList entries
        = dir.entryInfoList(imageNameFilters(), QDir::Files | QDir::Readable, QDir::NoSort);
    QStringList files;
    files.reserve(entries.size());
    for (const QFileInfo &entry : entries)
        files << entry.absoluteFilePath();
    std::sort(files.begin(), files.end(), naturalLess);

    folder_ = dir.absolutePath();
    files_ = files;
    current_ = -1;
    displayedPath_.clear();
    strip_->setFiles(files_);
    settings().setValue(kKeyImageDir, folder_);

    if (files_.isEmpty()) {
        canvas_->setImage(QImage());
        canvas_->setMessage(tr("No images in %1").arg(QDir::toNativeSeparators(folder_)));
        clearExplanation(tr("No image."));
        panel_->setPredictionMessage(QString(), tr("No image."), false);
        statusBar()->showMessage(
            tr("No images in %1").arg(QDir::toNativeSeparators(folder_)), kStatusMessageMs);
        updateNavigation();
        updateStatus();
        updateTitle();
        return false;
    }
    const int selected = selectFile.isEmpty()
        ? 0
        : std::max(0, int(files_.indexOf(QFileInfo(selectFile).absoluteFilePath())));
    showImage(selected);
    return true;
}

bool MainWindow::openImage(const QString &imagePath)
{
    return openImageFolder(QFileInfo(imagePath).absolutePath(), imagePath);
}

QString MainWindow::currentPath() const
{
    return current_ >= 0 && current_ < files_.size() ? files_[current_] : QString();
}

void MainWindow::showImage(int index)
{
    if (index < 0 || index >= files_.size())
        return;
    current_ = index;
    const QString path = files_[index];
    const QString name = QFileInfo(path).fileName();
    {
        const QSignalBlocker blocker(strip_);
        strip_->setCurrentRow(index);
    }
    strip_->scrollToItem(strip_->item(index), QAbstractItemView::PositionAtCenter);
    updateNavigation();
    updateStatus();
    updateTitle();

    if (const CachedResult *cached = cache_.object(path)) {
        displayedPath_ = path;
        canvas_->setMessage(QString());
        canvas_->setImage(cached->display);
        panel_->setScores(name, cached->scores);
        methods_->setTopClass(cached->scores.isEmpty() ? -1 : cached->scores.front().index);
        Q_EMIT predictionShown(path, cached->scores);
    } else {
        panel_->setPending(name);
        session_->predictImage(path, kTopK);
    }
    refreshExplanation();
}

void MainWindow::showPrevious()
{
    showImage(current_ - 1);
}

void MainWindow::showNext()
{
    showImage(current_ + 1);
}

void MainWindow::updateNavigation()
{
    const int count = int(files_.size());
    previousAction_->setEnabled(current_ > 0);
    firstAction_->setEnabled(current_ > 0);
    nextAction_->setEnabled(current_ >= 0 && current_ < count - 1);
    lastAction_->setEnabled(current_ >= 0 && current_ < count - 1);
}

void MainWindow::updateStatus()
{
    const QString path = currentPath();
    if (path.isEmpty()) {
        fileLabel_->clear();
        positionLabel_->setText(files_.isEmpty() ? tr("no images") : QString());
    } else {
        QString text = QFileInfo(path).fileName();
        if (displayedPath_ == path && !canvas_->image().isNull()) {
            const QSize size = canvas_->image().size();
            text += QStringLiteral("   %1\u00d7%2").arg(size.width()).arg(size.height());
        }
        fileLabel_->setText(text);
        fileLabel_->setToolTip(path);
        positionLabel_->setText(tr("image %1 of %2").arg(current_ + 1).arg(files_.size()));
    }
    modelLabel_->setText(hasModel_ ? model_.name : tr("no model"));
    modelLabel_->setToolTip(hasModel_ ? model_.path : QString());
    deviceLabel_->setText(hasModel_ ? model_.device.toUpper() : QString());
    deviceLabel_->setVisible(hasModel_);
}

void MainWindow::updateTitle()
{
    QStringList parts;
    const QString path = currentPath();
    if (!path.isEmpty())
        parts << QFileInfo(path).fileName();
    if (hasModel_)
        parts << model_.name;
    parts << QStringLiteral("Sightglass");
    setWindowTitle(parts.join(QStringLiteral(" \u2014 ")));
}

void MainWindow::showError(const QString &message)
{
    statusBar()->showMessage(message, kStatusMessageMs);
    Q_EMIT failed(message);
}

void MainWindow::chooseModel()
{
    QString start = settings().value(kKeyModelDir).toString();
    if (hasModel_)
        start = QFileInfo(model_.path).absolutePath();
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Model"), start, tr("TorchScript models (*.pt);;All files (*)"));
    if (path.isEmpty())
        return;
    settings().setValue(kKeyModelDir, QFileInfo(path).absolutePath());
    openModel(path);
}

void MainWindow::chooseFolder()
{
    const QString start = folder_.isEmpty() ? settings().value(kKeyImageDir).toString() : folder_;
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Open Image Folder"), start);
    if (!folder.isEmpty())
        openImageFolder(folder);
}

void MainWindow::rebuildRecentMenu()
{
    recentMenu_->clear();
    const QStringList recent = settings().value(kKeyRecentModels).toStringList();
    for (int i = 0; i < recent.size(); ++i) {
        const QString &path = recent[i];
        const QString text = QStringLiteral("&%1  %2").arg(i + 1).arg(QFileInfo(path).fileName());
        QAction *action = recentMenu_->addAction(text);
        action->setToolTip(path);
        action->setStatusTip(QDir::toNativeSeparators(path));
        action->setEnabled(QFileInfo::exists(path));
        connect(action, &QAction::triggered, this, [this, path] { openModel(path); });
    }
    if (recent.isEmpty()) {
        recentMenu_->addAction(tr("No recent models"))->setEnabled(false);
        return;
    }
    recentMenu_->addSeparator();
    connect(recentMenu_->addAction(tr("Clear List")), &QAction::triggered, this,
        [] { settings().remove(kKeyRecentModels); });
}

void MainWindow::addRecentModel(const QString &path)
{
    QSettings store = settings();
    QStringList recent = store.value(kKeyRecentModels).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecentModels)
        recent.removeLast();
    store.setValue(kKeyRecentModels, recent);
}

void MainWindow::onModelLoaded(const ModelInfo &info)
{
    hasModel_ = true;
    model_ = info;
    cache_.clear();
    shown_.reset();
    // Explanations queued for the old model would run on the new one under old titles.
    cancelCurrent();
    currentJob_ = 0;
    cancelCompareJobs();
    comparePath_.clear();
    grid_->clear(tr("Compare methods on the current image: choose Compare in the method panel."));
    panel_->setModel(info);
    methods_->setModel(info.labels, info.hasSplit);
    addRecentModel(info.path);
    statusBar()->clearMessage();
    updateStatus();
    updateTitle();
    Q_EMIT modelReady(info);
    if (current_ >= 0)
        showImage(current_); // predict the image on screen with the new model
}

void MainWindow::onModelFailed(const QString &path, const QString &message)
{
    panel_->setModelError(message);
    showError(tr("Could not load model: %1").arg(message));
}

void MainWindow::onImageReady(const QString &path, const QImage &display)
{
    if (path != currentPath())
        return; // the user has moved on
    displayedPath_ = path;
    canvas_->setMessage(QString());
    canvas_->setImage(display);
    updateStatus();
}

void MainWindow::onPredicted(const QString &path, const QImage &display, const LabelScores &scores)
{
    if (hasModel_ && !scores.isEmpty()) {
        const qsizetype kib = std::max<qsizetype>(1, display.sizeInBytes() / 1024);
        cache_.insert(path, new CachedResult{display, scores}, int(std::min<qsizetype>(kib, kCacheKiB)));
    }
    if (path != currentPath())
        return;
    if (displayedPath_ != path) {
        displayedPath_ = path;
        canvas_->setMessage(QString());
        canvas_->setImage(display);
        updateStatus();
    }
    panel_->setScores(QFileInfo(path).fileName(), scores);
    methods_->setTopClass(scores.isEmpty() ? -1 : scores.front().index);
    if (!scores.isEmpty())
        Q_EMIT predictionShown(path, scores);
}

void MainWindow::onImageFailed(const QString &path, const QString &message)
{
    if (path != currentPath())
        return;
    if (displayedPath_ != path) {
        displayedPath_.clear();
        canvas_->setImage(QImage());
        canvas_->setMessage(message, true);
    }
    panel_->setPredictionMessage(QFileInfo(path).fileName(), message, true);
    updateStatus();
    showError(message);
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    const QMimeData *mime = event->mimeData();
    if (!mime->hasUrls())
        return;
    for (const QUrl &url : mime->urls()) {
        if (!url.isLocalFile())
            continue;
        const QString path = url.toLocalFile();
        if (isModelFile(path) || QFileInfo(path).isDir() || sg::hasImageExtension(path.toStdString())) {
            event->acceptProposedAction();
            return;
        }
    }
}

void MainWindow::dropEvent(QDropEvent *event)
{
    QString model;
    QString images;
    for (const QUrl &url : event->mimeData()->urls()) {
        if (!url.isLocalFile())
            continue;
        const QString path = url.toLocalFile();
        if (model.isEmpty() && isModelFile(path))
            model = path;
        else if (images.isEmpty() && (QFileInfo(path).isDir() || sg::hasImageExtension(path.toStdString())))
            images = path;
    }
    if (model.isEmpty() && images.isEmpty())
        return;
    event->acceptProposedAction();
    if (!model.isEmpty())
        openModel(model);
    if (!images.isEmpty()) {
        if (QFileInfo(images).isDir())
            openImageFolder(images);
        else
            openImage(images);
    }
}

// --- explanations --------------------------------------------------------------------------

sg::ExplanationRequest MainWindow::currentRequest() const
{
    sg::ExplanationRequest request;
    request.method = methods_->methodId().toStdString();
    request.resolution = methods_->resolution();
    request.target = methods_->target();
    request.params = methods_->params();
    return request;
}

QString MainWindow::requestTitle(const sg::ExplanationRequest &request) const
{
    const sg::SaliencyMethod *method = sg::MethodRegistry::builtin().find(request.method);
    QString title = method ? QString::fromStdString(method->title()) : QString::fromStdString(request.method);
    if (request.resolution != sg::kDefaultResolution)
        title += QStringLiteral(" %1\u00d7%1").arg(request.resolution);
    return title;
}

void MainWindow::setAutoExplain(bool on)
{
    autoExplain_ = on;
    if (autoExplainAction_->isChecked() != on)
        autoExplainAction_->setChecked(on);
}

bool MainWindow::autoExplain() const
{
    return autoExplain_;
}

void MainWindow::clearExplanation(const QString &curveMessage)
{
    shown_.reset();
    canvas_->clearMap();
    canvas_->clearStepImage();
    canvas_->setCaption(QString());
    curves_->clear(curveMessage);
}

void MainWindow::refreshExplanation(bool mayStartJobs)
{
    const bool start = mayStartJobs && autoExplain_;
    const QString path = currentPath();
    // A job started by stepping is for an image the user has left: drop it.
    if (currentJob_ != 0 && currentJobAuto_ && currentJobPath_ != path) {
        session_->cancelJob(currentJob_);
        currentJob_ = 0;
    }
    if (path.isEmpty() || !hasModel_) {
        clearExplanation(hasModel_ ? tr("No image.") : tr("Open a model to explain images."));
        return;
    }
    if (ExplanationPtr cached = session_->cachedExplanation(path, currentRequest())) {
        showExplanation(cached);
    } else {
        clearExplanation(start ? tr("Computing\u2026") : tr("Press Explain (E) for curves."));
        if (start) {
            explainCurrent();
            currentJobAuto_ = true;
        }
    }
    if (tabs_->currentIndex() == 1 && comparePath_ != path) {
        if (start)
            compareCurrent();
        else {
            cancelCompareJobs();
            grid_->clear(tr("Press Compare (Ctrl+K) to compare methods on this image."));
        }
    }
}

sg::JobId MainWindow::explainCurrent()
{
    const QString path = currentPath();
    if (!hasModel_) {
        showError(tr("Open a model first."));
        return 0;
    }
    if (path.isEmpty()) {
        showError(tr("Open an image folder first."));
        return 0;
    }
    if (const QString reason = methods_->blockedReason(); !reason.isEmpty()) {
        clearExplanation(reason);
        showError(reason);
        return 0;
    }
    const sg::ExplanationRequest request = currentRequest();
    if (ExplanationPtr cached = session_->cachedExplanation(path, request)) {
        showExplanation(cached);
        return 0;
    }
    if (currentJob_ != 0)
        session_->cancelJob(currentJob_); // the canvas shows one explanation at a time
    currentJob_ = session_->explain(
        path, request, requestTitle(request) + QStringLiteral(" \u00b7 ") + QFileInfo(path).fileName());
    currentJobAuto_ = false;
    currentJobPath_ = path;
    shown_.reset();
    canvas_->setCaption(requestTitle(request) + tr(" \u00b7 queued"));
    curves_->clear(tr("Computing\u2026"));
    return currentJob_;
}

void MainWindow::cancelCurrent()
{
    if (currentJob_ != 0)
        session_->cancelJob(currentJob_);
}

void MainWindow::cancelCompareJobs()
{
    for (auto it = compareJobs_.cbegin(); it != compareJobs_.cend(); ++it)
        session_->cancelJob(it.key());
    compareJobs_.clear();
}

int MainWindow::compareCurrent()
{
    const QString path = currentPath();
    tabs_->setCurrentIndex(1);
    if (!hasModel_ || path.isEmpty()) {
        grid_->clear(hasModel_ ? tr("Open an image folder first.") : tr("Open a model first."));
        return 0;
    }
    cancelCompareJobs();
    comparePath_ = path;

    // The panel's method at every resolution that fits the model, then every other method
    // that can run here at its default resolution. Names come from the registry only.
    const int side = std::min(model_.inputWidth, model_.inputHeight);
    const sg::ExplanationRequest panelRequest = currentRequest();
    QVector<CompareCell> cells;
    QVector<sg::ExplanationRequest> requests;
    const auto add = [&](const sg::SaliencyMethod &method, int resolution) {
        sg::ExplanationRequest request;
        request.method = method.id();
        request.resolution = resolution;
        request.target = panelRequest.target;
        // Every value spelled out, as the panel does, so a cell and the panel share cache entries.
        if (request.method == panelRequest.method && resolution == panelRequest.resolution)
            request.params = panelRequest.params; // the user's values for the panel's own cell
        else
            request.params = sg::resolveParams(method.id(),
                method.parameters(
                    resolution == sg::kDefaultResolution ? method.defaultResolution() : resolution),
                {});
        cells.push_back({QString::fromStdString(method.id()), resolution, requestTitle(request)});
        requests.push_back(request);
    };
    const sg::MethodRegistry &registry = sg::MethodRegistry::builtin();
    if (const sg::SaliencyMethod *chosen = registry.find(panelRequest.method)) {
        if (chosen->resolutions().empty())
            add(*chosen, sg::kDefaultResolution);
        for (const int resolution : chosen->resolutions())
            if (resolution <= side)
                add(*chosen, resolution);
    }
    for (const sg::SaliencyMethod *method : registry.all()) {
        if (method->id() == panelRequest.method || (method->needsSplit() && !model_.hasSplit))
            continue;
        const bool fixed = method->resolutions().empty();
        if (!fixed && method->defaultResolution() > side)
            continue;
        add(*method, fixed ? sg::kDefaultResolution : method->defaultResolution());
    }

    const QImage image = canvas_->image();
    grid_->setCells(cells, image);
    int queued = 0;
    for (int i = 0; i < requests.size(); ++i) {
        if (ExplanationPtr cached = session_->cachedExplanation(path, requests[i])) {
            grid_->setCellResult(i, cached->explanation);
            continue;
        }
        const sg::JobId id = session_->explain(
            path, requests[i], tr("Compare: %1 \u00b7 %2").arg(cells[i].title, QFileInfo(path).fileName()));
        compareJobs_.insert(id, i);
        ++queued;
    }
    checkComparisonFinished();
    return queued;
}

void MainWindow::checkComparisonFinished()
{
    // Every cell has its result or an error once no job of the comparison is left.
    if (grid_->cellCount() > 0 && compareJobs_.isEmpty())
        Q_EMIT comparisonFinished();
}

void MainWindow::showExplanation(const ExplanationPtr &result)
{
    shown_ = result;
    const sg::Heatmap &heatmap = result->explanation.heatmap;
    if (displayedPath_ != result->imagePath || canvas_->image().isNull()) {
        displayedPath_ = result->imagePath;
        canvas_->setImage(result->display);
    }
    canvas_->setMessage(QString());
    canvas_->clearStepImage();
    canvas_->setMap(heatmap.saliency);
    QString caption = tr("%1 \u00b7 %2 (%3%)")
                          .arg(requestTitle(result->request), QString::fromStdString(heatmap.label))
                          .arg(heatmap.probability * 100.0, 0, 'f', 1);
    if (const auto &metrics = result->explanation.metrics) {
        caption += tr(" \u00b7 deletion %1 \u00b7 insertion %2")
                       .arg(metrics->deletionAuc, 0, 'f', 3)
                       .arg(metrics->insertionAuc, 0, 'f', 3);
        curves_->setResult(*metrics);
    } else {
        curves_->clear(tr("Not scored."));
    }
    canvas_->setCaption(caption);
    Q_EMIT explanationShown(result);
}

void MainWindow::onExplanationProgress(sg::JobId id, const QString &path, const cv::Mat &liveMap)
{
    if (const auto cell = compareJobs_.constFind(id); cell != compareJobs_.constEnd()) {
        grid_->setCellMap(*cell, liveMap);
        return;
    }
    if (id != currentJob_ || path != currentPath())
        return;
    canvas_->setMap(liveMap);
    Q_EMIT liveMapShown();
}

void MainWindow::onExplained(sg::JobId id, const ExplanationPtr &result)
{
    if (const auto cell = compareJobs_.constFind(id); cell != compareJobs_.constEnd()) {
        grid_->setCellResult(*cell, result->explanation);
        compareJobs_.erase(cell);
        checkComparisonFinished();
        return;
    }
    if (id == currentJob_)
        currentJob_ = 0;
    // Shown when it is what the canvas asks for now (the user may have moved on meanwhile).
    const sg::ExplanationRequest wanted = currentRequest();
    const sg::ExplanationRequest &made = result->request;
    if (result->modelHash == model_.hash && result->imagePath == currentPath() && made.method == wanted.method
        && made.resolution == wanted.resolution && made.target == wanted.target
        && made.params == wanted.params)
        showExplanation(result);
}

void MainWindow::onExplainFailed(sg::JobId id, const QString &path, const QString &message, bool cancelled)
{
    Q_UNUSED(path);
    if (const auto cell = compareJobs_.constFind(id); cell != compareJobs_.constEnd()) {
        grid_->setCellMessage(*cell, cancelled ? tr("Cancelled") : message, !cancelled);
        compareJobs_.erase(cell);
        checkComparisonFinished();
        return;
    }
    if (id != currentJob_)
        return;
    currentJob_ = 0;
    canvas_->clearMap();
    canvas_->setCaption(cancelled ? tr("Explanation cancelled") : tr("Explanation failed"));
    curves_->clear(cancelled ? tr("Cancelled.") : message);
    showError(cancelled ? tr("Explanation cancelled.") : tr("Explanation failed: %1").arg(message));
}

void MainWindow::onJobChanged(const sg::JobStatus &status)
{
    jobs_->updateJob(status);
    const bool active = status.state == sg::JobState::Running;
    if (active) {
        const int permille = status.total > 0 ? int(1000.0 * status.done / status.total) : 0;
        jobProgress_->setValue(permille);
        QString text = QString::fromStdString(status.title);
        if (status.etaSeconds >= 0)
            text += tr(" \u00b7 %1 left").arg(JobsPanel::formatSeconds(status.etaSeconds));
        jobLabel_->setText(text);
        if (status.id == currentJob_ && !shown_)
            canvas_->setCaption(
                tr("%1 \u00b7 %2%").arg(QString::fromStdString(status.title)).arg(permille / 10));
    }
    const bool anyActive = jobs_->activeCount() > 0;
    jobProgress_->setVisible(anyActive);
    jobLabel_->setVisible(anyActive);
}

void MainWindow::onCurveStep(sg::MetricCurve curve, int step)
{
    if (!shown_ || !shown_->explanation.metrics || shown_->imagePath != currentPath())
        return;
    try {
        const cv::Mat stepImage = sg::deletionInsertionStepImage(model_.input, shown_->image,
            shown_->explanation.heatmap.saliency, sg::standardDeletionInsertionOptions(model_.input), curve,
            step);
        canvas_->setStepImage(toQImage(stepImage));
    } catch (const std::exception &error) {
        showError(QString::fromStdString(error.what()));
    }
}

// --- view controls -------------------------------------------------------------------------

void MainWindow::setOverlayOpacity(double opacity)
{
    opacity = std::clamp(opacity, 0.0, 1.0);
    canvas_->setOpacity(opacity);
    grid_->setOpacity(opacity);
    const int slider = int(std::lround(opacity * 100));
    if (opacitySlider_->value() != slider)
        opacitySlider_->setValue(slider);
}

void MainWindow::setColormap(sg::Colormap colormap)
{
    canvas_->setColormap(colormap);
    grid_->setColormap(colormap);
    const int index = int(colormap); // the combo lists sg::colormapNames() in enum order
    if (colormapCombo_->currentIndex() != index)
        colormapCombo_->setCurrentIndex(index);
}

void MainWindow::setThreshold(std::optional<double> threshold)
{
    canvas_->setThreshold(threshold);
    grid_->setThreshold(threshold);
    if (thresholdCheck_->isChecked() != threshold.has_value())
        thresholdCheck_->setChecked(threshold.has_value());
    if (threshold && thresholdSpin_->value() != *threshold)
        thresholdSpin_->setValue(*threshold);
}

void MainWindow::setContourVisible(bool visible)
{
    canvas_->setContourVisible(visible);
    grid_->setContourVisible(visible);
    if (contourCheck_->isChecked() != visible)
        contourCheck_->setChecked(visible);
}

// --- export --------------------------------------------------------------------------------

bool MainWindow::saveBytes(const QString &path, const QByteArray &bytes, const QString &what)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        showError(
            tr("%1: cannot write the %2: %3").arg(QDir::toNativeSeparators(path), what, file.errorString()));
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), kStatusMessageMs);
    return true;
}

namespace {

QByteArray pngBytes(const QImage &image)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return bytes;
}

} // namespace

bool MainWindow::exportOverlay(const QString &path)
{
    const QImage overlay = canvas_->renderOverlay();
    if (overlay.isNull() || !shown_) {
        showError(tr("Nothing to export: no explanation on screen."));
        return false;
    }
    return saveBytes(path, pngBytes(overlay), tr("overlay"));
}

bool MainWindow::exportSaliency(const QString &path)
{
    if (!shown_) {
        showError(tr("Nothing to export: no explanation on screen."));
        return false;
    }
    const std::string bytes = sg::npyBytes(shown_->explanation.heatmap.saliency);
    return saveBytes(path, QByteArray::fromStdString(bytes), tr("map"));
}

bool MainWindow::exportResultJson(const QString &path)
{
    if (!shown_) {
        showError(tr("Nothing to export: no explanation on screen."));
        return false;
    }
    const nlohmann::json json = sg::explanationJson(shown_->explanation,
        {model_.path.toStdString(), shown_->imagePath.toStdString(), model_.device.toStdString(),
            shown_->request.seed});
    return saveBytes(path, QByteArray::fromStdString(json.dump(2) + "\n"), tr("result"));
}

bool MainWindow::exportComparison(const QString &path)
{
    if (grid_->cellCount() == 0) {
        showError(tr("Nothing to export: the compare grid is empty."));
        return false;
    }
    return saveBytes(path, pngBytes(grid_->renderComparison()), tr("comparison"));
}

void MainWindow::chooseExport(const QString &title, const QString &filter, const QString &suffix,
    bool (MainWindow::*exporter)(const QString &))
{
    QString start = settings().value(kKeyExportDir, QDir::homePath()).toString();
    const QString base = currentPath().isEmpty()
        ? QString()
        : QFileInfo(currentPath()).completeBaseName() + QLatin1Char('-');
    const QString path
        = QFileDialog::getSaveFileName(this, title, QDir(start).filePath(base + suffix), filter);
    if (path.isEmpty())
        return;
    settings().setValue(kKeyExportDir, QFileInfo(path).absolutePath());
    (this->*exporter)(path);
}

} // namespace sg::ui
