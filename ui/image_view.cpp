#include "image_view.h"

#include "theme.h"

#include <QPainter>
#include <QPaintEvent>

#include <algorithm>
#include <cmath>

namespace sg::ui {

namespace {
constexpr int kMargin = 12;  // logical pixels between the image and the view's edge
}

ImageView::ImageView(QWidget *parent) : QWidget(parent)
{
    setAttribute(Qt::WA_OpaquePaintEvent);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    placeholder_ = tr("No image");
}

void ImageView::setImage(const QImage &image)
{
    image_ = image;
    error_.clear();
    scaled_ = QPixmap();
    scaledSize_ = QSize();
    update();
}

void ImageView::setError(const QString &message)
{
    image_ = QImage();
    error_ = message;
    scaled_ = QPixmap();
    scaledSize_ = QSize();
    update();
}

void ImageView::clear()
{
    image_ = QImage();
    error_.clear();
    scaled_ = QPixmap();
    scaledSize_ = QSize();
    update();
}

void ImageView::setPlaceholderText(const QString &text)
{
    placeholder_ = text;
    update();
}

QSize ImageView::sizeHint() const
{
    return {640, 480};
}

QSize ImageView::minimumSizeHint() const
{
    return {160, 120};
}

QRect ImageView::imageRect() const
{
    const QRect area = rect().adjusted(kMargin, kMargin, -kMargin, -kMargin);
    if (image_.isNull() || area.width() <= 0 || area.height() <= 0)
        return {};
    const QSize size = image_.size().scaled(area.size(), Qt::KeepAspectRatio);
    return {area.x() + (area.width() - size.width()) / 2,
            area.y() + (area.height() - size.height()) / 2, size.width(), size.height()};
}

void ImageView::drawMessage(QPainter &painter, const QString &text, const QColor &color, bool large)
{
    QFont font = painter.font();
    if (large)
        font.setPointSizeF(font.pointSizeF() * 1.25);
    painter.setFont(font);
    painter.setPen(color);
    const int width = std::min(rect().width() - 4 * kMargin, 560);
    QRect box(0, 0, std::max(width, 40), rect().height() - 2 * kMargin);
    box.moveCenter(rect().center());
    painter.drawText(box, Qt::AlignCenter | Qt::TextWordWrap, text);
}

void ImageView::paintEvent(QPaintEvent *event)
{
    QPainter painter(this);
    painter.fillRect(event->rect(), theme::kCanvas);

    if (!error_.isEmpty()) {
        drawMessage(painter, error_, theme::kErrorText, false);
        return;
    }
    const QRect target = imageRect();
    if (target.isEmpty()) {
        drawMessage(painter, placeholder_, theme::kDimText, true);
        return;
    }

    // Scale once per size in device pixels (sharp on high-DPI screens), not on every paint.
    const qreal ratio = devicePixelRatioF();
    const QSize devicePixels(int(std::lround(target.width() * ratio)),
                             int(std::lround(target.height() * ratio)));
    if (scaledSize_ != devicePixels) {
        // Shrinking and mild enlarging are smooth. Small images (a model's 64x64 or 112x112
        // input) enlarged several times would turn to mush that way: they are first enlarged
        // by the whole factor with pixel replication, then smoothly to the exact size, so every
        // source pixel stays a crisp square.
        QImage source = image_;
        const int factor = std::min(devicePixels.width() / std::max(1, image_.width()),
                                    devicePixels.height() / std::max(1, image_.height()));
        if (factor >= 2)
            source = image_.scaled(image_.size() * factor, Qt::IgnoreAspectRatio,
                                   Qt::FastTransformation);
        scaled_ = QPixmap::fromImage(
            source.scaled(devicePixels, Qt::IgnoreAspectRatio, Qt::SmoothTransformation));
        scaled_.setDevicePixelRatio(ratio);
        scaledSize_ = devicePixels;
    }
    painter.drawPixmap(target.topLeft(), scaled_);

    // A hairline frame separates dark images from the background.
    painter.setPen(QColor(255, 255, 255, 28));
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(QRectF(target).adjusted(-0.5, -0.5, 0.5, 0.5));
}

} // namespace sg::ui
