#include "curve_plot.h"

#include "qcustomplot_wrapper.h"
#include "theme.h"

#include <QMouseEvent>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace sg::ui {

namespace {

const QColor kDeletionColor{0xe8, 0x6a, 0x5c};
const QColor kInsertionColor{0x5a, 0x9c, 0xf0};
constexpr double kYMax = 1.02; // room for a curve at probability 1 and its cursor dot

// The index of the x nearest to `x` in ascending `xs` (not empty).
int nearestIndex(const std::vector<double> &xs, double x)
{
    const auto upper = std::lower_bound(xs.begin(), xs.end(), x);
    if (upper == xs.begin())
        return 0;
    if (upper == xs.end())
        return int(xs.size()) - 1;
    const auto lower = upper - 1;
    return int(x - *lower <= *upper - x ? lower - xs.begin() : upper - xs.begin());
}

// The curve's value at `x`, linear between its points (the line as drawn).
double valueAt(const sg::CurvePoints &curve, double x)
{
    const auto &xs = curve.x;
    const auto upper = std::lower_bound(xs.begin(), xs.end(), x);
    if (upper == xs.begin())
        return curve.score.front();
    if (upper == xs.end())
        return curve.score.back();
    const size_t i = size_t(upper - xs.begin());
    const double span = xs[i] - xs[i - 1];
    const double t = span > 0.0 ? (x - xs[i - 1]) / span : 1.0;
    return curve.score[i - 1] + t * (curve.score[i] - curve.score[i - 1]);
}

QVector<double> toVector(const std::vector<double> &values)
{
    return QVector<double>(values.begin(), values.end());
}

void styleAxis(QCPAxis *axis, const QColor &text, const QColor &line, const QColor &grid)
{
    axis->setBasePen(QPen(line, 1));
    axis->setTickPen(QPen(line, 1));
    axis->setSubTickPen(QPen(line, 1));
    axis->setTickLabelColor(text);
    axis->setLabelColor(text);
    axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
    axis->grid()->setZeroLinePen(Qt::NoPen);
    axis->setTickLengthIn(0);
    axis->setTickLengthOut(4);
    axis->setSubTickLengthIn(0);
    axis->setSubTickLengthOut(2);
}

QCPItemTracer *makeTracer(QCustomPlot *plot, const QCPGraph *graph, const QColor &color)
{
    // The graph is attached while the cursor is shown: QCustomPlot complains about a tracer on
    // a graph without data.
    auto *tracer = new QCPItemTracer(plot);
    tracer->position->setAxes(graph->keyAxis(), graph->valueAxis());
    tracer->setInterpolating(false);
    tracer->setStyle(QCPItemTracer::tsCircle);
    tracer->setPen(QPen(color, 1.5));
    tracer->setBrush(color);
    tracer->setSize(7);
    tracer->setVisible(false);
    return tracer;
}

} // namespace

CurvePlot::CurvePlot(QWidget *parent) : QWidget(parent)
{
    static const int metaTypeId = qRegisterMetaType<sg::MetricCurve>();
    Q_UNUSED(metaTypeId)

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    plot_ = new QCustomPlot(this);
    layout->addWidget(plot_);
    plot_->setMouseTracking(true);
    plot_->installEventFilter(this);
    plot_->setInteractions(QCP::Interactions());

    // Colours from the palette (the application's dark theme, or whatever the style gives).
    const QPalette palette = this->palette();
    const QColor background = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::Text);
    QColor line = text;
    line.setAlpha(150);
    QColor grid = text;
    grid.setAlpha(45);
    plot_->setBackground(background);
    plot_->axisRect()->setBackground(background);
    styleAxis(plot_->xAxis, text, line, grid);
    styleAxis(plot_->yAxis, text, line, grid);
    plot_->xAxis->setLabel(tr("fraction of image changed"));
    plot_->yAxis->setLabel(tr("target probability"));
    plot_->xAxis->setRange(0.0, 1.0);
    plot_->yAxis->setRange(0.0, kYMax);
    plot_->axisRect()->setAutoMargins(QCP::msLeft | QCP::msBottom | QCP::msTop);
    plot_->axisRect()->setMargins(QMargins(0, 0, 14, 0));

    const auto addCurve = [this](const QColor &color, const QString &name) {
        QCPGraph *graph = plot_->addGraph();
        graph->setPen(QPen(color, 2.0));
        QColor fill = color;
        fill.setAlpha(30); // the area under the curve is what the AUC measures
        graph->setBrush(fill);
        graph->setName(name);
        graph->setLineStyle(QCPGraph::lsLine);
        return graph;
    };
    deletion_ = addCurve(kDeletionColor, tr("Deletion"));
    insertion_ = addCurve(kInsertionColor, tr("Insertion"));

    // The legend in a row of its own above the plot, so it never covers a curve.
    plot_->legend->setVisible(true);
    plot_->legend->setFillOrder(QCPLegend::foColumnsFirst);
    plot_->legend->setBrush(Qt::NoBrush);
    plot_->legend->setBorderPen(Qt::NoPen);
    plot_->legend->setTextColor(text);
    plot_->legend->setColumnSpacing(18);
    plot_->legend->setIconSize(18, 10);
    plot_->legend->setMargins(QMargins(4, 6, 4, 0));
    // Centred between two stretching spacers at its natural width.
    auto *legendRow = new QCPLayoutGrid;
    plot_->plotLayout()->insertRow(0);
    plot_->plotLayout()->addElement(0, 0, legendRow);
    plot_->plotLayout()->setRowStretchFactor(0, 0.001);
    plot_->plotLayout()->setRowSpacing(0);
    legendRow->addElement(0, 0, new QCPLayoutElement(plot_));
    legendRow->addElement(0, 1, plot_->legend);
    legendRow->addElement(0, 2, new QCPLayoutElement(plot_));
    legendRow->setColumnStretchFactors({1.0, 0.001, 1.0});
    legendRow->setColumnSpacing(0);

    cursor_ = new QCPItemStraightLine(plot_);
    cursor_->setPen(QPen(text, 1.0, Qt::DashLine));
    cursor_->setVisible(false);
    deletionTracer_ = makeTracer(plot_, deletion_, kDeletionColor);
    insertionTracer_ = makeTracer(plot_, insertion_, kInsertionColor);

    readout_ = new QCPItemText(plot_);
    readout_->setColor(QColor(0xf2, 0xf3, 0xf5));
    readout_->setBrush(QColor(0, 0, 0, 170));
    readout_->setPadding(QMargins(5, 2, 5, 2));
    readout_->setClipToAxisRect(true);
    readout_->setVisible(false);

    message_ = new QCPItemText(plot_);
    message_->position->setType(QCPItemPosition::ptAxisRectRatio);
    message_->position->setCoords(0.5, 0.5);
    message_->setPositionAlignment(Qt::AlignCenter);
    message_->setColor(theme::kDimText);
    message_->setVisible(false);

    clear();
}

const sg::CurvePoints &CurvePlot::points(sg::MetricCurve curve) const
{
    return curve == sg::MetricCurve::Deletion ? deletionPoints_ : insertionPoints_;
}

void CurvePlot::setResult(const sg::DeletionInsertionResult &result)
{
    // A step image shown for the old curves would no longer match them.
    const bool wasShown = stepShown_;
    removeCursor();
    deletionPoints_ = result.deletion;
    insertionPoints_ = result.insertion;
    // Both vectors of a curve must pair up; a malformed curve is shown as far as it goes.
    for (sg::CurvePoints *curve : {&deletionPoints_, &insertionPoints_}) {
        const size_t n = std::min(curve->x.size(), curve->score.size());
        curve->x.resize(n);
        curve->score.resize(n);
    }
    deletion_->setData(toVector(deletionPoints_.x), toVector(deletionPoints_.score), true);
    insertion_->setData(toVector(insertionPoints_.x), toVector(insertionPoints_.score), true);
    deletion_->setName(tr("Deletion AUC %1").arg(result.deletionAuc, 0, 'f', 3));
    insertion_->setName(tr("Insertion AUC %1").arg(result.insertionAuc, 0, 'f', 3));
    message_->setVisible(false);
    plot_->replot(QCustomPlot::rpQueuedReplot);
    if (wasShown)
        Q_EMIT stepLeft();
}

void CurvePlot::clear(const QString &message)
{
    const bool wasShown = stepShown_;
    removeCursor();
    deletionPoints_ = {};
    insertionPoints_ = {};
    deletion_->data()->clear();
    insertion_->data()->clear();
    deletion_->setName(tr("Deletion"));
    insertion_->setName(tr("Insertion"));
    message_->setText(message);
    message_->setVisible(!message.isEmpty());
    plot_->replot(QCustomPlot::rpQueuedReplot);
    if (wasShown)
        Q_EMIT stepLeft();
}

bool CurvePlot::hasCurves() const
{
    return !deletionPoints_.x.empty() || !insertionPoints_.x.empty();
}

int CurvePlot::pointCount(sg::MetricCurve curve) const
{
    return int(points(curve).x.size());
}

void CurvePlot::showStep(sg::MetricCurve curve, int step)
{
    const sg::CurvePoints &shown = points(curve);
    if (shown.x.empty())
        return;
    step = std::clamp(step, 0, int(shown.x.size()) - 1);
    const double x = shown.x[size_t(step)];

    cursor_->point1->setCoords(x, 0.0);
    cursor_->point2->setCoords(x, 1.0);
    cursor_->setVisible(true);
    const bool deletion = curve == sg::MetricCurve::Deletion;
    for (QCPItemTracer *tracer : {deletionTracer_, insertionTracer_}) {
        const bool hovered = (tracer == deletionTracer_) == deletion;
        const sg::CurvePoints &own = tracer == deletionTracer_ ? deletionPoints_ : insertionPoints_;
        tracer->setGraph(own.x.empty() ? nullptr : (tracer == deletionTracer_ ? deletion_ : insertion_));
        tracer->setGraphKey(x);
        tracer->setSize(hovered ? 9 : 6);
        tracer->setVisible(!own.x.empty());
    }
    const QString name = deletion ? tr("Deletion") : tr("Insertion");
    readout_->setText(tr("%1 · step %2/%3 · p %4")
                          .arg(name)
                          .arg(step)
                          .arg(int(shown.x.size()) - 1)
                          .arg(shown.score[size_t(step)], 0, 'f', 3));
    // Beside the hovered dot, on the side with more room.
    QCPItemTracer *hoveredTracer = deletion ? deletionTracer_ : insertionTracer_;
    hoveredTracer->updatePosition();
    const bool leftHalf = x <= 0.5;
    const bool upperHalf = shown.score[size_t(step)] > 0.5;
    readout_->position->setParentAnchor(hoveredTracer->position);
    readout_->position->setType(QCPItemPosition::ptAbsolute);
    readout_->position->setCoords(leftHalf ? 10.0 : -10.0, upperHalf ? 10.0 : -10.0);
    readout_->setPositionAlignment(
        (upperHalf ? Qt::AlignTop : Qt::AlignBottom) | (leftHalf ? Qt::AlignLeft : Qt::AlignRight));
    readout_->setVisible(true);

    stepShown_ = true;
    shownCurve_ = curve;
    shownStep_ = step;
    plot_->replot(QCustomPlot::rpQueuedReplot);
    Q_EMIT stepHovered(curve, step);
}

void CurvePlot::hideStep()
{
    removeCursor();
    plot_->replot(QCustomPlot::rpQueuedReplot);
    Q_EMIT stepLeft();
}

void CurvePlot::removeCursor()
{
    stepShown_ = false;
    shownStep_ = -1;
    cursor_->setVisible(false);
    for (QCPItemTracer *tracer : {deletionTracer_, insertionTracer_}) {
        tracer->setVisible(false);
        tracer->setGraph(nullptr);
    }
    readout_->setVisible(false);
}

bool CurvePlot::stepAt(const QPointF &pos, sg::MetricCurve &curve, int &step) const
{
    if (!hasCurves() || !plot_->axisRect()->rect().contains(pos.toPoint()))
        return false;
    const double x = plot_->xAxis->pixelToCoord(pos.x());
    double bestDistance = std::numeric_limits<double>::infinity();
    for (const sg::MetricCurve candidate : {sg::MetricCurve::Deletion, sg::MetricCurve::Insertion}) {
        const sg::CurvePoints &own = points(candidate);
        if (own.x.empty())
            continue;
        const double distance = std::abs(plot_->yAxis->coordToPixel(valueAt(own, x)) - pos.y());
        if (distance < bestDistance) {
            bestDistance = distance;
            curve = candidate;
            step = nearestIndex(own.x, x);
        }
    }
    return std::isfinite(bestDistance);
}

bool CurvePlot::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == plot_) {
        if (event->type() == QEvent::MouseMove) {
            const auto *move = static_cast<QMouseEvent *>(event);
            sg::MetricCurve curve = sg::MetricCurve::Deletion;
            int step = 0;
            if (stepAt(move->position(), curve, step)) {
                if (!stepShown_ || curve != shownCurve_ || step != shownStep_)
                    showStep(curve, step);
            } else if (stepShown_) {
                hideStep();
            }
        } else if (event->type() == QEvent::Leave && stepShown_) {
            hideStep();
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace sg::ui
