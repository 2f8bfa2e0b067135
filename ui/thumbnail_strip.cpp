#include "thumbnail_strip.h"

#include "theme.h"

#include <QFileInfo>
#include <QImageReader>
#include <QPainter>
#include <QScrollBar>
#include <QStyledItemDelegate>

#include <utility>
#include <vector>

namespace sg::ui {

namespace {

constexpr int kPrefetch = 8; // rows decoded beyond each end of the visible range
constexpr int kCellWidth = ThumbnailStrip::kThumbnailSize + 40;

// The placeholder shown until a thumbnail is decoded (or when it cannot be).
QIcon placeholderIcon(int size, bool broken)
{
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(QColor(0x33, 0x35, 0x39));
    painter.drawRoundedRect(QRectF(6, 10, size - 12, size - 20), 4, 4);
    if (broken) {
        painter.setPen(QPen(theme::kErrorText, 2));
        const QPointF c(size / 2.0, size / 2.0);
        painter.drawLine(c + QPointF(-7, -7), c + QPointF(7, 7));
        painter.drawLine(c + QPointF(-7, 7), c + QPointF(7, -7));
    }
    return QIcon(pixmap);
}

// Decodes `path` scaled to fit a size x size square (never enlarged) and centres it on a
// transparent square, so all cells line up. Any thread. Null image when unreadable.
QImage decodeThumbnail(const QString &path, int size)
{
    QImageReader reader(path);
    reader.setAutoTransform(true);
    const QSize full = reader.size();
    if (full.isValid()) {
        QSize scaled = full;
        if (full.width() > size || full.height() > size)
            scaled = full.scaled(size, size, Qt::KeepAspectRatio);
        reader.setScaledSize(scaled.expandedTo(QSize(1, 1)));
    }
    QImage image = reader.read();
    if (image.isNull())
        return {};
    if (image.width() > size || image.height() > size)
        image = image.scaled(size, size, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    QImage cell(size, size, QImage::Format_ARGB32_Premultiplied);
    cell.fill(Qt::transparent);
    QPainter painter(&cell);
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    painter.drawImage((size - image.width()) / 2, (size - image.height()) / 2, image);
    return cell;
}

// Draws a cell as thumbnail over file name, the current one on a rounded accent plate (the
// default icon-mode look highlights only the text).
class ThumbnailDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        const QRectF cell = QRectF(option.rect).adjusted(3, 3, -3, -3);
        const bool selected = option.state & QStyle::State_Selected;
        const bool hovered = option.state & QStyle::State_MouseOver;
        if (selected || hovered) {
            QColor fill = theme::kAccent;
            fill.setAlpha(selected ? 70 : 28);
            painter->setPen(selected ? QPen(theme::kAccent, 1.5) : QPen(Qt::NoPen));
            painter->setBrush(fill);
            painter->drawRoundedRect(cell, 5, 5);
        }

        const int size = ThumbnailStrip::kThumbnailSize;
        const QRect iconRect(
            option.rect.x() + (option.rect.width() - size) / 2, option.rect.y() + 6, size, size);
        const QIcon icon = index.data(Qt::DecorationRole).value<QIcon>();
        icon.paint(painter, iconRect);

        const QRect textRect(option.rect.x() + 6, iconRect.bottom() + 4, option.rect.width() - 12,
            option.fontMetrics.height());
        const QString text = option.fontMetrics.elidedText(
            index.data(Qt::DisplayRole).toString(), Qt::ElideMiddle, textRect.width());
        painter->setPen(selected ? option.palette.color(QPalette::HighlightedText) : theme::kDimText);
        painter->drawText(textRect, Qt::AlignHCenter | Qt::AlignVCenter, text);
        painter->restore();
    }

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const override
    {
        return {kCellWidth, ThumbnailStrip::kThumbnailSize + option.fontMetrics.height() + 14};
    }
};

} // namespace

ThumbnailStrip::ThumbnailStrip(QWidget *parent) :
    QListWidget(parent), generation_(std::make_shared<std::atomic<int>>(0))
{
    // One decoding thread: the model worker needs the other cores more than the strip does.
    pool_.setMaxThreadCount(1);

    setViewMode(QListView::IconMode);
    setFlow(QListView::LeftToRight);
    setWrapping(false);
    setMovement(QListView::Static);
    setResizeMode(QListView::Adjust);
    setUniformItemSizes(true);
    setWordWrap(false);
    setTextElideMode(Qt::ElideMiddle);
    setIconSize(QSize(kThumbnailSize, kThumbnailSize));
    setGridSize(QSize(kCellWidth, kThumbnailSize + fontMetrics().height() + 14));
    setSpacing(0);
    setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setDragDropMode(QAbstractItemView::NoDragDrop);
    setAcceptDrops(false);
    // Arrow keys belong to the window's Previous/Next actions, not to the list.
    setFocusPolicy(Qt::NoFocus);
    setFrameShape(QFrame::NoFrame);
    setMouseTracking(true);
    setItemDelegate(new ThumbnailDelegate(this));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setFixedHeight(sizeHint().height());

    loadTimer_.setSingleShot(true);
    loadTimer_.setInterval(30);
    connect(&loadTimer_, &QTimer::timeout, this, &ThumbnailStrip::loadVisible);
    connect(horizontalScrollBar(), &QScrollBar::valueChanged, this, &ThumbnailStrip::scheduleVisibleLoad);
}

ThumbnailStrip::~ThumbnailStrip()
{
    ++*generation_;
    pool_.clear();
    pool_.waitForDone();
}

QSize ThumbnailStrip::sizeHint() const
{
    const int scrollBar = style()->pixelMetric(QStyle::PM_ScrollBarExtent);
    return {kCellWidth * 6, gridSize().height() + scrollBar + 2 * frameWidth() + 4};
}

void ThumbnailStrip::setFiles(const QStringList &paths)
{
    ++*generation_;
    pool_.clear();
    requested_.clear();
    clear();
    const QIcon placeholder = placeholderIcon(kThumbnailSize, false);
    for (const QString &path : paths) {
        auto *item = new QListWidgetItem(placeholder, QFileInfo(path).fileName());
        item->setToolTip(path);
        item->setData(Qt::UserRole, path);
        item->setSizeHint(gridSize());
        addItem(item);
    }
    scheduleVisibleLoad();
}

void ThumbnailStrip::resizeEvent(QResizeEvent *event)
{
    QListWidget::resizeEvent(event);
    scheduleVisibleLoad();
}

void ThumbnailStrip::showEvent(QShowEvent *event)
{
    QListWidget::showEvent(event);
    scheduleVisibleLoad();
}

void ThumbnailStrip::scheduleVisibleLoad()
{
    if (!loadTimer_.isActive())
        loadTimer_.start();
}

void ThumbnailStrip::loadVisible()
{
    if (count() == 0 || !isVisible())
        return;
    const QRect visible = viewport()->rect();
    int first = -1;
    int last = -1;
    for (int row = 0; row < count(); ++row) {
        if (visualItemRect(item(row)).intersects(visible)) {
            if (first < 0)
                first = row;
            last = row;
        } else if (first >= 0) {
            break;
        }
    }
    if (first < 0)
        return;
    first = std::max(0, first - kPrefetch);
    last = std::min(count() - 1, last + kPrefetch);

    std::vector<std::pair<int, QString>> jobs;
    for (int row = first; row <= last; ++row) {
        if (requested_.contains(row))
            continue;
        requested_.insert(row);
        jobs.emplace_back(row, item(row)->data(Qt::UserRole).toString());
    }
    if (jobs.empty())
        return;

    const int generation = *generation_;
    const std::shared_ptr<std::atomic<int>> current = generation_;
    // `this` outlives the job: the destructor bumps the generation and waits for the pool.
    pool_.start([this, jobs = std::move(jobs), generation, current] {
        for (const auto &[row, path] : jobs) {
            if (*current != generation)
                return;
            const QImage image = decodeThumbnail(path, kThumbnailSize);
            QMetaObject::invokeMethod(
                this, [this, generation, row = row, image] { setThumbnail(generation, row, image); },
                Qt::QueuedConnection);
        }
    });
}

void ThumbnailStrip::setThumbnail(int generation, int row, const QImage &image)
{
    if (generation != *generation_ || row >= count())
        return;
    item(row)->setIcon(
        image.isNull() ? placeholderIcon(kThumbnailSize, true) : QIcon(QPixmap::fromImage(image)));
}

} // namespace sg::ui
