// RISE, occlusion and integrated gradients against closed forms on the cellsum toy model
// (tests/data/models/cellsum.pt, made by tests/data/make_metric_fixtures.py). Its logits are
// [0, d] with d = b + sum_j v_j m_j, where m_j is the mean over the three channels and the 4x4
// pixels of cell j (7x7 grid, row-major) of the normalised 28x28 input. The sidecar normalises
// a pixel value q in [0, 1] to 4 q - 2 (mean 0.5, std 0.25), so with z = 4 qbar - 2 (qbar: the
// channel mean) m_j is the mean of z over cell j, and P(present) = sigmoid(d), P(absent) =
// 1 - sigmoid(d). Every expected value here is computed in double from v, b and the pixels.

#include "model/classifier.h"
#include "saliency/builtin_methods.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

namespace sg {
namespace {

constexpr int kSide = 28;
constexpr int kGrid = 7;
constexpr int kCell = 4;
constexpr int kAbsent = 0;
constexpr int kPresent = 1;

const Classifier &toyModel()
{
    return test::cellsumModel();
}

using ToyWeights = test::CellsumWeights;

const ToyWeights &toyWeights()
{
    return test::cellsumWeights();
}

int cellOf(int y, int x)
{
    return (y / kCell) * kGrid + x / kCell;
}

double sigmoid(double d)
{
    return 1.0 / (1.0 + std::exp(-d));
}

double probabilityOf(int target, double d)
{
    return target == kPresent ? sigmoid(d) : 1.0 - sigmoid(d);
}

// A 28x28 RGB image with a level per cell and channel plus pixel texture. Cells in `active`
// are bright; the others are black when `blackElsewhere`.
cv::Mat textured(const std::vector<int> &active, bool blackElsewhere)
{
    cv::Mat image(kSide, kSide, CV_8UC3);
    for (int y = 0; y < kSide; ++y)
        for (int x = 0; x < kSide; ++x) {
            const bool on = std::find(active.begin(), active.end(), cellOf(y, x)) != active.end();
            for (int c = 0; c < 3; ++c) {
                const int texture = (x * 37 + y * 91 + x * y * 13 + c * 53) % 40;
                const int level = on ? 200 : 20 + (cellOf(y, x) * 7 + c * 5) * 53 % 190;
                image.at<cv::Vec3b>(y, x)[c] = uchar(!on && blackElsewhere ? 0 : level + texture - 5);
            }
        }
    return image;
}

// qbar per pixel: the channel mean of the image's values in [0, 1] (channel order is moot).
std::vector<double> channelMean(const cv::Mat &image)
{
    std::vector<double> q(size_t(kSide * kSide));
    for (int y = 0; y < kSide; ++y)
        for (int x = 0; x < kSide; ++x) {
            const cv::Vec3b &pixel = image.at<cv::Vec3b>(y, x);
            q[size_t(y * kSide + x)] = (pixel[0] + pixel[1] + pixel[2]) / (3 * 255.0);
        }
    return q;
}

// d for a normalised channel-mean image z [28 * 28].
double logitOf(const std::vector<double> &z)
{
    const ToyWeights &w = toyWeights();
    double d = w.b;
    for (int y = 0; y < kSide; ++y)
        for (int x = 0; x < kSide; ++x)
            d += w.v[size_t(cellOf(y, x))] * z[size_t(y * kSide + x)] / (kCell * kCell);
    return d;
}

std::vector<double> normalised(const std::vector<double> &q)
{
    std::vector<double> z(q.size());
    std::transform(q.begin(), q.end(), z.begin(), [](double value) { return 4.0 * value - 2.0; });
    return z;
}

// The I-GOS blurred baseline written out: a 51-tap Gaussian with sigma 50 (OpenCV's kernel,
// exp(-(i - 25)^2 / (2 sigma^2)) normalised), separable, reflect-101 borders. The blur is linear
// and the same per channel, so it commutes with the channel mean.
std::vector<double> igosBlur(const std::vector<double> &q)
{
    std::vector<double> kernel(51);
    double total = 0.0;
    for (int i = 0; i < 51; ++i)
        total += kernel[size_t(i)] = std::exp(-(i - 25) * (i - 25) / (2.0 * 50.0 * 50.0));
    for (double &tap : kernel)
        tap /= total;
    const auto reflect = [](int i) { return i < 0 ? -i : i >= kSide ? 2 * (kSide - 1) - i : i; };
    std::vector<double> rows(q.size(), 0.0), out(q.size(), 0.0);
    for (int y = 0; y < kSide; ++y)
        for (int x = 0; x < kSide; ++x)
            for (int k = -25; k <= 25; ++k)
                rows[size_t(y * kSide + x)] += kernel[size_t(k + 25)] * q[size_t(y * kSide + reflect(x + k))];
    for (int y = 0; y < kSide; ++y)
        for (int x = 0; x < kSide; ++x)
            for (int k = -25; k <= 25; ++k)
                out[size_t(y * kSide + x)]
                    += kernel[size_t(k + 25)] * rows[size_t(reflect(y + k) * kSide + x)];
    return out;
}

// The mean of a [28, 28] map over each 4x4 cell.
std::vector<double> cellAverages(const cv::Mat &map)
{
    std::vector<double> means(size_t(kGrid * kGrid), 0.0);
    for (int y = 0; y < kSide; ++y)
        for (int x = 0; x < kSide; ++x)
            means[size_t(cellOf(y, x))] += map.at<float>(y, x) / (kCell * kCell);
    return means;
}

// A number with all the digits the comparisons need (gtest's messages round to 6).
std::string digits(double value)
{
    std::ostringstream out;
    out << std::setprecision(9) << value;
    return out.str();
}

Heatmap runMethod(const SaliencyMethod &method, const cv::Mat &image, int target, int resolution,
    ParamValues params, std::uint64_t seed = 0)
{
    SaliencyRequest request;
    request.classifier = &toyModel();
    request.image = image;
    request.target = target;
    request.resolution = resolution;
    request.params = std::move(params);
    request.seed = seed;
    const CancelFlag cancel{false};
    return method.run(request, {}, cancel);
}

// ---------------------------------------------------------------- RISE
//
// The estimate (rise.cpp) is R(x) = sum_i P(image . M_i) M_i(x) / (N p) over N independent
// masks, so E[R(x)] = E[P M(x)] / p, and R averaged over cell k has mean E[P L_k] / p with
// L_k = mean of M over cell k. A mask: G, s x s independent Bernoulli(p) bits, stretched to
// n = (s + 1) c pixels a side (c = ceil(28 / s)) by half-pixel bilinear interpolation, then
// cropped at a shift (sy, sx) uniform on {0..c-1}^2 and independent of G. Given the shift,
// every mask pixel is linear in the bits, M(y, x) = sum_ab wy_a(y + sy) wx_b(x + sx) G_ab, and
// so is L_k = sum_ab w^k_ab G_ab.
//
// P is not linear in the mask, but the image is black outside a few active cells, and a black
// pixel is 0 under any mask (it normalises to -2 whatever M is). So
//     d = b - 2 sum_j v_j + 4 sum_{j active} v_j mean_{x in j} qbar(x) M(x) = d0 + sum_ab u_ab G_ab
// depends only on the few bits R under the active cells (u_ab != 0; at most 16 here). Per shift,
// enumerating the 2^|R| states of R gives E[P], E[P^2], E[P G_r] and E[P^2 G_r G_r'] exactly;
// the other bits are independent of P. Splitting L = L_R + L_out (W, Q: sum of w, w^2 outside R):
//     E[P L]     = sum_R w_r E[P G_r] + p W E[P]
//     E[P^2 L^2] = sum_RR w_r w_r' E[P^2 G_r G_r'] + 2 p W sum_R w_r E[P^2 G_r]
//                  + E[P^2] (p (1 - p) Q + p^2 W^2)
// and both moments are averaged over the c^2 shifts. The second moment gives the variance of
// one term P L / p, so the standard error of the N-mask average is sqrt(Var / N).

// Weights of the s grid values in stretched pixel i of n: half-pixel bilinear (torch's
// align_corners = false): source (i + 0.5) s / n - 0.5, negative sources clamped to 0, the
// last value repeated past the end.
std::vector<double> stretchWeights(int s, int n, int i)
{
    std::vector<double> w(size_t(s), 0.0);
    const double source = std::max(0.0, (i + 0.5) * s / n - 0.5);
    const int low = std::min(int(source), s - 1);
    const int high = std::min(low + 1, s - 1);
    const double t = source - low;
    w[size_t(low)] += 1.0 - t;
    w[size_t(high)] += t;
    return w;
}

struct RiseExpectation {
    std::vector<double> mean; // E[R averaged over cell k], 49
    std::vector<double> standardError; // of that average over `masks` masks
};

RiseExpectation expectedRise(const std::vector<double> &q, int s, double p, int target, int masks)
{
    const ToyWeights &weights = toyWeights();
    const int c = (kSide + s - 1) / s;
    const int n = (s + 1) * c;
    const int bits = s * s;
    double d0 = weights.b;
    for (double v : weights.v)
        d0 -= 2.0 * v;
    std::vector<double> first(size_t(kGrid * kGrid), 0.0), second(size_t(kGrid * kGrid), 0.0);

    for (int sy = 0; sy < c; ++sy)
        for (int sx = 0; sx < c; ++sx) {
            std::vector<std::vector<double>> wy, wx;
            for (int i = 0; i < kSide; ++i) {
                wy.push_back(stretchWeights(s, n, i + sy));
                wx.push_back(stretchWeights(s, n, i + sx));
            }
            // u: the logit's weight on each bit; w[k]: L_k's weight on each bit.
            std::vector<double> u(size_t(bits), 0.0);
            std::vector<std::vector<double>> w(size_t(kGrid * kGrid), std::vector<double>(size_t(bits), 0.0));
            for (int y = 0; y < kSide; ++y)
                for (int x = 0; x < kSide; ++x)
                    for (int a = 0; a < s; ++a)
                        for (int b = 0; b < s; ++b) {
                            const double m = wy[size_t(y)][size_t(a)] * wx[size_t(x)][size_t(b)];
                            if (m == 0.0)
                                continue;
                            const int cell = cellOf(y, x);
                            u[size_t(a * s + b)] += 4.0 * weights.v[size_t(cell)] * q[size_t(y * kSide + x)]
                                * m / (kCell * kCell);
                            w[size_t(cell)][size_t(a * s + b)] += m / (kCell * kCell);
                        }
            std::vector<int> relevant;
            for (int r = 0; r < bits; ++r)
                if (u[size_t(r)] != 0.0)
                    relevant.push_back(r);
            const int k = int(relevant.size());
            EXPECT_LE(k, 16) << "the enumeration is meant for a few active bits";

            double e1 = 0.0, e2 = 0.0;
            std::vector<double> m1(size_t(k), 0.0), m2(size_t(k * k), 0.0);
            for (std::uint32_t state = 0; state < (1u << k); ++state) {
                double probability = 1.0;
                double d = d0;
                for (int r = 0; r < k; ++r) {
                    const bool on = (state >> r) & 1u;
                    probability *= on ? p : 1.0 - p;
                    if (on)
                        d += u[size_t(relevant[size_t(r)])];
                }
                const double score = probabilityOf(target, d);
                e1 += probability * score;
                e2 += probability * score * score;
                for (int r = 0; r < k; ++r) {
                    if (!((state >> r) & 1u))
                        continue;
                    m1[size_t(r)] += probability * score;
                    for (int t = 0; t < k; ++t)
                        if ((state >> t) & 1u)
                            m2[size_t(r * k + t)] += probability * score * score;
                }
            }
            for (int cell = 0; cell < kGrid * kGrid; ++cell) {
                const std::vector<double> &wk = w[size_t(cell)];
                double outside = 0.0, outsideSquares = 0.0;
                for (int r = 0; r < bits; ++r)
                    if (std::find(relevant.begin(), relevant.end(), r) == relevant.end()) {
                        outside += wk[size_t(r)];
                        outsideSquares += wk[size_t(r)] * wk[size_t(r)];
                    }
                double pl = p * outside * e1;
                double ppll = e2 * (p * (1.0 - p) * outsideSquares + p * p * outside * outside);
                for (int r = 0; r < k; ++r) {
                    const double wr = wk[size_t(relevant[size_t(r)])];
                    pl += wr * m1[size_t(r)];
                    ppll += 2.0 * p * outside * wr * m2[size_t(r * k + r)];
                    for (int t = 0; t < k; ++t)
                        ppll += wr * wk[size_t(relevant[size_t(t)])] * m2[size_t(r * k + t)];
                }
                first[size_t(cell)] += pl / (c * c);
                second[size_t(cell)] += ppll / (c * c);
            }
        }

    RiseExpectation expected;
    for (int cell = 0; cell < kGrid * kGrid; ++cell) {
        const double mean = first[size_t(cell)] / p;
        const double variance = second[size_t(cell)] / (p * p) - mean * mean;
        expected.mean.push_back(mean);
        expected.standardError.push_back(std::sqrt(std::max(0.0, variance) / masks));
    }
    return expected;
}

struct RiseCase {
    int grid;
    double keep;
    int target;
    std::vector<int> active; // the cells that are not black
};

void PrintTo(const RiseCase &c, std::ostream *out)
{
    *out << "grid " << c.grid << ", p " << c.keep << ", target " << c.target;
}

class RiseClosedForm : public ::testing::TestWithParam<RiseCase> { };

TEST_P(RiseClosedForm, CellMeansMatchTheExactExpectationWithinMonteCarloError)
{
    const RiseCase &c = GetParam();
    constexpr int kMasks = 16000;
    constexpr double kSigmas = 5.0;
    const cv::Mat image = textured(c.active, /*blackElsewhere=*/true);
    const RiseExpectation expected = expectedRise(channelMean(image), c.grid, c.keep, c.target, kMasks);
    const auto rise = saliency::makeRise();
    const Heatmap heatmap
        = runMethod(*rise, image, c.target, c.grid, {{"masks", kMasks}, {"p", c.keep}}, /*seed=*/17);
    ASSERT_EQ(heatmap.mask.rows, kSide);
    ASSERT_EQ(heatmap.mask.cols, kSide);
    const std::vector<double> actual = cellAverages(heatmap.mask);

    // The check has teeth: the expected map varies over the cells, and differs somewhere from the
    // clean probability (what unmasked images would give everywhere), by twice the tolerance.
    const auto [low, high] = std::minmax_element(expected.mean.begin(), expected.mean.end());
    const double noise = *std::max_element(expected.standardError.begin(), expected.standardError.end());
    double unmaskedGap = 0.0;
    for (double mean : expected.mean)
        unmaskedGap = std::max(unmaskedGap, std::abs(mean - heatmap.probability));
    EXPECT_GT(*high - *low, 2 * kSigmas * noise);
    EXPECT_GT(unmaskedGap, 2 * kSigmas * noise);

    double worst = 0.0;
    for (int cell = 0; cell < kGrid * kGrid; ++cell) {
        const double error = expected.standardError[size_t(cell)];
        EXPECT_NEAR(actual[size_t(cell)], expected.mean[size_t(cell)], kSigmas * error + 1e-6)
            << "cell " << cell << " (standard error " << error << ")";
        worst = std::max(worst, std::abs(actual[size_t(cell)] - expected.mean[size_t(cell)]) / error);
    }
    std::cout << "largest deviation " << worst << " standard errors (at most " << noise << " each)\n";
}

// Grid 7 at p = 0.5 on cells 10 and 17 (the largest positive v; up to 12 bits), grid 14 at
// p = 0.3 on cell 28 at the left edge (where the stretch clamps), grid 7 at p = 0.7 on cell 22;
// both targets. 16000 masks keep the standard error of a cell mean under 0.005.
INSTANTIATE_TEST_SUITE_P(Grids, RiseClosedForm,
    ::testing::Values(RiseCase{7, 0.5, kPresent, {10, 17}}, RiseCase{14, 0.3, kAbsent, {28}},
        RiseCase{7, 0.7, kAbsent, {22}}));

// ---------------------------------------------------------------- occlusion

// Covering window w with fill f changes d by -sum_{x in w} v_cell(x) (z(x) - f(x)) / 16 and the
// drop is P(clean) - P(occluded). The windows of r per side are 28 / r pixels square here.
TEST(OcclusionClosedForm, DropsAreTheExactScoreChangesPerWindow)
{
    const ToyWeights &weights = toyWeights();
    const cv::Mat image = textured({}, /*blackElsewhere=*/false);
    const std::vector<double> q = channelMean(image);
    const std::vector<double> z = normalised(q);
    const double d = logitOf(z);
    const auto occlusion = saliency::makeOcclusion();
    struct Case {
        int windows;
        int fill; // the option's index: 0 = blur, 1 = black
    };
    for (const Case &c : {Case{7, 1}, Case{14, 1}, Case{28, 1}, Case{7, 0}})
        for (int target : {kAbsent, kPresent}) {
            const std::vector<double> fill
                = c.fill == 1 ? std::vector<double>(z.size(), -2.0) : normalised(igosBlur(q));
            const Heatmap heatmap
                = runMethod(*occlusion, image, target, c.windows, {{"fill", c.fill == 0 ? "blur" : "black"}});
            ASSERT_EQ(heatmap.mask.rows, c.windows);
            ASSERT_EQ(heatmap.mask.cols, c.windows);
            EXPECT_NEAR(heatmap.probability, probabilityOf(target, d), 1e-6);
            const int side = kSide / c.windows;
            double largest = 0.0, worst = 0.0;
            std::string where;
            for (int row = 0; row < c.windows; ++row)
                for (int column = 0; column < c.windows; ++column) {
                    double covered = d;
                    for (int y = row * side; y < (row + 1) * side; ++y)
                        for (int x = column * side; x < (column + 1) * side; ++x) {
                            const size_t i = size_t(y * kSide + x);
                            covered -= weights.v[size_t(cellOf(y, x))] * (z[i] - fill[i]) / (kCell * kCell);
                        }
                    const double drop = probabilityOf(target, d) - probabilityOf(target, covered);
                    const double actual = heatmap.mask.at<float>(row, column);
                    largest = std::max(largest, std::abs(drop));
                    if (std::abs(actual - drop) > worst) {
                        worst = std::abs(actual - drop);
                        where = "window " + std::to_string(row) + "," + std::to_string(column) + ": "
                            + digits(actual) + " instead of " + digits(drop);
                    }
                }
            // float logits of a 49-term sum: errors ~1e-7 in the probabilities.
            EXPECT_LE(worst, 2e-6) << c.windows << " windows, fill " << c.fill << ", target " << target
                                   << "; worst " << where;
            EXPECT_GT(largest, 1e-3) << "the drops must be large enough to tell windows apart";
            RecordProperty("occlusion_" + std::to_string(c.windows) + "_fill" + std::to_string(c.fill)
                    + "_target" + std::to_string(target) + "_largest_error",
                digits(worst));
        }
}

// ---------------------------------------------------------------- integrated gradients

// For target "present" the logit d is linear in the input with gradient v_cell / 48 per
// element, so IG is exact at any step count: the channel-summed attribution of pixel x is
// (z(x) - z'(x)) v_cell(x) / 16, a cell's attributions sum to v_j (m_j - m'_j), and all of them
// to d(x) - d(x') (completeness). The "absent" logit is the constant 0: zero attribution.
TEST(IntegratedGradientsClosedForm, AttributionIsTheInputDifferenceTimesTheWeight)
{
    const ToyWeights &weights = toyWeights();
    const cv::Mat image = textured({}, /*blackElsewhere=*/false);
    const std::vector<double> q = channelMean(image);
    const std::vector<double> z = normalised(q);
    const auto ig = saliency::makeIntegratedGradients();
    for (int baseline : {0, 1}) // the option's index: 0 = black, 1 = blur
        for (int steps : {1, 7}) {
            const char *baselineName = baseline == 0 ? "black" : "blur";
            const std::vector<double> start
                = baseline == 0 ? std::vector<double>(z.size(), -2.0) : normalised(igosBlur(q));
            const Heatmap present = runMethod(
                *ig, image, kPresent, kDefaultResolution, {{"steps", steps}, {"baseline", baselineName}});
            ASSERT_EQ(present.mask.rows, kSide);
            ASSERT_EQ(present.mask.cols, kSide);
            std::vector<double> cellSums(size_t(kGrid * kGrid), 0.0);
            std::vector<double> expectedSums(size_t(kGrid * kGrid), 0.0);
            double worst = 0.0;
            std::string where;
            for (int y = 0; y < kSide; ++y)
                for (int x = 0; x < kSide; ++x) {
                    const size_t i = size_t(y * kSide + x);
                    const int cell = cellOf(y, x);
                    const double expected = (z[i] - start[i]) * weights.v[size_t(cell)] / (kCell * kCell);
                    const double actual = present.mask.at<float>(y, x);
                    if (std::abs(actual - expected) > worst) {
                        worst = std::abs(actual - expected);
                        where = "pixel " + std::to_string(y) + "," + std::to_string(x) + ": " + digits(actual)
                            + " instead of " + digits(expected);
                    }
                    cellSums[size_t(cell)] += actual;
                    expectedSums[size_t(cell)] += expected;
                }
            EXPECT_LE(worst, 1e-6) << "baseline " << baseline << ", steps " << steps << "; worst " << where;
            double worstCell = 0.0;
            for (int cell = 0; cell < kGrid * kGrid; ++cell)
                worstCell
                    = std::max(worstCell, std::abs(cellSums[size_t(cell)] - expectedSums[size_t(cell)]));
            EXPECT_LE(worstCell, 1e-5) << "baseline " << baseline << ", steps " << steps << ": cell sums";
            RecordProperty("ig_baseline" + std::to_string(baseline) + "_steps" + std::to_string(steps)
                    + "_largest_error",
                digits(worst));
            const double total = std::accumulate(cellSums.begin(), cellSums.end(), 0.0);
            EXPECT_NEAR(total, logitOf(z) - logitOf(start), 1e-4) << "baseline " << baseline;

            const Heatmap absent = runMethod(
                *ig, image, kAbsent, kDefaultResolution, {{"steps", steps}, {"baseline", baselineName}});
            EXPECT_EQ(cv::norm(absent.mask, cv::NORM_INF), 0.0) << "baseline " << baseline;
        }
}

} // namespace
} // namespace sg
