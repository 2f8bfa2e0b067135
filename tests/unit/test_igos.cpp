// I-GOS and iGOS++: properties, bad requests and cancel. Ground truth and the pass budget of
// the default schedule are checked in test_ground_truth.cpp (label slow).

#include "common/error.h"
#include "image/image_io.h"
#include "model/classifier.h"
#include "saliency/method.h"
#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace sg {
namespace {

using ::testing::HasSubstr;

class Igos : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        classifier_ = Classifier::load(test::sourcePath("models/demo/cues.pt"), "cpu");
    }
    static void TearDownTestSuite() { classifier_.reset(); }

    static SaliencyRequest request(const std::string &file, int resolution = 28)
    {
        SaliencyRequest request;
        request.classifier = classifier_.get();
        request.image = readImage(file);
        request.resolution = resolution;
        request.seed = 7;
        return request;
    }

    static Heatmap run(const std::string &method, const SaliencyRequest &request)
    {
        const CancelFlag cancel{false};
        return MethodRegistry::builtin().get(method).run(request, {}, cancel);
    }

    static inline std::shared_ptr<Classifier> classifier_;
};

TEST_F(Igos, MapsAreDeterministicPerSeedAndWellFormed)
{
    const auto samples = test::cueSamples();
    SaliencyRequest first = request(samples[0].file, 14);
    first.params = {{"iterations", 3}};
    for (const std::string method : {"igos", "igospp"}) {
        const Heatmap a = run(method, first);
        const Heatmap b = run(method, first);
        ASSERT_EQ(a.mask.size(), cv::Size(14, 14)) << method;
        ASSERT_EQ(a.saliency.size(), cv::Size(112, 112)) << method;
        EXPECT_EQ(cv::norm(a.mask, b.mask, cv::NORM_INF), 0.0) << method << ": same seed, same mask";
        double low = 0, high = 0;
        cv::minMaxLoc(a.mask, &low, &high);
        EXPECT_GE(low, 0.0);
        EXPECT_LE(high, 1.0);
        cv::minMaxLoc(a.saliency, &low, &high);
        EXPECT_FLOAT_EQ(float(low), 0.0f);
        EXPECT_FLOAT_EQ(float(high), 1.0f);
        EXPECT_EQ(a.target, samples[0].label);
        EXPECT_EQ(a.params.at("iterations"), ParamValue(3));
        EXPECT_GT(a.forwardPasses, 0);
        EXPECT_GT(a.backwardPasses, 0);
        SaliencyRequest other = first;
        other.seed = 8;
        EXPECT_GT(cv::norm(a.mask, run(method, other).mask, cv::NORM_INF), 0.0) << method;
    }
}

TEST_F(Igos, BadRequestsAreClearErrors)
{
    const auto samples = test::cueSamples();
    const SaliencyMethod &igos = MethodRegistry::builtin().get("igos");
    const CancelFlag cancel{false};
    auto messageFor = [&](SaliencyRequest r) {
        try {
            igos.run(r, {}, cancel);
        } catch (const Error &error) {
            return std::string(error.what());
        }
        return std::string();
    };
    EXPECT_THAT(messageFor(request(samples[0].file, 0)), HasSubstr("resolution 0 is not offered"));
    EXPECT_THAT(
        messageFor(request(samples[0].file, 224)), HasSubstr("resolution 224 exceeds the model input"));
    SaliencyRequest negative = request(samples[0].file);
    negative.params = {{"steps", -3}};
    EXPECT_THAT(messageFor(negative), HasSubstr("parameter \"steps\" is -3, must be in [1, 1000]"));
    SaliencyRequest unknown = request(samples[0].file);
    unknown.params = {{"stepz", 3}};
    EXPECT_THAT(messageFor(unknown), HasSubstr("unknown parameter \"stepz\""));
    SaliencyRequest target = request(samples[0].file);
    target.target = 4;
    EXPECT_THAT(messageFor(target), HasSubstr("target class 4 is out of range"));
    try {
        MethodRegistry::builtin().get("igoss");
        FAIL();
    } catch (const Error &error) {
        EXPECT_THAT(error.what(), HasSubstr("unknown saliency method \"igoss\""));
    }
}

TEST_F(Igos, CancelStopsWithinOneIteration)
{
    const auto samples = test::cueSamples();
    CancelFlag cancel{false};
    int reports = 0;
    const std::int64_t before = classifier_->forwardCount();
    EXPECT_THROW(MethodRegistry::builtin().get("igos").run(
                     request(samples[0].file),
                     [&](const Progress &progress) {
                         ++reports;
                         ASSERT_NE(progress.map, nullptr);
                         cancel = true;
                     },
                     cancel),
        Cancelled);
    EXPECT_EQ(reports, 1);
    // One iteration is at most 20 gradient images and 14 line-search trials of 20.
    EXPECT_LE(classifier_->forwardCount() - before, 1 + 20 + 14 * 20);
}

// Issue 8: saturated masks leave plateaus of equal saliency (hundreds of pixels for iGOS++), and
// the pointing game's first maximum then falls anywhere on them. `ties` (on) orders the cells
// clamped at 0 by how far the updates pushed them below 0; it must leave the mask itself and the
// order of every other cell alone. On Fashion-MNIST at 28 (the model input) the upsampling is
// the identity, so the map is 1 - ranking pixel for pixel.
TEST(IgosTies, SaturatedCellsAreOrderedAndTheRestKeepTheirOrder)
{
    const auto fashion = Classifier::load(test::sourcePath("models/demo/fashion.pt"), "cpu");
    SaliencyRequest request;
    request.classifier = fashion.get();
    request.image = readImage(test::sourcePath("resources/samples/fashion/0000_ankle-boot.png"));
    request.resolution = 28;
    request.seed = 3;
    const CancelFlag cancel{false};
    for (const std::string method : {"igos", "igospp"}) {
        request.params = {{"iterations", 8}, {"ties", false}};
        const Heatmap plain = MethodRegistry::builtin().get(method).run(request, {}, cancel);
        request.params = {{"iterations", 8}, {"ties", true}};
        const Heatmap ordered = MethodRegistry::builtin().get(method).run(request, {}, cancel);
        ASSERT_EQ(cv::norm(plain.mask, ordered.mask, cv::NORM_INF), 0.0) << method << ": same optimisation";

        const cv::Mat zero = plain.mask == 0.0f;
        const int saturated = cv::countNonZero(zero);
        if (method == "igos" && saturated == 0) {
            // I-GOS rarely saturates here: with nothing at 0 there is nothing to order.
            EXPECT_EQ(cv::norm(plain.saliency, ordered.saliency, cv::NORM_INF), 0.0);
            continue;
        }
        ASSERT_GT(saturated, 1) << method << ": the check needs a plateau";
        EXPECT_EQ(cv::countNonZero(plain.saliency == 1.0f), saturated) << method;
        EXPECT_EQ(cv::countNonZero(ordered.saliency == 1.0f), 1) << method << ": one maximum";

        // Cells above 0: the ordered map is an increasing affine function of the plain one.
        std::vector<std::pair<float, float>> free;
        float lowestSaturated = 2.0f;
        float highestFree = -1.0f;
        for (int y = 0; y < 28; ++y)
            for (int x = 0; x < 28; ++x) {
                const float p = plain.saliency.at<float>(y, x);
                const float o = ordered.saliency.at<float>(y, x);
                if (zero.at<uchar>(y, x)) {
                    lowestSaturated = std::min(lowestSaturated, o);
                } else {
                    free.push_back({p, o});
                    highestFree = std::max(highestFree, o);
                }
            }
        ASSERT_GE(free.size(), 2u);
        const auto [low, high] = std::minmax_element(free.begin(), free.end());
        ASSERT_GT(high->first, low->first);
        const double slope = (high->second - low->second) / (high->first - low->first);
        EXPECT_GT(slope, 0.0) << method;
        for (const auto &[p, o] : free)
            EXPECT_NEAR(o, low->second + slope * (p - low->first), 1e-5) << method;
        EXPECT_GT(lowestSaturated, highestFree) << method << ": saturated cells stay above every other";
    }
}

} // namespace
} // namespace sg
