// Deletion/insertion curves and AUC against closed forms, and the pointing game.
//
// The toy model tests/data/models/cellsum.pt (made by tests/data/make_metric_fixtures.py) has
// logits [0, d] with d = b + sum_j v_j * mean(cell j) over a 7x7 grid of 4x4 cells of its 28x28
// normalised input, so the score of "present" is sigmoid(d). The expected curves here are
// computed independently in double precision from the spec (research/igos.md §4): the
// I-GOS baseline with OpenCV's Gaussian 51/sigma 50 (reflect-101), the cell keep-mask upsampled
// with a hand-written bilinear align_corners=True matrix, RISE's folded 11x11 Gaussian written
// as a sum over the reflected copies of the delta, zero-padded convolution, and the AUC rules
// of both references.

#include "common/error.h"
#include "metrics/deletion_insertion.h"
#include "metrics/pointing_game.h"
#include "model/classifier.h"
#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>

namespace sg {
namespace {

using ::testing::HasSubstr;

constexpr int kSide = 28;
constexpr int kChannels = 3;
constexpr int kGrid = 7;
constexpr int kCell = 4;
constexpr double kScoreTolerance = 1e-5;

// A planar image in double: [channel][y][x].
using Planes = std::vector<cv::Mat>; // kChannels CV_64FC1 matrices of kSide x kSide

const Classifier &toyModel()
{
    return test::cellsumModel();
}

using ToyWeights = test::CellsumWeights;

const ToyWeights &toyWeights()
{
    return test::cellsumWeights();
}

// A deterministic test image, 28x28 RGB 8-bit (at the model's size: no resampling): a level per
// cell and channel, so cells differ strongly from the blur, plus some pixel texture.
cv::Mat toyImage()
{
    cv::Mat image(kSide, kSide, CV_8UC3);
    for (int y = 0; y < kSide; ++y)
        for (int x = 0; x < kSide; ++x)
            for (int c = 0; c < kChannels; ++c) {
                const int level = 48 + (((y / kCell) * 7 + (x / kCell) * 3 + c * 5) * 53) % 128;
                const int texture = (x * 37 + y * 91 + x * y * 13) % 32;
                image.at<cv::Vec3b>(y, x)[c] = uchar(level + texture);
            }
    return image;
}

// Model pixels in [0, 1] per channel.
Planes pixelsOf(const cv::Mat &image)
{
    Planes planes;
    for (int c = 0; c < kChannels; ++c) {
        cv::Mat plane(kSide, kSide, CV_64FC1);
        for (int y = 0; y < kSide; ++y)
            for (int x = 0; x < kSide; ++x)
                plane.at<double>(y, x) = image.at<cv::Vec3b>(y, x)[c] / 255.0;
        planes.push_back(plane);
    }
    return planes;
}

// The sidecar's normalisation: range [0, 1], mean 0.5, std 0.25.
Planes normalised(const Planes &pixels)
{
    Planes out;
    for (const cv::Mat &plane : pixels)
        out.push_back((plane - 0.5) / 0.25);
    return out;
}

// The I-GOS baseline (research/igos.md §2.2): Gaussian 51 x 51, sigma 50, reflect-101, in float.
Planes igosBaseline(const Planes &pixels)
{
    Planes out;
    for (const cv::Mat &plane : pixels) {
        cv::Mat blurred;
        cv::GaussianBlur(plane, blurred, cv::Size(51, 51), 50.0, 50.0, cv::BORDER_REFLECT_101);
        out.push_back(blurred);
    }
    return normalised(out);
}

// RISE's gkern(11, 5): gaussian_filter of an 11-sample delta at 5 with sigma 5, truncate 4
// (radius 20), "reflect" borders. Half-sample reflection has period 22 and puts copies of the
// delta at 5 + 22 k and 16 + 22 k, so tap i gets g(i - m) for every copy m within the radius.
std::vector<double> riseKernel1d()
{
    auto g = [](int d) { return std::abs(d) <= 20 ? std::exp(-d * d / 50.0) : 0.0; };
    double total = 0.0;
    for (int d = -20; d <= 20; ++d)
        total += g(d);
    std::vector<double> kernel(11);
    for (int i = 0; i < 11; ++i)
        for (int m : {-28, -17, -6, 5, 16, 27, 38})
            kernel[size_t(i)] += g(i - m) / total;
    return kernel;
}

// The normalised image convolved with the kernel per channel, zero padding 5.
Planes riseBlur(const Planes &image)
{
    const auto k = riseKernel1d();
    Planes out;
    for (const cv::Mat &plane : image) {
        cv::Mat blurred(kSide, kSide, CV_64FC1, cv::Scalar(0));
        for (int y = 0; y < kSide; ++y)
            for (int x = 0; x < kSide; ++x) {
                double sum = 0.0;
                for (int dy = -5; dy <= 5; ++dy)
                    for (int dx = -5; dx <= 5; ++dx) {
                        const int sy = y + dy;
                        const int sx = x + dx;
                        if (sy >= 0 && sy < kSide && sx >= 0 && sx < kSide)
                            sum += k[size_t(dy + 5)] * k[size_t(dx + 5)] * plane.at<double>(sy, sx);
                    }
                blurred.at<double>(y, x) = sum;
            }
        out.push_back(blurred);
    }
    return out;
}

// Probability of class 1 ("present") for a normalised image.
double presentScore(const Planes &image)
{
    const ToyWeights &w = toyWeights();
    double d = w.b;
    for (int j = 0; j < kGrid * kGrid; ++j) {
        double sum = 0.0;
        for (const cv::Mat &plane : image)
            for (int y = 0; y < kCell; ++y)
                for (int x = 0; x < kCell; ++x)
                    sum += plane.at<double>((j / kGrid) * kCell + y, (j % kGrid) * kCell + x);
        d += w.v[size_t(j)] * sum / (kCell * kCell * kChannels);
    }
    return 1.0 / (1.0 + std::exp(-d));
}

// Bilinear align_corners=True interpolation matrix from s samples to kSide samples.
cv::Mat interpolation(int s)
{
    cv::Mat a(kSide, s, CV_64FC1, cv::Scalar(0));
    for (int i = 0; i < kSide; ++i) {
        const double source = s == 1 ? 0.0 : i * double(s - 1) / (kSide - 1);
        for (int j = 0; j < s; ++j)
            a.at<double>(i, j) = std::max(0.0, 1.0 - std::abs(source - j));
    }
    return a;
}

// blend = first * keep + second * (1 - keep), per channel.
Planes blend(const Planes &first, const Planes &second, const cv::Mat &keep)
{
    Planes out;
    for (size_t c = 0; c < first.size(); ++c)
        out.push_back(first[c].mul(keep) + second[c].mul(1.0 - keep));
    return out;
}

// Removal order: descending value, ties by index.
std::vector<int> removalOrder(const std::vector<float> &values)
{
    std::vector<int> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) {
        return values[size_t(a)] != values[size_t(b)] ? values[size_t(a)] > values[size_t(b)] : a < b;
    });
    return order;
}

struct ExpectedCurves {
    std::vector<double> deletion;
    std::vector<double> insertion;
    std::vector<int> changed; // units changed at each point
};

// Curves for units of a grid (s x s cells, or kSide x kSide pixels with s = kSide), removing
// units in `order`, `perStep` at a time; scores of `target`.
ExpectedCurves expectedCurves(int s, const std::vector<int> &order, int perStep, const Planes &clean,
    const Planes &deletionFill, const Planes &insertionStart, int target)
{
    const int units = s * s;
    const cv::Mat a = interpolation(s);
    ExpectedCurves curves;
    for (int changed = 0;; changed = std::min(units, changed + perStep)) {
        cv::Mat keep(s, s, CV_64FC1, cv::Scalar(1));
        for (int p = 0; p < changed; ++p)
            keep.at<double>(order[size_t(p)] / s, order[size_t(p)] % s) = 0.0;
        const cv::Mat up = s == kSide ? keep : cv::Mat(a * keep * a.t());
        const double del = presentScore(blend(clean, deletionFill, up));
        const double ins = presentScore(blend(insertionStart, clean, up));
        curves.deletion.push_back(target == 1 ? del : 1.0 - del);
        curves.insertion.push_back(target == 1 ? ins : 1.0 - ins);
        curves.changed.push_back(changed);
        if (changed == units)
            break;
    }
    return curves;
}

// I-GOS AUC: right Riemann sum over the steps / s^2, optionally with the reference's bug.
double igosAuc(const std::vector<double> &scores, const std::vector<int> &changed, bool legacy)
{
    double sum = 0.0;
    const size_t last = scores.size() - 1;
    for (size_t k = 1; k <= last; ++k) {
        const int width = changed[k] - changed[k - 1];
        sum += (legacy && k == last) ? width : width * scores[k];
    }
    return sum / changed.back();
}

double trapezoidAuc(const std::vector<double> &scores)
{
    const double sum = std::accumulate(scores.begin(), scores.end(), 0.0);
    return (sum - scores.front() / 2 - scores.back() / 2) / double(scores.size() - 1);
}

cv::Mat mapFrom(const std::vector<float> &values, int s)
{
    cv::Mat map(s, s, CV_32FC1);
    std::copy(values.begin(), values.end(), map.ptr<float>());
    return map;
}

// A deterministic map with distinct values.
std::vector<float> distinctValues(int s)
{
    std::vector<float> values(size_t(s * s));
    for (int i = 0; i < s * s; ++i)
        values[size_t(i)] = float((i * 7919) % (s * s + 1)) / float(s * s); // 7919 is prime: distinct
    return values;
}

int presentIsTopOne()
{
    return presentScore(normalised(pixelsOf(toyImage()))) > 0.5 ? 1 : 0;
}

DeletionInsertionResult evaluate(const cv::Mat &map, const DeletionInsertionOptions &options, int target = -1,
    const ProgressFn &progress = {})
{
    const CancelFlag cancel{false};
    return evaluateDeletionInsertion(toyModel(), toyImage(), map, target, options, cancel, progress);
}

void expectCurve(
    const std::vector<double> &actual, const std::vector<double> &expected, const std::string &what)
{
    ASSERT_EQ(actual.size(), expected.size()) << what;
    for (size_t k = 0; k < actual.size(); ++k)
        EXPECT_NEAR(actual[k], expected[k], kScoreTolerance) << what << " point " << k;
}

// --- the I-GOS variant ------------------------------------------------------------------------

class IgosMetric : public ::testing::TestWithParam<int> { };

TEST_P(IgosMetric, CurvesAndAucMatchClosedForm)
{
    const int s = GetParam();
    const std::vector<float> values = distinctValues(s);
    const Planes clean = normalised(pixelsOf(toyImage()));
    const Planes baseline = igosBaseline(pixelsOf(toyImage()));
    const int target = presentIsTopOne();
    const int perStep = std::max(1, s * s / 50);
    const ExpectedCurves expected
        = expectedCurves(s, removalOrder(values), perStep, clean, baseline, baseline, target);

    DeletionInsertionOptions options;
    options.resolution = s;
    const DeletionInsertionResult result = evaluate(mapFrom(values, s), options);
    EXPECT_EQ(result.target, target);
    EXPECT_EQ(result.label, target == 1 ? "present" : "absent");
    EXPECT_NEAR(result.probability, expected.deletion[0], kScoreTolerance);
    expectCurve(result.deletion.score, expected.deletion, "deletion");
    expectCurve(result.insertion.score, expected.insertion, "insertion");
    ASSERT_EQ(result.deletion.x.size(), expected.changed.size());
    for (size_t k = 0; k < expected.changed.size(); ++k) {
        EXPECT_DOUBLE_EQ(result.deletion.x[k], expected.changed[k] / double(s * s));
        EXPECT_DOUBLE_EQ(result.insertion.x[k], result.deletion.x[k]);
    }
    EXPECT_NEAR(result.deletionAuc, igosAuc(expected.deletion, expected.changed, false), kScoreTolerance);
    EXPECT_NEAR(result.insertionAuc, igosAuc(expected.insertion, expected.changed, false), kScoreTolerance);
    EXPECT_EQ(result.settings.variant, "igos");
    EXPECT_EQ(result.settings.unitsPerStep, perStep);
    EXPECT_EQ(result.settings.deletionFill, "blur");
    EXPECT_EQ(result.settings.blurKernel, 51);
    // Every step image of both curves, plus the clean pass, once each.
    EXPECT_EQ(result.forwardPasses, 2 * (result.settings.steps + 1));

    // The reference's last-step bug adds r = s^2 - (cells changed before the last step) instead
    // of r * p_last: an upward bias of r (1 - p_last) / s^2.
    options.legacyLastStep = true;
    const DeletionInsertionResult legacy = evaluate(mapFrom(values, s), options);
    const int r = expected.changed.back() - expected.changed[expected.changed.size() - 2];
    EXPECT_TRUE(legacy.settings.legacyLastStep);
    EXPECT_EQ(legacy.deletion.score, result.deletion.score);
    EXPECT_NEAR(legacy.deletionAuc, igosAuc(expected.deletion, expected.changed, true), kScoreTolerance);
    EXPECT_NEAR(
        legacy.deletionAuc - result.deletionAuc, r * (1.0 - result.deletion.score.back()) / (s * s), 1e-12);
    EXPECT_NEAR(legacy.insertionAuc - result.insertionAuc,
        r * (1.0 - result.insertion.score.back()) / (s * s), 1e-12);
}

// 7: step 1, soft cell borders; 14: step 3 with a last step of 1 cell; 28: the identity
// upsampling, step 15, last step 4 cells.
INSTANTIATE_TEST_SUITE_P(Resolutions, IgosMetric, ::testing::Values(7, 14, 28));

TEST(IgosMetricSteps, FollowTheReference)
{
    InputSpec imagenet{224, 224, 3, 0.0f, 1.0f, {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
    DeletionInsertionOptions options;
    const std::vector<std::pair<int, int>> expected{{7, 49}, {14, 66}, {28, 53}, {224, 51}};
    for (const auto &[s, steps] : expected) {
        options.resolution = s;
        EXPECT_EQ(deletionInsertionSteps(imagenet, options), steps) << s;
    }
    // The same on the toy model, counted from the curves it returns.
    for (const auto &[s, steps] : std::vector<std::pair<int, int>>{{7, 49}, {14, 66}, {28, 53}}) {
        options.resolution = s;
        const auto result = evaluate(mapFrom(distinctValues(s), s), options);
        EXPECT_EQ(result.settings.steps, steps);
        EXPECT_EQ(result.deletion.score.size(), size_t(steps + 1));
        EXPECT_EQ(result.insertion.score.size(), size_t(steps + 1));
        EXPECT_DOUBLE_EQ(result.deletion.x.back(), 1.0);
    }
}

TEST(IgosMetricRanking, TiesAreBrokenByCellIndex)
{
    const int s = 7;
    const Planes clean = normalised(pixelsOf(toyImage()));
    const Planes baseline = igosBaseline(pixelsOf(toyImage()));
    const int target = presentIsTopOne();
    std::vector<int> forward(s * s);
    std::iota(forward.begin(), forward.end(), 0);
    std::vector<int> backward(forward.rbegin(), forward.rend());

    DeletionInsertionOptions options;
    options.resolution = s;
    // A constant map: every cell ties, so cells go in index order (row-major).
    const auto constant = evaluate(cv::Mat(s, s, CV_32FC1, cv::Scalar(0.5)), options);
    const auto inOrder = expectedCurves(s, forward, 1, clean, baseline, baseline, target);
    expectCurve(constant.deletion.score, inOrder.deletion, "deletion");
    expectCurve(constant.insertion.score, inOrder.insertion, "insertion");
    // The test can tell the orders apart.
    const auto reversed = expectedCurves(s, backward, 1, clean, baseline, baseline, target);
    EXPECT_GT(std::abs(reversed.deletion[10] - inOrder.deletion[10]), 1e-3);

    // Two tie groups: the high half first, each in index order.
    std::vector<float> values(size_t(s * s), 0.0f);
    for (int i = 0; i < s * s; i += 3)
        values[size_t(i)] = 1.0f;
    std::vector<int> order;
    for (int level : {1, 0})
        for (int i = 0; i < s * s; ++i)
            if ((values[size_t(i)] == 1.0f) == (level == 1))
                order.push_back(i);
    const auto grouped = evaluate(mapFrom(values, s), options);
    expectCurve(grouped.deletion.score,
        expectedCurves(s, order, 1, clean, baseline, baseline, target).deletion, "grouped deletion");
}

TEST(IgosMetricMaps, AnySizeIsResampledToTheGrid)
{
    // A 28x28 map whose 4x4 blocks are constant area-averages to its 7x7 block values, and a
    // 56x56 map of 2x2 copies resizes bilinearly to the 28x28 one exactly.
    const std::vector<float> cells = distinctValues(7);
    const cv::Mat small = mapFrom(cells, 7);
    cv::Mat blocks;
    cv::resize(small, blocks, cv::Size(28, 28), 0, 0, cv::INTER_NEAREST);
    cv::Mat doubled;
    cv::resize(blocks, doubled, cv::Size(56, 56), 0, 0, cv::INTER_NEAREST);

    DeletionInsertionOptions options;
    options.resolution = 7;
    const auto direct = evaluate(small, options);
    for (const cv::Mat &map : {blocks, doubled}) {
        const auto resampled = evaluate(map, options);
        EXPECT_EQ(resampled.deletion.score, direct.deletion.score) << map.cols;
        EXPECT_EQ(resampled.insertion.score, direct.insertion.score) << map.cols;
        EXPECT_EQ(resampled.settings.saliencyWidth, map.cols);
    }
    // Other depths are converted: an 8-bit map ranks like its float copy.
    cv::Mat bytes;
    small.convertTo(bytes, CV_8U, 200.0);
    cv::Mat bytesAsFloat;
    bytes.convertTo(bytesAsFloat, CV_32F);
    EXPECT_EQ(evaluate(bytes, options).deletion.score, evaluate(bytesAsFloat, options).deletion.score);
}

TEST(IgosMetricTarget, ExplicitTargetScoresThatClass)
{
    const int s = 7;
    const std::vector<float> values = distinctValues(s);
    DeletionInsertionOptions options;
    options.resolution = s;
    const int other = 1 - presentIsTopOne();
    const auto top = evaluate(mapFrom(values, s), options);
    const auto result = evaluate(mapFrom(values, s), options, other);
    EXPECT_EQ(result.target, other);
    ASSERT_EQ(result.deletion.score.size(), top.deletion.score.size());
    for (size_t k = 0; k < top.deletion.score.size(); ++k) {
        EXPECT_NEAR(result.deletion.score[k], 1.0 - top.deletion.score[k], 1e-9);
        EXPECT_NEAR(result.insertion.score[k], 1.0 - top.insertion.score[k], 1e-9);
    }
    EXPECT_NEAR(result.probability, 1.0 - top.probability, 1e-9);
}

// --- the RISE variant -------------------------------------------------------------------------

struct RiseCase {
    std::optional<int> pixelsPerStep;
    std::string deletionFill;
    int steps;
};

void PrintTo(const RiseCase &c, std::ostream *out)
{
    *out << c.pixelsPerStep.value_or(0) << "/" << c.deletionFill;
}

class RiseMetric : public ::testing::TestWithParam<RiseCase> { };

TEST_P(RiseMetric, CurvesAndTrapezoidAucMatchClosedForm)
{
    const RiseCase &c = GetParam();
    const Planes clean = normalised(pixelsOf(toyImage()));
    const Planes blurred = riseBlur(clean);
    Planes zeros;
    for (int ch = 0; ch < kChannels; ++ch)
        zeros.push_back(cv::Mat(kSide, kSide, CV_64FC1, cv::Scalar(0)));
    const std::vector<float> values = distinctValues(kSide);
    const int perStep = c.pixelsPerStep.value_or(8 * kSide); // the reference's 8 rows per step
    const int target = presentIsTopOne();
    const ExpectedCurves expected = expectedCurves(kSide, removalOrder(values), perStep, clean,
        c.deletionFill == "blur" ? blurred : zeros, blurred, target);

    DeletionInsertionOptions options;
    options.variant = "rise";
    options.pixelsPerStep = c.pixelsPerStep;
    options.riseDeletionFill = c.deletionFill;
    const auto result = evaluate(mapFrom(values, kSide), options);
    EXPECT_EQ(result.settings.steps, c.steps);
    EXPECT_EQ(result.settings.unitsPerStep, perStep);
    EXPECT_EQ(result.settings.blurKernel, 11);
    EXPECT_EQ(result.settings.deletionFill, c.deletionFill);
    expectCurve(result.deletion.score, expected.deletion, "deletion");
    expectCurve(result.insertion.score, expected.insertion, "insertion");
    EXPECT_DOUBLE_EQ(result.deletion.x[1], std::min(1.0, perStep / double(kSide * kSide)));
    EXPECT_NEAR(result.deletionAuc, trapezoidAuc(expected.deletion), kScoreTolerance);
    EXPECT_NEAR(result.insertionAuc, trapezoidAuc(expected.insertion), kScoreTolerance);
    EXPECT_EQ(result.forwardPasses, 2 * (c.steps + 1));
}

// 784 pixels: the default 224 per step gives 4 steps, the last one half (112 pixels).
INSTANTIATE_TEST_SUITE_P(Steps, RiseMetric,
    ::testing::Values(RiseCase{std::nullopt, "zeros", 4}, RiseCase{100, "zeros", 8}, RiseCase{100, "blur", 8},
        RiseCase{784, "zeros", 1}));

TEST(RiseMetricKernel, IsTheFoldedGaussian)
{
    // Symmetric, sums to one, and heavier at the edges than the plain truncated Gaussian because
    // the reflected tails fold back in.
    const auto k = riseKernel1d();
    EXPECT_NEAR(std::accumulate(k.begin(), k.end(), 0.0), 1.0, 1e-12);
    for (int i = 0; i < 11; ++i)
        EXPECT_NEAR(k[size_t(i)], k[size_t(10 - i)], 1e-15);
    EXPECT_GT(k[0] / k[5], std::exp(-25.0 / 50.0));
    InputSpec imagenet{224, 224, 3, 0.0f, 1.0f, {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
    DeletionInsertionOptions options;
    options.variant = "rise";
    EXPECT_EQ(deletionInsertionSteps(imagenet, options), 28); // 1792 pixels per step
}

// --- batching, progress, cancel -------------------------------------------------------------

TEST(MetricBatching, BatchSizeDoesNotChangeTheCurves)
{
    for (const std::string variant : {"igos", "rise"}) {
        DeletionInsertionOptions options;
        options.variant = variant;
        options.resolution = 14;
        const cv::Mat map = mapFrom(distinctValues(kSide), kSide);
        options.maxBatch = 1;
        const auto one = evaluate(map, options);
        options.maxBatch = 32;
        const auto many = evaluate(map, options);
        EXPECT_EQ(one.deletion.score, many.deletion.score) << variant;
        EXPECT_EQ(one.insertion.score, many.insertion.score) << variant;
        EXPECT_EQ(one.deletionAuc, many.deletionAuc) << variant;
        EXPECT_EQ(one.insertionAuc, many.insertionAuc) << variant;
        EXPECT_EQ(one.forwardPasses, many.forwardPasses) << variant;
    }
}

TEST(MetricBatching, ProgressAfterEachBatch)
{
    DeletionInsertionOptions options;
    options.resolution = 7; // 49 steps: 2 x 50 images, the clean one first
    options.maxBatch = 16;
    std::vector<Progress> reports;
    evaluate(mapFrom(distinctValues(7), 7), options, -1,
        [&](const Progress &progress) { reports.push_back(progress); });
    // The clean pass, then ceil(99 / 16) = 7 batches.
    ASSERT_EQ(reports.size(), 8u);
    for (size_t i = 0; i < reports.size(); ++i) {
        EXPECT_EQ(reports[i].total, 100);
        EXPECT_EQ(reports[i].done, std::min(100, 1 + 16 * int(i)));
        EXPECT_EQ(reports[i].map, nullptr);
    }
}

TEST(MetricCancel, FlagSetDuringTheRunStopsItWithinABatch)
{
    DeletionInsertionOptions options;
    options.resolution = 7;
    options.maxBatch = 8;
    CancelFlag cancel{false};
    int reports = 0;
    const std::int64_t before = toyModel().forwardCount();
    EXPECT_THROW(
        evaluateDeletionInsertion(toyModel(), toyImage(), mapFrom(distinctValues(7), 7), -1, options, cancel,
            [&](const Progress &progress) {
                if (++reports == 2) // after the first batch
                    cancel = true;
            }),
        Cancelled);
    EXPECT_EQ(reports, 2);
    EXPECT_EQ(toyModel().forwardCount() - before, 1 + 8);

    // A flag already set stops the run before any model pass.
    const std::int64_t again = toyModel().forwardCount();
    EXPECT_THROW(
        evaluateDeletionInsertion(toyModel(), toyImage(), mapFrom(distinctValues(7), 7), -1, options, cancel),
        Cancelled);
    EXPECT_EQ(toyModel().forwardCount(), again);
}

// --- the image at a step -----------------------------------------------------------------------

TEST(MetricStepImage, ShowsTheBlendTheModelScored)
{
    const InputSpec &input = toyModel().spec().input;
    const cv::Mat image = toyImage();
    const std::vector<float> values = distinctValues(7);
    const cv::Mat map = mapFrom(values, 7);
    DeletionInsertionOptions options;
    options.resolution = 7;

    const cv::Mat start = deletionInsertionStepImage(input, image, map, options, MetricCurve::Deletion, 0);
    ASSERT_EQ(start.type(), CV_8UC3);
    EXPECT_EQ(cv::norm(start, image, cv::NORM_INF), 0.0);

    // Insertion after 20 cells: the baseline with those cells of the image blended in.
    const Planes pixels = pixelsOf(image);
    cv::Mat baseline;
    {
        Planes blurredPixels;
        for (const cv::Mat &plane : pixels) {
            cv::Mat blurred;
            cv::GaussianBlur(plane, blurred, cv::Size(51, 51), 50.0, 50.0, cv::BORDER_REFLECT_101);
            blurredPixels.push_back(blurred);
        }
        const cv::Mat a = interpolation(7);
        cv::Mat keep(7, 7, CV_64FC1, cv::Scalar(1));
        const auto order = removalOrder(values);
        for (int p = 0; p < 20; ++p)
            keep.at<double>(order[size_t(p)] / 7, order[size_t(p)] % 7) = 0.0;
        const Planes expected = blend(blurredPixels, pixels, cv::Mat(a * keep * a.t()));
        cv::merge(expected, baseline);
        baseline.convertTo(baseline, CV_8U, 255.0);
    }
    const cv::Mat step20 = deletionInsertionStepImage(input, image, map, options, MetricCurve::Insertion, 20);
    EXPECT_LE(cv::norm(step20, baseline, cv::NORM_INF), 1.0);

    // RISE deletion to the end: every pixel the mean colour (0 after normalisation = 0.5).
    options.variant = "rise";
    const int steps = deletionInsertionSteps(input, options);
    const cv::Mat gone = deletionInsertionStepImage(input, image, map, options, MetricCurve::Deletion, steps);
    EXPECT_LE(cv::norm(gone, cv::Mat(kSide, kSide, CV_8UC3, cv::Scalar(128, 128, 128)), cv::NORM_INF), 1.0);

    try {
        deletionInsertionStepImage(input, image, map, options, MetricCurve::Deletion, steps + 1);
        ADD_FAILURE() << "step past the end accepted";
    } catch (const Error &error) {
        EXPECT_EQ(error.problem(), "deletion/insertion: step 5 is out of range (the curve has steps 0 to 4)");
    }
}

// --- errors ------------------------------------------------------------------------------------

std::string evaluateError(const cv::Mat &map, const DeletionInsertionOptions &options, int target = -1,
    const cv::Mat &image = toyImage())
{
    const CancelFlag cancel{false};
    try {
        evaluateDeletionInsertion(toyModel(), image, map, target, options, cancel);
    } catch (const Error &error) {
        EXPECT_EQ(error.subject(), "");
        return error.problem();
    }
    ADD_FAILURE() << "no error";
    return "";
}

TEST(MetricErrors, EveryBadOptionIsNamed)
{
    const cv::Mat map = mapFrom(distinctValues(7), 7);
    DeletionInsertionOptions options;
    for (int resolution : {0, -3, 29}) {
        options.resolution = resolution;
        EXPECT_EQ(evaluateError(map, options),
            "deletion/insertion: resolution " + std::to_string(resolution)
                + " is out of range for the model's 28x28 input (1 to 28)");
    }
    options = {};
    options.variant = "lime";
    EXPECT_EQ(
        evaluateError(map, options), "deletion/insertion: unknown variant \"lime\" (choose igos or rise)");
    options = {};
    options.variant = "rise";
    options.pixelsPerStep = 0;
    EXPECT_EQ(evaluateError(map, options), "deletion/insertion: pixels per step must be at least 1, not 0");
    options.pixelsPerStep = std::nullopt;
    options.riseDeletionFill = "noise";
    EXPECT_EQ(evaluateError(map, options),
        "deletion/insertion: unknown deletion fill \"noise\" (choose zeros or blur)");
    options = {};
    options.maxBatch = 0;
    EXPECT_EQ(evaluateError(map, options), "deletion/insertion: batch size must be at least 1, not 0");

    options = {};
    EXPECT_EQ(evaluateError(cv::Mat(), options), "deletion/insertion: the saliency map is empty");
    cv::Mat nan = map.clone();
    nan.at<float>(3, 4) = std::numeric_limits<float>::quiet_NaN();
    EXPECT_EQ(
        evaluateError(nan, options), "deletion/insertion: the saliency map holds NaN or infinite values");
    cv::Mat inf = map.clone();
    inf.at<float>(0, 0) = std::numeric_limits<float>::infinity();
    EXPECT_EQ(
        evaluateError(inf, options), "deletion/insertion: the saliency map holds NaN or infinite values");
    EXPECT_EQ(evaluateError(cv::Mat(7, 7, CV_32FC3, cv::Scalar::all(0)), options),
        "deletion/insertion: the saliency map must have one channel, not 3");
    EXPECT_EQ(evaluateError(map, options, -1, cv::Mat()), "deletion/insertion: no image given");
    for (int target : {2, -2})
        EXPECT_EQ(evaluateError(map, options, target),
            "target class " + std::to_string(target) + " is out of range (the model has 2 classes, 0 to 1)");
}

// --- pointing game -----------------------------------------------------------------------------

cv::Mat peakMap(const std::vector<cv::Point> &peaks, cv::Size size = {10, 10})
{
    cv::Mat map(size, CV_32FC1, cv::Scalar(0.1));
    map.at<float>(0, 9) = 0.5f;
    for (const cv::Point &peak : peaks)
        map.at<float>(peak) = 1.0f;
    return map;
}

TEST(PointingGame, HitWhenTheMaximumIsInABox)
{
    const cv::Mat map = peakMap({{3, 4}});
    EXPECT_EQ(saliencyArgmax(map), cv::Point(3, 4));
    const auto hit = pointingGame(map, {{0, 0, 2, 2}, {3, 4, 4, 5}});
    EXPECT_TRUE(hit.hit);
    EXPECT_EQ(hit.hitBox, 1);
    EXPECT_EQ(hit.peak, cv::Point(3, 4));
    EXPECT_EQ(hit.peakCount, 1);
    // Boxes are half-open: x1 and y1 are outside.
    EXPECT_FALSE(pointingGame(map, {{0, 0, 3, 10}}).hit);
    EXPECT_FALSE(pointingGame(map, {{0, 0, 10, 4}}).hit);
    EXPECT_TRUE(pointingGame(map, {{0, 0, 4, 5}}).hit);
    const auto miss = pointingGame(map, {{5, 5, 8, 8}});
    EXPECT_FALSE(miss.hit);
    EXPECT_EQ(miss.hitBox, -1);
    EXPECT_EQ(miss.peak, cv::Point(3, 4));
    EXPECT_FALSE(pointingGame(map, {}).hit);
}

TEST(PointingGame, ToleranceIsTheDistanceToTheBox)
{
    const cv::Mat map = peakMap({{3, 4}});
    // One pixel left of the box.
    EXPECT_FALSE(pointingGame(map, {{4, 4, 6, 6}}).hit);
    EXPECT_TRUE(pointingGame(map, {{4, 4, 6, 6}}, 1.0).hit);
    // Two pixels off in x and y: distance sqrt(8) = 2.83.
    EXPECT_FALSE(pointingGame(map, {{5, 6, 8, 8}}, 2.8).hit);
    EXPECT_TRUE(pointingGame(map, {{5, 6, 8, 8}}, 2.9).hit);
    // Past the exclusive end: the box's last pixel is x = 2, so (3, 4) is 1 away.
    EXPECT_FALSE(pointingGame(map, {{0, 4, 3, 5}}).hit);
    EXPECT_TRUE(pointingGame(map, {{0, 4, 3, 5}}, 1.0).hit);
}

TEST(PointingGame, OnlyTheFirstMaximumPoints)
{
    // Two pixels share the maximum: the usual rule plays the first in row-major order only, so a
    // box around the second is a miss (the old "any maximal pixel" rule scored it a hit).
    const cv::Mat map = peakMap({{1, 1}, {8, 8}});
    EXPECT_EQ(saliencyArgmax(map), cv::Point(1, 1));
    const auto second = pointingGame(map, {{7, 7, 10, 10}});
    EXPECT_FALSE(second.hit);
    EXPECT_FALSE(second.flat);
    EXPECT_EQ(second.peakCount, 2);
    EXPECT_EQ(second.peak, cv::Point(1, 1));
    EXPECT_EQ(second.hitBox, -1);
    const auto first = pointingGame(map, {{7, 7, 10, 10}, {0, 0, 2, 2}});
    EXPECT_TRUE(first.hit);
    EXPECT_EQ(first.hitBox, 1);
}

TEST(PointingGame, FlatMapsMiss)
{
    // A constant map would put "a maximum" everywhere; it points nowhere and scores nothing.
    for (const float value : {0.0f, 0.3f, 1.0f}) {
        const cv::Mat map(12, 10, CV_32FC1, cv::Scalar(value));
        const auto result = pointingGame(map, {{0, 0, 10, 12}}, 5.0);
        EXPECT_FALSE(result.hit) << value;
        EXPECT_TRUE(result.flat) << value;
        EXPECT_EQ(result.peakCount, 120) << value;
        EXPECT_EQ(result.energy, 0.0) << value;
    }
    EXPECT_FALSE(pointingGame(peakMap({{3, 4}}), {{3, 4, 4, 5}}).flat);
}

TEST(PointingGame, EnergyIsTheMassShareInsideTheBoxes)
{
    // 10x10 map of 0.1 with 0.5 at (9, 0) and 1.0 at (3, 4): total mass 98 * 0.1 + 0.5 + 1 = 11.3.
    const cv::Mat map = peakMap({{3, 4}});
    const double total = 98 * 0.1 + 0.5 + 1.0;
    // A 2x2 box holding the peak: 1.0 + 3 * 0.1.
    EXPECT_NEAR(pointingGame(map, {{3, 4, 5, 6}}).energy, 1.3 / total, 1e-6);
    // Overlapping boxes count each pixel once: the union of [0,4)x[0,5) and [2,5)x[0,5) is
    // [0,5)x[0,5), 25 pixels, the peak among them.
    EXPECT_NEAR(pointingGame(map, {{0, 0, 4, 5}, {2, 0, 5, 5}}).energy, (1.0 + 24 * 0.1) / total, 1e-6);
    // Boxes reaching past the map are clipped; the whole map holds all the mass.
    EXPECT_NEAR(pointingGame(map, {{-5, -5, 20, 20}}).energy, 1.0, 1e-6);
    EXPECT_EQ(pointingGame(map, {}).energy, 0.0);
    // A plateau does not change the energy: it does the hit.
    const cv::Mat plateau = peakMap({{1, 1}, {8, 8}});
    const auto onPlateau = pointingGame(plateau, {{7, 7, 10, 10}});
    EXPECT_FALSE(onPlateau.hit);
    EXPECT_NEAR(onPlateau.energy, (1.0 + 8 * 0.1) / (97 * 0.1 + 0.5 + 2.0), 1e-6);
    // Negative values carry no mass.
    cv::Mat signedMap = map.clone();
    signedMap.at<float>(0, 0) = -50.0f;
    EXPECT_NEAR(pointingGame(signedMap, {{3, 4, 5, 6}}).energy, 1.3 / (total - 0.1), 1e-6);
}

TEST(PointingGame, MapIsResizedToTheBoxesFrame)
{
    // 5x5 peak at (2, 2) upsampled bilinearly to 10x10 peaks at x, y in {4, 5}; the first is (4, 4).
    const cv::Mat map = peakMap({{2, 2}}, {5, 5});
    const auto result = pointingGame(map, {{4, 4, 5, 5}}, 0.0, {10, 10});
    EXPECT_TRUE(result.hit);
    EXPECT_EQ(result.peak, cv::Point(4, 4));
    EXPECT_EQ(result.peakCount, 4);
    EXPECT_FALSE(pointingGame(map, {{5, 5, 10, 10}}, 0.0, {10, 10}).hit);
}

TEST(GroundTruthFile, ReadsTheSampleBoxes)
{
    const GroundTruth truth = readGroundTruth(test::sourcePath("resources/samples/cues/truth.json"));
    EXPECT_EQ(truth.frame, cv::Size(112, 112));
    const auto samples = test::cueSamples();
    ASSERT_EQ(truth.boxes.size(), samples.size());
    for (const test::CueSample &sample : samples) {
        const auto &boxes = truth.boxes.at(std::filesystem::path(sample.file).filename().string());
        ASSERT_EQ(boxes.size(), sample.cues.size());
        for (size_t i = 0; i < boxes.size(); ++i) {
            EXPECT_EQ(boxes[i].x0, sample.cues[i][0]);
            EXPECT_EQ(boxes[i].y0, sample.cues[i][1]);
            EXPECT_EQ(boxes[i].x1, sample.cues[i][2]);
            EXPECT_EQ(boxes[i].y1, sample.cues[i][3]);
        }
    }
}

TEST(GroundTruthFile, BadFilesAreNamed)
{
    const test::TempDir dir;
    auto problem = [&](const std::string &text) {
        const std::string path = dir.write("truth.json", text);
        try {
            readGroundTruth(path);
        } catch (const Error &error) {
            EXPECT_EQ(error.subject(), path);
            return error.problem();
        }
        return std::string("no error");
    };
    EXPECT_THAT(problem("{"), ::testing::HasSubstr("is not valid ground truth"));
    EXPECT_THAT(problem("{\"width\": 4}"), ::testing::HasSubstr("has no \"images\" list"));
    EXPECT_THAT(problem("{\"images\": [{\"cues\": []}]}"), ::testing::HasSubstr("without a \"file\""));
    EXPECT_THAT(problem("{\"images\": [{\"file\": \"a.png\", \"cues\": [{\"box\": [1, 2, 3]}]}]}"),
        ::testing::HasSubstr("a.png: a cue box must be 4 integers"));
    EXPECT_THAT(problem("{\"images\": [{\"file\": \"a.png\", \"cues\": [{\"box\": [5, 2, 3, 9]}]}]}"),
        ::testing::HasSubstr("a.png: cue box [5, 2, 3, 9) is empty"));
    EXPECT_THROW(readGroundTruth(dir.file("missing.json")), Error);
}

TEST(PointingGame, BadInputIsNamed)
{
    auto problem = [](const cv::Mat &map, const std::vector<PixelBox> &boxes, double tolerance) {
        try {
            pointingGame(map, boxes, tolerance);
        } catch (const Error &error) {
            return error.problem();
        }
        return std::string("no error");
    };
    const cv::Mat map = peakMap({{3, 4}});
    EXPECT_EQ(problem(cv::Mat(), {}, 0), "pointing game: the saliency map is empty");
    cv::Mat nan = map.clone();
    nan.at<float>(0, 0) = std::numeric_limits<float>::quiet_NaN();
    EXPECT_EQ(problem(nan, {}, 0), "pointing game: the saliency map holds NaN or infinite values");
    EXPECT_EQ(problem(cv::Mat(4, 4, CV_32FC3, cv::Scalar::all(0)), {}, 0),
        "pointing game: the saliency map must have one channel, not 3");
    EXPECT_EQ(problem(map, {{3, 4, 3, 6}}, 0),
        "pointing game: box [3, 4, 3, 6) is empty (need x0 < x1 and y0 < y1)");
    EXPECT_EQ(
        problem(map, {{3, 4, 5, 6}}, -1), "pointing game: tolerance must be a number of pixels >= 0, not -1");
    EXPECT_THROW(saliencyArgmax(cv::Mat()), Error);
}

} // namespace
} // namespace sg
