#include "compare_grid.h"

#include "color_scale_bar.h"
#include "heatmap_canvas.h"

#include <QGridLayout>
#include <QLabel>
#include <QPainter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace sg::ui {

CompareGrid::CompareGrid(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(6);

    auto *header = new QHBoxLayout;
    auto *lowLabel = new QLabel(
        tr("Each map scaled to [0, 1] \u00b7 del / ins: deletion (lower is better) / insertion AUC"), this);
    header->addWidget(lowLabel);
    scale_ = new ColorScaleBar(this);
    header->addWidget(scale_, 1);
    layout->addLayout(header);

    message_ = new QLabel(this);
    message_->setAlignment(Qt::AlignCenter);
    message_->setWordWrap(true);
    layout->addWidget(message_, 1);

    gridHost_ = new QWidget(this);
    grid_ = new QGridLayout(gridHost_);
    grid_->setContentsMargins(0, 0, 0, 0);
    grid_->setSpacing(4);
    layout->addWidget(gridHost_, 1);
    clear(tr("Compare methods on the current image: choose Compare in the method panel."));
}

HeatmapCanvas *CompareGrid::canvas(int index) const
{
    return index >= 0 && index < canvases_.size() ? canvases_[index] : nullptr;
}

void CompareGrid::clear(const QString &message)
{
    for (HeatmapCanvas *canvas : canvases_)
        delete canvas;
    canvases_.clear();
    cells_.clear();
    finished_.clear();
    gridHost_->hide();
    message_->setText(message);
    message_->show();
}

void CompareGrid::setCells(const QVector<CompareCell> &cells, const QImage &image)
{
    clear(QString());
    message_->hide();
    gridHost_->show();
    cells_ = cells;
    finished_.fill(false, cells.size());
    const int columns = std::max(1, int(std::ceil(std::sqrt(double(cells.size())))));
    for (int i = 0; i < cells.size(); ++i) {
        auto *canvas = new HeatmapCanvas(gridHost_);
        canvas->setImage(image);
        canvas->setColormap(colormap_);
        canvas->setOpacity(opacity_);
        canvas->setThreshold(threshold_);
        canvas->setContourVisible(contour_);
        canvas->setCaption(cells[i].title);
        canvas->setMessage(tr("Queued"));
        canvas->setMinimumSize(120, 120);
        connect(canvas, &HeatmapCanvas::viewChanged, this,
            [this, canvas](double zoom, const QPointF &center) { linkViews(canvas, zoom, center); });
        grid_->addWidget(canvas, i / columns, i % columns);
        canvases_.push_back(canvas);
    }
}

void CompareGrid::linkViews(HeatmapCanvas *source, double zoom, const QPointF &center)
{
    if (linking_)
        return;
    linking_ = true; // setView on the others emits viewChanged again
    for (HeatmapCanvas *canvas : canvases_)
        if (canvas != source)
            canvas->setView(zoom, center);
    linking_ = false;
}

void CompareGrid::setCellMap(int index, const cv::Mat &saliency)
{
    HeatmapCanvas *cell = canvas(index);
    if (!cell)
        return;
    cell->setMessage(QString());
    cell->setMap(saliency);
}

void CompareGrid::setCellResult(int index, const sg::Explanation &explanation)
{
    HeatmapCanvas *cell = canvas(index);
    if (!cell)
        return;
    setCellMap(index, explanation.heatmap.saliency);
    QString caption = cells_[index].title;
    if (const auto &metrics = explanation.metrics)
        caption += QStringLiteral("\ndel %1 \u00b7 ins %2")
                       .arg(metrics->deletionAuc, 0, 'f', 3)
                       .arg(metrics->insertionAuc, 0, 'f', 3);
    cell->setCaption(caption);
    finished_[index] = true;
}

void CompareGrid::setCellMessage(int index, const QString &message, bool isError)
{
    HeatmapCanvas *cell = canvas(index);
    if (!cell)
        return;
    if (isError)
        cell->clearMap();
    if (!cell->hasMap() || isError)
        cell->setMessage(message, isError);
    else
        cell->setCaption(cells_[index].title + QLatin1Char('\n') + message);
}

int CompareGrid::finishedCount() const
{
    return int(std::count(finished_.begin(), finished_.end(), true));
}

void CompareGrid::setColormap(sg::Colormap colormap)
{
    colormap_ = colormap;
    scale_->setColormap(colormap);
    for (HeatmapCanvas *canvas : canvases_)
        canvas->setColormap(colormap);
}

void CompareGrid::setOpacity(double opacity)
{
    opacity_ = opacity;
    for (HeatmapCanvas *canvas : canvases_)
        canvas->setOpacity(opacity);
}

void CompareGrid::setThreshold(std::optional<double> threshold)
{
    threshold_ = threshold;
    scale_->setThreshold(threshold);
    for (HeatmapCanvas *canvas : canvases_)
        canvas->setThreshold(threshold);
}

void CompareGrid::setContourVisible(bool visible)
{
    contour_ = visible;
    for (HeatmapCanvas *canvas : canvases_)
        canvas->setContourVisible(visible);
}

QImage CompareGrid::renderComparison()
{
    QImage image(size() * devicePixelRatioF(), QImage::Format_RGB32);
    image.setDevicePixelRatio(devicePixelRatioF());
    image.fill(palette().window().color());
    render(&image);
    return image;
}

} // namespace sg::ui
