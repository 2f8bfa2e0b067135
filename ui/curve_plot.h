#pragma once
// Deletion and insertion curves (QCustomPlot) of one map, with their AUCs in the legend.
// Moving the mouse over the plot picks the nearest step of the nearer curve, draws a cursor
// there and emits stepHovered(); leaving the plot emits stepLeft(). GUI thread only.

#include "core_metatypes.h"
#include "metrics/deletion_insertion.h"

#include <QString>
#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QCPItemTracer;

namespace sg::ui {

class CurvePlot : public QWidget {
    Q_OBJECT

public:
    explicit CurvePlot(QWidget *parent = nullptr);

    // Plots both curves of `result` (x = fraction changed, y = target probability), legend
    // "Deletion AUC 0.244" / "Insertion AUC 0.978". Clears any message. Like clear(), emits
    // stepLeft() first when a step was showing, so no step image outlives its curves.
    void setResult(const sg::DeletionInsertionResult &result);
    // Removes the curves and shows `message` (e.g. "Scoring…", "No map") in the plot area.
    void clear(const QString &message = {});
    bool hasCurves() const;
    // Points of one plotted curve (steps + 1 when set; 0 when clear).
    int pointCount(sg::MetricCurve curve) const;
    // Draws the cursor at `step` of `curve` and emits stepHovered(); what a mouse move does.
    // Out-of-range steps are clamped; no-op without curves.
    void showStep(sg::MetricCurve curve, int step);
    void hideStep(); // removes the cursor and emits stepLeft()

    QCustomPlot *plot() const { return plot_; }

Q_SIGNALS:
    void stepHovered(sg::MetricCurve curve, int step);
    void stepLeft();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QCustomPlot *plot_ = nullptr;
    QCPGraph *deletion_ = nullptr;
    QCPGraph *insertion_ = nullptr;
    QCPItemStraightLine *cursor_ = nullptr;
    QCPItemTracer *deletionTracer_ = nullptr;
    QCPItemTracer *insertionTracer_ = nullptr;
    QCPItemText *readout_ = nullptr; // "Deletion · step 3 / 28 · p 0.412" at the cursor
    QCPItemText *message_ = nullptr;
    sg::CurvePoints deletionPoints_;
    sg::CurvePoints insertionPoints_;
    bool stepShown_ = false;
    sg::MetricCurve shownCurve_ = sg::MetricCurve::Deletion;
    int shownStep_ = -1;

    const sg::CurvePoints &points(sg::MetricCurve curve) const;
    // The step of the nearer curve under widget position `pos` of plot_; false outside the
    // axis rectangle.
    bool stepAt(const QPointF &pos, sg::MetricCurve &curve, int &step) const;
    void removeCursor(); // hides the cursor items without a signal
};

} // namespace sg::ui
