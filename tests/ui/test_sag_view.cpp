// The SAG view driven as a person would, offscreen on the cues demo model (issue 12): a search
// of a two-cue sample from the view's Search, then hover and click with QTest mouse events on
// the graph's nodes and edges, keys between nodes, and the export. Every number shown is checked
// against sag.json written by the core exporter for the same result, and the hovered node's
// outline against its cells.

#include "demo_window.h"
#include "sag_view.h"
#include "test_support.h"

#include "sag/sag_export.h"

#include <QGraphicsRectItem>
#include <QGraphicsView>
#include <QSignalSpy>
#include <QTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace sg::ui {

namespace {

constexpr int kJobTimeoutMs = 120'000;
const QColor kOutline(80, 170, 255); // the view's highlight colour

} // namespace

class SagViewTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void rootsAppearWhileTheSearchRuns();
    void hoverShowsEachNodesConfidenceAndCells();
    void clickPinsAndUnpins();
    void edgesTellTheirDrop();
    void keysMoveBetweenNodes();
    void exportWritesTheShownGraph();

private:
    std::unique_ptr<MainWindow> window_;
    SagView *view_ = nullptr;
    nlohmann::json expected_; // sag.json of the shown search, by the core exporter
    struct LiveShown {
        SagProgressPtr progress;
        int boxes = 0; // root boxes on the graph's scene at that moment
        QString status;
        bool recordShown = false; // the finished graph was already on screen
    };
    std::vector<LiveShown> live_; // every live update the view showed during the search
};

void SagViewTest::initTestCase()
{
    window_ = test_ui::openDemoWindow(4); // 00004.png: class 1, both cues
    QVERIFY(window_);
    view_ = window_->sagView();
    window_->showView(view_);
    QSignalSpy shown(view_, &SagView::searchShown);
    connect(view_, &SagView::progressShown, this, [this](int roots) {
        int boxes = 0;
        for (QGraphicsItem *item : view_->graphView()->scene()->items())
            boxes += item->parentItem() == nullptr && item->type() == QGraphicsRectItem::Type;
        live_.push_back({view_->liveProgress(), boxes, view_->statusText(), view_->record() != nullptr});
        QCOMPARE(roots, int(live_.back().progress->roots.size()));
    });
    view_->search();
    QVERIFY(shown.count() > 0 || shown.wait(kJobTimeoutMs));
    QVERIFY(view_->record());
    QVERIFY(view_->record()->imagePath.endsWith(QStringLiteral("00004.png")));
    expected_ = sg::sagGraphJson(view_->record()->result, view_->record()->layout);
    QVERIFY(expected_.at("graph").at("nodes").size() >= 3);
}

void SagViewTest::cleanupTestCase()
{
    window_.reset();
}

// The roots found so far are drawn after each beam step, before the graph: each update shows a
// prefix of the finished search's roots (same cells and probability), one box per root, and
// the step it came from; the finished graph then replaces them.
void SagViewTest::rootsAppearWhileTheSearchRuns()
{
    QVERIFY(!live_.empty());
    const std::vector<sg::SagRoot> &roots = view_->record()->result.roots;
    QVERIFY(roots.size() >= 2);
    size_t previous = 0;
    int withRoots = 0;
    for (const LiveShown &shown : live_) {
        QVERIFY(shown.progress);
        QVERIFY(!shown.recordShown);
        const auto &so = shown.progress->roots;
        QVERIFY(so.size() >= previous);
        QVERIFY(so.size() <= roots.size());
        previous = so.size();
        withRoots += !so.empty();
        QCOMPARE(shown.boxes, int(so.size()));
        for (size_t r = 0; r < so.size(); ++r) {
            QCOMPARE(so[r].cells, roots[r].cells);
            QCOMPARE(so[r].probability, roots[r].probability);
        }
        QVERIFY2(shown.status.contains(QStringLiteral("step %1 ").arg(shown.progress->step)),
            qPrintable(shown.status));
        QVERIFY2(shown.status.contains(QStringLiteral("%1 root").arg(so.size())), qPrintable(shown.status));
    }
    QVERIFY(withRoots >= 1);
    QVERIFY(!view_->liveProgress()); // the graph replaced them
}

void SagViewTest::hoverShowsEachNodesConfidenceAndCells()
{
    QWidget *viewport = view_->graphView()->viewport();
    const auto &nodes = expected_.at("graph").at("nodes");
    const int rows = expected_.at("grid").at("rows"), cols = expected_.at("grid").at("cols");
    for (int n = int(nodes.size()) - 1; n >= 0; --n) {
        QTest::mouseMove(viewport, view_->nodeViewportCentre(n));
        QCOMPARE(view_->hoveredNode(), n);
        const auto &node = nodes[size_t(n)];
        const QString percent = QStringLiteral("%1%").arg(node.at("percent").get<int>());
        QVERIFY2(view_->detailText().contains(percent),
            qPrintable(view_->detailText() + QStringLiteral(" lacks ") + percent));
        QVERIFY(view_->detailText().contains(QString::number(node.at("probability").get<double>(), 'f', 4)));
        // The enlarged image outlines exactly the node's cells: the left edge of a cell's box is
        // drawn in the highlight colour for its cells and not for the others.
        const QImage enlarged = view_->enlargedImage();
        QVERIFY(!enlarged.isNull());
        const std::vector<int> cells = node.at("cells");
        for (int cell = 0; cell < rows * cols; ++cell) {
            const double w = double(enlarged.width()) / cols, h = double(enlarged.height()) / rows;
            const QPoint edge(int((cell % cols) * w + 1.5), int((cell / cols + 0.5) * h));
            const bool outlined = QColor(enlarged.pixel(edge)) == kOutline;
            const bool inSet = std::count(cells.begin(), cells.end(), cell) > 0;
            // A neighbour's box shares the edge column, so only "in the set => outlined" is exact;
            // the other way round holds unless the cell to the left is in the set.
            if (inSet)
                QVERIFY2(
                    outlined, qPrintable(QStringLiteral("node %1 cell %2 not outlined").arg(n).arg(cell)));
            else if (cell % cols == 0 || !std::count(cells.begin(), cells.end(), cell - 1))
                QVERIFY2(!outlined, qPrintable(QStringLiteral("node %1 cell %2 outlined").arg(n).arg(cell)));
        }
    }
}

void SagViewTest::clickPinsAndUnpins()
{
    QWidget *viewport = view_->graphView()->viewport();
    const auto &nodes = expected_.at("graph").at("nodes");
    // As a hand does: move onto the node, then click.
    const auto click = [&](int node) {
        QTest::mouseMove(viewport, view_->nodeViewportCentre(node));
        QCOMPARE(view_->hoveredNode(), node);
        QTest::mouseClick(viewport, Qt::LeftButton, {}, view_->nodeViewportCentre(node));
    };
    click(1);
    click(2);
    QCOMPARE(view_->pinnedNodes(), (std::vector<int>{1, 2}));
    for (int i = 0; i < 2; ++i) {
        const QString percent = QStringLiteral("%1%").arg(nodes[size_t(i + 1)].at("percent").get<int>());
        QVERIFY2(view_->pinText(i).contains(percent), qPrintable(view_->pinText(i)));
    }
    click(1);
    QCOMPARE(view_->pinnedNodes(), (std::vector<int>{2}));
}

void SagViewTest::edgesTellTheirDrop()
{
    const auto &edges = expected_.at("graph").at("edges");
    const auto &nodes = expected_.at("graph").at("nodes");
    QVERIFY(!edges.empty());
    for (size_t e = 0; e < edges.size(); ++e) {
        const auto &edge = edges[e];
        const QString text = view_->edgeText(int(e));
        const QString parent
            = QStringLiteral("%1%").arg(nodes[edge.at("parent").get<size_t>()].at("percent").get<int>());
        const QString child
            = QStringLiteral("%1%").arg(nodes[edge.at("child").get<size_t>()].at("percent").get<int>());
        QVERIFY2(text.contains(QStringLiteral("cell %1 ").arg(edge.at("removed_cell").get<int>())),
            qPrintable(text));
        QVERIFY2(text.endsWith(parent + QStringLiteral(" → ") + child), qPrintable(text));
    }
}

void SagViewTest::keysMoveBetweenNodes()
{
    QWidget *viewport = view_->graphView()->viewport();
    QTest::mouseMove(viewport, view_->nodeViewportCentre(0));
    QCOMPARE(view_->hoveredNode(), 0);
    view_->graphView()->setFocus();
    QTest::keyClick(view_->graphView(), Qt::Key_Right);
    QCOMPARE(view_->hoveredNode(), 1);
    QTest::keyClick(view_->graphView(), Qt::Key_Left);
    QCOMPARE(view_->hoveredNode(), 0);
    QTest::keyClick(view_->graphView(), Qt::Key_Space);
    QCOMPARE(view_->pinnedNodes(), (std::vector<int>{2, 0}));
}

void SagViewTest::exportWritesTheShownGraph()
{
    const test::TempDir dir;
    const QString folder = QString::fromStdString(dir.file("sag"));
    QCOMPARE(view_->exportTo(folder), QString());
    for (const char *name : {"sag.json", "sag.dot", "sag.svg", "sag.png"})
        QVERIFY2(std::filesystem::file_size(dir.file(std::string("sag/") + name)) > 0, name);
    const nlohmann::json written = test::readJson(dir.file("sag/sag.json"));
    QVERIFY(written.at("graph").at("nodes") == expected_.at("graph").at("nodes"));
    QVERIFY(written.at("graph").at("edges") == expected_.at("graph").at("edges"));
}

} // namespace sg::ui

QTEST_MAIN(sg::ui::SagViewTest)
#include "test_sag_view.moc"
