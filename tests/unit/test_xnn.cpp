// XNN on the demo models (issue 11): labelled cue images embedded through the cues model's
// features (checked against a direct pass), the embedding's disk cache (a second call makes no
// pass, a changed file is recomputed), training faithful on held-out images, and another
// model's XNN file refused.

#include "common/error.h"
#include "image/image_io.h"
#include "image/mat_tensor.h"
#include "image/preprocess.h"
#include "xnn/embedding.h"
#include "xnn/labelled_set.h"
#include "xnn/xnn_explain.h"
#include "xnn/xnn_file.h"
#include "xnn/xnn_train.h"

#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace sg {
namespace {

// A batched embedding and a single-image pass may sum in another order: they agree to float
// precision, relative to the value.
float floatTolerance(float expected)
{
    return 1e-5f * std::max(1.0f, std::abs(expected));
}

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const Classifier &cues()
{
    static const std::shared_ptr<Classifier> model
        = Classifier::load(test::sourcePath("models/demo/cues.pt"), "cpu");
    return *model;
}

// Generated cue images sorted into one folder per class (named by label), made once.
const test::TempDir &labelledCues()
{
    static const test::TempDir dir; // removed at exit
    static const bool made = [] {
        const std::string raw = dir.file("raw");
        test::generateCueSamples(101, 80, raw);
        for (const test::CueSample &sample : test::cueSamples(raw)) {
            const fs::path to = dir.path() / "set" / cues().spec().labels[size_t(sample.label)]
                / fs::path(sample.file).filename();
            fs::create_directories(to.parent_path());
            fs::copy_file(sample.file, to);
        }
        return true;
    }();
    (void)made;
    return dir;
}

std::vector<std::string> pathsOf(const LabelledSet &set)
{
    std::vector<std::string> paths;
    for (const LabelledImage &image : set.images)
        paths.push_back(image.path);
    return paths;
}

TEST(XnnEmbedding, PooledFeaturesAndScoresMatchADirectPass)
{
    const LabelledSet set = readLabelledSet(labelledCues().file("set"), cues().spec().labels);
    ASSERT_EQ(set.images.size(), 80u);
    const CancelFlag cancel{false};
    const std::vector<std::string> paths = {set.images[0].path, set.images[41].path, set.images[79].path};
    EmbeddingRequest request;
    request.maxBatch = 2;
    const Embedding e = embedImages(cues(), paths, request, {}, cancel);
    EXPECT_EQ(e.layer, "features:global-average");
    EXPECT_EQ(e.dimension, 64);
    EXPECT_EQ(e.classCount, 4);
    EXPECT_EQ(e.modelHash, modelContentHash(cues()));
    torch::NoGradGuard noGrad;
    for (int i = 0; i < 3; ++i) {
        const torch::Tensor input = toInputTensor(
            {toModelPixels(readImage(paths[size_t(i)]), cues().spec().input)}, cues().spec().input);
        const torch::Tensor map = cues().features(input);
        const torch::Tensor pooled = map.mean({2, 3})[0];
        const torch::Tensor logits = cues().logits(input)[0];
        for (int k = 0; k < 64; ++k) {
            const float expected = pooled[k].item<float>();
            ASSERT_NEAR(e.featureRow(i)[k], expected, floatTolerance(expected)) << i << " " << k;
        }
        for (int c = 0; c < 4; ++c)
            EXPECT_NEAR(e.score(i, c), logits[c].item<float>(), 1e-4);
    }
}

// A grid layer: each channel's cells, channel-major, against loops over the map.
TEST(XnnEmbedding, GridLayersPoolCellsChannelMajorAndUnknownLayersAreRefused)
{
    const LabelledSet set = readLabelledSet(labelledCues().file("set"), cues().spec().labels);
    const CancelFlag cancel{false};
    const std::vector<std::string> paths = {set.images[3].path, set.images[50].path};
    torch::NoGradGuard noGrad;
    for (const bool max : {true, false}) {
        EmbeddingRequest request;
        request.layer = max ? "features:max-2x2" : "features:average-2x2";
        const Embedding e = embedImages(cues(), paths, request, {}, cancel);
        EXPECT_EQ(e.layer, request.layer);
        ASSERT_EQ(e.dimension, 64 * 4);
        for (int i = 0; i < 2; ++i) {
            const torch::Tensor input = toInputTensor(
                {toModelPixels(readImage(paths[size_t(i)]), cues().spec().input)}, cues().spec().input);
            const torch::Tensor map = cues().features(input)[0]; // [64, 14, 14]
            const int64_t half = map.size(1) / 2;
            for (int k = 0; k < 64; ++k)
                for (int cell = 0; cell < 4; ++cell) {
                    const torch::Tensor block = map[k]
                                                    .slice(0, (cell / 2) * half, (cell / 2 + 1) * half)
                                                    .slice(1, (cell % 2) * half, (cell % 2 + 1) * half);
                    const float expected = max ? block.max().item<float>() : block.mean().item<float>();
                    ASSERT_NEAR(e.featureRow(i)[k * 4 + cell], expected, floatTolerance(expected))
                        << i << " " << k << " " << cell;
                }
        }
    }
    EmbeddingRequest global;
    global.layer = "features:global-max";
    const Embedding e = embedImages(cues(), {paths[0]}, global, {}, cancel);
    ASSERT_EQ(e.dimension, 64);
    for (const char *bad :
        {"features:median-2x2", "features:max-2x3", "logits", "features:max-0x0", "features:max-99x99"}) {
        EmbeddingRequest request;
        request.layer = bad;
        EXPECT_THROW(embedImages(cues(), {paths[0]}, request, {}, cancel), Error) << bad;
    }
    EmbeddingRequest tooFine; // the cues map is 14 x 14
    tooFine.layer = "features:max-15x15";
    try {
        embedImages(cues(), {paths[0]}, tooFine, {}, cancel);
        ADD_FAILURE() << "a 15x15 grid on a 14x14 map was accepted";
    } catch (const Error &error) {
        EXPECT_THAT(error.what(), HasSubstr("larger than the model's 14x14"));
    }
}

TEST(XnnEmbedding, SecondCallReadsTheCacheAndAChangedFileIsRecomputed)
{
    test::TempDir dir;
    const LabelledSet set = readLabelledSet(labelledCues().file("set"), cues().spec().labels);
    std::vector<std::string> paths;
    for (int i = 0; i < 6; ++i) {
        paths.push_back(dir.file("img" + std::to_string(i) + ".png"));
        fs::copy_file(set.images[size_t(i * 13)].path, paths.back());
    }
    EmbeddingRequest request;
    request.cacheFolder = dir.file("cache");
    const CancelFlag cancel{false};
    std::int64_t before = cues().forwardCount();
    std::vector<Progress> reports;
    request.maxBatch = 4;
    const Embedding first = embedImages(
        cues(), paths, request, [&](const Progress &p) { reports.push_back(p); }, cancel);
    ASSERT_EQ(reports.size(), 3u); // at the start and after each of the two batches
    EXPECT_EQ(reports[1].done, 4);
    EXPECT_EQ(reports.back().done, 6);
    EXPECT_EQ(reports.back().total, 6);
    EXPECT_EQ(cues().forwardCount() - before, 6);
    EXPECT_EQ(first.computedImages, 6);
    before = cues().forwardCount();
    const Embedding second = embedImages(cues(), paths, request, {}, cancel);
    EXPECT_EQ(cues().forwardCount() - before, 0);
    EXPECT_EQ(second.cachedImages, 6);
    EXPECT_EQ(second.features, first.features);
    EXPECT_EQ(second.scores, first.scores);
    // A changed file: only it is recomputed, and its row is the new image's.
    fs::copy_file(set.images[70].path, paths[2], fs::copy_options::overwrite_existing);
    before = cues().forwardCount();
    const Embedding third = embedImages(cues(), paths, request, {}, cancel);
    EXPECT_EQ(cues().forwardCount() - before, 1);
    EXPECT_EQ(third.computedImages, 1);
    EXPECT_EQ(third.cachedImages, 5);
    const Embedding fresh = embedImages(cues(), {set.images[70].path}, {}, {}, cancel);
    EXPECT_EQ(std::vector<float>(third.featureRow(2), third.featureRow(2) + 64), fresh.features);
    // A damaged entry is recomputed, not trusted.
    for (const auto &entry : fs::directory_iterator(request.cacheFolder))
        fs::resize_file(entry.path(), 20);
    before = cues().forwardCount();
    const Embedding repaired = embedImages(cues(), paths, request, {}, cancel);
    EXPECT_EQ(cues().forwardCount() - before, 6);
    ASSERT_EQ(repaired.features.size(), third.features.size());
    for (size_t k = 0; k < third.features.size(); ++k) // batches of another size round differently
        EXPECT_NEAR(repaired.features[k], third.features[k], 1e-5);
}

TEST(XnnEmbedding, UnreadableImageNamesTheFileAndCancelStops)
{
    test::TempDir dir;
    const std::string bad = dir.write("broken.png", "\x89PNG\r\n\x1a\n not really");
    const CancelFlag cancel{false};
    try {
        embedImages(cues(), {bad}, {}, {}, cancel);
        FAIL() << "no error";
    } catch (const Error &error) {
        EXPECT_THAT(error.what(), HasSubstr("broken.png"));
    }
    const CancelFlag cancelled{true};
    const LabelledSet set = readLabelledSet(labelledCues().file("set"), cues().spec().labels);
    EXPECT_THROW(embedImages(cues(), pathsOf(set), {}, {}, cancelled), Cancelled);
}

TEST(XnnTrainCues, FaithfulOnHeldOutImagesAndRefusedByAnotherModel)
{
    const LabelledSet set = readLabelledSet(labelledCues().file("set"), cues().spec().labels);
    const CancelFlag cancel{false};
    const Embedding e = embedImages(cues(), pathsOf(set), {}, {}, cancel);
    XnnTrainRequest request;
    request.epochs = 25;
    request.maxRounds = 2;
    request.seed = 3;
    test::TempDir dir;
    const std::string path = dir.file("cues.xnn");
    const XnnModel model = trainXnnToFile(e, cues().spec().labels, request, path, {}, cancel);
    ASSERT_EQ(model.classes.size(), 4u);
    EXPECT_EQ(model.heldOutImages, 16);
    for (const XnnClassModel &cls : model.classes) {
        SCOPED_TRACE(cls.label);
        // Better than answering the mean score, on 16 images the XNN never saw.
        EXPECT_LT(cls.report.heldOutRmse, 0.8 * cls.report.heldOutMeanRmse)
            << cls.report.heldOutRmse << " vs " << cls.report.heldOutMeanRmse;
        EXPECT_LT(cls.report.scoreMin, cls.report.scoreMax);
        for (const auto &prototypes : cls.prototypes)
            for (const std::string &prototype : prototypes)
                EXPECT_TRUE(fs::exists(prototype));
    }
    EXPECT_GE(model.heldOutAgreement, 0.5) << model.heldOutAgreement;
    EXPECT_NO_THROW(readXnnFile(path, modelContentHash(cues())));
    const std::shared_ptr<Classifier> fashion
        = Classifier::load(test::sourcePath("models/demo/fashion.pt"), "cpu");
    try {
        readXnnFile(path, modelContentHash(*fashion));
        FAIL() << "no error";
    } catch (const Error &error) {
        EXPECT_THAT(
            error.what(), HasSubstr(path + ": was trained for the model with hash " + model.modelHash));
        EXPECT_THAT(error.what(), HasSubstr(modelContentHash(*fashion)));
    }
}

} // namespace
} // namespace sg
