// I-GOS and iGOS++ objective parity: every loss term and the mask gradients of IgosObjective (the
// code the optimisation runs) against a float64 PyTorch autograd reference written from
// research/igos.md (tests/golden/make_igos_parity.py -> tests/golden/igos_parity.json), at one
// fixed random mask with noise std 0. Plus: the objective decreases over a run on both demo
// models. Mutations of the objective this must catch are in tests/mutation/patches/igos*.patch.

#include "image/image_io.h"
#include "model/classifier.h"
#include "saliency/igos_objective.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sg {
namespace {

using saliency::IgosGradient;
using saliency::IgosObjective;
using saliency::IgosSettings;
using saliency::IgosTerms;
using saliency::PreparedRequest;

// The C++ side runs the model in float32, the reference in float64: 1e-4 relative leaves two
// orders of magnitude for float32 rounding and catches any change of a term or a coefficient.
constexpr double kTolerance = 1e-4;

// Scalars: |value - reference| / |reference| (relative to the reference value's magnitude).
double relativeError(double value, double reference)
{
    return std::abs(value - reference) / std::max(std::abs(reference), 1e-12);
}

// Gradients: max_i |g_i - r_i| / max_i |r_i| (relative to the reference gradient's max-abs norm,
// so near-zero cells are not judged against their own tiny magnitude).
double gradientError(const at::Tensor &gradient, const nlohmann::json &reference)
{
    const std::vector<double> r = reference.get<std::vector<double>>();
    const at::Tensor g = gradient.detach().to(torch::kCPU, torch::kFloat64).contiguous().view({-1});
    EXPECT_EQ(size_t(g.size(0)), r.size());
    double error = 0.0;
    double norm = 0.0;
    for (size_t i = 0; i < r.size() && i < size_t(g.size(0)); ++i) {
        error = std::max(error, std::abs(g[int64_t(i)].item<double>() - r[i]));
        norm = std::max(norm, std::abs(r[i]));
    }
    return error / norm;
}

at::Tensor maskFrom(const nlohmann::json &values, int resolution)
{
    const std::vector<float> v = values.get<std::vector<float>>();
    return torch::tensor(v).view({1, 1, resolution, resolution});
}

struct Named {
    const char *name;
    double value;
    const char *key;
};

class IgosParity : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        golden_ = test::readJson(test::sourcePath("tests/golden/igos_parity.json"));
        classifier_ = Classifier::load(test::sourcePath(golden_["model"].get<std::string>()), "cpu");
    }
    static void TearDownTestSuite() { classifier_.reset(); }

    // The golden's request: its image, resolution, steps, weights and noise 0.
    static PreparedRequest prepared(bool plusPlus)
    {
        SaliencyRequest request;
        request.classifier = classifier_.get();
        request.image = readImage(test::sourcePath(golden_["image"].get<std::string>()));
        request.resolution = golden_["resolution"].get<int>();
        request.params = {{"iterations", 1}, {"steps", golden_["steps"].get<double>()},
            {"l1", golden_["l1"].get<double>()}, {"l2", golden_["l2"].get<double>()}, {"noise", 0.0}};
        return saliency::prepare(MethodRegistry::builtin().get(plusPlus ? "igospp" : "igos"), request);
    }

    // Checks each named term against the golden section; returns the largest relative error.
    static double expectTerms(
        const std::vector<Named> &terms, const nlohmann::json &section, const std::string &what)
    {
        double worst = 0.0;
        for (const Named &term : terms) {
            const double error = relativeError(term.value, section[term.key].get<double>());
            EXPECT_LE(error, kTolerance) << what << " " << term.name << " = " << term.value << ", reference "
                                         << section[term.key].get<double>();
            worst = std::max(worst, error);
        }
        return worst;
    }

    static std::vector<Named> igosTerms(const IgosTerms &t)
    {
        return {{"S_IG", t.deletion, "deletion"}, {"L1 term", t.sparsity, "l1_term"},
            {"TV term", t.smoothness, "tv_term"}, {"total", t.total, "total"}};
    }

    static std::vector<Named> igosPlusPlusTerms(const IgosTerms &t)
    {
        return {{"D(U Md)", t.deletion, "deletion"}, {"Ins(U Mi)", t.insertion, "insertion"},
            {"D(U Md * U Mi)", t.deletionBoth, "deletion_both"},
            {"Ins(U Md * U Mi)", t.insertionBoth, "insertion_both"}, {"L1 term", t.sparsity, "l1_term"},
            {"bilateral TV term", t.smoothness, "tv_term"}, {"total", t.total, "total"}};
    }

    static inline nlohmann::json golden_;
    static inline std::shared_ptr<Classifier> classifier_;
};

TEST_F(IgosParity, TargetAndBlurredBaselineMatchTheReference)
{
    const PreparedRequest p = prepared(false);
    EXPECT_EQ(p.target, golden_["target"].get<int>());
    EXPECT_LE(relativeError(p.probability, golden_["clean_probability"].get<double>()), kTolerance);
    const IgosObjective objective(p, saliency::igosSettings(p.params, false));
    const at::Tensor baseline = objective.baseline().to(torch::kCPU, torch::kFloat64);
    // Normalised pixel values: judged relative to max(|reference|, 1), the scale of the input.
    for (const auto &probe : golden_["baseline_probes"]) {
        const double value
            = baseline[0][probe["channel"].get<int>()][probe["row"].get<int>()][probe["column"].get<int>()]
                  .item<double>();
        const double reference = probe["value"].get<double>();
        EXPECT_LE(std::abs(value - reference) / std::max(std::abs(reference), 1.0), kTolerance)
            << "baseline at " << probe.dump();
    }
    const auto means = golden_["baseline_channel_means"].get<std::vector<double>>();
    for (size_t c = 0; c < means.size(); ++c)
        EXPECT_LE(std::abs(baseline[0][int64_t(c)].mean().item<double>() - means[c])
                / std::max(std::abs(means[c]), 1.0),
            kTolerance)
            << "baseline mean of channel " << c;
}

TEST_F(IgosParity, IgosTermsAndGradientMatchTheReference)
{
    const nlohmann::json &section = golden_["igos"];
    const PreparedRequest p = prepared(false);
    const IgosSettings settings = saliency::igosSettings(p.params, false);
    ASSERT_EQ(settings.noise, 0.0);
    const IgosObjective objective(p, settings);
    const std::vector<at::Tensor> masks{maskFrom(section["mask"], p.resolution)};
    int maxBatch = 32;
    const CancelFlag cancel{false};
    const IgosGradient result = objective.gradient(masks, {}, maxBatch, cancel);
    const double termError = expectTerms(igosTerms(result.terms), section, "I-GOS gradient pass:");
    const double evaluateError
        = expectTerms(igosTerms(objective.evaluate(masks, {}, maxBatch, cancel)), section, "I-GOS evaluate:");
    ASSERT_EQ(result.gradients.size(), 1u);
    const double gError = gradientError(result.gradients[0], section["gradient"]);
    EXPECT_LE(gError, kTolerance) << "I-GOS gradient dL/dM";
    std::printf("[ measured ] I-GOS max relative error: terms %.3g (evaluate %.3g), gradient %.3g\n",
        termError, evaluateError, gError);
}

TEST_F(IgosParity, IgosPlusPlusTermsAndGradientsMatchTheReference)
{
    const nlohmann::json &section = golden_["igospp"];
    const PreparedRequest p = prepared(true);
    const IgosObjective objective(p, saliency::igosSettings(p.params, true));
    const std::vector<at::Tensor> masks{
        maskFrom(section["mask_deletion"], p.resolution), maskFrom(section["mask_insertion"], p.resolution)};
    int maxBatch = 5; // slices that hold only some terms, as a small batch does
    const CancelFlag cancel{false};
    const IgosGradient result = objective.gradient(masks, {}, maxBatch, cancel);
    const double termError = expectTerms(igosPlusPlusTerms(result.terms), section, "iGOS++ gradient pass:");
    const double evaluateError = expectTerms(
        igosPlusPlusTerms(objective.evaluate(masks, {}, maxBatch, cancel)), section, "iGOS++ evaluate:");
    ASSERT_EQ(result.gradients.size(), 2u);
    const double dError = gradientError(result.gradients[0], section["gradient_deletion"]);
    const double iError = gradientError(result.gradients[1], section["gradient_insertion"]);
    EXPECT_LE(dError, kTolerance) << "iGOS++ gradient gd (score part halved)";
    EXPECT_LE(iError, kTolerance) << "iGOS++ gradient gi (score part halved)";
    std::printf("[ measured ] iGOS++ max relative error: terms %.3g (evaluate %.3g), gradients %.3g, %.3g\n",
        termError, evaluateError, dError, iError);
}

// The objective goes down over a run, on both demo models and both methods.
// - Noise 0: the default schedule's Armijo test then compares exact objective values, so no
//   iteration may increase the objective (only a search falling through to its smallest step
//   could, which these cases do not), and the run must lower it.
// - The default noise (0.2): the run minimises the objective in expectation over the noise, so
//   that expectation, estimated with kNoiseDraws fixed draws (common random numbers at every
//   point), must end, and over the second half of the run stay, below its all-ones start. (The
//   noise-free objective need not fall here: on the 28 x 28 fashion input it rises.)
constexpr int kIterations = 6;
constexpr int kNoiseDraws = 4;

struct Trace {
    double start = 0.0; // objective estimate at the all-ones masks
    std::vector<double> values; // after each iteration
    std::vector<double> losses; // the loss the run itself reported per iteration
};

// Runs the optimisation with `settings` and traces the objective of the same settings, estimated
// as the mean over `draws` fixed noise tensors (0: noise-free, exact).
Trace traceRun(const PreparedRequest &p, const IgosSettings &settings, std::uint64_t seed, int draws)
{
    const IgosObjective objective(p, settings);
    at::Generator generator = saliency::makeGenerator(1234);
    std::vector<at::Tensor> noises;
    for (int k = 0; k < draws; ++k)
        noises.push_back(settings.noise
            * torch::randn({objective.imageCount(), p.input.size(1), p.input.size(2), p.input.size(3)},
                generator, torch::kFloat32));
    if (draws == 0)
        noises.push_back({});
    int maxBatch = 64;
    const CancelFlag cancel{false};
    auto estimate = [&](const std::vector<at::Tensor> &masks) {
        double sum = 0.0;
        for (const at::Tensor &noise : noises)
            sum += objective.evaluate(masks, noise, maxBatch, cancel).total;
        return sum / double(noises.size());
    };
    Trace trace;
    trace.start = estimate(std::vector<at::Tensor>(
        size_t(objective.maskCount()), torch::ones({1, 1, p.resolution, p.resolution})));
    saliency::optimiseIgos(p, settings, 32, seed, {}, cancel, [&](const saliency::IgosIteration &it) {
        trace.values.push_back(estimate(*it.masks));
        trace.losses.push_back(it.loss);
    });
    return trace;
}

TEST(IgosObjective, DecreasesOverIterationsOnBothDemoModels)
{
    struct Case {
        const char *model;
        const char *image;
        int resolution; // fashion at 7 or 14 barely moves from all ones: at 28 (its input) it does
    };
    const std::vector<Case> cases{{"models/demo/cues.pt", "resources/samples/cues/00000.png", 14},
        {"models/demo/fashion.pt", "resources/samples/fashion/0000_ankle-boot.png", 28}};
    for (const Case &c : cases) {
        const auto classifier = Classifier::load(test::sourcePath(c.model), "cpu");
        for (const bool plusPlus : {false, true}) {
            SaliencyRequest request;
            request.classifier = classifier.get();
            request.image = readImage(test::sourcePath(c.image));
            request.resolution = c.resolution;
            request.params = {{"iterations", kIterations}, {"steps", 5}};
            const PreparedRequest p
                = saliency::prepare(MethodRegistry::builtin().get(plusPlus ? "igospp" : "igos"), request);
            const IgosSettings noisy = saliency::igosSettings(p.params, plusPlus);
            IgosSettings exact = noisy;
            exact.noise = 0.0;
            const std::string what = std::string(c.model) + (plusPlus ? " iGOS++" : " I-GOS");

            const Trace e = traceRun(p, exact, 1, 0);
            ASSERT_EQ(e.values.size(), size_t(kIterations));
            double previous = e.start;
            for (int i = 0; i < kIterations; ++i) {
                // With noise 0 the run's own loss is the exact objective before the iteration's step.
                EXPECT_LE(relativeError(e.losses[size_t(i)], previous), kTolerance)
                    << what << " iteration " << i + 1;
                EXPECT_LE(e.values[size_t(i)], previous + 1e-6) << what << " noise 0, iteration " << i + 1;
                previous = e.values[size_t(i)];
            }
            EXPECT_LT(e.values.back(), e.start - 0.01) << what << " noise 0";

            const Trace n = traceRun(p, noisy, 7, kNoiseDraws);
            ASSERT_EQ(n.values.size(), size_t(kIterations));
            double secondHalf = 0.0;
            for (int i = kIterations / 2; i < kIterations; ++i)
                secondHalf += n.values[size_t(i)] / (kIterations - kIterations / 2);
            EXPECT_LT(n.values.back(), n.start - 0.01) << what << " noise " << noisy.noise;
            EXPECT_LT(secondHalf, n.start) << what << " noise " << noisy.noise;
            std::printf("[ measured ] %s: noise 0: %.4f -> %.4f; noise %.1f (mean of %d draws): %.4f -> %.4f "
                        "(second half %.4f)\n",
                what.c_str(), e.start, e.values.back(), noisy.noise, kNoiseDraws, n.start, n.values.back(),
                secondHalf);
        }
    }
}

} // namespace
} // namespace sg
