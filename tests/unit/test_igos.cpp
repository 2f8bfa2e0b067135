// I-GOS and iGOS++: properties, bad requests and cancel. Ground truth and the pass budget of
// the default schedule are checked in test_ground_truth.cpp (label slow).

#include "common/error.h"
#include "image/image_io.h"
#include "model/classifier.h"
#include "saliency/method.h"
#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
        EXPECT_EQ(a.params.at("iterations"), 3.0);
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
    EXPECT_THAT(messageFor(request(samples[0].file, 224)), HasSubstr("resolution 224 exceeds the model input"));
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
    EXPECT_THROW(MethodRegistry::builtin().get("igos").run(request(samples[0].file),
                                                          [&](const SaliencyProgress &progress) {
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

} // namespace
} // namespace sg
