#pragma once
// The compare grid: the current image explained by several methods and resolutions side by
// side (e.g. I-GOS at 7/14/28/56 beside Grad-CAM, RISE and IG). Every cell is a HeatmapCanvas
// with one shared colour map, opacity and threshold (one colour scale bar above the grid, maps
// all in [0, 1]); zooming or panning one cell moves all of them; each caption names the method,
// resolution and the map's deletion/insertion AUC. GUI thread only.

#include "image/colormap.h"
#include "jobs/explanation.h"

#include <QImage>
#include <QString>
#include <QVector>
#include <QWidget>

#include <opencv2/core.hpp>

#include <optional>

class QGridLayout;
class QLabel;

namespace sg::ui {

class ColorScaleBar;
class HeatmapCanvas;

struct CompareCell {
    QString method; // registry id
    int resolution = 0; // kDefaultResolution for methods without a choice
    QString title; // "I-GOS 28×28"
};

class CompareGrid : public QWidget {
    Q_OBJECT

public:
    explicit CompareGrid(QWidget *parent = nullptr);

    // Lays out one canvas per cell (about square: columns = ceil(sqrt(n))), each showing
    // `image` with the message "Queued". Replaces any earlier grid.
    void setCells(const QVector<CompareCell> &cells, const QImage &image);
    // Empties the grid and shows `message` instead.
    void clear(const QString &message);
    int cellCount() const { return int(cells_.size()); }
    const QVector<CompareCell> &cells() const { return cells_; }
    HeatmapCanvas *canvas(int index) const;

    // Cell `index` (ignored when out of range): a live map while its job runs, the final
    // result (map and, when scored, its AUCs in the caption), or a message (error, cancelled).
    void setCellMap(int index, const cv::Mat &saliency);
    void setCellResult(int index, const sg::Explanation &explanation);
    void setCellMessage(int index, const QString &message, bool isError = false);
    // Cells that have their final result.
    int finishedCount() const;

    void setColormap(sg::Colormap colormap);
    void setOpacity(double opacity);
    void setThreshold(std::optional<double> threshold);
    void setContourVisible(bool visible);

    // The whole grid (colour bar and every cell with its caption) as one image, for export.
    QImage renderComparison();

private:
    void linkViews(HeatmapCanvas *source, double zoom, const QPointF &center);

    QVector<CompareCell> cells_;
    QVector<HeatmapCanvas *> canvases_;
    QVector<bool> finished_;
    QWidget *gridHost_ = nullptr;
    QGridLayout *grid_ = nullptr;
    ColorScaleBar *scale_ = nullptr;
    QLabel *message_ = nullptr;
    sg::Colormap colormap_ = sg::Colormap::Jet;
    double opacity_ = 0.5;
    std::optional<double> threshold_;
    bool contour_ = false;
    bool linking_ = false;
};

} // namespace sg::ui
