// The SAG parts that need no model (issue 10): request validation and cache key, the two diverse
// subset rules against brute force, the reference's label arithmetic, the acyclicity check, the
// Graphviz layout (and its failure reported as an error), and the exports.

#include "common/error.h"
#include "sag/sag_export.h"
#include "sag/sag_layout.h"
#include "sag/sag_search.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

namespace sg {
namespace {

using ::testing::HasSubstr;

InputSpec cuesInput()
{
    InputSpec input;
    input.width = input.height = 112;
    input.channels = 3;
    input.mean = {0.5f, 0.5f, 0.5f};
    input.std = {0.25f, 0.25f, 0.25f};
    return input;
}

std::string validationError(const SagRequest &request, const InputSpec &input = cuesInput(), int classes = 4)
{
    try {
        validateSagRequest(request, input, classes);
    } catch (const Error &error) {
        return error.what();
    }
    return "";
}

TEST(SagRequest, BadValuesAreClearErrors)
{
    SagRequest r;
    EXPECT_EQ(validationError(r), "");
    r.gridRows = 0;
    EXPECT_THAT(validationError(r), HasSubstr("sag: grid rows 0 is out of range (2 to 14)"));
    r = {};
    r.gridCols = 100;
    EXPECT_THAT(validationError(r), HasSubstr("sag: grid columns 100 is out of range (2 to 14)"));
    r = {};
    r.gridRows = 14;
    InputSpec tiny = cuesInput();
    tiny.height = 8;
    EXPECT_THAT(validationError(r, tiny), HasSubstr("grid rows 14 is larger than the model input (112x8)"));
    for (const double bad : {0.0, -0.5, 1.5, std::nan("")}) {
        r = {};
        r.threshold = bad;
        EXPECT_THAT(validationError(r), HasSubstr("is out of range (above 0, at most 1")) << bad;
    }
    r = {};
    r.threshold = 1.0;
    EXPECT_EQ(validationError(r), "");
    r.target = 4;
    EXPECT_THAT(
        validationError(r), HasSubstr("target class 4 is out of range (the model has 4 classes, 0 to 3)"));
    r.target = -2;
    EXPECT_THAT(validationError(r), HasSubstr("target class -2 is out of range"));
    r = {};
    r.beamWidth = 0;
    EXPECT_THAT(validationError(r), HasSubstr("beam width 0 is out of range (1 to 64)"));
    EXPECT_THROW(sagModeFromName("fast"), Error);
    EXPECT_EQ(sagModeFromName("reference"), SagMode::Reference);
}

TEST(SagRequest, EqualityAndCacheKeyCoverEveryResultField)
{
    const SagRequest base;
    const std::string key = sagCacheKey("m", "i", base);
    SagRequest batch = base;
    batch.maxBatch = 1;
    EXPECT_EQ(batch, base);
    EXPECT_EQ(sagCacheKey("m", "i", batch), key);
    EXPECT_NE(sagCacheKey("m2", "i", base), key);
    EXPECT_NE(sagCacheKey("m", "i2", base), key);
    const std::vector<std::function<void(SagRequest &)>> changes = {[](SagRequest &r) { r.gridRows = 5; },
        [](SagRequest &r) { r.gridCols = 5; }, [](SagRequest &r) { r.threshold = 0.8; },
        [](SagRequest &r) { r.beamWidth = 5; }, [](SagRequest &r) { r.successors = 10; },
        [](SagRequest &r) { r.maxRoots = 20; }, [](SagRequest &r) { r.mode = SagMode::Reference; },
        [](SagRequest &r) { r.baseline = SagBaseline::Blur; },
        [](SagRequest &r) { r.upsampling = SagUpsampling::Blocks; },
        [](SagRequest &r) { r.maxSharedCells = 0; }, [](SagRequest &r) { r.rootsShown = 2; },
        [](SagRequest &r) { r.expandThreshold = 0.5; }, [](SagRequest &r) { r.branching = 2; },
        [](SagRequest &r) { r.nodeLimit = 10; }, [](SagRequest &r) { r.noCache = true; },
        [](SagRequest &r) { r.target = 2; }, [](SagRequest &r) { r.seed = 9; }};
    std::set<std::string> keys{key};
    for (const auto &change : changes) {
        SagRequest changed = base;
        change(changed);
        EXPECT_NE(changed, base);
        EXPECT_TRUE(keys.insert(sagCacheKey("m", "i", changed)).second) << sagCacheKey("m", "i", changed);
    }
}

TEST(SagRequest, ParameterSchemaFillsTheRequest)
{
    SagRequest base;
    base.seed = 4;
    const SagRequest r = sagRequestWithParams(
        base, {{"grid_rows", 5}, {"mode", "reference"}, {"no_cache", true}, {"threshold", 0.8}});
    EXPECT_EQ(r.gridRows, 5);
    EXPECT_EQ(r.gridCols, 7);
    EXPECT_EQ(r.mode, SagMode::Reference);
    EXPECT_TRUE(r.noCache);
    EXPECT_EQ(r.threshold, 0.8);
    EXPECT_EQ(r.seed, 4u);
    EXPECT_THROW(sagRequestWithParams(base, {{"grid_rows", 100}}), Error);
    EXPECT_THROW(sagRequestWithParams(base, {{"baseline", "white"}}), Error);
}

std::vector<std::vector<int>> randomSets(std::mt19937 &random, int count)
{
    std::vector<std::vector<int>> sets;
    for (int i = 0; i < count; ++i) {
        std::set<int> cells;
        const int size = 1 + int(random() % 4);
        while (int(cells.size()) < size)
            cells.insert(int(random() % 12));
        sets.emplace_back(cells.begin(), cells.end());
    }
    return sets;
}

int shared(const std::vector<int> &a, const std::vector<int> &b)
{
    std::vector<int> both;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
    return int(both.size());
}

TEST(SagDiversity, MaximumSubsetIsTheLexicographicallyFirstLargest)
{
    std::mt19937 random(5);
    for (int trial = 0; trial < 60; ++trial) {
        const auto sets = randomSets(random, 3 + trial % 10);
        const int maxShared = trial % 2;
        // Brute force over all subsets in lexicographic order of index sequences.
        std::vector<int> best;
        const int n = int(sets.size());
        for (int mask = 1; mask < (1 << n); ++mask) {
            std::vector<int> members;
            for (int i = 0; i < n; ++i)
                if (mask & (1 << i))
                    members.push_back(i);
            bool fits = true;
            for (size_t a = 0; a < members.size() && fits; ++a)
                for (size_t b = a + 1; b < members.size() && fits; ++b)
                    fits = shared(sets[size_t(members[a])], sets[size_t(members[b])]) <= maxShared;
            if (fits && (members.size() > best.size() || (members.size() == best.size() && members < best)))
                best = members;
        }
        EXPECT_EQ(maximumDiverseSubset(sets, maxShared), best) << "trial " << trial;
    }
}

TEST(SagDiversity, LeastOverlapSubsetStartsFromTheLeastSharingPair)
{
    // Three roots around cell 19 and one elsewhere: the pair sharing nothing goes first, then the
    // others, each sharing one cell with every chosen one.
    const std::vector<std::vector<int>> sets = {{19, 26}, {18, 19}, {19, 23}, {16, 22, 23}};
    const std::vector<double> probabilities = {0.98, 0.97, 0.95, 0.96};
    EXPECT_EQ(leastOverlapSubset(sets, probabilities, 1), (std::vector<int>{0, 3, 1, 2}));
    EXPECT_EQ(leastOverlapSubset(sets, probabilities, 0), (std::vector<int>{0, 3}));
    EXPECT_EQ(leastOverlapSubset({{1, 2}}, {0.5}, 1), (std::vector<int>{0}));
    EXPECT_TRUE(leastOverlapSubset({}, {}, 1).empty());
    std::mt19937 random(8);
    for (int trial = 0; trial < 40; ++trial) {
        const auto sets = randomSets(random, 2 + trial % 12);
        std::vector<double> p(sets.size());
        for (double &v : p)
            v = double(random() % 1000) / 1000.0;
        const auto chosen = leastOverlapSubset(sets, p, 1);
        for (size_t a = 0; a < chosen.size(); ++a)
            for (size_t b = a + 1; b < chosen.size(); ++b)
                EXPECT_LE(shared(sets[size_t(chosen[a])], sets[size_t(chosen[b])]), 1);
    }
}

TEST(SagGraph, ReferencePercentAndAcyclicity)
{
    EXPECT_EQ(sagReferencePercent(0.29), 28); // research/sag.md §3.2
    EXPECT_EQ(sagReferencePercent(0.5), 50);
    EXPECT_EQ(sagReferencePercent(0.41), 40); // float 0.41 is below 0.41: truncated
    EXPECT_EQ(sagReferencePercent(0.411), 41);
    EXPECT_EQ(sagReferencePercent(1.0), 100);
    SagGraph graph;
    graph.nodes.resize(3);
    graph.edges = {{0, 1, 0}, {1, 2, 0}};
    EXPECT_TRUE(sagGraphIsAcyclic(graph));
    graph.edges.push_back({2, 0, 0});
    EXPECT_FALSE(sagGraphIsAcyclic(graph));
}

// Two roots sharing a child, as the search builds it.
SagResult smallResult()
{
    SagResult result;
    result.gridRows = result.gridCols = 7;
    result.probability = 1.0;
    result.threshold = 0.9;
    result.roots = {{{19, 26}, 0.98, 0.98}, {{18, 19}, 0.97, 0.97}};
    result.shown = result.diverse = {0, 1};
    auto node = [](std::vector<int> cells, double p, bool root) {
        SagNode n;
        n.cells = cells;
        n.probability = n.relative = p;
        n.percent = int(std::lround(100 * p));
        n.root = root;
        return n;
    };
    result.graph.nodes = {node({19, 26}, 0.98, true), node({18, 19}, 0.97, true), node({19}, 0.88, false),
        node({26}, 0.37, false), node({18}, 0.25, false)};
    result.graph.edges = {{0, 2, 26}, {0, 3, 19}, {1, 2, 18}, {1, 4, 19}};
    return result;
}

TEST(SagLayout, DotPlacesParentsAboveChildrenWithRoutedEdges)
{
    const SagResult result = smallResult();
    const SagLayout layout = layoutSag(result);
    ASSERT_EQ(layout.nodes.size(), 5u);
    ASSERT_EQ(layout.edges.size(), 4u);
    const SagLayoutOptions options;
    for (const SagLayoutNode &node : layout.nodes) {
        EXPECT_NEAR(node.width, options.nodeWidth, 0.5);
        EXPECT_NEAR(node.height, options.nodeHeight, 0.5);
        EXPECT_GE(node.centre.x - node.width / 2, -0.5);
        EXPECT_LE(node.centre.y + node.height / 2, layout.height + 0.5);
    }
    for (size_t a = 0; a < layout.nodes.size(); ++a)
        for (size_t b = a + 1; b < layout.nodes.size(); ++b) {
            const auto &p = layout.nodes[a], &q = layout.nodes[b];
            const bool apart = std::abs(p.centre.x - q.centre.x) >= (p.width + q.width) / 2 - 0.5
                || std::abs(p.centre.y - q.centre.y) >= (p.height + q.height) / 2 - 0.5;
            EXPECT_TRUE(apart) << a << " and " << b << " overlap";
        }
    for (size_t e = 0; e < layout.edges.size(); ++e) {
        const auto &parent = layout.nodes[size_t(result.graph.edges[e].parent)];
        const auto &child = layout.nodes[size_t(result.graph.edges[e].child)];
        EXPECT_LT(parent.centre.y, child.centre.y) << "roots on top";
        const auto &spline = layout.edges[e].spline;
        ASSERT_GE(spline.size(), 4u);
        EXPECT_EQ((spline.size() - 1) % 3, 0u) << "cubic Bezier chain";
        EXPECT_NEAR(spline.front().y, parent.centre.y + parent.height / 2, 2.0)
            << "leaves the parent's bottom";
        ASSERT_TRUE(layout.edges[e].arrow);
        EXPECT_NEAR(layout.edges[e].arrowTip.y, child.centre.y - child.height / 2, 2.0)
            << "reaches the child's top";
    }
    EXPECT_EQ(layoutSag(SagResult{}).nodes.size(), 0u);
}

TEST(SagLayout, AGraphvizFailureIsAnErrorWithItsMessage)
{
    SagLayoutOptions options;
    options.engine = "no-such-engine";
    try {
        layoutSag(smallResult(), options);
        FAIL() << "an unknown engine must fail";
    } catch (const Error &error) {
        EXPECT_THAT(error.what(), HasSubstr("graphviz: the no-such-engine layout failed"));
        EXPECT_THAT(error.what(), HasSubstr("no-such-engine")); // Graphviz's own words follow
    }
    // Graphviz is still usable afterwards.
    EXPECT_EQ(layoutSag(smallResult()).nodes.size(), 5u);
}

TEST(SagExport, JsonSvgAndRasterCarryEveryNode)
{
    const SagResult result = smallResult();
    const SagLayout layout = layoutSag(result);
    const auto json = sagGraphJson(result, layout);
    ASSERT_EQ(json.at("graph").at("nodes").size(), 5u);
    EXPECT_EQ(json.at("graph").at("nodes")[2].at("cells"), nlohmann::json({19}));
    EXPECT_EQ(json.at("graph").at("edges")[0].at("removed_cell"), 26);
    EXPECT_EQ(json.at("roots")[1].at("cells"), nlohmann::json({18, 19}));
    EXPECT_THAT(sagDot(result), HasSubstr("n0 -> n2"));

    cv::Mat image(112, 112, CV_8UC3, cv::Scalar(200, 100, 50));
    const std::string svg = sagSvg(result, layout, image, 112, 112);
    size_t thumbnails = 0;
    for (size_t at = svg.find("data:image/png;base64,"); at != std::string::npos;
         at = svg.find("data:image/png;base64,", at + 1))
        ++thumbnails;
    EXPECT_EQ(thumbnails, 5u);
    EXPECT_THAT(svg, HasSubstr("88%"));
    const cv::Mat raster = sagRaster(result, layout, image, 112, 112, 2.0);
    EXPECT_GT(raster.cols, int(2 * layout.width));
    EXPECT_GT(raster.rows, int(2 * layout.height));

    // The thumbnail shows the node's cells and dims the rest.
    const cv::Mat thumb = sagNodeImage(image, {0}, 7, 7, SagUpsampling::Blocks, 112, 112);
    EXPECT_EQ(thumb.at<cv::Vec3b>(0, 0), cv::Vec3b(200, 100, 50));
    EXPECT_LT(thumb.at<cv::Vec3b>(100, 100)[0], 40);
}

} // namespace
} // namespace sg
