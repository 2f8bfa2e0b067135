// Loading TorchScript classifiers: every bad model gets a message naming the file and the
// problem; forward, softmax, top-k and input gradients match independent computations; passes
// without autograd run on the inference-optimised copy, which gives the module's logits.

#include "common/error.h"
#include "image/image_io.h"
#include "image/mat_tensor.h"
#include "image/preprocess.h"
#include "model/classifier.h"
#include "model/runtime.h"
#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstdlib>
#include <dlfcn.h>
#include <ostream>
#include <thread>

namespace sg {

// Found by argument-dependent lookup from gtest and std::vector, so in sg itself.
bool operator==(const PassRecord &a, const PassRecord &b)
{
    return a.kind == b.kind && a.images == b.images && a.grad == b.grad && a.optimised == b.optimised;
}

std::ostream &operator<<(std::ostream &out, const PassRecord &r)
{
    return out << "{kind " << int(r.kind) << ", " << r.images << " images, grad " << r.grad << ", optimised "
               << r.optimised << "}";
}

namespace {

using ::testing::HasSubstr;

std::string fixture(const std::string &name)
{
    return test::sourcePath("tests/data/models/" + name);
}

// Loads `model` expecting failure; returns the error after checking which file it names.
Error loadError(const std::string &model, const std::string &expectedSubject)
{
    try {
        Classifier::load(model, "cpu");
    } catch (const Error &error) {
        EXPECT_EQ(error.subject(), expectedSubject) << error.what();
        return error;
    }
    ADD_FAILURE() << model << " loaded but should not have";
    return Error("", "");
}

TEST(ClassifierErrors, MissingModelFile)
{
    EXPECT_EQ(loadError(fixture("absent.pt"), fixture("absent.pt")).problem(), "model file not found");
}

TEST(ClassifierErrors, MissingSidecar)
{
    EXPECT_THAT(loadError(fixture("no_sidecar.pt"), fixture("no_sidecar.json")).problem(),
        HasSubstr("model sidecar not found"));
}

TEST(ClassifierErrors, MalformedSidecar)
{
    EXPECT_THAT(loadError(fixture("malformed_sidecar.pt"), fixture("malformed_sidecar.json")).problem(),
        HasSubstr("is not valid JSON"));
}

TEST(ClassifierErrors, NotTorchScript)
{
    for (const std::string name : {"not_torchscript.pt", "garbage.pt"})
        EXPECT_THAT(
            loadError(fixture(name), fixture(name)).problem(), HasSubstr("is not a TorchScript model"))
            << name;
}

TEST(ClassifierErrors, LabelCountDiffersFromOutputWidth)
{
    EXPECT_EQ(loadError(fixture("label_mismatch.pt"), fixture("label_mismatch.json")).problem(),
        "lists 3 labels but the model outputs 4 logits");
}

TEST(ClassifierErrors, OutputIsNotLogitsMatrix)
{
    EXPECT_THAT(loadError(fixture("bad_output_shape.pt"), fixture("bad_output_shape.pt")).problem(),
        HasSubstr("output has shape [1, 2, 2]; a classifier must return logits of shape [N, K]"));
}

TEST(ClassifierErrors, InputShapeRejectedByModel)
{
    EXPECT_THAT(loadError(fixture("rejects_input.pt"), fixture("rejects_input.pt")).problem(),
        HasSubstr("rejected the input shape [1, 3, 20, 20] that its sidecar declares"));
}

TEST(ClassifierErrors, NanOutputs)
{
    EXPECT_THAT(loadError(fixture("nan_output.pt"), fixture("nan_output.pt")).problem(),
        HasSubstr("produced NaN or infinite logits"));
}

TEST(ClassifierErrors, DeclaredSplitMissingFromModel)
{
    EXPECT_THAT(loadError(fixture("missing_head.pt"), fixture("missing_head.json")).problem(),
        HasSubstr("names split method \"features\" but the model does not export it"));
}

TEST(ClassifierErrors, UnavailableOrUnknownDevice)
{
    try {
        Classifier::load(fixture("tiny.pt"), "tpu");
        FAIL();
    } catch (const Error &error) {
        EXPECT_THAT(error.problem(), HasSubstr("unknown device \"tpu\""));
    }
    if (!torch::cuda::is_available()) {
        try {
            Classifier::load(fixture("tiny.pt"), "cuda");
            FAIL();
        } catch (const Error &error) {
            EXPECT_THAT(error.problem(), HasSubstr("CUDA is not available"));
        }
    }
}

// The linear fixture computes logits = W flatten(x) + b; W and b are stored separately.
class LinearModel : public ::testing::Test {
protected:
    void SetUp() override
    {
        classifier = Classifier::load(fixture("linear.pt"), "cpu");
        const auto weights = test::readJson(fixture("linear_weights.json"));
        for (const auto &row : weights.at("W"))
            W.push_back(row.get<std::vector<double>>());
        b = weights.at("b").get<std::vector<double>>();
    }

    // Logits by hand from an RGB8 4x4 image (value_range [0,1], mean 0, std 1, NCHW flatten).
    std::vector<double> handLogits(const cv::Mat &image) const
    {
        std::vector<double> logits = b;
        for (size_t k = 0; k < W.size(); ++k)
            for (int c = 0; c < 3; ++c)
                for (int y = 0; y < 4; ++y)
                    for (int x = 0; x < 4; ++x)
                        logits[k] += W[k][size_t(c * 16 + y * 4 + x)] * image.at<cv::Vec3b>(y, x)[c] / 255.0;
        return logits;
    }

    static cv::Mat randomImage(int seed)
    {
        cv::RNG rng(seed);
        cv::Mat image(4, 4, CV_8UC3);
        rng.fill(image, cv::RNG::UNIFORM, 0, 256);
        return image;
    }

    std::shared_ptr<Classifier> classifier;
    std::vector<std::vector<double>> W;
    std::vector<double> b;
};

TEST_F(LinearModel, LogitsSoftmaxAndTopK)
{
    const cv::Mat image = randomImage(1);
    const auto predictions = classifier->predict({image}, 2);
    ASSERT_EQ(predictions.size(), 1u);
    const Prediction &p = predictions[0];
    const auto expected = handLogits(image);
    ASSERT_EQ(p.logits.size(), 3u);
    double normaliser = 0;
    for (double logit : expected)
        normaliser += std::exp(logit);
    for (size_t k = 0; k < 3; ++k) {
        EXPECT_NEAR(p.logits[k], expected[k], 1e-5);
        EXPECT_NEAR(p.probabilities[k], std::exp(expected[k]) / normaliser, 1e-6);
    }
    ASSERT_EQ(p.top.size(), 2u);
    EXPECT_GE(p.top[0].probability, p.top[1].probability);
    const auto best = std::max_element(expected.begin(), expected.end()) - expected.begin();
    EXPECT_EQ(p.top[0].index, best);
    EXPECT_EQ(p.top[0].label, classifier->spec().labels[size_t(best)]);
    EXPECT_EQ(classifier->predict({image}, 99)[0].top.size(), 3u) << "top-k is clamped";
}

TEST_F(LinearModel, BatchesGiveTheSameAnswerAsSingleImages)
{
    std::vector<cv::Mat> images;
    for (int seed = 0; seed < 7; ++seed)
        images.push_back(randomImage(seed));
    classifier->setMaxBatch(3);
    const auto batched = classifier->predict(images, 1);
    ASSERT_EQ(batched.size(), images.size());
    for (size_t i = 0; i < images.size(); ++i) {
        const auto expected = handLogits(images[i]);
        for (size_t k = 0; k < 3; ++k)
            EXPECT_NEAR(batched[i].logits[k], expected[k], 1e-5) << "image " << i;
    }
    EXPECT_EQ(classifier->forwardCount(), 7); // the load-time probe is not counted
}

TEST_F(LinearModel, PassCountsArePerThread)
{
    // The GUI predicts on one lane while an explanation runs on the other: neither may count
    // the other's passes.
    classifier->predict({randomImage(1)}, 1);
    std::int64_t otherBefore = -1;
    std::int64_t otherAfter = -1;
    std::thread other([&] {
        otherBefore = classifier->forwardCount();
        classifier->predict({randomImage(2), randomImage(3)}, 1);
        otherAfter = classifier->forwardCount();
    });
    other.join();
    EXPECT_EQ(otherBefore, 0);
    EXPECT_EQ(otherAfter, 2);
    EXPECT_EQ(classifier->forwardCount(), 1);
}

TEST_F(LinearModel, InputGradientIsTheTargetsWeightRow)
{
    const cv::Mat image = randomImage(3);
    const at::Tensor input
        = toInputTensor({toModelPixels(image, classifier->spec().input)}, classifier->spec().input);
    at::Tensor logits;
    const at::Tensor gradient = classifier->inputGradient(input.repeat({2, 1, 1, 1}), {2, 0}, &logits);
    ASSERT_EQ(gradient.sizes(), (std::vector<int64_t>{2, 3, 4, 4}));
    const at::Tensor flat = gradient.view({2, -1});
    for (int i = 0; i < 48; ++i) {
        EXPECT_NEAR(flat[0][i].item<double>(), W[2][size_t(i)], 1e-6);
        EXPECT_NEAR(flat[1][i].item<double>(), W[0][size_t(i)], 1e-6);
    }
    EXPECT_NEAR(logits[0][1].item<double>(), handLogits(image)[1], 1e-5);
    EXPECT_EQ(classifier->backwardCount(), 2);
}

// OpenBLAS's own pool beside torch's oversubscribes the cores (runtime.cpp has the figures):
// initRuntime() keeps it to one thread, whatever it was before.
TEST(Runtime, InitRuntimeKeepsOpenBlasToOneThread)
{
    using SetThreads = void (*)(int);
    const auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    if (!set)
        GTEST_SKIP() << "this LibTorch is not served by OpenBLAS";
    unsetenv("OPENBLAS_NUM_THREADS");
    set(2);
    ASSERT_EQ(blasThreadCount(), 2);
    EXPECT_EQ(initRuntime(2), 2);
    EXPECT_EQ(at::get_num_threads(), 2);
    EXPECT_EQ(blasThreadCount(), 1);
    EXPECT_THAT(runtimeDescription(), HasSubstr("OpenBLAS 1 thread(s)"));
    EXPECT_THROW(initRuntime(-1), Error);
}

TEST(Classifier, SplitMethodsComposeToForward)
{
    const auto classifier = Classifier::load(fixture("tiny.pt"), "cpu");
    ASSERT_TRUE(classifier->hasSplit());
    const at::Tensor input = torch::randn({2, 3, 16, 16});
    const at::Tensor features = classifier->features(input);
    EXPECT_EQ(features.dim(), 4);
    EXPECT_TRUE(torch::allclose(classifier->head(features), classifier->logits(input), 1e-5, 1e-6));

    const auto linear = Classifier::load(fixture("linear.pt"), "cpu");
    try {
        linear->features(torch::zeros({1, 3, 4, 4}));
        FAIL();
    } catch (const Error &error) {
        EXPECT_THAT(error.problem(), HasSubstr("does not expose an inner layer"));
    }
}

TEST(Classifier, RejectedInputAtPredictTimeNamesTheShape)
{
    const auto classifier = Classifier::load(fixture("linear.pt"), "cpu");
    try {
        classifier->logits(torch::zeros({1, 3, 5, 5}));
        FAIL();
    } catch (const Error &error) {
        EXPECT_EQ(error.subject(), fixture("linear.pt"));
        EXPECT_THAT(error.problem(), HasSubstr("forward() failed on an input of shape [1, 3, 5, 5]"));
    }
}

// DESIGN.md: no-grad passes run on an inference-optimised copy checked at load. Both demo
// models freeze; their logits through the copy and through the module agree on a real sample
// and on seeded noise, and the observer sees which passes took the copy.
TEST(OptimisedInference, DemoModelsGiveTheSameLogitsWithTheCopyOnAndOff)
{
    const std::pair<std::string, std::string> models[]
        = {{"models/demo/cues.pt", "resources/samples/cues/00000.png"},
            {"models/demo/fashion.pt", "resources/samples/fashion/0000_ankle-boot.png"}};
    for (const auto &[model, sample] : models) {
        SCOPED_TRACE(model);
        const auto classifier = Classifier::load(test::sourcePath(model), "cpu");
        ASSERT_TRUE(classifier->hasOptimisedCopy()) << classifier->optimisedCopyNote();
        EXPECT_TRUE(classifier->optimisedInference());
        const InputSpec &spec = classifier->spec().input;
        at::Generator generator = at::detail::createCPUGenerator(7);
        const at::Tensor input
            = torch::cat({toInputTensor({toModelPixels(readImage(test::sourcePath(sample)), spec)}, spec),
                torch::randn({3, spec.channels, spec.height, spec.width}, generator)});
        std::vector<PassRecord> records;
        classifier->setPassObserver(
            [&records](const PassRecord &record, const at::Tensor &) { records.push_back(record); });

        at::Tensor onCopy, onModule, inferenceMode;
        {
            torch::NoGradGuard noGrad;
            onCopy = classifier->logits(input);
            classifier->setOptimisedInference(false);
            EXPECT_FALSE(classifier->optimisedInference());
            onModule = classifier->logits(input);
            classifier->setOptimisedInference(true);
            classifier->features(input);
        }
        const at::Tensor withGrad = classifier->logits(input); // autograd is on in this thread
        {
            c10::InferenceMode inference;
            inferenceMode = classifier->logits(input).clone();
        }
        classifier->setPassObserver({});

        const double difference = (onCopy - onModule).abs().max().item<double>();
        EXPECT_LE(difference, Classifier::kOptimisedTolerance);
        // The copy folds batch norm into the convolutions, which changes the rounding: equal bits
        // would mean the no-grad pass did not run on the copy.
        EXPECT_GT(difference, 0.0);
        EXPECT_LE((withGrad.detach() - onModule).abs().max().item<double>(), 1e-5);
        EXPECT_TRUE(torch::equal(inferenceMode, onCopy));
        const std::vector<PassRecord> expected = {{PassKind::Logits, 4, false, true},
            {PassKind::Logits, 4, false, false}, {PassKind::Features, 4, false, false},
            {PassKind::Logits, 4, true, false}, {PassKind::Logits, 4, false, true}};
        EXPECT_EQ(records, expected);
    }
}

TEST(OptimisedInference, ModelThatCannotBeFrozenFallsBackToTheModule)
{
    const auto classifier = Classifier::load(fixture("unfreezable.pt"), "cpu");
    EXPECT_FALSE(classifier->hasOptimisedCopy());
    EXPECT_FALSE(classifier->optimisedInference());
    EXPECT_THAT(classifier->optimisedCopyNote(), HasSubstr("no optimised copy: torch::jit::freeze"));
    std::vector<PassRecord> records;
    classifier->setPassObserver(
        [&records](const PassRecord &record, const at::Tensor &) { records.push_back(record); });
    torch::NoGradGuard noGrad;
    const at::Tensor logits = classifier->logits(torch::rand({2, 3, 16, 16}));
    EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
    EXPECT_EQ(records, (std::vector<PassRecord>{{PassKind::Logits, 2, false, false}}));
}

} // namespace
} // namespace sg
