// SAG search on the cues demo model against the generator's ground truth (issue 10):
//  - on every sample holding both cues of its class, the default search draws at least two roots,
//    and two of them stand on different cues (mainCue); on fresh generator images (seed 31) at
//    least 90% of the two-cue ones do;
//  - every root is sufficient and 1-minimal, and every graph node's probability is right, all
//    checked by forward passes built here from the spec's formula (research/sag.md §2.2), not by
//    the search's own masking code; the graph is a DAG whose edges remove one cell each;
//  - the empty set passing (the baseline alone keeps the class) is a result; cancel and progress.

#include "image/image_io.h"
#include "image/mat_tensor.h"
#include "image/preprocess.h"
#include "model/classifier.h"
#include "sag/sag_search.h"
#include "test_support.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <set>

namespace sg {
namespace {

// Slack for comparing the search's batched probabilities with the single passes made here
// (float32 softmax; batch composition may change the last bits).
constexpr double kSlack = 1e-5;

const Classifier &cuesModel()
{
    static const auto classifier = Classifier::load(test::sourcePath("models/demo/cues.pt"), "cpu");
    return *classifier;
}

// f(S) computed independently: the tent weights of bilinear upsampling with aligned corners
// written out, the black baseline (zero pixels, normalised), one pass per set.
class IndependentScore {
public:
    IndependentScore(const Classifier &classifier, const cv::Mat &image, int rows, int cols, int target) :
        classifier_(classifier), rows_(rows), cols_(cols), target_(target)
    {
        const InputSpec &spec = classifier.spec().input;
        const cv::Mat pixels = toModelPixels(image, spec);
        input_ = toInputTensor({pixels}, spec);
        const cv::Mat black = cv::Mat::zeros(pixels.size(), pixels.type());
        baseline_ = toInputTensor({black}, spec);
        height_ = spec.height;
        width_ = spec.width;
    }

    double operator()(const std::vector<int> &cells) const
    {
        at::Tensor mask = torch::zeros({1, 1, height_, width_});
        auto m = mask.accessor<float, 4>();
        for (int y = 0; y < height_; ++y)
            for (int x = 0; x < width_; ++x) {
                double value = 0.0;
                for (int cell : cells) {
                    const double r = cell / cols_, c = cell % cols_;
                    const double wy = std::max(0.0, 1.0 - std::abs(y * (rows_ - 1.0) / (height_ - 1.0) - r));
                    const double wx = std::max(0.0, 1.0 - std::abs(x * (cols_ - 1.0) / (width_ - 1.0) - c));
                    value += wy * wx;
                }
                m[0][0][y][x] = float(value);
            }
        torch::NoGradGuard noGrad;
        const at::Tensor image = input_ * mask + baseline_ * (1.0 - mask);
        return torch::softmax(classifier_.logits(image), 1)[0][target_].item<double>();
    }

private:
    const Classifier &classifier_;
    at::Tensor input_;
    at::Tensor baseline_;
    int rows_, cols_, target_, height_ = 0, width_ = 0;
};

// The cue a cell set stands on: each cell counts for the cue box its area overlaps most (a cell is
// the square of pixels nearer its centre than any other centre; aligned-corner bilinear cells are
// centred at c * (W - 1) / (cols - 1)), and the set for the cue most of its cells count for (ties:
// the larger overlap). -1 when no cell touches a box. Majority, not "touches": cells are 18.5 px
// wide against boxes of about 20, so a set on one cue often grazes the other's box with one cell.
int mainCue(const std::vector<int> &cells, const test::CueSample &sample, int rows, int cols)
{
    const double stepY = 111.0 / (rows - 1), stepX = 111.0 / (cols - 1);
    std::vector<int> count(sample.cues.size(), 0);
    std::vector<double> area(sample.cues.size(), 0.0);
    for (int cell : cells) {
        const double cy = (cell / cols) * stepY, cx = (cell % cols) * stepX;
        int best = -1;
        double bestArea = 0.0;
        for (size_t i = 0; i < sample.cues.size(); ++i) {
            const auto &box = sample.cues[i];
            const double w = std::min({cx + stepX / 2, 112.0, double(box[2])})
                - std::max({cx - stepX / 2, 0.0, double(box[0])});
            const double h = std::min({cy + stepY / 2, 112.0, double(box[3])})
                - std::max({cy - stepY / 2, 0.0, double(box[1])});
            const double overlap = std::max(0.0, w) * std::max(0.0, h);
            if (overlap > bestArea) {
                best = int(i);
                bestArea = overlap;
            }
        }
        if (best >= 0) {
            ++count[size_t(best)];
            area[size_t(best)] += bestArea;
        }
    }
    int cue = -1;
    for (size_t i = 0; i < count.size(); ++i)
        if (count[i] > 0
            && (cue < 0 || count[i] > count[size_t(cue)]
                || (count[i] == count[size_t(cue)] && area[i] > area[size_t(cue)])))
            cue = int(i);
    return cue;
}

void expectSufficientAndMinimal(
    const SagRoot &root, const SagResult &result, const IndependentScore &score, const std::string &where)
{
    EXPECT_GT(score(root.cells), result.threshold - kSlack) << where << ": root not sufficient";
    EXPECT_NEAR(score(root.cells), root.probability, kSlack) << where;
    for (size_t i = 0; i < root.cells.size(); ++i) {
        std::vector<int> smaller = root.cells;
        smaller.erase(smaller.begin() + long(i));
        EXPECT_LE(score(smaller), result.threshold + kSlack)
            << where << ": root not 1-minimal, cell " << root.cells[i] << " can go";
    }
}

void expectSoundGraph(const SagResult &result, const IndependentScore &score, const std::string &where)
{
    const SagGraph &graph = result.graph;
    EXPECT_TRUE(sagGraphIsAcyclic(graph)) << where;
    std::set<std::vector<int>> sets;
    for (const SagNode &node : graph.nodes) {
        EXPECT_TRUE(sets.insert(node.cells).second) << where << ": a set drawn twice";
        EXPECT_NEAR(node.probability, score(node.cells), kSlack) << where;
        // float32 in reference mode, as the reference divides
        EXPECT_NEAR(node.relative, node.probability / result.probability, 1e-6) << where;
    }
    for (const SagEdge &edge : graph.edges) {
        std::vector<int> expected = graph.nodes[size_t(edge.parent)].cells;
        expected.erase(std::find(expected.begin(), expected.end(), edge.removedCell));
        EXPECT_EQ(graph.nodes[size_t(edge.child)].cells, expected) << where;
    }
    int roots = 0;
    for (const SagNode &node : graph.nodes)
        roots += node.root;
    EXPECT_EQ(roots, int(result.shown.size())) << where;
}

// Default children: of all single removals of an expanded node, the `branching` that lower the
// probability most (checked against independent scores of every removal).
void expectLargestDropChildren(
    const SagResult &result, const IndependentScore &score, const std::string &where)
{
    const SagGraph &graph = result.graph;
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
        const SagNode &node = graph.nodes[n];
        if (!node.expanded || node.cut)
            continue;
        std::vector<std::pair<double, int>> drops; // (probability without the cell, cell)
        for (size_t i = 0; i < node.cells.size(); ++i) {
            std::vector<int> smaller = node.cells;
            smaller.erase(smaller.begin() + long(i));
            drops.emplace_back(score(smaller), node.cells[i]);
        }
        std::sort(drops.begin(), drops.end());
        std::set<int> removed;
        for (const SagEdge &edge : graph.edges)
            if (edge.parent == int(n))
                removed.insert(edge.removedCell);
        const size_t count = std::min(drops.size(), size_t(result.request.branching));
        ASSERT_EQ(removed.size(), count) << where;
        for (size_t i = 0; i < count; ++i)
            EXPECT_TRUE(
                removed.count(drops[i].second) || std::abs(drops[i].first - drops[count - 1].first) < kSlack)
                << where << ": node " << n << " lacks the child without cell " << drops[i].second;
    }
}

// Searches one two-cue sample with the default request and checks everything that must hold on
// any image (the clean probability, roots sufficient and 1-minimal, the graph, drawn roots
// sharing at most one cell) as test failures. Returns whether the model predicts the sample's
// class and two drawn roots stand on different cues (mainCue).
bool drawnRootsStandOnDifferentCues(const test::CueSample &sample)
{
    const Classifier &classifier = cuesModel();
    const cv::Mat image = readImage(sample.file);
    const CancelFlag cancel{false};
    const SagResult result = searchSag(classifier, image, SagRequest{}, {}, cancel);
    const std::string where = sample.file;
    const IndependentScore score(classifier, image, 7, 7, result.target);
    std::vector<int> all(49);
    for (int k = 0; k < 49; ++k)
        all[size_t(k)] = k;
    EXPECT_NEAR(score(all), result.probability, kSlack) << where << ": every cell shown is the clean image";
    for (size_t r = 0; r < result.roots.size(); ++r)
        expectSufficientAndMinimal(result.roots[r], result, score, where + " root " + std::to_string(r));
    expectSoundGraph(result, score, where);
    expectLargestDropChildren(result, score, where);
    EXPECT_FALSE(result.baselineSuffices) << where;
    for (size_t i = 0; i < result.shown.size(); ++i)
        for (size_t j = i + 1; j < result.shown.size(); ++j) {
            std::vector<int> shared;
            const auto &a = result.roots[size_t(result.shown[i])].cells;
            const auto &b = result.roots[size_t(result.shown[j])].cells;
            std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(shared));
            EXPECT_LE(shared.size(), 1u) << where << ": drawn roots share more than one cell";
        }

    std::set<int> cues;
    std::string drawn;
    for (int index : result.shown) {
        const std::vector<int> &cells = result.roots[size_t(index)].cells;
        const int cue = mainCue(cells, sample, 7, 7);
        if (cue >= 0)
            cues.insert(cue);
        drawn += " {";
        for (int cell : cells)
            drawn += " " + std::to_string(cell);
        drawn += " } on cue " + std::to_string(cue) + ";";
    }
    const bool different = result.target == sample.label && result.shown.size() >= 2 && cues.size() >= 2;
    if (!different)
        std::cout << where << ": predicted " << result.target << " (class " << sample.label << "), drawn"
                  << drawn << "\n";
    return different;
}

TEST(SagGroundTruth, TwoCueSamplesGiveDiverseRootsOnDifferentCues)
{
    int twoCue = 0;
    for (const test::CueSample &sample : test::cueSamples()) {
        if (sample.cues.size() < 2)
            continue;
        ++twoCue;
        EXPECT_TRUE(drawnRootsStandOnDifferentCues(sample)) << sample.file;
    }
    EXPECT_EQ(twoCue, 5);
}

// The same on images the model never saw, from the generator with another seed (the samples are
// seed 7, training seed 1, its test set seed 2): at least 90% of the two-cue images.
const std::vector<test::CueSample> &freshSamples()
{
    static const test::TempDir folder;
    static const std::vector<test::CueSample> samples = [] {
        test::generateCueSamples(31, 60, folder.path().string());
        return test::cueSamples(folder.path().string());
    }();
    return samples;
}

TEST(SagGroundTruth, FreshGeneratorImagesGiveRootsOnDifferentCues)
{
    int twoCue = 0, different = 0;
    for (const test::CueSample &sample : freshSamples()) {
        if (sample.cues.size() < 2)
            continue;
        ++twoCue;
        different += drawnRootsStandOnDifferentCues(sample);
    }
    ASSERT_GE(twoCue, 15);
    std::cout << "fresh two-cue images with drawn roots on different cues: " << different << " of " << twoCue
              << "\n";
    EXPECT_GE(double(different), 0.9 * twoCue);
}

// Fresh image 00038 (class 0, both cues): the ranking favours the blue square, and the first
// round's beam sets all give roots there at step 2. The second round, without those cells,
// reaches the red disk, and a root on it is drawn.
TEST(SagGroundTruth, AnotherRoundReachesTheCueTheFirstLeft)
{
    const test::CueSample &sample = freshSamples().at(38);
    ASSERT_EQ(sample.cues.size(), 2u);
    const CancelFlag cancel{false};
    const SagResult result = searchSag(cuesModel(), readImage(sample.file), SagRequest{}, {}, cancel);
    EXPECT_EQ(result.statistics.rounds, 2);
    // The second round searched without the first round's cores, and its roots avoid them.
    const std::vector<int> &excluded = result.statistics.excludedCells;
    EXPECT_FALSE(excluded.empty());
    int secondRound = 0;
    for (const SagRoot &root : result.roots) {
        if (root.round == 1)
            continue;
        ++secondRound;
        EXPECT_EQ(root.round, 2);
        for (int cell : root.cells)
            EXPECT_EQ(std::count(excluded.begin(), excluded.end(), cell), 0) << "round 2 used cell " << cell;
    }
    EXPECT_GT(secondRound, 0);
    std::set<int> cues;
    for (int index : result.shown)
        cues.insert(mainCue(result.roots[size_t(index)].cells, sample, 7, 7));
    EXPECT_EQ(cues, (std::set<int>{0, 1}));
}

TEST(SagSearch, ReferenceModeRootsAreMinimalSufficientAndItsGraphSound)
{
    const Classifier &classifier = cuesModel();
    const test::CueSample sample = test::cueSamples()[7];
    const cv::Mat image = readImage(sample.file);
    SagRequest request;
    request.mode = SagMode::Reference;
    const CancelFlag cancel{false};
    const SagResult result = searchSag(classifier, image, request, {}, cancel);
    const IndependentScore score(classifier, image, 7, 7, result.target);
    ASSERT_GT(result.roots.size(), size_t(request.maxRoots)) << "stops on more than max roots";
    for (size_t r = 0; r < result.roots.size(); ++r)
        expectSufficientAndMinimal(result.roots[r], result, score, "root " + std::to_string(r));
    expectSoundGraph(result, score, "reference");
    // The reference's children: a node's edges remove its first (lowest) cells.
    for (const SagEdge &edge : result.graph.edges) {
        const auto &parent = result.graph.nodes[size_t(edge.parent)].cells;
        const auto position = std::find(parent.begin(), parent.end(), edge.removedCell) - parent.begin();
        EXPECT_LT(position, request.branching);
    }
    EXPECT_EQ(std::vector<int>(result.diverse.begin(), result.diverse.begin() + long(result.shown.size())),
        result.shown);

    // The memo changes no result: the same search scoring every set anew agrees bit for bit.
    request.noCache = true;
    const SagResult uncached = searchSag(classifier, image, request, {}, cancel);
    ASSERT_EQ(uncached.roots.size(), result.roots.size());
    for (size_t r = 0; r < result.roots.size(); ++r) {
        EXPECT_EQ(uncached.roots[r].cells, result.roots[r].cells);
        EXPECT_EQ(uncached.roots[r].probability, result.roots[r].probability);
    }
    EXPECT_EQ(uncached.statistics.cacheHits, 0);
    EXPECT_GT(uncached.statistics.forwardPasses, 2 * result.statistics.forwardPasses);
}

TEST(SagSearch, ReferenceKeepsOneSetMoreThanTheBeamWidth)
{
    const Classifier &classifier = cuesModel();
    const cv::Mat image = readImage(test::cueSamples()[4].file);
    for (const SagMode mode : {SagMode::Reference, SagMode::Default}) {
        SagRequest request;
        request.mode = mode;
        std::vector<int> beamSizes;
        const CancelFlag cancel{false};
        searchSag(classifier, image, request, {}, cancel,
            [&](const SagStep &step) { beamSizes.push_back(step.beamSize); });
        ASSERT_FALSE(beamSizes.empty());
        // No single cell suffices on this sample, so the first step fills the beam.
        EXPECT_EQ(beamSizes[0], mode == SagMode::Reference ? request.beamWidth + 1 : request.beamWidth);
    }
}

TEST(SagSearch, DefaultChildrenAreTheLargestDrops)
{
    // With one or two children per node, which removals become children matters on every node.
    const Classifier &classifier = cuesModel();
    const test::CueSample sample = test::cueSamples()[4];
    const cv::Mat image = readImage(sample.file);
    for (const int branching : {1, 2}) {
        SagRequest request;
        request.branching = branching;
        const CancelFlag cancel{false};
        const SagResult result = searchSag(classifier, image, request, {}, cancel);
        const IndependentScore score(classifier, image, 7, 7, result.target);
        int expanded = 0;
        for (const SagNode &node : result.graph.nodes)
            expanded += node.expanded && int(node.cells.size()) > branching;
        ASSERT_GT(expanded, 0) << "some node has more cells than children";
        expectLargestDropChildren(result, score, "branching " + std::to_string(branching));
    }
}

TEST(SagSearch, NonSquareGridBlocksAndBlurRun)
{
    const Classifier &classifier = cuesModel();
    const cv::Mat image = readImage(test::cueSamples()[4].file);
    SagRequest request;
    request.gridRows = 5;
    request.gridCols = 8;
    request.upsampling = SagUpsampling::Blocks;
    request.baseline = SagBaseline::Blur;
    const CancelFlag cancel{false};
    const SagResult result = searchSag(classifier, image, request, {}, cancel);
    EXPECT_EQ(result.ranking.size(), 40u);
    ASSERT_FALSE(result.roots.empty());
    for (const SagRoot &root : result.roots)
        for (int cell : root.cells)
            EXPECT_LT(cell, 40);
    EXPECT_TRUE(sagGraphIsAcyclic(result.graph));
}

TEST(SagSearch, TheBaselineAloneKeepingTheClassIsAResult)
{
    // Explain the class the black image itself is given (class 1, p ~ 0.26 on black) on a sample
    // where the image makes it less likely than that: then the empty set is sufficient.
    const Classifier &classifier = cuesModel();
    const cv::Mat image = readImage(test::cueSamples()[0].file); // class 3
    const cv::Mat black = cv::Mat::zeros(image.size(), image.type());
    const Prediction onBlack = classifier.predict({black}, 1)[0];
    const Prediction onImage = classifier.predict({image}, 4)[0];
    const int target = onBlack.top[0].index;
    ASSERT_LT(onImage.probabilities[size_t(target)], onBlack.probabilities[size_t(target)]);
    for (const SagMode mode : {SagMode::Default, SagMode::Reference}) {
        SagRequest request;
        request.target = target;
        request.mode = mode;
        const CancelFlag cancel{false};
        const SagResult result = searchSag(classifier, image, request, {}, cancel);
        EXPECT_TRUE(result.baselineSuffices) << sagModeName(mode);
        ASSERT_FALSE(result.roots.empty());
        EXPECT_TRUE(result.roots[0].cells.empty()) << sagModeName(mode);
        EXPECT_GE(result.graph.nodes.size(), 1u);
        EXPECT_TRUE(result.graph.nodes[0].cells.empty());
    }
}

TEST(SagSearch, ReportsEachBeamStepAndCancelsWithinABatch)
{
    const Classifier &classifier = cuesModel();
    const cv::Mat image = readImage(test::cueSamples()[4].file);
    std::vector<int> steps;
    std::vector<size_t> rootCounts;
    int lastDone = -1;
    const CancelFlag cancel{false};
    const SagResult result = searchSag(
        classifier, image, SagRequest{}, [&](const Progress &p) { lastDone = p.done; }, cancel,
        [&](const SagStep &step) {
            steps.push_back(step.step);
            rootCounts.push_back(step.roots->size());
        });
    ASSERT_EQ(int(steps.size()), result.statistics.beamSteps);
    for (size_t i = 0; i < steps.size(); ++i)
        EXPECT_EQ(steps[i], int(i) + 1);
    EXPECT_TRUE(std::is_sorted(rootCounts.begin(), rootCounts.end()));
    EXPECT_EQ(rootCounts.back(), result.roots.size());
    EXPECT_EQ(lastDone, 1000);

    // Cancelled after the first beam step: the search throws before another batch runs.
    CancelFlag stop{false};
    std::int64_t passesAtCancel = 0;
    const std::int64_t before = classifier.forwardCount();
    EXPECT_THROW(searchSag(classifier, image, SagRequest{}, {}, stop,
                     [&](const SagStep &) {
                         stop = true;
                         passesAtCancel = classifier.forwardCount();
                     }),
        Cancelled);
    EXPECT_GT(passesAtCancel, before);
    EXPECT_LE(classifier.forwardCount() - passesAtCancel, 1) << "at most one pass after the cancel";
}

} // namespace
} // namespace sg
