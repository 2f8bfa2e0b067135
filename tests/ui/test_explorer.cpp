// The explorer driven as a person would, offscreen: the demo model and samples, explanations at
// two I-GOS resolutions and Grad-CAM with their maps and curves, the result cache, curve
// scrubbing, exports checked against the result, the compare grid, cancelling a running job,
// and an event-loop latency probe while jobs run and the user steps through images.

#include "compare_grid.h"
#include "curve_plot.h"
#include "heatmap_canvas.h"
#include "jobs_panel.h"
#include "main_window.h"
#include "method_panel.h"
#include "test_support.h"

#include "image/npy.h"
#include "jobs/compare_plan.h"
#include "metrics/deletion_insertion.h"
#include "metrics/pointing_game.h"
#include "model/model_spec.h"

#include <QAbstractButton>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QImage>
#include <QSet>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>
#include <QTimer>

#include <algorithm>

namespace sg::ui {

namespace {

constexpr int kJobTimeoutMs = 180'000;
// A cancel takes effect within one batch (method.h); a second or two covers a loaded machine.
constexpr int kCancelTimeoutMs = 2'000;

// The offscreen platform warns once per window that it cannot propagate size hints: noise.
QtMessageHandler previous = nullptr;

void quietOffscreenWarnings(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtWarningMsg && message.contains(QLatin1String("propagateSizeHints")))
        return;
    if (previous)
        previous(type, context, message);
}

} // namespace

class ExplorerTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void igosAtTwoResolutionsAndGradcamShowMapsAndCurves();
    void goingBackShowsTheCachedMapAtOnce();
    void movingAlongACurveShowsTheStepImage();
    void exportsMatchTheResultOnScreen();
    void compareGridFillsEveryCellWithLinkedZoom();
    void cancelStopsARunningJob();
    void steppingDuringAJobKeepsTheEventLoopResponsive();
    void anyClassCanBeExplained();
    void cancelAllStopsEveryQueuedAndRunningJob();
    void viewSettingsPersistAcrossWindows();
    void gradcamOnAModelWithoutSplitIsExplainedNotRun();

private:
    // Explains the current image with `method` at `resolution` and waits for the result.
    ExplanationPtr explain(const QString &method, int resolution);

    std::vector<test::CueSample> samples_;
    std::unique_ptr<MainWindow> window_;
};

void ExplorerTest::initTestCase()
{
    previous = qInstallMessageHandler(quietOffscreenWarnings);
    samples_ = test::cueSamples();
    window_ = std::make_unique<MainWindow>();
    window_->setDevice(QStringLiteral("cpu"));
    window_->setAutoExplain(false);
    window_->resize(1280, 820);
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    QSignalSpy ready(window_.get(), &MainWindow::modelReady);
    window_->openModel(QString::fromStdString(test::sourcePath("models/demo/cues.pt")));
    QVERIFY(ready.wait(60'000));
    QVERIFY(window_->openImageFolder(QString::fromStdString(test::sourcePath("resources/samples/cues"))));
}

void ExplorerTest::init()
{
    window_->setAutoExplain(false);
    window_->centralTabs()->setCurrentIndex(0);
    window_->methodPanel()->setTarget(-1);
    window_->showImage(0);
}

ExplanationPtr ExplorerTest::explain(const QString &method, int resolution)
{
    MethodPanel *panel = window_->methodPanel();
    if (!panel->setMethodId(method))
        return nullptr;
    if (resolution != kDefaultResolution && !panel->setResolution(resolution))
        return nullptr;
    panel->resetParams();
    QSignalSpy shown(window_.get(), &MainWindow::explanationShown);
    window_->explainCurrent();
    if (shown.isEmpty() && !shown.wait(kJobTimeoutMs))
        return nullptr;
    return shown.constLast().at(0).value<ExplanationPtr>();
}

void ExplorerTest::igosAtTwoResolutionsAndGradcamShowMapsAndCurves()
{
    const test::CueSample &sample = samples_.front();
    QCOMPARE(QFileInfo(window_->files().front()).fileName(),
        QFileInfo(QString::fromStdString(sample.file)).fileName());

    for (const int resolution : {28, 14}) {
        QSignalSpy live(window_.get(), &MainWindow::liveMapShown);
        const ExplanationPtr result = explain(QStringLiteral("igos"), resolution);
        QVERIFY2(result, "no I-GOS result");
        const Heatmap &heatmap = result->explanation.heatmap;
        QCOMPARE(heatmap.method, std::string("igos"));
        QCOMPARE(heatmap.resolution, resolution);
        QCOMPARE(heatmap.target, sample.label); // top-1 is the true class on every sample
        // The map on the canvas is the result's map, at model input size.
        const cv::Mat &onCanvas = window_->canvas()->map();
        QCOMPARE(onCanvas.cols, 112);
        QCOMPARE(onCanvas.rows, 112);
        QCOMPARE(cv::norm(onCanvas, heatmap.saliency, cv::NORM_INF), 0.0);
        // I-GOS points at one of the true cues (the generator knows where they are).
        std::vector<PixelBox> boxes;
        for (const auto &box : sample.cues)
            boxes.push_back({box[0], box[1], box[2], box[3]});
        // (3 px of tolerance: at 14 x 14 a cell is 8 px wide, and its bilinear peak may sit on a
        // cue's edge.)
        QVERIFY2(pointingGame(heatmap.saliency, boxes, 3.0).hit, "I-GOS maximum is not on a cue");
        // The map refreshed live while it optimised.
        QVERIFY(live.count() >= 1);
        // Both curves are plotted with every step.
        QVERIFY(result->explanation.metrics.has_value());
        const int points = int(result->explanation.metrics->deletion.x.size());
        QVERIFY(points > 2);
        QCOMPARE(window_->curvePlot()->pointCount(MetricCurve::Deletion), points);
        QCOMPARE(window_->curvePlot()->pointCount(MetricCurve::Insertion), points);
        QVERIFY(result->explanation.metrics->deletionAuc < result->explanation.metrics->insertionAuc);
        QVERIFY(window_->canvas()->caption().contains(QStringLiteral("deletion")));
    }

    const ExplanationPtr gradcam = explain(QStringLiteral("gradcam"), kDefaultResolution);
    QVERIFY2(gradcam, "no Grad-CAM result");
    QCOMPARE(gradcam->explanation.heatmap.method, std::string("gradcam"));
    QVERIFY(window_->canvas()->hasMap());
    QVERIFY(window_->curvePlot()->hasCurves());
    double low = 0.0;
    double high = 0.0;
    cv::minMaxLoc(window_->canvas()->map(), &low, &high);
    QCOMPARE(low, 0.0);
    QCOMPARE(high, 1.0);
}

void ExplorerTest::goingBackShowsTheCachedMapAtOnce()
{
    const ExplanationPtr first = explain(QStringLiteral("igos"), 28);
    QVERIFY(first);
    window_->showNext();
    QVERIFY(!window_->canvas()->hasMap()); // nothing computed for the next image yet
    QSignalSpy shown(window_.get(), &MainWindow::explanationShown);
    window_->showPrevious();
    // Synchronously, before any event is processed: no job ran.
    QCOMPARE(shown.count(), 1);
    QCOMPARE(shown.constFirst().at(0).value<ExplanationPtr>().get(), first.get());
    QCOMPARE(cv::norm(window_->canvas()->map(), first->explanation.heatmap.saliency, cv::NORM_INF), 0.0);
    QVERIFY(window_->curvePlot()->hasCurves());
}

void ExplorerTest::movingAlongACurveShowsTheStepImage()
{
    const ExplanationPtr result = explain(QStringLiteral("igos"), 28);
    QVERIFY(result);
    const int steps = int(result->explanation.metrics->deletion.x.size()) - 1;
    QSignalSpy hovered(window_->curvePlot(), &CurvePlot::stepHovered);
    window_->curvePlot()->showStep(MetricCurve::Deletion, steps / 2);
    QCOMPARE(hovered.count(), 1);
    QVERIFY(window_->canvas()->showsStepImage());
    window_->curvePlot()->hideStep();
    QVERIFY(!window_->canvas()->showsStepImage());
}

void ExplorerTest::exportsMatchTheResultOnScreen()
{
    const ExplanationPtr result = explain(QStringLiteral("igos"), 14);
    QVERIFY(result);
    test::TempDir dir;
    const QString npy = QString::fromStdString(dir.file("saliency.npy"));
    const QString png = QString::fromStdString(dir.file("overlay.png"));
    const QString json = QString::fromStdString(dir.file("result.json"));
    QVERIFY(window_->exportSaliency(npy));
    QVERIFY(window_->exportOverlay(png));
    QVERIFY(window_->exportResultJson(json));

    const cv::Mat saved = readNpy(npy.toStdString());
    QCOMPARE(cv::norm(saved, result->explanation.heatmap.saliency, cv::NORM_INF), 0.0);
    const QImage overlay(png);
    QCOMPARE(overlay.size(), result->display.size());
    QCOMPARE(overlay, window_->canvas()->renderOverlay().convertToFormat(overlay.format()));
    const auto written = test::readJson(json.toStdString());
    QCOMPARE(written.at("method").get<std::string>(), std::string("igos"));
    QCOMPARE(written.at("resolution").get<int>(), 14);
    QCOMPARE(
        written.at("metrics").at("deletion_auc").get<double>(), result->explanation.metrics->deletionAuc);

    // A file that cannot be written is reported, and nothing is left behind.
    QSignalSpy failed(window_.get(), &MainWindow::failed);
    QVERIFY(!window_->exportOverlay(QString::fromStdString(dir.file("missing-folder/overlay.png"))));
    QCOMPARE(failed.count(), 1);
}

void ExplorerTest::compareGridFillsEveryCellWithLinkedZoom()
{
    MethodPanel *panel = window_->methodPanel();
    QVERIFY(panel->setMethodId(QStringLiteral("igos")));
    QVERIFY(panel->setResolution(28));
    panel->resetParams();
    QSignalSpy finished(window_.get(), &MainWindow::comparisonFinished);
    window_->compareCurrent();
    QCOMPARE(window_->centralTabs()->currentIndex(), 1);
    CompareGrid *grid = window_->compareGrid();
    // The cells are core's plan for the panel's request (issue 9 moved the plan to core).
    ExplanationRequest chosen;
    chosen.method = panel->methodId().toStdString();
    chosen.resolution = panel->resolution();
    chosen.target = panel->target();
    chosen.params = panel->params();
    const std::vector<CompareEntry> plan
        = comparePlan(chosen, compareModel(readModelSpec(test::sourcePath("models/demo/cues.json"))));
    QCOMPARE(grid->cellCount(), int(plan.size()));
    for (int i = 0; i < grid->cellCount(); ++i) {
        QCOMPARE(grid->cells()[i].method, QString::fromStdString(plan[i].request.method));
        QCOMPARE(grid->cells()[i].resolution, plan[i].request.resolution);
        QCOMPARE(grid->cells()[i].title, QString::fromStdString(plan[i].title));
    }
    // I-GOS at each resolution that fits 112 px (7, 14, 28, 56) plus every other method.
    const SaliencyMethod &igos = MethodRegistry::builtin().get("igos");
    int fitting = 0;
    for (const int r : igos.resolutions())
        fitting += r <= 112 ? 1 : 0;
    QCOMPARE(grid->cellCount(), fitting + int(MethodRegistry::builtin().all().size()) - 1);
    QVERIFY(finished.count() == 1 || finished.wait(kJobTimeoutMs * 2));
    QCOMPARE(grid->finishedCount(), grid->cellCount());
    for (int i = 0; i < grid->cellCount(); ++i) {
        QVERIFY(grid->canvas(i)->hasMap());
        QVERIFY2(grid->canvas(i)->caption().contains(QStringLiteral("del ")),
            qPrintable(grid->canvas(i)->caption()));
    }
    grid->canvas(0)->setView(3.0, QPointF(30, 40));
    for (int i = 1; i < grid->cellCount(); ++i) {
        QCOMPARE(grid->canvas(i)->zoom(), 3.0);
        QCOMPARE(grid->canvas(i)->center(), QPointF(30, 40));
    }
    // Cells and the panel share results: choosing a compared resolution shows it at once.
    QSignalSpy shown(window_.get(), &MainWindow::explanationShown);
    QVERIFY(panel->setResolution(56));
    QCOMPARE(shown.count(), 1);
    QCOMPARE(shown.constFirst().at(0).value<ExplanationPtr>()->explanation.heatmap.resolution, 56);

    test::TempDir dir;
    const QString png = QString::fromStdString(dir.file("comparison.png"));
    QVERIFY(window_->exportComparison(png));
    QVERIFY(!QImage(png).isNull());
}

void ExplorerTest::cancelStopsARunningJob()
{
    // iGOS++ with the reference schedule: over ten seconds here, so it is surely running.
    MethodPanel *panel = window_->methodPanel();
    QVERIFY(panel->setMethodId(QStringLiteral("igospp")));
    QVERIFY(panel->setResolution(28));
    QVERIFY(panel->setParam(QStringLiteral("reference"), true));
    window_->showImage(5);
    QSignalSpy live(window_.get(), &MainWindow::liveMapShown);
    const JobId id = window_->explainCurrent();
    QVERIFY(id != 0);
    QVERIFY(live.wait(kJobTimeoutMs)); // running: it has reported a map
    QCOMPARE(window_->jobsPanel()->status(id).state, JobState::Running);
    QElapsedTimer clock;
    clock.start();
    window_->cancelCurrent();
    QTRY_COMPARE_WITH_TIMEOUT(window_->jobsPanel()->status(id).state, JobState::Cancelled, kCancelTimeoutMs);
    qInfo("cancelled after %lld ms", static_cast<long long>(clock.elapsed()));
    QVERIFY(!window_->shownExplanation());
    QVERIFY(!window_->canvas()->hasMap());
    QVERIFY(!window_->curvePlot()->hasCurves());
    panel->resetParams();
}

void ExplorerTest::steppingDuringAJobKeepsTheEventLoopResponsive()
{
    window_->methodPanel()->setMethodId(QStringLiteral("igos"));
    window_->methodPanel()->setResolution(56);
    window_->methodPanel()->resetParams();
    window_->setAutoExplain(true); // every image shown starts (and the next cancels) a job
    window_->showImage(8);

    // The probe: a 5 ms timer; any gap much longer than that is the event loop stalled.
    QElapsedTimer clock;
    clock.start();
    qint64 last = clock.elapsed();
    qint64 worst = 0;
    QTimer probe;
    probe.setInterval(5);
    connect(&probe, &QTimer::timeout, this, [&] {
        const qint64 now = clock.elapsed();
        worst = std::max(worst, now - last);
        last = now;
    });
    probe.start();
    QSet<JobId> started;
    // Context object scoped to this function: the lambda captures locals.
    QObject scope;
    connect(window_->worker(), &ModelWorker::jobChanged, &scope, [&](const JobStatus &status) {
        if (status.state == JobState::Running)
            started.insert(status.id);
    });
    for (int step = 0; step < 6; ++step) {
        QTest::qWait(400);
        QTest::keyClick(window_.get(), step % 2 == 0 ? Qt::Key_Right : Qt::Key_Left);
    }
    QTest::qWait(1500);
    probe.stop();
    qInfo("longest event-loop gap %lld ms while %d jobs ran", static_cast<long long>(worst),
        int(started.size()));
    QVERIFY(started.size() >= 2);
    QVERIFY2(worst <= 50, qPrintable(QStringLiteral("event loop stalled %1 ms").arg(worst)));
    window_->setAutoExplain(false);
    window_->worker()->cancelAllJobs();
}

void ExplorerTest::anyClassCanBeExplained()
{
    const int top = samples_.front().label;
    const int other = (top + 1) % 4;
    window_->methodPanel()->setTarget(other);
    const ExplanationPtr result = explain(QStringLiteral("gradcam"), kDefaultResolution);
    QVERIFY(result);
    QCOMPARE(result->explanation.heatmap.target, other);
    QVERIFY(result->explanation.heatmap.probability < 0.5); // not the class the model chose
    window_->methodPanel()->setTarget(-1);
    const ExplanationPtr topResult = explain(QStringLiteral("gradcam"), kDefaultResolution);
    QVERIFY(topResult);
    QCOMPARE(topResult->explanation.heatmap.target, top);
}

void ExplorerTest::cancelAllStopsEveryQueuedAndRunningJob()
{
    window_->showImage(11); // nothing computed for it yet
    QVERIFY(window_->methodPanel()->setMethodId(QStringLiteral("igospp")));
    QVERIFY(window_->methodPanel()->setResolution(28));
    QSignalSpy finished(window_.get(), &MainWindow::comparisonFinished);
    QSignalSpy live(window_.get(), &MainWindow::liveMapShown);
    const int queued = window_->compareCurrent();
    QVERIFY(queued >= 3);
    QTRY_VERIFY_WITH_TIMEOUT(window_->jobsPanel()->activeCount() == queued, 10'000);
    auto *cancelAll = window_->jobsPanel()->findChild<QAbstractButton *>(QStringLiteral("cancelAll"));
    QVERIFY(cancelAll && cancelAll->isEnabled());
    QTest::mouseClick(cancelAll, Qt::LeftButton);
    QVERIFY(finished.count() == 1 || finished.wait(kCancelTimeoutMs));
    live.clear();
    QTRY_COMPARE_WITH_TIMEOUT(
        window_->jobsPanel()->activeCount(), 0, kCancelTimeoutMs); // states follow the results
    QVERIFY(window_->compareGrid()->finishedCount() < window_->compareGrid()->cellCount());
    // Cancel all is for explanations only: a prediction queued behind a running explanation
    // still comes.
    window_->methodPanel()->setMethodId(QStringLiteral("igos"));
    QVERIFY(window_->methodPanel()->setResolution(56));
    window_->showImage(12);
    QVERIFY(window_->explainCurrent() != 0);
    QVERIFY(live.wait(kJobTimeoutMs)); // the explanation runs
    QSignalSpy predicted(window_.get(), &MainWindow::predictionShown);
    window_->showImage(14);
    window_->worker()->cancelAllJobs(); // the prediction waits only for the cancel to take effect
    QVERIFY(predicted.count() == 1 || predicted.wait(kCancelTimeoutMs));
    window_->methodPanel()->setMethodId(QStringLiteral("igos"));
}

void ExplorerTest::viewSettingsPersistAcrossWindows()
{
    {
        MainWindow first;
        ViewSettings view = first.document()->viewSettings();
        view.opacity = 0.8;
        view.colormap = Colormap::Viridis;
        view.contour = true;
        first.document()->setViewSettings(view);
        first.methodPanel()->setMethodId(QStringLiteral("rise"));
        first.close(); // writes the settings
    }
    MainWindow second;
    QCOMPARE(second.canvas()->opacity(), 0.8);
    QCOMPARE(second.canvas()->colormap(), Colormap::Viridis);
    QVERIFY(second.canvas()->contourVisible());
    QCOMPARE(second.methodPanel()->methodId(), QStringLiteral("rise"));
    second.document()->setViewSettings(ViewSettings{});
    second.methodPanel()->setMethodId(QStringLiteral("igos"));
    second.close();
}

void ExplorerTest::gradcamOnAModelWithoutSplitIsExplainedNotRun()
{
    MainWindow window;
    window.setDevice(QStringLiteral("cpu"));
    window.setAutoExplain(false);
    QSignalSpy ready(&window, &MainWindow::modelReady);
    window.openModel(QString::fromStdString(test::sourcePath("tests/data/models/cellsum.pt")));
    QVERIFY(ready.wait(60'000));
    QVERIFY(window.openImageFolder(QString::fromStdString(test::sourcePath("resources/samples/cues"))));
    QVERIFY(window.methodPanel()->setMethodId(QStringLiteral("gradcam")));
    QVERIFY(!window.methodPanel()->blockedReason().isEmpty());
    QSignalSpy failed(&window, &MainWindow::failed);
    QCOMPARE(window.explainCurrent(), JobId(0));
    QCOMPARE(failed.count(), 1);
    QVERIFY(failed.constFirst().at(0).toString().contains(QStringLiteral("split")));
}

} // namespace sg::ui

QTEST_MAIN(sg::ui::ExplorerTest)
#include "test_explorer.moc"
