#include "heatmap_canvas.h"

#include "mat_qimage.h"
#include "theme.h"

#include <QFontMetricsF>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QWheelEvent>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace sg::ui {

namespace {

constexpr int kMargin = 4; // logical pixels around the fitted picture
constexpr double kMinZoom = 1.0;
constexpr double kMaxZoom = 32.0;
constexpr double kZoomPerNotch = 1.25; // one wheel notch (120 eighths of a degree)
constexpr double kDefaultContourLevel = 0.5;
// An exported overlay's contour lines (white inside, black outside) are one pixel wide per
// this many pixels of the picture's longer side, so that they survive viewing it shrunk.
constexpr int kExportPixelsPerLinePixel = 1024;
constexpr QRgb kContourInside = 0xffffffffu;
constexpr QRgb kContourOutside = 0xff000000u;

const QColor kCaptionBox{0, 0, 0, 165};
const QColor kCaptionText{0xf2, 0xf3, 0xf5};
const QColor kFrame{255, 255, 255, 28};

bool nearlyEqual(double a, double b, double tolerance)
{
    return std::abs(a - b) <= tolerance;
}

// sg::colorize's colours as a lookup table over a map's 8-bit levels, so the canvas reproduces
// it exactly.
QVector<QRgb> colormapTable(sg::Colormap colormap)
{
    const QImage colours = toQImage(sg::colormapLevels(colormap));
    QVector<QRgb> levels(256);
    for (int i = 0; i < 256; ++i)
        levels[i] = colours.pixel(i, 0) | 0xff000000u;
    return levels;
}

// A format that QPainter blits without conversion.
QImage blittable(QImage image)
{
    const QImage::Format format
        = image.hasAlphaChannel() ? QImage::Format_ARGB32_Premultiplied : QImage::Format_RGB32;
    if (image.format() != format)
        image.convertTo(format);
    return image;
}

} // namespace

HeatmapCanvas::HeatmapCanvas(QWidget *parent) : QWidget(parent)
{
    setAttribute(Qt::WA_OpaquePaintEvent);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    colors_ = colormapTable(colormap_);
}

void HeatmapCanvas::setImage(const QImage &image)
{
    const bool sameSize = !image_.isNull() && !image.isNull() && image.size() == image_.size();
    image_ = image;
    if (!sameSize) {
        map_ = cv::Mat();
        rebuildLayer();
        stepImage_ = QImage();
        message_.clear();
        messageIsError_ = false;
        baseCache_ = {};
        resetView();
    }
    update();
}

void HeatmapCanvas::setMap(const cv::Mat &saliency)
{
    if (saliency.empty()) {
        clearMap();
        return;
    }
    cv::Mat single = saliency;
    if (saliency.channels() != 1)
        cv::extractChannel(saliency, single, 0);
    // A fresh matrix: map_ may share its pixels with a copy the caller took through map().
    cv::Mat values;
    single.convertTo(values, CV_32F);
    cv::patchNaNs(values, 0.0);
    cv::min(cv::max(values, 0.0), 1.0, values);
    map_ = values;
    rebuildLayer();
    update();
}

void HeatmapCanvas::clearMap()
{
    if (map_.empty())
        return;
    map_ = cv::Mat();
    rebuildLayer();
    update();
}

bool HeatmapCanvas::hasMap() const
{
    return !map_.empty();
}

void HeatmapCanvas::setStepImage(const QImage &image)
{
    stepImage_ = image;
    update();
}

void HeatmapCanvas::clearStepImage()
{
    if (stepImage_.isNull())
        return;
    stepImage_ = QImage();
    update();
}

void HeatmapCanvas::setCaption(const QString &caption)
{
    if (caption == caption_)
        return;
    caption_ = caption;
    update();
}

void HeatmapCanvas::setMessage(const QString &message, bool isError)
{
    if (message == message_ && isError == messageIsError_)
        return;
    message_ = message;
    messageIsError_ = isError;
    update();
}

void HeatmapCanvas::setOpacity(double opacity)
{
    opacity = std::isfinite(opacity) ? std::clamp(opacity, 0.0, 1.0) : 0.0;
    if (opacity == opacity_)
        return;
    opacity_ = opacity;
    update(); // the cached layer is only drawn with another opacity
}

void HeatmapCanvas::setColormap(sg::Colormap colormap)
{
    if (colormap == colormap_)
        return;
    colormap_ = colormap;
    colors_ = colormapTable(colormap_);
    rebuildLayer();
    update();
}

void HeatmapCanvas::setThreshold(std::optional<double> threshold)
{
    if (threshold && !std::isfinite(*threshold))
        threshold.reset();
    if (threshold == threshold_)
        return;
    threshold_ = threshold;
    rebuildLayer();
    update();
}

void HeatmapCanvas::setContourVisible(bool visible)
{
    if (visible == contour_)
        return;
    contour_ = visible;
    rebuildLayer();
    update();
}

void HeatmapCanvas::setView(double zoom, const QPointF &center)
{
    zoom = std::isfinite(zoom) ? std::clamp(zoom, kMinZoom, kMaxZoom) : kMinZoom;
    const QPointF clamped = clampCenter(zoom, center);
    // Unchanged views are not announced, so that linked canvases stop echoing each other.
    if (nearlyEqual(zoom, zoom_, 1e-9) && nearlyEqual(clamped.x(), center_.x(), 1e-6)
        && nearlyEqual(clamped.y(), center_.y(), 1e-6))
        return;
    zoom_ = zoom;
    center_ = clamped;
    if (!dragging_) {
        if (zoom_ > kMinZoom)
            setCursor(Qt::OpenHandCursor);
        else
            unsetCursor();
    }
    update();
    Q_EMIT viewChanged(zoom_, center_);
}

void HeatmapCanvas::resetView()
{
    setView(kMinZoom, QPointF(image_.width() / 2.0, image_.height() / 2.0));
}

QImage HeatmapCanvas::renderOverlay() const
{
    if (image_.isNull())
        return {};
    QImage overlay(image_.size(), QImage::Format_RGB32);
    overlay.fill(theme::kCanvas);
    QPainter painter(&overlay);
    painter.drawImage(QRect(QPoint(0, 0), image_.size()), image_);
    if (hasMap() && opacity_ > 0.0) {
        const QRect whole(QPoint(0, 0), image_.size());
        const int lineWidth
            = std::max(1, std::max(whole.width(), whole.height()) / kExportPixelsPerLinePixel);
        painter.setOpacity(opacity_);
        painter.drawImage(QPoint(0, 0), buildLayer(whole, whole, lineWidth));
    }
    painter.end();
    return overlay;
}

QSize HeatmapCanvas::sizeHint() const
{
    return {480, 480};
}

QSize HeatmapCanvas::minimumSizeHint() const
{
    return {120, 120};
}

void HeatmapCanvas::rebuildLayer()
{
    layer_ = QImage();
    layerTarget_ = QRect();
    layerVisible_ = QRect();
}

QImage HeatmapCanvas::buildLayer(const QRect &target, const QRect &visible, int lineWidth) const
{
    if (map_.empty() || target.isEmpty() || visible.isEmpty())
        return {};
    // Map values at the output pixels, sampled bilinearly with pixel centres aligned as
    // cv::resize (and so sg::overlayHeatmap) does.
    const cv::Size size(visible.width(), visible.height());
    cv::Mat values;
    if (visible == target) {
        if (map_.size() == size)
            values = map_;
        else
            cv::resize(map_, values, size, 0, 0, cv::INTER_LINEAR);
    } else {
        const double sx = double(map_.cols) / target.width();
        const double sy = double(map_.rows) / target.height();
        const cv::Mat toMap = (cv::Mat_<double>(2, 3) << sx, 0.0, (visible.x() - target.x() + 0.5) * sx - 0.5,
            0.0, sy, (visible.y() - target.y() + 0.5) * sy - 0.5);
        cv::warpAffine(
            map_, values, toMap, size, cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
    }
    cv::Mat levels;
    values.convertTo(levels, CV_8U, 255.0); // as sg::colorize quantises

    const bool hideBelow = threshold_.has_value();
    const float level = float(threshold_.value_or(kDefaultContourLevel));
    cv::Mat inside;
    cv::Mat innerEdge;
    cv::Mat outerEdge;
    if (hideBelow || contour_)
        cv::compare(values, level, inside, cv::CMP_GE);
    if (contour_) {
        const int reach = std::max(1, lineWidth);
        const cv::Mat kernel
            = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(2 * reach + 1, 2 * reach + 1));
        cv::Mat eroded;
        cv::Mat dilated;
        cv::erode(inside, eroded, kernel); // the edge of the output is no edge of the region
        cv::dilate(inside, dilated, kernel);
        cv::subtract(inside, eroded, innerEdge);
        cv::subtract(dilated, inside, outerEdge);
    }

    QImage layer(visible.size(), QImage::Format_ARGB32_Premultiplied);
    const QRgb *colors = colors_.constData();
    for (int y = 0; y < size.height; ++y) {
        auto *row = reinterpret_cast<QRgb *>(layer.scanLine(y));
        const uchar *lev = levels.ptr<uchar>(y);
        if (!hideBelow && !contour_) {
            for (int x = 0; x < size.width; ++x)
                row[x] = colors[lev[x]];
            continue;
        }
        const uchar *in = inside.ptr<uchar>(y);
        const uchar *inner = contour_ ? innerEdge.ptr<uchar>(y) : nullptr;
        const uchar *outer = contour_ ? outerEdge.ptr<uchar>(y) : nullptr;
        for (int x = 0; x < size.width; ++x) {
            if (inner && inner[x])
                row[x] = kContourInside;
            else if (outer && outer[x])
                row[x] = kContourOutside;
            else if (hideBelow && !in[x])
                row[x] = 0u;
            else
                row[x] = colors[lev[x]];
        }
    }
    return layer;
}

double HeatmapCanvas::fitScale() const
{
    if (image_.isNull())
        return 1.0;
    const double width = std::max(1, this->width() - 2 * kMargin);
    const double height = std::max(1, this->height() - 2 * kMargin);
    return std::min(width / image_.width(), height / image_.height());
}

QPointF HeatmapCanvas::clampCenter(double zoom, const QPointF &center) const
{
    if (image_.isNull())
        return center;
    // Along each axis the picture is centred while it fits; once larger than the widget it
    // may be panned only as far as its edge.
    const double scale = fitScale() * zoom;
    const auto clampAxis = [scale](double value, double extent, double view) {
        if (extent * scale <= view + 1e-9 || !std::isfinite(value))
            return extent / 2.0;
        const double half = view / (2.0 * scale);
        return std::clamp(value, half, extent - half);
    };
    return {clampAxis(center.x(), image_.width(), width()), clampAxis(center.y(), image_.height(), height())};
}

QRectF HeatmapCanvas::pictureRect() const
{
    const double scale = fitScale() * zoom_;
    const QPointF center = clampCenter(zoom_, center_); // the widget may have been resized
    const QPointF topLeft = QPointF(width() / 2.0, height() / 2.0) - center * scale;
    return {topLeft, QSizeF(image_.size()) * scale};
}

QPointF HeatmapCanvas::toPicture(const QPointF &widgetPos) const
{
    const double scale = fitScale() * zoom_;
    return clampCenter(zoom_, center_) + (widgetPos - QPointF(width() / 2.0, height() / 2.0)) / scale;
}

void HeatmapCanvas::updateScaled(
    ScaledCache &cache, const QImage &source, const QRect &target, const QRect &visible, bool pixelated) const
{
    const qint64 key = source.cacheKey();
    const bool shrunk = target.width() <= source.width() && target.height() <= source.height();
    if (shrunk || visible == target) {
        // The whole picture at its displayed size: at most the source's or the widget's size.
        if (cache.sourceKey == key && cache.visible.isEmpty() && !cache.pixels.isNull()
            && cache.target.size() == target.size()) {
            cache.target = target;
            cache.origin = target.topLeft();
            return;
        }
        QImage scaled = source;
        if (target.size() != source.size()) {
            if (pixelated) {
                // Small pictures keep crisp square pixels: replicate by the whole factor first,
                // then smooth only the last fraction (as ImageView).
                const int factor
                    = std::min(target.width() / source.width(), target.height() / source.height());
                scaled = scaled.scaled(source.size() * factor, Qt::IgnoreAspectRatio, Qt::FastTransformation);
            }
            scaled = scaled.scaled(target.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
        }
        cache = {key, target, QRect(), blittable(std::move(scaled)), target.topLeft()};
        return;
    }
    // Enlarged beyond the widget: draw only what is visible.
    if (cache.sourceKey == key && cache.target == target && cache.visible == visible
        && !cache.pixels.isNull())
        return;
    QImage pixels(visible.size(),
        source.hasAlphaChannel() ? QImage::Format_ARGB32_Premultiplied : QImage::Format_RGB32);
    pixels.fill(Qt::transparent);
    QPainter painter(&pixels);
    painter.setRenderHint(QPainter::SmoothPixmapTransform, !pixelated);
    painter.drawImage(QRectF(target.translated(-visible.topLeft())), source);
    painter.end();
    cache = {key, target, visible, std::move(pixels), visible.topLeft()};
}

void HeatmapCanvas::paintEvent(QPaintEvent *event)
{
    QPainter painter(this);
    painter.fillRect(event->rect(), theme::kCanvas);
    if (!message_.isEmpty()) {
        drawMessage(painter);
        drawCaption(painter, QRectF(rect()));
        return;
    }
    if (image_.isNull())
        return;

    // Everything below works in device pixels, so that the caches are blitted 1:1.
    const qreal ratio = devicePixelRatioF();
    const QRectF picture = pictureRect();
    const QRect target(QPoint(int(std::lround(picture.x() * ratio)), int(std::lround(picture.y() * ratio))),
        QSize(std::max(1, int(std::lround(picture.width() * ratio))),
            std::max(1, int(std::lround(picture.height() * ratio)))));
    const QRect device(QPoint(0, 0), (QSizeF(size()) * ratio).toSize());
    const QRect visible = target.intersected(device);
    if (visible.isEmpty())
        return;
    const auto draw = [&painter, ratio](ScaledCache &cache) {
        cache.pixels.setDevicePixelRatio(ratio);
        painter.drawImage(QPointF(cache.origin) / ratio, cache.pixels);
    };

    const bool step = showsStepImage();
    const QImage &base = step ? stepImage_ : image_;
    const bool pixelated = target.width() >= 2 * base.width() && target.height() >= 2 * base.height();
    updateScaled(baseCache_, base, target, visible, pixelated);
    draw(baseCache_);
    if (!step && hasMap() && opacity_ > 0.0) {
        if (layer_.isNull() || layerTarget_ != target || layerVisible_ != visible) {
            layer_ = buildLayer(target, visible, std::max(1, int(std::lround(ratio))));
            layerTarget_ = target;
            layerVisible_ = visible;
        }
        layer_.setDevicePixelRatio(ratio);
        painter.setOpacity(opacity_);
        painter.drawImage(QPointF(visible.topLeft()) / ratio, layer_);
        painter.setOpacity(1.0);
    }
    const QRectF shown(QPointF(visible.topLeft()) / ratio, QSizeF(visible.size()) / ratio);
    if (visible == target) {
        // A hairline frame separates dark pictures from the background.
        painter.setPen(kFrame);
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(shown.adjusted(-0.5, -0.5, 0.5, 0.5));
    }
    drawCaption(painter, shown);
}

void HeatmapCanvas::drawCaption(QPainter &painter, const QRectF &area) const
{
    if (caption_.isEmpty())
        return;
    QFont font = painter.font();
    if (font.pointSizeF() > 0)
        font.setPointSizeF(font.pointSizeF() * 0.9);
    const QFontMetricsF metrics(font);
    constexpr qreal kInset = 6.0;
    constexpr qreal kPadX = 6.0;
    constexpr qreal kPadY = 3.0;
    const qreal available = area.width() - 2 * kInset - 2 * kPadX;
    if (available < metrics.averageCharWidth() * 3)
        return;
    // One line per '\n' (compare cells put their AUCs on a second line), each elided alone.
    QStringList lines = caption_.split(QLatin1Char('\n'));
    qreal widest = 0.0;
    for (QString &line : lines) {
        line = metrics.elidedText(line, Qt::ElideRight, available);
        widest = std::max(widest, metrics.horizontalAdvance(line));
    }
    const QString text = lines.join(QLatin1Char('\n'));
    const QRectF box(area.topLeft() + QPointF(kInset, kInset),
        QSizeF(widest + 2 * kPadX, metrics.height() * lines.size() + 2 * kPadY));
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(kCaptionBox);
    painter.drawRoundedRect(box, 3.0, 3.0);
    painter.setFont(font);
    painter.setPen(kCaptionText);
    painter.drawText(box.adjusted(kPadX, kPadY, -kPadX, -kPadY), Qt::AlignLeft | Qt::AlignVCenter, text);
    painter.restore();
}

void HeatmapCanvas::drawMessage(QPainter &painter) const
{
    painter.save();
    painter.setPen(messageIsError_ ? theme::kErrorText : theme::kDimText);
    const int width = std::max(40, std::min(this->width() - 4 * kMargin, 560));
    QRect box(0, 0, width, std::max(20, height() - 2 * kMargin));
    box.moveCenter(rect().center());
    painter.drawText(box, Qt::AlignCenter | Qt::TextWordWrap, message_);
    painter.restore();
}

void HeatmapCanvas::wheelEvent(QWheelEvent *event)
{
    const double notches = event->angleDelta().y() / 120.0;
    if (image_.isNull() || !message_.isEmpty() || notches == 0.0) {
        event->ignore();
        return;
    }
    const double zoom = std::clamp(zoom_ * std::pow(kZoomPerNotch, notches), kMinZoom, kMaxZoom);
    // Keep the picture point under the cursor where it is.
    const QPointF cursor = event->position();
    const QPointF anchor = toPicture(cursor);
    const QPointF offset = cursor - QPointF(width() / 2.0, height() / 2.0);
    setView(zoom, anchor - offset / (fitScale() * zoom));
    event->accept();
}

void HeatmapCanvas::mousePressEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton || image_.isNull() || !message_.isEmpty()) {
        QWidget::mousePressEvent(event);
        return;
    }
    dragging_ = true;
    dragStart_ = event->position();
    dragCenter_ = clampCenter(zoom_, center_);
    if (zoom_ > kMinZoom)
        setCursor(Qt::ClosedHandCursor);
    event->accept();
}

void HeatmapCanvas::mouseMoveEvent(QMouseEvent *event)
{
    if (!dragging_) {
        QWidget::mouseMoveEvent(event);
        return;
    }
    const double scale = fitScale() * zoom_;
    setView(zoom_, dragCenter_ - (event->position() - dragStart_) / scale);
    event->accept();
}

void HeatmapCanvas::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton) {
        QWidget::mouseReleaseEvent(event);
        return;
    }
    dragging_ = false;
    if (zoom_ > kMinZoom)
        setCursor(Qt::OpenHandCursor);
    else
        unsetCursor();
    event->accept();
}

void HeatmapCanvas::mouseDoubleClickEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton || image_.isNull()) {
        QWidget::mouseDoubleClickEvent(event);
        return;
    }
    dragging_ = false;
    resetView();
    event->accept();
}

} // namespace sg::ui
