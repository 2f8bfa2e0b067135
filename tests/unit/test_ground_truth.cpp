// Ground truth on the cues samples, whose evidence the generator knows (label `slow`: it runs
// every method on every sample, a few minutes on two cores).
//  - I-GOS and iGOS++ at 28x28 win the pointing game by the usual rule (the map's first maximum
//    in row-major order on a true cue box; a flat map misses) for at least 90% of images, and
//    put more of their map's mass inside the cue boxes (energy) than Grad-CAM and RISE do.
//  - I-GOS optimises the deletion game, so its deletion AUC (the igos variant, 28x28 cells, the
//    same settings for every method) beats Grad-CAM's and RISE's, averaged over the samples.
//  - The default I-GOS / iGOS++ schedule needs at most half the model passes of the reference.

#include "image/image_io.h"
#include "metrics/deletion_insertion.h"
#include "metrics/pointing_game.h"
#include "model/classifier.h"
#include "saliency/method.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <iomanip>
#include <map>

namespace sg {
namespace {

struct MethodScore {
    int hits = 0; // pointing game, the usual rule: the map's first maximum on a true cue
    int flat = 0; // constant maps (misses)
    double plateau = 0.0; // mean count of pixels sharing the maximum
    double energy = 0.0; // mean share of the map's mass inside the true cue boxes
    double deletionAuc = 0.0;
    double insertionAuc = 0.0;
    int images = 0;
};

class GroundTruth : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        classifier_ = Classifier::load(test::sourcePath("models/demo/cues.pt"), "cpu");
        for (const test::CueSample &sample : test::cueSamples()) {
            const cv::Mat image = readImage(sample.file);
            std::vector<PixelBox> boxes;
            for (const auto &box : sample.cues)
                boxes.push_back({box[0], box[1], box[2], box[3]});
            for (const std::string method : {"igos", "igospp", "gradcam", "rise"}) {
                SaliencyRequest request;
                request.classifier = classifier_.get();
                request.image = image;
                request.seed = 1;
                if (method != "gradcam")
                    request.resolution = method == "rise" ? 7 : 28;
                const CancelFlag cancel{false};
                const Heatmap heatmap = MethodRegistry::builtin().get(method).run(request, {}, cancel);
                const auto metrics = evaluateDeletionInsertion(
                    *classifier_, image, heatmap.saliency, heatmap.target, {}, cancel);
                MethodScore &score = scores_[method];
                const PointingResult pointing = pointingGame(heatmap.saliency, boxes);
                score.hits += pointing.hit;
                score.flat += pointing.flat;
                score.plateau += pointing.peakCount;
                score.energy += pointing.energy;
                score.deletionAuc += metrics.deletionAuc;
                score.insertionAuc += metrics.insertionAuc;
                ++score.images;
            }
        }
        for (auto &[method, score] : scores_) {
            score.deletionAuc /= score.images;
            score.insertionAuc /= score.images;
            score.plateau /= score.images;
            score.energy /= score.images;
            std::cout << std::setw(8) << method << ": pointing " << score.hits << "/" << score.images
                      << " (flat " << score.flat << ", mean plateau " << score.plateau << " px), energy "
                      << score.energy << ", deletion AUC " << score.deletionAuc << ", insertion AUC "
                      << score.insertionAuc << '\n';
        }
    }
    static void TearDownTestSuite() { classifier_.reset(); }

    static inline std::shared_ptr<Classifier> classifier_;
    static inline std::map<std::string, MethodScore> scores_;
};

TEST_F(GroundTruth, IgosMaximaFallOnTrueCues)
{
    for (const std::string method : {"igos", "igospp"}) {
        const MethodScore &score = scores_.at(method);
        EXPECT_GE(score.hits, int(std::ceil(0.9 * score.images))) << method;
    }
}

TEST_F(GroundTruth, IgosMassConcentratesOnTrueCues)
{
    for (const std::string method : {"igos", "igospp"}) {
        EXPECT_GT(scores_.at(method).energy, scores_.at("gradcam").energy) << method;
        EXPECT_GT(scores_.at(method).energy, scores_.at("rise").energy) << method;
    }
}

TEST_F(GroundTruth, IgosWinsTheDeletionGame)
{
    EXPECT_LT(scores_.at("igos").deletionAuc, scores_.at("gradcam").deletionAuc);
    EXPECT_LT(scores_.at("igos").deletionAuc, scores_.at("rise").deletionAuc);
}

TEST_F(GroundTruth, DefaultScheduleNeedsAtMostHalfTheReferencePasses)
{
    const test::CueSample sample = test::cueSamples().front();
    for (const std::string method : {"igos", "igospp"}) {
        SaliencyRequest request;
        request.classifier = classifier_.get();
        request.image = readImage(sample.file);
        request.resolution = 28;
        const CancelFlag cancel{false};
        const std::int64_t fast
            = MethodRegistry::builtin().get(method).run(request, {}, cancel).forwardPasses;
        request.params = {{"reference", true}};
        const std::int64_t reference
            = MethodRegistry::builtin().get(method).run(request, {}, cancel).forwardPasses;
        std::cout << method << ": " << fast << " forward passes (default) vs " << reference
                  << " (reference)\n";
        EXPECT_LE(2 * fast, reference) << method;
    }
}

} // namespace
} // namespace sg
