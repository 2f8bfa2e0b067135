#pragma once
// The heatmap canvas: an image with a saliency map blended over it. Opacity, colour map,
// threshold (hide map values below it) and contour (outline of the region above it) change
// only how the cached colour layer is drawn or rebuilt, never the map itself, so a slider drag
// repaints in milliseconds. Mouse wheel zooms about the cursor, left-drag pans, double-click
// fits the image again; the view (zoom, centre) can be linked between canvases (compare grid).
// A "step image" (the image a deletion/insertion curve step fed the model) can temporarily
// replace the picture. GUI thread only.

#include "image/colormap.h"

#include <QImage>
#include <QPointF>
#include <QRect>
#include <QString>
#include <QVector>
#include <QWidget>

#include <opencv2/core.hpp>

#include <optional>

class QPainter;

namespace sg::ui {

class HeatmapCanvas : public QWidget {
    Q_OBJECT

public:
    explicit HeatmapCanvas(QWidget *parent = nullptr);

    // The picture (display pixels, any size). Keeps the map when the size is unchanged (a live
    // refresh); clears the map, step image and message and refits the view when it differs.
    void setImage(const QImage &image);
    // The map: CV_32FC1, values in [0, 1] (clamped), any size (stretched bilinearly over the
    // image). Copied. An empty matrix clears it.
    void setMap(const cv::Mat &saliency);
    void clearMap();
    bool hasMap() const;
    const cv::Mat &map() const { return map_; }
    const QImage &image() const { return image_; }

    // Shown instead of the picture (without the map) until clearStepImage(); must have the
    // picture's aspect ratio (any size). A null image clears it.
    void setStepImage(const QImage &image);
    void clearStepImage();
    bool showsStepImage() const { return !stepImage_.isNull(); }

    // A line of text drawn in the top-left corner over the picture (e.g. "I-GOS 28 · deletion
    // 0.24"); empty = none.
    void setCaption(const QString &caption);
    QString caption() const { return caption_; }
    // Replaces the picture with a centred message (placeholder or error); empty clears it.
    void setMessage(const QString &message, bool isError = false);
    QString message() const { return message_; }

    // 0 = map invisible, 1 = map only. Clamped.
    void setOpacity(double opacity);
    double opacity() const { return opacity_; }
    void setColormap(sg::Colormap colormap);
    sg::Colormap colormap() const { return colormap_; }
    // Map values below `threshold` are not drawn; nullopt = draw all.
    void setThreshold(std::optional<double> threshold);
    std::optional<double> threshold() const { return threshold_; }
    // Draw the outline of the region where the map >= the threshold (0.5 when none is set).
    void setContourVisible(bool visible);
    bool contourVisible() const { return contour_; }

    // View: zoom 1 = the picture fitted to the widget; centre in picture coordinates
    // (0..width, 0..height). Emits viewChanged() when it changes through the user or here.
    void setView(double zoom, const QPointF &center);
    double zoom() const { return zoom_; }
    QPointF center() const { return center_; }
    void resetView(); // zoom 1, centred

    // The picture with the map blended as on screen (opacity, colour map, threshold, contour),
    // at the picture's own resolution, regardless of zoom. Null when there is no picture.
    QImage renderOverlay() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void viewChanged(double zoom, const QPointF &center);

protected:
    void paintEvent(QPaintEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;

private:
    // The picture (or step image) scaled for the current view, in device pixels. Fitted or
    // shrunk: the whole scaled image, reused while only its position changes. Enlarged beyond
    // the widget: only the visible part, redrawn on view change.
    struct ScaledCache {
        qint64 sourceKey = 0;
        QRect target; // where the whole scaled source lies, device pixels
        QRect visible; // the part rendered (enlarged mode) or empty (whole image)
        QImage pixels;
        QPoint origin; // device position of `pixels`
    };

    // Forgets the colour layer; paintEvent builds it again for the view it needs.
    void rebuildLayer();
    // The coloured map for the part `visible` of the picture drawn over `target` (both in
    // output pixels; the map is stretched bilinearly over `target`): colour where drawn
    // (opaque, premultiplied), transparent below the threshold, white (inside) and black
    // (outside) lines `lineWidth` pixels wide along the contour.
    QImage buildLayer(const QRect &target, const QRect &visible, int lineWidth) const;
    double fitScale() const; // picture pixels -> widget pixels at zoom 1
    QPointF clampCenter(double zoom, const QPointF &center) const;
    QRectF pictureRect() const; // where the picture lies in widget coordinates
    QPointF toPicture(const QPointF &widgetPos) const;
    void updateScaled(ScaledCache &cache, const QImage &source, const QRect &target, const QRect &visible,
        bool pixelated) const;
    void drawCaption(QPainter &painter, const QRectF &area) const;
    void drawMessage(QPainter &painter) const;

    QImage image_;
    QImage stepImage_;
    cv::Mat map_;
    // The coloured map at screen resolution for the visible part of the picture (layerTarget_,
    // layerVisible_, device pixels): rebuilt after a map, colour map, threshold or contour
    // change, or a view change; an opacity change only draws it differently.
    QImage layer_;
    QRect layerTarget_;
    QRect layerVisible_;
    QVector<QRgb> colors_; // the colour map's 256 levels, as sg::colorize gives them
    QString caption_;
    QString message_;
    bool messageIsError_ = false;
    double opacity_ = 0.5;
    sg::Colormap colormap_ = sg::Colormap::Jet;
    std::optional<double> threshold_;
    bool contour_ = false;
    double zoom_ = 1.0;
    QPointF center_;
    QPointF dragStart_;
    QPointF dragCenter_;
    bool dragging_ = false;
    ScaledCache baseCache_; // the picture or the step image
};

} // namespace sg::ui
