// The baseline saliency methods (Grad-CAM, integrated gradients, RISE, occlusion) against
// independent computations: closed forms on the linear fixture, hand-run autograd and hand
// occlusion on the tiny conv fixture, and exact properties of the estimators.

#include "common/error.h"
#include "image/mat_tensor.h"
#include "image/preprocess.h"
#include "model/classifier.h"
#include "saliency/builtin_methods.h"
#include "saliency/method_support.h"
#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace sg {
namespace {

using ::testing::HasSubstr;

std::string fixture(const std::string &name)
{
    return test::sourcePath("tests/data/models/" + name);
}

cv::Mat randomImage(int side, int seed)
{
    cv::RNG rng(seed);
    cv::Mat image(side, side, CV_8UC3);
    rng.fill(image, cv::RNG::UNIFORM, 0, 256);
    return image;
}

// Model pixels [1, C, H, W] in [0, 1], before normalisation.
at::Tensor pixelsOf(const cv::Mat &image, const InputSpec &spec)
{
    InputSpec identity = spec;
    identity.rangeLow = 0.0f;
    identity.rangeHigh = 1.0f;
    identity.mean.assign(size_t(spec.channels), 0.0f);
    identity.std.assign(size_t(spec.channels), 1.0f);
    return toInputTensor({toModelPixels(image, spec)}, identity);
}

at::Tensor tensorOf(const cv::Mat &map)
{
    return torch::from_blob(const_cast<float *>(map.ptr<float>()), {map.rows, map.cols}, torch::kFloat32)
        .clone();
}

// Runs `method` and returns the sg::Error it throws (failing the test when it does not).
Error runError(const SaliencyMethod &method, const SaliencyRequest &request)
{
    const CancelFlag cancel{false};
    try {
        method.run(request, {}, cancel);
    } catch (const Error &error) {
        return error;
    }
    ADD_FAILURE() << method.id() << " ran but should have refused the request";
    return Error("", "");
}

class BaselineMethods : public ::testing::Test {
protected:
    void SetUp() override
    {
        tiny = Classifier::load(fixture("tiny.pt"), "cpu");
        linear = Classifier::load(fixture("linear.pt"), "cpu");
        const auto weights = test::readJson(fixture("linear_weights.json"));
        for (const auto &row : weights.at("W"))
            W.push_back(row.get<std::vector<double>>());
    }

    SaliencyRequest request(const Classifier &classifier, const cv::Mat &image, ParamValues params = {}) const
    {
        SaliencyRequest r;
        r.classifier = &classifier;
        r.image = image;
        r.params = std::move(params);
        return r;
    }

    Heatmap run(const SaliencyMethod &method, const SaliencyRequest &r, const ProgressFn &progress = {}) const
    {
        return method.run(r, progress, cancel);
    }

    std::shared_ptr<Classifier> tiny;
    std::shared_ptr<Classifier> linear;
    std::vector<std::vector<double>> W;
    const CancelFlag cancel{false};
};

// ---------------------------------------------------------------- integrated gradients

// Completeness: the attributions of the target logit sum to f(x) - f(x'). On a ReLU network the
// path integrand is piecewise constant, so only the integration error separates them.
TEST_F(BaselineMethods, IntegratedGradientsSumToTheLogitDifferenceOnTinyModel)
{
    const auto ig = saliency::makeIntegratedGradients();
    const InputSpec &spec = tiny->spec().input;
    for (int baseline : {0, 1}) {
        const cv::Mat image = randomImage(16, 10 + baseline);
        const Heatmap heatmap = run(
            *ig, request(*tiny, image, {{"steps", 256}, {"baseline", baseline == 0 ? "black" : "blur"}}));

        const at::Tensor pixels = pixelsOf(image, spec);
        const at::Tensor start = baseline == 0 ? torch::zeros_like(pixels) : blurPixels(pixels);
        torch::NoGradGuard noGrad;
        const auto targetLogit = [&](const at::Tensor &image) {
            return tiny->logits(normalise(image, spec))[0][heatmap.target].item<double>();
        };
        const double difference = targetLogit(pixels) - targetLogit(start);
        const double total = cv::sum(heatmap.mask)[0];
        ASSERT_GT(std::abs(difference), 1e-3) << "baseline " << baseline << ": the check needs a difference";
        EXPECT_NEAR(total, difference, 0.01 * std::abs(difference)) << "baseline " << baseline;

        EXPECT_EQ(heatmap.method, "ig");
        EXPECT_EQ(heatmap.forwardPasses, 256 + 1); // + the clean pass of prepare()
        EXPECT_EQ(heatmap.backwardPasses, 256);
        // The saliency is |mask|, normalised.
        const at::Tensor expected = normaliseRange(tensorOf(heatmap.mask).abs());
        EXPECT_TRUE(torch::allclose(tensorOf(heatmap.saliency), expected, 1e-5, 1e-6));
    }
}

// On logits = W x + b the gradient is W[target] everywhere, so the attribution is
// (x - x') W[target] per element, exactly, at any step count.
TEST_F(BaselineMethods, IntegratedGradientsAreExactOnLinearModel)
{
    const auto ig = saliency::makeIntegratedGradients();
    const InputSpec &spec = linear->spec().input;
    const cv::Mat image = randomImage(4, 3);
    const at::Tensor pixels = pixelsOf(image, spec); // mean 0, std 1: pixels are the input
    for (int baseline : {0, 1})
        for (int steps : {1, 10}) {
            SaliencyRequest r
                = request(*linear, image, {{"steps", steps}, {"baseline", baseline == 0 ? "black" : "blur"}});
            r.target = 2;
            r.maxBatch = 4;
            std::vector<int> done;
            const Heatmap heatmap = run(*ig, r, [&](const Progress &p) {
                EXPECT_EQ(p.total, steps);
                ASSERT_NE(p.map, nullptr);
                EXPECT_EQ(p.map->rows, 4);
                done.push_back(p.done);
            });
            const std::vector<int> expectedDone
                = steps == 1 ? std::vector<int>{1} : std::vector<int>{4, 8, 10};
            EXPECT_EQ(done, expectedDone);

            const at::Tensor start = baseline == 0 ? torch::zeros_like(pixels) : blurPixels(pixels);
            const at::Tensor difference = (pixels - start)[0];
            ASSERT_EQ(heatmap.mask.rows, 4);
            ASSERT_EQ(heatmap.mask.cols, 4);
            for (int y = 0; y < 4; ++y)
                for (int x = 0; x < 4; ++x) {
                    double expected = 0.0;
                    for (int c = 0; c < 3; ++c)
                        expected += difference[c][y][x].item<double>() * W[2][size_t(c * 16 + y * 4 + x)];
                    EXPECT_NEAR(heatmap.mask.at<float>(y, x), expected, 1e-6)
                        << "baseline " << baseline << ", steps " << steps << ", pixel " << y << "," << x;
                }
        }
}

// ---------------------------------------------------------------- Grad-CAM

TEST_F(BaselineMethods, GradCamMatchesHandComputationOnTinyModel)
{
    const auto gradcam = saliency::makeGradCam();
    const cv::Mat image = randomImage(16, 5);
    const InputSpec &spec = tiny->spec().input;
    bool anyPositive = false;
    for (int target = 0; target < 3; ++target) {
        SaliencyRequest r = request(*tiny, image);
        r.target = target;
        const Heatmap heatmap = run(*gradcam, r);

        // By hand: A = features(x), the target logit's gradient w.r.t. A, channel weights,
        // ReLU of the weighted sum.
        const at::Tensor input = toInputTensor({toModelPixels(image, spec)}, spec);
        const at::Tensor features = tiny->features(input).detach().requires_grad_(true);
        const at::Tensor logit = tiny->head(features)[0][target];
        const at::Tensor gradient = torch::autograd::grad({logit}, {features})[0];
        const at::Tensor weights = gradient.mean({2, 3}, true);
        const at::Tensor cam = torch::relu((weights * features).sum(1))[0].detach();

        ASSERT_EQ(heatmap.mask.rows, cam.size(0));
        ASSERT_EQ(heatmap.mask.cols, cam.size(1));
        EXPECT_EQ(heatmap.resolution, cam.size(1));
        EXPECT_TRUE(torch::allclose(tensorOf(heatmap.mask), cam, 0.0, 1e-5)) << "target " << target;
        // tiny's feature map is at input size, so the upsampling is the identity.
        EXPECT_TRUE(torch::allclose(tensorOf(heatmap.saliency), normaliseRange(cam), 1e-5, 1e-6));
        EXPECT_EQ(heatmap.forwardPasses, 1 + 1); // the clean pass of prepare(), then features
        EXPECT_EQ(heatmap.backwardPasses, 1);
        anyPositive = anyPositive || cam.max().item<float>() > 0.0f;
    }
    EXPECT_TRUE(anyPositive) << "the comparison needs a non-zero map";
}

TEST_F(BaselineMethods, GradCamNeedsAnInnerLayer)
{
    const auto gradcam = saliency::makeGradCam();
    const Error error = runError(*gradcam, request(*linear, randomImage(4, 1)));
    EXPECT_EQ(error.subject(), fixture("linear.pt"));
    EXPECT_THAT(error.problem(), HasSubstr("does not expose"));
    EXPECT_THAT(error.problem(), HasSubstr("inner layer"));
}

// ---------------------------------------------------------------- RISE

TEST_F(BaselineMethods, RiseIsReproducibleForASeed)
{
    const auto rise = saliency::makeRise();
    const cv::Mat image = randomImage(16, 7);
    SaliencyRequest r = request(*tiny, image, {{"masks", 300}});
    r.seed = 42;
    const Heatmap first = run(*rise, r);
    const Heatmap again = run(*rise, r);
    r.seed = 43;
    const Heatmap other = run(*rise, r);
    EXPECT_EQ(cv::norm(first.saliency, again.saliency, cv::NORM_INF), 0.0);
    EXPECT_EQ(cv::norm(first.mask, again.mask, cv::NORM_INF), 0.0);
    EXPECT_GT(cv::norm(first.saliency, other.saliency, cv::NORM_INF), 1e-3);
    EXPECT_EQ(first.resolution, 7);
    EXPECT_EQ(first.mask.rows, 16);
    EXPECT_EQ(first.forwardPasses, 300 + 1); // + the clean pass of prepare()
}

// The estimate is sum_i P_t(x . m_i) m_i / (N p). Summed over all classes the probabilities
// are 1, so the sum of the class maps is sum_i m_i / (N p): the same for every image (the masks
// depend on the seed only), with mean 1 because each mask pixel has expectation p.
TEST_F(BaselineMethods, RiseClassMapsSumToTheMaskAverage)
{
    const auto rise = saliency::makeRise();
    const double keep = 0.4;
    at::Tensor sums[2];
    for (int i = 0; i < 2; ++i) {
        sums[i] = torch::zeros({16, 16});
        for (int target = 0; target < 3; ++target) {
            SaliencyRequest r = request(*tiny, randomImage(16, 20 + i), {{"masks", 500}, {"p", keep}});
            r.target = target;
            r.resolution = 14;
            r.seed = 9;
            sums[i] += tensorOf(run(*rise, r).mask);
        }
    }
    EXPECT_TRUE(torch::allclose(sums[0], sums[1], 0.0, 1e-5));
    EXPECT_NEAR(sums[0].mean().item<double>(), 1.0, 0.05);
    EXPECT_GT((sums[0].max() - sums[0].min()).item<double>(), 0.01) << "masks must vary over the image";
}

TEST_F(BaselineMethods, RiseMapDoesNotDependOnTheBatchSize)
{
    const auto rise = saliency::makeRise();
    SaliencyRequest r = request(*tiny, randomImage(16, 8), {{"masks", 130}});
    r.seed = 5;
    r.maxBatch = 1;
    const Heatmap single = run(*rise, r);
    r.maxBatch = 64;
    const Heatmap batched = run(*rise, r);
    EXPECT_LE(cv::norm(single.mask, batched.mask, cv::NORM_INF), 1e-6);
    EXPECT_LE(cv::norm(single.saliency, batched.saliency, cv::NORM_INF), 1e-5);
}

TEST_F(BaselineMethods, RiseStopsWithinOneBatchWhenCancelled)
{
    const auto rise = saliency::makeRise();
    SaliencyRequest r = request(*tiny, randomImage(16, 2), {{"masks", 1000}});
    r.maxBatch = 10;
    CancelFlag flag{false};
    int reports = 0;
    const std::int64_t before = tiny->forwardCount();
    EXPECT_THROW(rise->run(
                     r,
                     [&](const Progress &) {
                         ++reports;
                         flag = true;
                     },
                     flag),
        Cancelled);
    EXPECT_EQ(reports, 1);
    // One clean pass by prepare(), then the first batch of 10 masks.
    EXPECT_EQ(tiny->forwardCount() - before, 11);
}

TEST_F(BaselineMethods, RiseRejectsBadMaskSettings)
{
    const auto rise = saliency::makeRise();
    const cv::Mat image = randomImage(16, 1);
    EXPECT_THAT(runError(*rise, request(*tiny, image, {{"masks", 0}})).problem(), HasSubstr("\"masks\""));
    EXPECT_THAT(runError(*rise, request(*tiny, image, {{"p", 0.0}})).problem(), HasSubstr("\"p\""));
    EXPECT_THAT(runError(*rise, request(*tiny, image, {{"p", 1.0}})).problem(), HasSubstr("\"p\""));
    EXPECT_THAT(runError(*rise, request(*tiny, image, {{"masks", 2.5}})).problem(),
        HasSubstr("must be a whole number"));
}

// ---------------------------------------------------------------- occlusion

// tiny is 16 px wide; 7 windows per side tile it at these boundaries (2 or 3 px each).
const int kBounds7[] = {0, 2, 4, 6, 9, 11, 13, 16};

int windowOf(int pixel)
{
    return int(std::upper_bound(std::begin(kBounds7), std::end(kBounds7), pixel) - std::begin(kBounds7)) - 1;
}

TEST_F(BaselineMethods, OcclusionDropsMatchHandOcclusion)
{
    const auto occlusion = saliency::makeOcclusion();
    const cv::Mat image = randomImage(16, 4);
    const InputSpec &spec = tiny->spec().input;
    const at::Tensor pixels = pixelsOf(image, spec);
    for (int fill : {0, 1}) {
        SaliencyRequest r = request(*tiny, image, {{"fill", fill == 0 ? "blur" : "black"}});
        r.resolution = 7;
        r.maxBatch = 8;
        int reports = 0;
        const Heatmap heatmap = run(*occlusion, r, [&](const Progress &p) {
            ++reports;
            EXPECT_EQ(p.total, 49);
        });
        EXPECT_EQ(reports, 7); // ceil(49 / 8)
        ASSERT_EQ(heatmap.mask.rows, 7);
        ASSERT_EQ(heatmap.mask.cols, 7);
        EXPECT_EQ(heatmap.resolution, 7);
        EXPECT_EQ(heatmap.forwardPasses, 49 + 1); // + the clean pass of prepare()

        torch::NoGradGuard noGrad;
        const at::Tensor cover = fill == 0 ? blurPixels(pixels) : torch::zeros_like(pixels);
        const auto probability = [&](const at::Tensor &image) {
            return torch::softmax(tiny->logits(normalise(image, spec)), 1)[0][heatmap.target].item<double>();
        };
        const double clean = probability(pixels);
        at::Tensor drops = torch::zeros({7, 7});
        for (int row = 0; row < 7; ++row)
            for (int column = 0; column < 7; ++column) {
                at::Tensor occluded = pixels.clone();
                const int y0 = kBounds7[row], y1 = kBounds7[row + 1];
                const int x0 = kBounds7[column], x1 = kBounds7[column + 1];
                occluded.slice(2, y0, y1).slice(3, x0, x1).copy_(cover.slice(2, y0, y1).slice(3, x0, x1));
                const double drop = clean - probability(occluded);
                drops[row][column] = drop;
                // Drops here are ~1e-3 (tiny averages over the whole image); float error ~1e-7.
                EXPECT_NEAR(heatmap.mask.at<float>(row, column), drop, 1e-6)
                    << "fill " << fill << ", window " << row << "," << column;
            }
        // The saliency paints each window's drop over its pixels, normalised.
        const double low = drops.min().item<double>();
        const double high = drops.max().item<double>();
        ASSERT_GT(high, low);
        for (int y = 0; y < 16; ++y)
            for (int x = 0; x < 16; ++x) {
                const double expected = (drops[windowOf(y)][windowOf(x)].item<double>() - low) / (high - low);
                EXPECT_NEAR(heatmap.saliency.at<float>(y, x), expected, 5e-5) << "pixel " << y << "," << x;
            }
    }
}

TEST_F(BaselineMethods, GridMethodsRefuseResolutionsLargerThanTheInput)
{
    const auto rise = saliency::makeRise();
    const auto occlusion = saliency::makeOcclusion();
    SaliencyRequest r = request(*tiny, randomImage(16, 1));
    r.resolution = 28;
    EXPECT_EQ(runError(*rise, r).problem(), "rise: resolution 28 exceeds the model input (16x16)");
    EXPECT_EQ(runError(*occlusion, r).problem(), "occlusion: resolution 28 exceeds the model input (16x16)");
    // linear's 4x4 input is smaller than every offered grid, the defaults included.
    EXPECT_EQ(runError(*rise, request(*linear, randomImage(4, 1))).problem(),
        "rise: resolution 7 exceeds the model input (4x4)");
    EXPECT_EQ(runError(*occlusion, request(*linear, randomImage(4, 1))).problem(),
        "occlusion: resolution 14 exceeds the model input (4x4)");
}

// ---------------------------------------------------------------- request validation

TEST_F(BaselineMethods, BadRequestsNameTheProblem)
{
    const auto ig = saliency::makeIntegratedGradients();
    const auto rise = saliency::makeRise();
    const auto gradcam = saliency::makeGradCam();
    const cv::Mat image = randomImage(16, 1);

    EXPECT_THAT(runError(*ig, request(*tiny, image, {{"steps", -1}})).problem(),
        HasSubstr("parameter \"steps\" is -1"));
    EXPECT_THAT(runError(*ig, request(*tiny, image, {{"baseline", "grey"}})).problem(),
        HasSubstr("parameter \"baseline\" has no option \"grey\" (choose one of black, blur)"));
    EXPECT_THAT(runError(*ig, request(*tiny, image, {{"baseline", 1}})).problem(),
        HasSubstr("parameter \"baseline\" must be one of black, blur, not the integer 1"));
    EXPECT_THAT(runError(*ig, request(*tiny, image, {{"stepz", 8}})).problem(),
        HasSubstr("unknown parameter \"stepz\""));

    SaliencyRequest r = request(*tiny, image);
    r.resolution = 0;
    EXPECT_THAT(runError(*rise, r).problem(), HasSubstr("resolution 0 is not offered"));
    r.resolution = 9;
    EXPECT_THAT(runError(*rise, r).problem(), HasSubstr("resolution 9 is not offered"));
    r.resolution = 7;
    EXPECT_THAT(runError(*gradcam, r).problem(), HasSubstr("no choosable resolution"));
    EXPECT_THAT(runError(*ig, r).problem(), HasSubstr("no choosable resolution"));

    r = request(*tiny, image);
    r.target = 3;
    for (const SaliencyMethod *method : {ig.get(), rise.get(), gradcam.get()})
        EXPECT_THAT(runError(*method, r).problem(), HasSubstr("target class 3 is out of range"))
            << method->id();
}

TEST_F(BaselineMethods, SchemasHaveDocumentedDefaults)
{
    std::vector<std::unique_ptr<SaliencyMethod>> methods;
    methods.push_back(saliency::makeGradCam());
    methods.push_back(saliency::makeIntegratedGradients());
    methods.push_back(saliency::makeRise());
    methods.push_back(saliency::makeOcclusion());
    for (const auto &method : methods) {
        EXPECT_FALSE(method->title().empty());
        EXPECT_FALSE(method->description().empty());
        const auto offered = method->resolutions();
        if (!offered.empty()) {
            EXPECT_NE(std::find(offered.begin(), offered.end(), method->defaultResolution()), offered.end());
        } else {
            // Issue 9: one marker of a fixed resolution, the one requests use.
            EXPECT_EQ(method->defaultResolution(), kDefaultResolution) << method->id();
        }
        const std::vector<ParamSpec> schema = method->parameters(method->defaultResolution());
        for (const ParamSpec &spec : schema) {
            EXPECT_FALSE(spec.description.empty()) << method->id() << "." << spec.name;
            // The default passes validation as it is: in range, of the kind's type, a known option.
            ParamValues given = {{spec.name, spec.defaultValue}};
            EXPECT_EQ(resolveParams(method->id(), schema, given).at(spec.name), spec.defaultValue)
                << method->id() << "." << spec.name;
            for (const ParamOption &option : spec.options)
                EXPECT_FALSE(option.description.empty())
                    << method->id() << "." << spec.name << "=" << option.name;
        }
    }
}

} // namespace
} // namespace sg
