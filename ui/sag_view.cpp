#include "sag_view.h"

#include "explorer_document.h"
#include "mat_qimage.h"
#include "param_form.h"

#include "sag/sag_export.h"

#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QGraphicsPathItem>
#include <QGraphicsPixmapItem>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSceneHoverEvent>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <fstream>

namespace sg::ui {

namespace {

constexpr int kThumbnailSide = 96; // points: the layout's boxes are 108 x 126
constexpr int kEnlargedSide = 192;
constexpr int kPinSide = 112;

// Badge colour by relative confidence: the levels of the reference's fills (0.9, 0.5).
QColor levelColour(double relative)
{
    if (relative > 0.9)
        return QColor(46, 160, 67);
    if (relative > 0.5)
        return QColor(214, 150, 30);
    return QColor(200, 60, 50);
}

QString cellsText(const std::vector<int> &cells)
{
    QStringList parts;
    for (int cell : cells)
        parts << QString::number(cell);
    return QStringLiteral("{") + parts.join(QStringLiteral(", ")) + QStringLiteral("}");
}

// The image with only `cells` shown, `side` points square, the cells outlined when `outline`.
QPixmap cellsPixmap(const cv::Mat &image, const std::vector<int> &cells, int gridRows, int gridCols,
    sg::SagUpsampling upsampling, int inputWidth, int inputHeight, int side, bool outline)
{
    cv::Mat shown = sg::sagNodeImage(image, cells, gridRows, gridCols, upsampling, inputWidth, inputHeight);
    cv::Mat scaled;
    cv::resize(shown, scaled, cv::Size(side, side), 0, 0, cv::INTER_NEAREST);
    QPixmap pixmap = QPixmap::fromImage(toQImage(scaled));
    if (outline) {
        QPainter painter(&pixmap);
        painter.setPen(QPen(QColor(80, 170, 255), 2));
        const double cellW = double(side) / gridCols, cellH = double(side) / gridRows;
        for (int cell : cells)
            painter.drawRect(QRectF((cell % gridCols) * cellW, (cell / gridCols) * cellH, cellW, cellH)
                                 .adjusted(1, 1, -1, -1));
    }
    return pixmap;
}

// The confidence badge along the bottom of a node's box, coloured by level.
void addBadge(QGraphicsItem *node, const QRectF &box, double relative, const QString &label)
{
    const QRectF badgeBox(box.left() + 4, box.bottom() - 22, box.width() - 8, 18);
    auto *badge = new QGraphicsRectItem(badgeBox, node);
    badge->setBrush(levelColour(relative));
    badge->setPen(Qt::NoPen);
    badge->setAcceptedMouseButtons(Qt::NoButton);
    auto *text = new QGraphicsSimpleTextItem(label, badge);
    text->setBrush(Qt::white);
    text->setPos(badgeBox.center() - text->boundingRect().center());
    text->setAcceptedMouseButtons(Qt::NoButton);
}

QString percentText(const sg::SagNode &node)
{
    return QStringLiteral("%1%").arg(node.percent);
}

} // namespace

// One graph node: a box with the node's thumbnail and its confidence badge.
class SagNodeItem : public QGraphicsRectItem {
public:
    SagNodeItem(SagView &view, int index, const QRectF &box) :
        QGraphicsRectItem(box), view_(view), index_(index)
    {
        setAcceptHoverEvents(true);
        setCursor(Qt::PointingHandCursor);
    }
    void setHighlighted(bool on, bool root)
    {
        setPen(QPen(on ? QColor(80, 170, 255) : QColor(200, 200, 200), on ? 4.0 : (root ? 3.0 : 1.0)));
    }

protected:
    void hoverEnterEvent(QGraphicsSceneHoverEvent *) override { view_.hoverNode(index_); }
    void mousePressEvent(QGraphicsSceneMouseEvent *) override { view_.togglePin(index_); }

private:
    SagView &view_;
    int index_;
};

// One graph edge: the Graphviz spline, an arrow head and the removed cell's label.
class SagEdgeItem : public QGraphicsPathItem {
public:
    SagEdgeItem(SagView &view, int index, const QPainterPath &path) :
        QGraphicsPathItem(path), view_(view), index_(index)
    {
        setAcceptHoverEvents(true);
        setHighlighted(false);
    }
    void setHighlighted(bool on)
    {
        setPen(QPen(on ? QColor(80, 170, 255) : QColor(220, 220, 220), on ? 3.0 : 1.5));
    }
    // Hover on the curve itself (a few points either side), not its whole bounding box.
    QPainterPath shape() const override
    {
        QPainterPathStroker stroker;
        stroker.setWidth(8.0);
        return stroker.createStroke(path());
    }

protected:
    void hoverEnterEvent(QGraphicsSceneHoverEvent *) override { view_.hoverEdge(index_); }
    void hoverLeaveEvent(QGraphicsSceneHoverEvent *) override { view_.hoverEdge(-1); }

private:
    SagView &view_;
    int index_;
};

void SagGraphView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    Q_EMIT resized();
}

void SagGraphView::wheelEvent(QWheelEvent *event)
{
    const double steps = event->angleDelta().y() / 120.0;
    const double factor = std::pow(1.15, steps);
    scale(factor, factor);
    event->accept();
}

namespace {

bool isNavigationKey(int key)
{
    return key == Qt::Key_Left || key == Qt::Key_Right || key == Qt::Key_Up || key == Qt::Key_Down
        || key == Qt::Key_Space || key == Qt::Key_Return;
}

} // namespace

bool SagGraphView::event(QEvent *event)
{
    // The window's arrow keys step through the images; with the graph focused they move
    // between nodes instead.
    if (event->type() == QEvent::ShortcutOverride
        && isNavigationKey(static_cast<QKeyEvent *>(event)->key())) {
        event->accept();
        return true;
    }
    return QGraphicsView::event(event);
}

void SagGraphView::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Left:
    case Qt::Key_Right:
    case Qt::Key_Up:
    case Qt::Key_Down:
    case Qt::Key_Space:
    case Qt::Key_Return:
        Q_EMIT keyPressed(event->key());
        event->accept();
        return;
    default: QGraphicsView::keyPressEvent(event);
    }
}

SagView::SagView(ExplorerDocument &document, SagService &service, ModelWorker &worker, QWidget *parent) :
    QWidget(parent),
    document_(document),
    service_(service),
    worker_(worker),
    form_(new ParamForm(this)),
    searchButton_(new QPushButton(tr("Search"), this)),
    cancelButton_(new QPushButton(tr("Cancel"), this)),
    status_(new QLabel(this)),
    scene_(new QGraphicsScene(this)),
    view_(new SagGraphView(scene_, this)),
    enlarged_(new QLabel(this)),
    detail_(new QLabel(this)),
    pins_(new QWidget(this)),
    pinsLayout_(new QHBoxLayout(pins_))
{
    form_->setSchema(sg::sagParameterSchema());
    view_->setObjectName(QStringLiteral("sagGraph"));
    view_->setBackgroundBrush(QColor(20, 20, 20));
    view_->setRenderHint(QPainter::Antialiasing);
    view_->setDragMode(QGraphicsView::ScrollHandDrag);
    view_->setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    view_->setMouseTracking(true);
    view_->setFocusPolicy(Qt::StrongFocus);
    enlarged_->setFixedSize(kEnlargedSide, kEnlargedSide);
    enlarged_->setAlignment(Qt::AlignCenter);
    detail_->setWordWrap(true);
    detail_->setObjectName(QStringLiteral("sagDetail"));
    status_->setWordWrap(true);
    cancelButton_->setEnabled(false);
    pinsLayout_->setContentsMargins(0, 0, 0, 0);
    pinsLayout_->addStretch(1);

    auto *fitButton = new QPushButton(tr("Fit"), this);
    auto *exportButton = new QPushButton(tr("Export…"), this);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(searchButton_);
    buttons->addWidget(cancelButton_);
    buttons->addWidget(fitButton);
    buttons->addWidget(exportButton);

    auto *side = new QWidget(this);
    side->setMaximumWidth(kEnlargedSide + 72); // the graph gets the rest
    auto *sideLayout = new QVBoxLayout(side);
    sideLayout->addLayout(buttons);
    sideLayout->addWidget(status_);
    sideLayout->addWidget(enlarged_, 0, Qt::AlignHCenter);
    sideLayout->addWidget(detail_);
    auto *formScroll = new QScrollArea(side);
    formScroll->setWidget(form_);
    formScroll->setWidgetResizable(true);
    sideLayout->addWidget(formScroll, 1);

    auto *pinScroll = new QScrollArea(this);
    pinScroll->setWidget(pins_);
    pinScroll->setWidgetResizable(true);
    pinScroll->setFixedHeight(kPinSide + 56);

    auto *left = new QWidget(this);
    left->setMinimumWidth(240);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(view_, 1);
    leftLayout->addWidget(pinScroll);

    auto *splitter = new QSplitter(this);
    splitter->addWidget(left);
    splitter->addWidget(side);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    connect(searchButton_, &QPushButton::clicked, this, &SagView::search);
    connect(cancelButton_, &QPushButton::clicked, this, &SagView::cancel);
    connect(fitButton, &QPushButton::clicked, this, &SagView::fit);
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Export the SAG into a folder"));
        if (folder.isEmpty())
            return;
        const QString error = exportTo(folder);
        if (!error.isEmpty())
            Q_EMIT failed(error);
    });
    connect(view_, &SagGraphView::resized, this, &SagView::fit); // a new pane size: the whole graph again
    connect(view_, &SagGraphView::keyPressed, this, [this](int key) {
        if (key == Qt::Key_Space || key == Qt::Key_Return) {
            if (hovered_ >= 0)
                togglePin(hovered_);
        } else {
            moveHover(key == Qt::Key_Right || key == Qt::Key_Down ? 1 : -1);
        }
    });
    connect(&document_, &ExplorerDocument::imageChanged, this, &SagView::refresh);
    connect(&document_, &ExplorerDocument::modelChanged, this, &SagView::refresh);
    connect(form_, &ParamForm::changed, this, &SagView::refresh);
    connect(&service_, &SagService::searched, this, [this](sg::JobId id, const SagRecordPtr &record) {
        if (id == job_) {
            job_ = 0;
            searchButton_->setEnabled(true);
            cancelButton_->setEnabled(false);
        }
        if (record->imagePath == document_.currentPath() && record->request == request())
            show(record);
    });
    connect(&service_, &SagService::searchProgressed, this,
        [this](sg::JobId id, const QString &path, const SagProgressPtr &progress) {
            if (id == job_ && path == document_.currentPath() && jobRequest_ == request() && isShown())
                showProgress(progress);
        });
    connect(&service_, &SagService::searchFailed, this,
        [this](sg::JobId id, const QString &path, const QString &message, bool cancelled) {
            if (id != job_)
                return;
            job_ = 0;
            searchButton_->setEnabled(true);
            cancelButton_->setEnabled(false);
            status_->setText(cancelled ? tr("Search cancelled.") : tr("Search failed: %1").arg(message));
            if (!cancelled)
                Q_EMIT failed(tr("SAG of %1: %2").arg(path, message));
        });
    clearGraph(tr("Open a model and an image, then press Search."));
}

void SagView::setShown(bool shown)
{
    ExplorerView::setShown(shown);
    refresh();
}

void SagView::cancel()
{
    if (job_)
        worker_.cancelJob(job_);
}

sg::SagRequest SagView::request() const
{
    return sg::sagRequestWithParams(sg::SagRequest{}, form_->values());
}

void SagView::refresh()
{
    if (!isShown())
        return;
    const QString path = document_.currentPath();
    if (!document_.hasModel() || path.isEmpty()) {
        clearGraph(tr("Open a model and an image, then press Search."));
        return;
    }
    if (record_ && record_->imagePath == path && record_->request == request())
        return;
    if (live_ && job_ && jobPath_ == path && jobRequest_ == request())
        return; // the running search's roots stay on screen
    if (const SagRecordPtr cached = service_.cached(path, request())) {
        show(cached);
        return;
    }
    clearGraph(job_ ? tr("Searching…")
                    : tr("Press Search to find the minimal sufficient explanations of this image."));
}

void SagView::search()
{
    const QString path = document_.currentPath();
    if (!document_.hasModel() || path.isEmpty()) {
        Q_EMIT failed(tr("Open a model and an image first."));
        return;
    }
    sg::SagRequest searchRequest;
    try {
        searchRequest = request();
    } catch (const std::exception &error) {
        Q_EMIT failed(QString::fromUtf8(error.what()));
        return;
    }
    if (const SagRecordPtr cached = service_.cached(path, searchRequest)) {
        show(cached);
        return;
    }
    if (job_)
        worker_.cancelJob(job_);
    job_ = service_.search(path, searchRequest);
    jobPath_ = path;
    jobRequest_ = searchRequest;
    searchButton_->setEnabled(false);
    cancelButton_->setEnabled(true);
    clearGraph(tr("Searching… (progress in the jobs panel)"));
}

void SagView::clearGraph(const QString &message)
{
    scene_->clear();
    nodeItems_.clear();
    edgeItems_.clear();
    record_.reset();
    live_.reset();
    hovered_ = -1;
    pinned_.clear();
    rebuildPins();
    enlarged_->clear();
    detail_->clear();
    status_->setText(message);
}

QPixmap SagView::nodePixmap(int node, int side, bool outline) const
{
    const sg::SagResult &result = record_->result;
    return cellsPixmap(record_->image, result.graph.nodes[size_t(node)].cells, result.gridRows,
        result.gridCols, result.request.upsampling, record_->inputWidth, record_->inputHeight, side, outline);
}

void SagView::showProgress(const SagProgressPtr &progress)
{
    clearGraph(QString());
    live_ = progress;
    constexpr int kPerRow = 6;
    constexpr double kBoxW = 108, kBoxH = 126, kGap = 24;
    const int count = int(progress->roots.size());
    const int columns = std::max(1, std::min(count, kPerRow));
    const int rows = std::max(1, (count + kPerRow - 1) / kPerRow);
    scene_->setSceneRect(
        QRectF(0, 0, columns * (kBoxW + kGap), rows * (kBoxH + kGap)).adjusted(-20, -20, 20, 20));
    for (int r = 0; r < count; ++r) {
        const sg::SagRoot &root = progress->roots[size_t(r)];
        const QRectF box((r % kPerRow) * (kBoxW + kGap), (r / kPerRow) * (kBoxH + kGap), kBoxW, kBoxH);
        auto *item = scene_->addRect(box, QPen(QColor(200, 200, 200), 3.0), QColor(45, 45, 45));
        item->setToolTip(tr("root %1 %2: p = %3 (%4% of the full image)")
                             .arg(r + 1)
                             .arg(cellsText(root.cells))
                             .arg(root.probability, 0, 'f', 4)
                             .arg(int(std::lround(root.relative * 100))));
        const int side = kThumbnailSide;
        auto *thumbnail = new QGraphicsPixmapItem(
            cellsPixmap(progress->image, root.cells, progress->gridRows, progress->gridCols,
                progress->upsampling, progress->inputWidth, progress->inputHeight, side, false),
            item);
        thumbnail->setPos(box.center().x() - side / 2.0, box.top() + 4);
        addBadge(item, box, root.relative, QStringLiteral("%1%").arg(int(std::lround(root.relative * 100))));
    }
    status_->setText(tr("Searching: beam step %1 of at most %2%3; %4 found so far, shown as they are found. "
                        "The graph follows when the search ends.")
                         .arg(progress->step)
                         .arg(progress->maxSteps)
                         .arg(progress->round > 1 ? tr(" (round %1)").arg(progress->round) : QString())
                         .arg(count == 1 ? tr("1 root") : tr("%1 roots").arg(count)));
    fit();
    Q_EMIT progressShown(count);
}

void SagView::show(const SagRecordPtr &record)
{
    clearGraph(QString());
    record_ = record;
    const sg::SagResult &result = record->result;
    const sg::SagLayout &layout = record->layout;
    scene_->setSceneRect(QRectF(0, 0, layout.width, layout.height).adjusted(-20, -20, 20, 20));
    for (size_t e = 0; e < result.graph.edges.size() && e < layout.edges.size(); ++e) {
        const sg::SagLayoutEdge &edge = layout.edges[e];
        QPainterPath path;
        if (!edge.spline.empty()) {
            path.moveTo(edge.spline[0].x, edge.spline[0].y);
            for (size_t i = 1; i + 2 < edge.spline.size(); i += 3)
                path.cubicTo(edge.spline[i].x, edge.spline[i].y, edge.spline[i + 1].x, edge.spline[i + 1].y,
                    edge.spline[i + 2].x, edge.spline[i + 2].y);
            if (edge.arrow)
                path.lineTo(edge.arrowTip.x, edge.arrowTip.y);
        }
        auto *item = new SagEdgeItem(*this, int(e), path);
        item->setToolTip(edgeText(int(e)));
        scene_->addItem(item);
        edgeItems_.push_back(item);
        auto *label = scene_->addSimpleText(QStringLiteral("−%1").arg(result.graph.edges[e].removedCell));
        label->setBrush(QColor(230, 230, 230));
        const QPointF middle = path.pointAtPercent(0.5);
        label->setPos(middle + QPointF(4, -8));
    }
    for (size_t n = 0; n < result.graph.nodes.size() && n < layout.nodes.size(); ++n) {
        const sg::SagNode &node = result.graph.nodes[n];
        const sg::SagLayoutNode &place = layout.nodes[n];
        const QRectF box(
            place.centre.x - place.width / 2, place.centre.y - place.height / 2, place.width, place.height);
        auto *item = new SagNodeItem(*this, int(n), box);
        item->setBrush(QColor(45, 45, 45));
        item->setHighlighted(false, node.root);
        item->setToolTip(tr("%1: p = %2 (%3 of the full image)")
                             .arg(cellsText(node.cells))
                             .arg(node.probability, 0, 'f', 4)
                             .arg(percentText(node)));
        scene_->addItem(item);
        nodeItems_.push_back(item);
        const int side = int(std::min(box.width() - 8, double(kThumbnailSide)));
        auto *thumbnail = new QGraphicsPixmapItem(nodePixmap(int(n), side, false), item);
        thumbnail->setPos(box.center().x() - side / 2.0, box.top() + 4);
        thumbnail->setAcceptedMouseButtons(Qt::NoButton);
        addBadge(item, box, node.relative, percentText(node) + (node.cut ? tr(" (cut)") : QString()));
    }
    const int roots = int(result.shown.size());
    status_->setText(tr("%1 roots found, %2 drawn; %3 nodes%4. Target %5 (p = %6). %7 forward passes, %8 s.")
                         .arg(result.roots.size())
                         .arg(roots)
                         .arg(result.graph.nodes.size())
                         .arg(result.graph.cut ? tr(" (cut at the node limit)") : QString())
                         .arg(QString::fromStdString(result.label))
                         .arg(result.probability, 0, 'f', 4)
                         .arg(result.statistics.forwardPasses)
                         .arg(result.statistics.seconds, 0, 'f', 1));
    fit();
    if (!result.graph.nodes.empty())
        hoverNode(0);
    Q_EMIT searchShown(record->imagePath);
}

QString SagView::statusText() const
{
    return status_->text();
}

void SagView::fit()
{
    if (!scene_->items().isEmpty())
        view_->fitInView(scene_->sceneRect(), Qt::KeepAspectRatio);
}

void SagView::hoverNode(int node)
{
    if (!record_ || node < 0 || node >= int(nodeItems_.size()))
        return;
    if (hovered_ >= 0 && hovered_ < int(nodeItems_.size()))
        nodeItems_[size_t(hovered_)]->setHighlighted(
            false, record_->result.graph.nodes[size_t(hovered_)].root);
    hovered_ = node;
    nodeItems_[size_t(node)]->setHighlighted(true, record_->result.graph.nodes[size_t(node)].root);
    enlarged_->setPixmap(nodePixmap(node, kEnlargedSide, true));
    const sg::SagNode &graphNode = record_->result.graph.nodes[size_t(node)];
    detail_->setText(tr("Cells %1: p = %2, %3 of the full image's %4%5")
                         .arg(cellsText(graphNode.cells))
                         .arg(graphNode.probability, 0, 'f', 4)
                         .arg(percentText(graphNode))
                         .arg(record_->result.probability, 0, 'f', 4)
                         .arg(graphNode.root ? tr(" (a root: minimal sufficient)") : QString()));
}

QString SagView::detailText() const
{
    return detail_->text();
}

QImage SagView::enlargedImage() const
{
    return enlarged_->pixmap().toImage();
}

void SagView::togglePin(int node)
{
    if (!record_ || node < 0 || node >= int(nodeItems_.size()))
        return;
    const auto at = std::find(pinned_.begin(), pinned_.end(), node);
    if (at != pinned_.end())
        pinned_.erase(at);
    else
        pinned_.push_back(node);
    rebuildPins();
}

void SagView::rebuildPins()
{
    while (pinsLayout_->count() > 1) {
        QLayoutItem *item = pinsLayout_->takeAt(0);
        delete item->widget();
        delete item;
    }
    for (size_t i = 0; i < pinned_.size(); ++i) {
        auto *pin = new QLabel(pins_);
        pin->setObjectName(QStringLiteral("sagPin%1").arg(i));
        pin->setPixmap(nodePixmap(pinned_[i], kPinSide, true));
        pin->setToolTip(pinText(int(i)));
        auto *caption = new QLabel(pinText(int(i)), pins_);
        caption->setAlignment(Qt::AlignHCenter);
        auto *box = new QWidget(pins_);
        auto *boxLayout = new QVBoxLayout(box);
        boxLayout->setContentsMargins(2, 2, 2, 2);
        pin->setParent(box);
        caption->setParent(box);
        boxLayout->addWidget(pin);
        boxLayout->addWidget(caption);
        pinsLayout_->insertWidget(int(i), box);
    }
}

QString SagView::pinText(int position) const
{
    if (!record_ || position < 0 || position >= int(pinned_.size()))
        return {};
    const sg::SagNode &node = record_->result.graph.nodes[size_t(pinned_[size_t(position)])];
    return QStringLiteral("%1 %2").arg(cellsText(node.cells), percentText(node));
}

void SagView::moveHover(int step)
{
    if (!record_ || nodeItems_.empty())
        return;
    const int count = int(nodeItems_.size());
    hoverNode(((hovered_ < 0 ? 0 : hovered_ + step) % count + count) % count);
    view_->ensureVisible(nodeItems_[size_t(hovered_)]);
}

void SagView::hoverEdge(int edge)
{
    for (size_t e = 0; e < edgeItems_.size(); ++e)
        edgeItems_[e]->setHighlighted(int(e) == edge); // the item's own tooltip tells the drop
}

QString SagView::edgeText(int edge) const
{
    if (!record_ || edge < 0 || edge >= int(record_->result.graph.edges.size()))
        return {};
    const sg::SagGraph &graph = record_->result.graph;
    const sg::SagEdge &e = graph.edges[size_t(edge)];
    const sg::SagNode &parent = graph.nodes[size_t(e.parent)];
    const sg::SagNode &child = graph.nodes[size_t(e.child)];
    return tr("Removing cell %1 from %2: %3 → %4")
        .arg(e.removedCell)
        .arg(cellsText(parent.cells), percentText(parent), percentText(child));
}

QPoint SagView::nodeViewportCentre(int node) const
{
    if (node < 0 || node >= int(nodeItems_.size()))
        return {};
    return view_->mapFromScene(nodeItems_[size_t(node)]->sceneBoundingRect().center());
}

QPoint SagView::edgeViewportPoint(int edge) const
{
    if (edge < 0 || edge >= int(edgeItems_.size()))
        return {};
    return view_->mapFromScene(edgeItems_[size_t(edge)]->path().pointAtPercent(0.5));
}

QString SagView::exportTo(const QString &folder) const
{
    if (!record_)
        return tr("No SAG is shown.");
    if (!QDir().mkpath(folder))
        return tr("%1: cannot make the folder").arg(folder);
    try {
        const sg::SagResult &result = record_->result;
        const std::string json = sg::sagGraphJson(result, record_->layout).dump(2) + "\n";
        const std::string dot = sg::sagDot(result);
        const std::string svg
            = sg::sagSvg(result, record_->layout, record_->image, record_->inputWidth, record_->inputHeight);
        const std::string png = sg::pngBytes(sg::sagRaster(
            result, record_->layout, record_->image, record_->inputWidth, record_->inputHeight, 2.0));
        for (const auto &[name, bytes] : {std::pair<const char *, const std::string *>{"sag.json", &json},
                 {"sag.dot", &dot}, {"sag.svg", &svg}, {"sag.png", &png}}) {
            QFile file(QDir(folder).filePath(QString::fromLatin1(name)));
            if (!file.open(QIODevice::WriteOnly)
                || file.write(bytes->data(), qint64(bytes->size())) != qint64(bytes->size()))
                return tr("%1: cannot write").arg(file.fileName());
        }
    } catch (const std::exception &error) {
        return QString::fromUtf8(error.what());
    }
    return {};
}

} // namespace sg::ui
