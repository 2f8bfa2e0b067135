#include "main_window.h"

#include "image_view.h"
#include "prediction_panel.h"
#include "theme.h"
#include "thumbnail_strip.h"

#include "common/version.h"
#include "image/image_io.h"
#include "model/runtime.h"

#include <QAction>
#include <QApplication>
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
#include <QMimeData>
#include <QPainter>
#include <QPainterPath>
#include <QSettings>
#include <QStatusBar>
#include <QToolBar>

#include <algorithm>

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
        case Glyph::Previous:
            painter.drawPolyline(QPolygonF({{14.5, 6}, {8.5, 12}, {14.5, 18}}));
            break;
        case Glyph::Next:
            painter.drawPolyline(QPolygonF({{9.5, 6}, {15.5, 12}, {9.5, 18}}));
            break;
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
    return a < b;  // equal ignoring case and zeros: any fixed order
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

    view_ = new ImageView(this);
    view_->setPlaceholderText(
        tr("Open an image folder (Ctrl+Shift+O)\nor drop images, a folder or a model (.pt) here"));
    setCentralWidget(view_);

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

    aboutAction_ = new QAction(tr("&About Sightglass"), this);
    aboutAction_->setMenuRole(QAction::AboutRole);
    connect(aboutAction_, &QAction::triggered, this, [this] {
        QMessageBox::about(
            this, tr("About Sightglass"),
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
    fileMenu->addAction(quitAction_);

    QMenu *goMenu = menuBar()->addMenu(tr("&Go"));
    goMenu->addAction(previousAction_);
    goMenu->addAction(nextAction_);
    goMenu->addSeparator();
    goMenu->addAction(firstAction_);
    goMenu->addAction(lastAction_);

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
}

void MainWindow::createDocks()
{
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    const auto features = QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable
                          | QDockWidget::DockWidgetFloatable;

    panel_ = new PredictionPanel(this);
    auto *panelDock = new QDockWidget(tr("Prediction"), this);
    panelDock->setObjectName(QStringLiteral("predictionDock"));
    panelDock->setFeatures(features);
    panelDock->setWidget(panel_);
    addDockWidget(Qt::RightDockWidgetArea, panelDock);
    resizeDocks({panelDock}, {300}, Qt::Horizontal);

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

    viewMenu_->addAction(panelDock->toggleViewAction());
    viewMenu_->addAction(stripDock->toggleViewAction());
}

void MainWindow::createStatusBar()
{
    fileLabel_ = statusField(this);
    fileLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    positionLabel_ = statusField(this);
    modelLabel_ = statusField(this);
    deviceLabel_ = statusField(this);
    statusBar()->addWidget(fileLabel_, 1);
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
}

void MainWindow::writeSettings() const
{
    QSettings store = settings();
    store.setValue(kKeyGeometry, saveGeometry());
    store.setValue(kKeyState, saveState());
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
    const QFileInfoList entries =
        dir.entryInfoList(imageNameFilters(), QDir::Files | QDir::Readable, QDir::NoSort);
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
        view_->clear();
        view_->setPlaceholderText(tr("No images in %1").arg(QDir::toNativeSeparators(folder_)));
        panel_->setPredictionMessage(QString(), tr("No image."), false);
        statusBar()->showMessage(tr("No images in %1").arg(QDir::toNativeSeparators(folder_)),
                                 kStatusMessageMs);
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
        view_->setImage(cached->display);
        panel_->setScores(name, cached->scores);
        Q_EMIT predictionShown(path, cached->scores);
        return;
    }
    panel_->setPending(name);
    session_->predictImage(path, kTopK);
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
        if (displayedPath_ == path && !view_->image().isNull()) {
            const QSize size = view_->image().size();
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
    connect(recentMenu_->addAction(tr("Clear List")), &QAction::triggered, this, [] {
        settings().remove(kKeyRecentModels);
    });
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
    panel_->setModel(info);
    addRecentModel(info.path);
    statusBar()->clearMessage();
    updateStatus();
    updateTitle();
    Q_EMIT modelReady(info);
    if (current_ >= 0)
        showImage(current_);  // predict the image on screen with the new model
}

void MainWindow::onModelFailed(const QString &path, const QString &message)
{
    panel_->setModelError(message);
    showError(tr("Could not load model: %1").arg(message));
}

void MainWindow::onImageReady(const QString &path, const QImage &display)
{
    if (path != currentPath())
        return;  // the user has moved on
    displayedPath_ = path;
    view_->setImage(display);
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
        view_->setImage(display);
        updateStatus();
    }
    panel_->setScores(QFileInfo(path).fileName(), scores);
    if (!scores.isEmpty())
        Q_EMIT predictionShown(path, scores);
}

void MainWindow::onImageFailed(const QString &path, const QString &message)
{
    if (path != currentPath())
        return;
    if (displayedPath_ != path) {
        displayedPath_.clear();
        view_->setError(message);
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
        else if (images.isEmpty()
                 && (QFileInfo(path).isDir() || sg::hasImageExtension(path.toStdString())))
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

} // namespace sg::ui
