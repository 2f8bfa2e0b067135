// Heatmap canvas repaint cost, Qt offscreen: what a slider drag (opacity, threshold) or a new
// map costs per frame on a shown widget of N x N logical pixels showing an N x N picture.
// Every iteration repaints synchronously through the widget's backing store (QWidget::repaint);
// a paint event counter makes sure each one really ran paintEvent. A benchmark whose check
// fails is reported as an error and the program exits with 1 (libbenchmark itself exits 0
// after SkipWithError), so the smoke test fails when painting does.
//
//   build/bin/sightglass-bench-canvas [--benchmark_filter=Opacity]

#include "heatmap_canvas.h"
#include "mat_qimage.h"

#include <QApplication>
#include <QEvent>

#include <benchmark/benchmark.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <memory>

namespace {

using sg::ui::HeatmapCanvas;

// Set by any failed check; main() turns it into the exit status.
std::atomic<bool> anyCheckFailed{false};

// Counts the paint events a widget receives.
class PaintCounter : public QObject {
public:
    int count = 0;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint)
            ++count;
        return QObject::eventFilter(watched, event);
    }
};

QImage randomImage(int side)
{
    cv::Mat rgb(side, side, CV_8UC3);
    cv::RNG rng(42);
    rng.fill(rgb, cv::RNG::UNIFORM, 0, 256);
    return sg::ui::toQImage(rgb);
}

// A smooth map at a model's input resolution (224 x 224), stretched over the picture by the
// canvas like a real explanation. `phase` gives a different map.
cv::Mat smoothMap(double phase)
{
    cv::Mat map(224, 224, CV_32FC1);
    for (int y = 0; y < map.rows; ++y)
        for (int x = 0; x < map.cols; ++x)
            map.at<float>(y, x)
                = float(0.5 + 0.5 * std::sin(x * 0.031 + phase) * std::cos(y * 0.027 - phase));
    return map;
}

struct Fixture {
    explicit Fixture(int side)
    {
        canvas = std::make_unique<HeatmapCanvas>();
        canvas->setImage(randomImage(side));
        canvas->setMap(smoothMap(0.0));
        canvas->setOpacity(0.5);
        canvas->resize(side, side);
        canvas->installEventFilter(&counter);
        canvas->show();
        QCoreApplication::processEvents();
        canvas->repaint(); // builds the view caches once, as the first frame on screen does
        counter.count = 0;
    }

    // False (and the benchmark is marked failed, the exit status 1) when paintEvent did not run
    // once per frame.
    bool check(benchmark::State &state, int frames) const
    {
        const char *problem = nullptr;
        if (canvas->size() != QSize(state.range(0), state.range(0)))
            problem = "the window system changed the canvas size";
        else if (counter.count != frames)
            problem = "repaint() did not run paintEvent once per iteration";
        if (!problem)
            return true;
        state.SkipWithError(problem);
        anyCheckFailed = true;
        return false;
    }

    PaintCounter counter;
    std::unique_ptr<HeatmapCanvas> canvas;
};

void BM_OpacityRepaint(benchmark::State &state)
{
    Fixture fixture(int(state.range(0)));
    int frames = 0;
    for (auto _ : state) {
        fixture.canvas->setOpacity(frames % 2 ? 0.35 : 0.65);
        fixture.canvas->repaint();
        ++frames;
    }
    if (fixture.check(state, frames))
        state.counters["paints"] = frames;
}

void BM_ThresholdChange(benchmark::State &state)
{
    Fixture fixture(int(state.range(0)));
    int frames = 0;
    for (auto _ : state) {
        fixture.canvas->setThreshold(frames % 2 ? 0.3 : 0.6);
        fixture.canvas->repaint();
        ++frames;
    }
    if (fixture.check(state, frames))
        state.counters["paints"] = frames;
}

void BM_MapChange(benchmark::State &state)
{
    Fixture fixture(int(state.range(0)));
    const cv::Mat maps[2] = {smoothMap(0.7), smoothMap(1.9)};
    int frames = 0;
    for (auto _ : state) {
        fixture.canvas->setMap(maps[frames % 2]);
        fixture.canvas->repaint();
        ++frames;
    }
    if (fixture.check(state, frames))
        state.counters["paints"] = frames;
}

// Panning at 4x zoom: only the visible part is rescaled, once per view change.
void BM_PanZoomed(benchmark::State &state)
{
    Fixture fixture(int(state.range(0)));
    const double side = double(state.range(0));
    int frames = 0;
    for (auto _ : state) {
        fixture.canvas->setView(4.0, QPointF(side * (frames % 2 ? 0.4 : 0.6), side * 0.5));
        fixture.canvas->repaint();
        ++frames;
    }
    if (fixture.check(state, frames))
        state.counters["paints"] = frames;
}

// Image scaling in Qt may use a thread pool: wall time is what the user waits.
BENCHMARK(BM_OpacityRepaint)->Arg(512)->Arg(1024)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ThresholdChange)->Arg(512)->Arg(1024)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MapChange)->Arg(512)->Arg(1024)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_PanZoomed)->Arg(1024)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    const size_t ran = benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    if (ran == 0) {
        std::fprintf(stderr, "sightglass-bench-canvas: no benchmark matched the filter\n");
        return 1;
    }
    if (anyCheckFailed) {
        std::fprintf(stderr, "sightglass-bench-canvas: a benchmark failed its check (see above)\n");
        return 1;
    }
    return 0;
}
