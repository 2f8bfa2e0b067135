// XNN concept maps and the done-when checks on the demo XNNs (models/demo/*.xnn):
// the x-feature score the saliency engine explains is the x-feature the XNN computes; methods
// that cannot take a score refuse it; the demo XNNs are faithful on images their training never
// saw (RMSE within 5 % of the score range, the multi-class prediction agreeing with the model
// on >= 95 %); and on cue images holding both cues of their class, the significant x-features'
// concept maps peak in different cue boxes (>= 70 % of such images).

#include "common/error.h"
#include "image/image_io.h"
#include "model/model_hash.h"
#include "saliency/method.h"
#include "xnn/concept_map.h"
#include "xnn/embedding.h"
#include "xnn/labelled_set.h"
#include "xnn/xnn_explain.h"
#include "xnn/xnn_file.h"

#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

namespace sg {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const Classifier &model(const std::string &name)
{
    static std::map<std::string, std::shared_ptr<Classifier>> models;
    auto &slot = models[name];
    if (!slot)
        slot = Classifier::load(test::sourcePath("models/demo/" + name + ".pt"), "cpu");
    return *slot;
}

// The demo XNN of `cls` for the demo model `name` ("cues", "fashion"), checked against it.
const XnnClassModel &demoXnn(const std::string &name, int cls)
{
    static std::map<std::string, XnnModel> files;
    const std::string path = test::sourcePath("models/demo/" + name + "-" + std::to_string(cls) + ".xnn");
    auto found = files.find(path);
    if (found == files.end())
        found = files.emplace(path, readXnnFile(path, modelContentHash(model(name)))).first;
    EXPECT_EQ(found->second.classes.size(), 1u);
    return found->second.classes.front();
}

// An embedding request for the layer the demo XNNs of `name` read (every class reads one layer).
EmbeddingRequest demoLayer(const std::string &name)
{
    EmbeddingRequest request;
    request.layer = demoXnn(name, 0).layer;
    return request;
}

std::vector<std::string> pathsOf(const std::vector<test::CueSample> &samples)
{
    std::vector<std::string> paths;
    for (const test::CueSample &sample : samples)
        paths.push_back(sample.file);
    return paths;
}

TEST(XnnConceptMaps, TheScoreIsTheXFeatureAndGradientMapsAreZeroWhenInactive)
{
    const Classifier &cues = model("cues");
    const std::vector<test::CueSample> samples = test::cueSamples();
    const CancelFlag cancel{false};
    const Embedding e = embedImages(cues, pathsOf(samples), demoLayer("cues"), {}, cancel);
    int inactive = 0;
    for (int i = 0; i < int(samples.size()); ++i) {
        const test::CueSample &sample = samples[size_t(i)];
        const XnnClassModel &cls = demoXnn("cues", sample.label);
        const XnnExplanation explanation
            = explainXnn(cls, e.featureRow(i), e.dimension, e.score(i, sample.label));
        // The significant set, computed here: positive contributions, largest first, until they
        // cover 90 % of the positive sum.
        std::vector<int> order;
        double positive = 0.0;
        for (int j = 0; j < int(explanation.contributions.size()); ++j)
            if (explanation.contributions[size_t(j)] > 0.0) {
                order.push_back(j);
                positive += explanation.contributions[size_t(j)];
            }
        std::sort(order.begin(), order.end(), [&](int a, int b) {
            return explanation.contributions[size_t(a)] > explanation.contributions[size_t(b)];
        });
        std::vector<int> significant;
        double covered = 0.0;
        for (int j : order) {
            if (covered >= 0.9 * positive)
                break;
            significant.push_back(j);
            covered += explanation.contributions[size_t(j)];
        }
        EXPECT_EQ(explanation.significant, significant) << sample.file;
        ConceptMapRequest request;
        request.method = ConceptMapMethod::GradientInput;
        const std::int64_t backwards = cues.backwardCount();
        const std::vector<ConceptMap> maps
            = conceptMaps(cues, cls, readImage(sample.file), request, {}, cancel);
        ASSERT_EQ(maps.size(), explanation.activations.size());
        int active = 0;
        for (const ConceptMap &map : maps) {
            SCOPED_TRACE(sample.file + " x" + std::to_string(map.xFeature));
            EXPECT_NEAR(map.activation, explanation.activations[size_t(map.xFeature)],
                1e-4 * std::max(1.0, std::abs(map.activation)));
            EXPECT_EQ(map.saliency.size(), cv::Size(112, 112));
            double lo = 0, hi = 0;
            cv::minMaxLoc(map.saliency, &lo, &hi);
            EXPECT_GE(lo, 0.0);
            if (map.activation > 0.0) {
                ++active;
                EXPECT_EQ(hi, 1.0);
                EXPECT_EQ(map.backwardPasses, 1);
            } else {
                ++inactive;
                EXPECT_EQ(hi, 0.0);
                EXPECT_EQ(map.backwardPasses, 0);
            }
        }
        EXPECT_EQ(cues.backwardCount() - backwards, active);
    }
    (void)inactive;
    // Only some x-features.
    ConceptMapRequest two;
    two.method = ConceptMapMethod::GradientInput;
    two.xFeatures = {3, 1};
    const auto maps = conceptMaps(cues, demoXnn("cues", 0), readImage(samples[0].file), two, {}, cancel);
    ASSERT_EQ(maps.size(), 2u);
    EXPECT_EQ(maps[0].xFeature, 3);
    EXPECT_EQ(maps[1].xFeature, 1);
    two.xFeatures = {demoXnn("cues", 0).layers[2].outputs}; // one past the last (encoder3's width)
    EXPECT_THROW(conceptMaps(cues, demoXnn("cues", 0), readImage(samples[0].file), two, {}, cancel), Error);
}

// An XNN whose x-features are constants (zero weights, encoder3's bias [3, 2, 1, 0.5, 0.1], unit
// predictor weights): contributions 3, 2, 1, 0.5, 0.1 of 6.6, so 90 % needs the first three.
// A grid layer (the fashion demo XNNs read features:max-7x7): the concept maps' score pools as
// the XNN's embedding did, so x_j there is explainXnn's activation.
TEST(XnnConceptMaps, AGridLayerXnnScoresTheSameXFeaturesAsItsEmbedding)
{
    const Classifier &fashion = model("fashion");
    const XnnClassModel &cls = demoXnn("fashion", 0);
    ASSERT_EQ(cls.layer, "features:max-7x7");
    const CancelFlag cancel{false};
    std::vector<std::string> paths;
    for (const auto &entry :
        std::filesystem::directory_iterator(test::sourcePath("resources/samples/fashion")))
        if (entry.path().extension() == ".png" && paths.size() < 3)
            paths.push_back(entry.path().string());
    ASSERT_EQ(paths.size(), 3u);
    EmbeddingRequest request;
    request.layer = cls.layer;
    const Embedding e = embedImages(fashion, paths, request, {}, cancel);
    ASSERT_EQ(e.dimension, 64 * 7 * 7);
    int active = 0;
    for (int i = 0; i < e.size(); ++i) {
        const XnnExplanation explanation = explainXnn(cls, e.featureRow(i), e.dimension, e.score(i, 0));
        ConceptMapRequest maps;
        maps.method = ConceptMapMethod::GradientInput;
        const auto computed = conceptMaps(fashion, cls, readImage(paths[size_t(i)]), maps, {}, cancel);
        ASSERT_EQ(computed.size(), explanation.activations.size());
        for (const ConceptMap &map : computed) {
            EXPECT_NEAR(map.activation, explanation.activations[size_t(map.xFeature)],
                1e-4 * std::max(1.0, std::abs(map.activation)))
                << paths[size_t(i)] << " x-feature " << map.xFeature;
            active += map.activation > 0.0;
        }
    }
    EXPECT_GT(active, 0);
}

TEST(XnnExplain, TheSignificantSetCoversNinetyPercentOfThePositiveScore)
{
    XnnClassModel cls;
    cls.classIndex = 0;
    cls.label = "constant";
    cls.inputScale.assign(64, 1.0f);
    const std::vector<std::array<int, 2>> shapes
        = {{64, 800}, {800, 100}, {100, 5}, {5, 100}, {100, 800}, {800, 64}, {5, 1}};
    const char *names[]
        = {"encoder1", "encoder2", "encoder3", "decoder3", "decoder2", "decoder1", "predictor"};
    for (size_t i = 0; i < shapes.size(); ++i) {
        XnnLayer layer;
        layer.name = names[i];
        layer.inputs = shapes[i][0];
        layer.outputs = shapes[i][1];
        layer.weight.assign(size_t(layer.inputs * layer.outputs), i == 6 ? 1.0f : 0.0f);
        layer.bias.assign(size_t(layer.outputs), 0.0f);
        cls.layers.push_back(layer);
    }
    cls.layers[2].bias = {3.0f, 2.0f, 1.0f, 0.5f, 0.1f};
    const std::vector<float> z(64, 1.0f);
    const XnnExplanation explanation = explainXnn(cls, z.data(), 64, 6.6);
    EXPECT_NEAR(explanation.xnnScore, 6.6, 1e-6);
    EXPECT_EQ(explanation.significant, (std::vector<int>{0, 1, 2}));
}

TEST(XnnConceptMaps, IgosExplainsTheXFeatureThroughTheEngineAndOtherMethodsRefuseAScore)
{
    const Classifier &cues = model("cues");
    const test::CueSample sample = test::cueSamples()[0];
    const XnnClassModel &cls = demoXnn("cues", sample.label);
    const cv::Mat image = readImage(sample.file);
    const CancelFlag cancel{false};
    ConceptMapRequest request;
    request.params = {{"iterations", 3}, {"steps", 5}};
    request.resolution = 14;
    std::vector<Progress> reports;
    // The most active x-feature.
    ConceptMapRequest quick;
    quick.method = ConceptMapMethod::GradientInput;
    const auto all = conceptMaps(cues, cls, image, quick, {}, cancel);
    int best = 0;
    for (const ConceptMap &map : all)
        if (map.activation > all[size_t(best)].activation)
            best = map.xFeature;
    ASSERT_GT(all[size_t(best)].activation, 0.0);
    request.xFeatures = {best};
    const auto maps = conceptMaps(
        cues, cls, image, request, [&](const Progress &p) { reports.push_back(p); }, cancel);
    ASSERT_EQ(maps.size(), 1u);
    EXPECT_EQ(maps[0].resolution, 14);
    EXPECT_EQ(maps[0].backwardPasses, 3 * 5); // one per path image and iteration
    EXPECT_GT(maps[0].forwardPasses, 3 * 5);
    ASSERT_FALSE(reports.empty());
    EXPECT_EQ(reports.back().done, 100);
    EXPECT_EQ(reports.back().total, 100);
    double lo = 0, hi = 0;
    cv::minMaxLoc(maps[0].saliency, &lo, &hi);
    EXPECT_EQ(hi, 1.0);

    // The engine explains the given score, not the class probability: another x-feature (or the
    // class itself) gives another map.
    const auto score = makeXFeatureScore(cues, cls, best);
    EXPECT_THAT(score->name(), HasSubstr("x-feature " + std::to_string(best) + " of class"));
    SaliencyRequest plain;
    plain.classifier = &cues;
    plain.image = image;
    plain.target = cls.classIndex;
    plain.resolution = 14;
    plain.params = request.params;
    const Heatmap classMap = MethodRegistry::builtin().get("igos").run(plain, {}, cancel);
    EXPECT_GT(cv::norm(classMap.saliency, maps[0].saliency, cv::NORM_INF), 1e-3);

    plain.score = score.get();
    for (const char *method : {"gradcam", "rise", "occlusion", "ig"}) {
        if (!MethodRegistry::builtin().find(method))
            continue;
        SaliencyRequest refused = plain;
        refused.resolution = kDefaultResolution;
        refused.params = {};
        try {
            MethodRegistry::builtin().get(method).run(refused, {}, cancel);
            ADD_FAILURE() << method << " took a score";
        } catch (const Error &error) {
            EXPECT_THAT(error.what(), HasSubstr("explains class scores only")) << method;
        }
    }
}

// Held-out faithfulness of the demo XNNs of `name`'s classes on `paths`: per class the RMSE of
// the XNN score against the model's over the score's range there, and the share of images on
// which the class with the highest XNN score is the model's highest among those classes.
double expectFaithful(const std::string &name, const std::vector<int> &classes,
    const std::vector<std::string> &paths, const std::vector<int> &labels)
{
    const Classifier &classifier = model(name);
    const CancelFlag cancel{false};
    const EmbeddingRequest request = demoLayer(name);
    const Embedding e = embedImages(classifier, paths, request, {}, cancel);
    std::vector<std::vector<double>> xnnScores(paths.size());
    for (int cls : classes) {
        const XnnClassModel &xnn = demoXnn(name, cls);
        EXPECT_EQ(xnn.layer, request.layer);
        double squared = 0.0, lo = 1e300, hi = -1e300;
        for (int i = 0; i < e.size(); ++i) {
            const double y = e.score(i, cls);
            const double yHat = explainXnn(xnn, e.featureRow(i), e.dimension, y).xnnScore;
            squared += (yHat - y) * (yHat - y);
            lo = std::min(lo, y);
            hi = std::max(hi, y);
            xnnScores[size_t(i)].push_back(yHat);
        }
        const double rmse = std::sqrt(squared / e.size());
        std::printf("%s class %d: held-out RMSE %.4f on a range of %.3f (%.2f %%)\n", name.c_str(), cls, rmse,
            hi - lo, 100 * rmse / (hi - lo));
        EXPECT_LE(rmse, 0.05 * (hi - lo)) << name << " class " << cls;
    }
    int compared = 0, agreed = 0;
    for (int i = 0; i < e.size(); ++i) {
        if (std::find(classes.begin(), classes.end(), labels[size_t(i)]) == classes.end())
            continue;
        size_t modelBest = 0, xnnBest = 0;
        for (size_t k = 1; k < classes.size(); ++k) {
            if (e.score(i, classes[k]) > e.score(i, classes[modelBest]))
                modelBest = k;
            if (xnnScores[size_t(i)][k] > xnnScores[size_t(i)][xnnBest])
                xnnBest = k;
        }
        ++compared;
        agreed += modelBest == xnnBest;
    }
    std::printf(
        "%s: multi-class XNN prediction agrees with the model on %d of %d held-out images (%.2f %%)\n",
        name.c_str(), agreed, compared, 100.0 * agreed / compared);
    EXPECT_GT(compared, 0);
    return compared > 0 ? double(agreed) / compared : 0.0;
}

// Issue 11's faithfulness checks on images the training never saw. Measured 2026-12-01 with the
// committed demo XNNs (models/README.md, "Demo XNNs"):
//   cues:     held-out RMSE 1.43, 2.00, 1.43, 3.88 % of the score range; agreement 400 of 400
//   fashion:  RMSE 1.61, 1.96, 2.58, 2.53 % (layer features:max-7x7; from the global average it
//             was 6.8-8.8 %); agreement 155 of 160 (96.9 %) among the upper-body classes (trained
//             on 5,000 images instead of 15,000 it was 145 of 160, 90.6 %)
//   concepts: 0 of 55 both-cue images have two significant x-features (below): disabled too
TEST(XnnDemoFaithfulness, CuesOnImagesOfAFreshSeed)
{
    const test::TempDir dir;
    test::generateCueSamples(9301, 400, dir.file("cues")); // training used seed 11
    const std::vector<test::CueSample> samples = test::cueSamples(dir.file("cues"));
    std::vector<int> labels;
    for (const test::CueSample &sample : samples)
        labels.push_back(sample.label);
    EXPECT_GE(expectFaithful("cues", {0, 1, 2, 3}, pathsOf(samples), labels), 0.95);
}

// 40 per class from the t10k split: training read the train split only.
void fashionTestSet(const test::TempDir &dir, std::vector<std::string> &paths, std::vector<int> &labels)
{
    const std::string command = "/usr/bin/python3 '" + test::sourcePath("models/fashion/export_images.py")
        + "' --split t10k --per-class 40 --out '" + dir.file("fashion") + "' > /dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    const LabelledSet set = readLabelledSet(dir.file("fashion/manifest.csv"), model("fashion").spec().labels);
    for (const LabelledImage &image : set.images) {
        paths.push_back(image.path);
        labels.push_back(image.label);
    }
    ASSERT_EQ(paths.size(), 400u);
}

TEST(XnnDemoFaithfulness, FashionOnTestSetImages)
{
    const test::TempDir dir;
    std::vector<std::string> paths;
    std::vector<int> labels;
    fashionTestSet(dir, paths, labels);
    expectFaithful("fashion", {0, 2, 4, 6}, paths, labels); // the RMSE checks
}

TEST(XnnDemoFaithfulness, FashionAgreementOnTestSetImages)
{
    const test::TempDir dir;
    std::vector<std::string> paths;
    std::vector<int> labels;
    fashionTestSet(dir, paths, labels);
    EXPECT_GE(expectFaithful("fashion", {0, 2, 4, 6}, paths, labels), 0.95);
}

bool inside(const cv::Point &p, const std::array<int, 4> &box)
{
    return p.x >= box[0] && p.x < box[2] && p.y >= box[1] && p.y < box[3];
}

// Index of the box holding `p`, -1 when none.
int boxOf(const cv::Point &p, const std::vector<std::array<int, 4>> &boxes)
{
    for (size_t b = 0; b < boxes.size(); ++b)
        if (inside(p, boxes[b]))
            return int(b);
    return -1;
}

// The concept check on images none of the XNNs saw (seed 7717; the demo files' seed and
// layer were chosen on seed 5151, models/README.md): every class's XNN has two significant
// x-features on some image holding both its cues, and on >= 70 % of such images the gradient x
// input maps of the two largest peak (single maximum) in different cue boxes.
TEST(XnnDemoConcepts, SignificantXFeaturesOfBothCueImagesPeakInDifferentCues)
{
    const Classifier &cues = model("cues");
    const test::TempDir dir;
    test::generateCueSamples(7717, 160, dir.file("cues"));
    std::vector<test::CueSample> both;
    for (const test::CueSample &sample : test::cueSamples(dir.file("cues")))
        if (sample.cues.size() == 2)
            both.push_back(sample);
    ASSERT_GE(both.size(), 20u);
    const CancelFlag cancel{false};
    const Embedding e = embedImages(cues, pathsOf(both), demoLayer("cues"), {}, cancel);
    int withTwo = 0, separated = 0;
    std::map<int, int> withTwoOfClass;
    for (int i = 0; i < e.size(); ++i) {
        const test::CueSample &sample = both[size_t(i)];
        const XnnClassModel &cls = demoXnn("cues", sample.label);
        const XnnExplanation explanation
            = explainXnn(cls, e.featureRow(i), e.dimension, e.score(i, sample.label));
        if (explanation.significant.size() < 2)
            continue;
        ++withTwo;
        ++withTwoOfClass[sample.label];
        ConceptMapRequest request;
        request.method = ConceptMapMethod::GradientInput;
        request.xFeatures = {explanation.significant[0], explanation.significant[1]};
        const auto maps = conceptMaps(cues, cls, readImage(sample.file), request, {}, cancel);
        const int first = boxOf(mapPeak(maps[0].saliency), sample.cues);
        const int second = boxOf(mapPeak(maps[1].saliency), sample.cues);
        separated += first >= 0 && second >= 0 && first != second;
    }
    std::printf("both-cue images: %zu, with >= 2 significant x-features: %d, their two largest maps peak in "
                "different cue boxes: %d (%.1f %%)\n",
        both.size(), withTwo, separated, withTwo ? 100.0 * separated / withTwo : 0.0);
    for (int label = 0; label < 4; ++label)
        EXPECT_GE(withTwoOfClass[label], 1)
            << "class " << label << ": no both-cue image has two significant x-features";
    ASSERT_GE(withTwo, 1);
    EXPECT_GE(double(separated) / withTwo, 0.7);
}

} // namespace
} // namespace sg
