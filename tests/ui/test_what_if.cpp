// The What-if view driven offscreen on the cues demo model (issue 12): cells hidden by clicks
// and by a dragged stroke on the grid, the probability shown against `sightglass-cli predict`
// on the masked image written out and read back, undo/redo, and a start from a SAG node.

#include "demo_window.h"
#include "sag_view.h"
#include "test_support.h"
#include "view_tabs.h"
#include "what_if_view.h"

#include "image/image_io.h"
#include "image/preprocess.h"

#include <opencv2/imgproc.hpp>

#include <QSignalSpy>
#include <QTest>

#include <nlohmann/json.hpp>

namespace sg::ui {

namespace {

constexpr int kJobTimeoutMs = 120'000;

// The probability of class `target` that `sightglass-cli predict` gives the image at `path`.
double cliProbability(const std::string &path, int target)
{
    const auto run = test::runCli("predict -m models/demo/cues.pt -k 4 --json '" + path + "'");
    if (run.exitCode != 0) {
        qWarning("sightglass-cli predict failed: %s", run.err.c_str());
        return -1.0;
    }
    const nlohmann::json predictions = nlohmann::json::parse(run.out);
    for (const auto &entry : predictions.at(0).at("top"))
        if (entry.at("index").get<int>() == target)
            return entry.at("probability").get<double>();
    qWarning("class %d not listed: %s", target, run.out.c_str());
    return -1.0;
}

} // namespace

class WhatIfTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void everyCellShownIsTheImage();
    void clicksAndAStrokeHideCellsAndTheProbabilityIsThePredictionOfThatImage();
    void undoAndRedoStepThroughTheEdits();
    void startsFromASagNode();
    void sideBySideShowsTheSagBesideTheGrid();

private:
    void waitScored();

    std::unique_ptr<MainWindow> window_;
    WhatIfView *view_ = nullptr;
};

void WhatIfTest::initTestCase()
{
    window_ = test_ui::openDemoWindow(4); // 00004.png: class 1, both cues
    QVERIFY(window_);
    view_ = window_->whatIfView();
    QSignalSpy scored(view_, &WhatIfView::scored);
    window_->showView(view_);
    QVERIFY(scored.count() > 0 || scored.wait(kJobTimeoutMs));
}

void WhatIfTest::cleanupTestCase()
{
    window_.reset();
}

void WhatIfTest::waitScored()
{
    QSignalSpy scored(view_, &WhatIfView::scored);
    while (!view_->current())
        QVERIFY(scored.wait(kJobTimeoutMs));
}

void WhatIfTest::everyCellShownIsTheImage()
{
    // Aligned-corner tents sum to one everywhere: all cells shown is the image itself.
    QCOMPARE(int(view_->shownCells().size()), 49);
    QCOMPARE(view_->target(), 1);
    const test::TempDir dir;
    const std::string path = dir.file("all.png");
    QCOMPARE(view_->saveMaskedImage(QString::fromStdString(path)), QString());
    QVERIFY(std::abs(view_->probability() - cliProbability(path, 1)) < 1e-6);
    QVERIFY(std::abs(view_->probability()
                - cliProbability(test::sourcePath("resources/samples/cues/00004.png"), 1))
        < 1e-6);
}

void WhatIfTest::clicksAndAStrokeHideCellsAndTheProbabilityIsThePredictionOfThatImage()
{
    CellGrid *grid = view_->grid();
    // The cross (cells 16, 22, 23) and the triangle (18, 19, 25, 26) hold this image's class.
    for (int cell : {16, 22, 23}) {
        QTest::mouseClick(grid, Qt::LeftButton, {}, grid->cellCentre(cell));
        QVERIFY(!view_->cells()[size_t(cell)]);
    }
    // A stroke: press on 18 (hiding it), drag over 23 (hidden already: stays hidden), 19 and 26.
    QTest::mousePress(grid, Qt::LeftButton, {}, grid->cellCentre(18));
    QTest::mouseMove(grid, grid->cellCentre(23));
    QTest::mouseMove(grid, grid->cellCentre(19));
    QTest::mouseMove(grid, grid->cellCentre(26));
    QTest::mouseRelease(grid, Qt::LeftButton, {}, grid->cellCentre(26));
    for (int cell : {18, 19, 23, 26})
        QVERIFY2(!view_->cells()[size_t(cell)], qPrintable(QString::number(cell)));
    QCOMPARE(int(view_->shownCells().size()), 49 - 6);
    // At a cell's centre only its own tent weighs (research/sag.md §2.2): the masked image is
    // black there when the cell is hidden (16 and 18 here) and the image's own pixel when shown.
    const cv::Mat masked = view_->maskedImage();
    cv::Mat image;
    cv::resize(sg::toDisplayRgb8(sg::readImage(test::sourcePath("resources/samples/cues/00004.png"))), image,
        masked.size(), 0, 0, cv::INTER_AREA);
    // Centres fall on whole pixels (18.5 px apart at 112) for even rows and columns.
    for (int cell = 0; cell < 49; ++cell) {
        if ((cell / 7) % 2 || (cell % 7) % 2)
            continue;
        const int y = (cell / 7) * (masked.rows - 1) / 6;
        const int x = (cell % 7) * (masked.cols - 1) / 6;
        const cv::Vec3b got = masked.at<cv::Vec3b>(y, x);
        const cv::Vec3b want = view_->cells()[size_t(cell)] ? image.at<cv::Vec3b>(y, x) : cv::Vec3b(0, 0, 0);
        QVERIFY2(got == want, qPrintable(QStringLiteral("cell %1").arg(cell)));
    }
    waitScored();
    const test::TempDir dir;
    const std::string path = dir.file("masked.png");
    QCOMPARE(view_->saveMaskedImage(QString::fromStdString(path)), QString());
    const double cli = cliProbability(path, view_->target());
    QVERIFY2(std::abs(view_->probability() - cli) < 1e-6,
        qPrintable(QStringLiteral("%1 vs %2").arg(view_->probability()).arg(cli)));
    // Most of both cues gone: the class is no longer sure.
    QVERIFY2(view_->probability() < 0.9, qPrintable(QString::number(view_->probability())));
}

void WhatIfTest::undoAndRedoStepThroughTheEdits()
{
    const std::vector<bool> afterStroke = view_->cells();
    view_->undo(); // the stroke was three edits (18, 19, 26): 26 comes back first
    QVERIFY(view_->cells()[26]);
    QVERIFY(!view_->cells()[19]);
    view_->undo();
    view_->undo();
    view_->undo(); // and the click on 23
    QVERIFY(view_->cells()[23]);
    QVERIFY(!view_->cells()[22]);
    for (int i = 0; i < 4; ++i)
        view_->redo();
    QCOMPARE(view_->cells(), afterStroke);
    view_->redo(); // nothing to redo
    QCOMPARE(view_->cells(), afterStroke);
    waitScored();
}

void WhatIfTest::startsFromASagNode()
{
    SagView *sag = window_->sagView();
    window_->showView(sag);
    QSignalSpy shown(sag, &SagView::searchShown);
    sag->search();
    QVERIFY(shown.count() > 0 || shown.wait(kJobTimeoutMs));
    sag->hoverNode(0); // a root
    const sg::SagNode node = sag->record()->result.graph.nodes[0];
    window_->showView(view_);
    QVERIFY(view_->startFromSagNode());
    QCOMPARE(view_->shownCells(), node.cells);
    waitScored();
    // The search scores f(S) in floats; the what-if image is rounded to 8 bits.
    QVERIFY2(std::abs(view_->probability() - node.probability) < 0.01,
        qPrintable(QStringLiteral("%1 vs %2").arg(view_->probability()).arg(node.probability)));
}

// The split view: the SAG beside the what-if grid, both shown and live, then back to tabs.
void WhatIfTest::sideBySideShowsTheSagBesideTheGrid()
{
    ViewTabs *tabs = window_->centralTabs();
    SagView *sag = window_->sagView();
    window_->showView(view_);
    QVERIFY(tabs->showBeside(sag));
    QVERIFY(tabs->isSplit());
    QCOMPARE(tabs->sideView(), static_cast<ExplorerView *>(sag));
    QCOMPARE(tabs->shownView(), static_cast<ExplorerView *>(view_));
    QVERIFY(sag->isShown());
    QVERIFY(view_->isShown());
    QVERIFY(sag->isVisible());
    QVERIFY(view_->isVisible());
    QVERIFY(sag->x() != view_->x() || sag->mapToGlobal(QPoint()) != view_->mapToGlobal(QPoint()));
    // Hover a node in the SAG beside (once the panes have their new sizes), take it into the grid.
    QTest::qWait(50);
    QTest::mouseMove(sag->graphView()->viewport(), QPoint(1, 1));
    QTest::mouseMove(sag->graphView()->viewport(), sag->nodeViewportCentre(1));
    QCOMPARE(sag->hoveredNode(), 1);
    QVERIFY(view_->startFromSagNode());
    QCOMPARE(view_->shownCells(), sag->record()->result.graph.nodes[1].cells);
    waitScored();
    tabs->unsplit();
    QVERIFY(!tabs->isSplit());
    QVERIFY(!sag->isShown());
    QVERIFY(view_->isShown());
    QCOMPARE(tabs->indexOf(sag), 2); // back at its place: Explanation, Compare, SAG, What-if
}

} // namespace sg::ui

QTEST_MAIN(sg::ui::WhatIfTest)
#include "test_what_if.moc"
