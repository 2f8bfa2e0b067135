#pragma once
// A horizontal colour legend for maps in [0, 1]: the colour map's gradient with "0" ("low")
// and "1" ("high") ends, and a marker at the threshold when one is set. GUI thread only.

#include "image/colormap.h"

#include <QWidget>

#include <optional>

namespace sg::ui {

class ColorScaleBar : public QWidget {
    Q_OBJECT

public:
    explicit ColorScaleBar(QWidget *parent = nullptr);
    void setColormap(sg::Colormap colormap);
    sg::Colormap colormap() const { return colormap_; }
    void setThreshold(std::optional<double> threshold);
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    sg::Colormap colormap_ = sg::Colormap::Jet;
    std::optional<double> threshold_;
    QImage gradient_; // 256 x 1, rebuilt on colour map change
};

} // namespace sg::ui
