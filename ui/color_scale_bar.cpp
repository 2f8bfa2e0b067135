#include "color_scale_bar.h"

#include "mat_qimage.h"
#include "theme.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>

namespace sg::ui {

namespace {

constexpr qreal kBarHeight = 10.0;
constexpr qreal kGap = 3.0; // between the bar and the labels
constexpr qreal kMarkerHeight = 5.0; // the threshold's triangle above the bar

QImage gradientImage(sg::Colormap colormap)
{
    return toQImage(sg::colormapLevels(colormap));
}

} // namespace

ColorScaleBar::ColorScaleBar(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    gradient_ = gradientImage(colormap_);
}

void ColorScaleBar::setColormap(sg::Colormap colormap)
{
    if (colormap == colormap_)
        return;
    colormap_ = colormap;
    gradient_ = gradientImage(colormap_);
    update();
}

void ColorScaleBar::setThreshold(std::optional<double> threshold)
{
    if (threshold && std::isfinite(*threshold))
        threshold = std::clamp(*threshold, 0.0, 1.0);
    else
        threshold.reset();
    if (threshold == threshold_)
        return;
    threshold_ = threshold;
    update();
}

QSize ColorScaleBar::sizeHint() const
{
    const QFontMetricsF metrics(font());
    return {240, int(std::ceil(kMarkerHeight + kBarHeight + kGap + metrics.height())) + 2};
}

void ColorScaleBar::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QFontMetricsF metrics(font());
    const QColor text = palette().color(QPalette::WindowText);
    const QColor dim = theme::kDimText;

    // Half a label's width of room at both ends, so "0" and "1" sit centred under the ends.
    const qreal inset = std::ceil(metrics.horizontalAdvance(QStringLiteral("0.00")) / 2.0);
    const QRectF bar(inset, kMarkerHeight + 1.0, std::max(1.0, width() - 2 * inset), kBarHeight);
    painter.save();
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    painter.drawImage(bar, gradient_);
    painter.restore();

    if (threshold_) {
        // Values below the threshold are not drawn on the canvases: dim that part of the scale.
        const qreal x = bar.left() + *threshold_ * bar.width();
        painter.fillRect(
            QRectF(bar.left(), bar.top(), x - bar.left(), bar.height()), QColor(0x1c, 0x1d, 0x1f, 170));
        painter.setPen(QPen(QColor(255, 255, 255), 1.5));
        painter.drawLine(QPointF(x, bar.top()), QPointF(x, bar.bottom()));
        QPainterPath marker;
        marker.moveTo(x - 4.0, 0.0);
        marker.lineTo(x + 4.0, 0.0);
        marker.lineTo(x, kMarkerHeight);
        marker.closeSubpath();
        painter.setPen(Qt::NoPen);
        painter.setBrush(text);
        painter.drawPath(marker);
    }
    painter.setPen(QColor(255, 255, 255, 40));
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(bar.adjusted(-0.5, -0.5, 0.5, 0.5));

    const qreal labelTop = bar.bottom() + kGap;
    const qreal labelHeight = metrics.height();
    const QString low = QStringLiteral("0");
    const QString high = QStringLiteral("1");
    const qreal lowWidth = metrics.horizontalAdvance(low);
    const qreal highWidth = metrics.horizontalAdvance(high);
    const QRectF lowRect(bar.left() - lowWidth / 2.0, labelTop, lowWidth, labelHeight);
    const QRectF highRect(bar.right() - highWidth / 2.0, labelTop, highWidth, labelHeight);
    painter.setPen(text);
    painter.drawText(lowRect, Qt::AlignCenter, low);
    painter.drawText(highRect, Qt::AlignCenter, high);

    const QString lowWord = tr("low");
    const QString highWord = tr("high");
    const qreal spacing = metrics.horizontalAdvance(QLatin1Char(' '));
    QRectF lowWordRect(lowRect.right() + spacing, labelTop, metrics.horizontalAdvance(lowWord), labelHeight);
    QRectF highWordRect(highRect.left() - spacing - metrics.horizontalAdvance(highWord), labelTop,
        metrics.horizontalAdvance(highWord), labelHeight);
    QRectF thresholdRect;
    QString thresholdText;
    if (threshold_) {
        thresholdText = QString::number(*threshold_, 'f', 2);
        const qreal w = metrics.horizontalAdvance(thresholdText);
        const qreal x = bar.left() + *threshold_ * bar.width();
        thresholdRect
            = QRectF(std::clamp(x - w / 2.0, 0.0, std::max(0.0, width() - w)), labelTop, w, labelHeight);
    }
    painter.setPen(dim);
    const bool wordsFit = lowWordRect.right() + 2 * spacing < highWordRect.left();
    if (wordsFit && !(threshold_ && thresholdRect.intersects(lowWordRect.adjusted(-spacing, 0, spacing, 0))))
        painter.drawText(lowWordRect, Qt::AlignCenter, lowWord);
    if (wordsFit && !(threshold_ && thresholdRect.intersects(highWordRect.adjusted(-spacing, 0, spacing, 0))))
        painter.drawText(highWordRect, Qt::AlignCenter, highWord);
    if (threshold_ && !thresholdRect.intersects(lowRect) && !thresholdRect.intersects(highRect)) {
        painter.setPen(text);
        painter.drawText(thresholdRect, Qt::AlignCenter, thresholdText);
    }
}

} // namespace sg::ui
