// The XNN parts that need no model (issue 11): each loss against a hand computation with
// explicit loops, the significant set, request validation, training determinism and
// faithfulness on synthetic embeddings, the XNN file (round trip, another model's file, corrupt
// files, atomic writes, cancel leaving no file) and the labelled set's errors.

#include "common/error.h"
#include "xnn/embedding.h"
#include "xnn/labelled_set.h"
#include "xnn/srae.h"
#include "xnn/xnn_explain.h"
#include "xnn/xnn_file.h"
#include "xnn/xnn_train.h"

#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

namespace sg {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::vector<std::vector<double>> randomMatrix(int rows, int cols, std::mt19937 &rng, double low, double high)
{
    std::uniform_real_distribution<double> uniform(low, high);
    std::vector<std::vector<double>> m(
        static_cast<size_t>(rows), std::vector<double>(static_cast<size_t>(cols)));
    for (auto &row : m)
        for (double &v : row)
            v = uniform(rng);
    return m;
}

torch::Tensor toTensor(const std::vector<std::vector<double>> &m)
{
    torch::Tensor t = torch::empty({int64_t(m.size()), int64_t(m[0].size())}, torch::kFloat64);
    for (size_t i = 0; i < m.size(); ++i)
        for (size_t j = 0; j < m[0].size(); ++j)
            t[int64_t(i)][int64_t(j)] = m[i][j];
    return t;
}

// The pull-away term written out: vectors = rows (images) or columns (features) of F + 1e-8.
double pullAwayByLoops(const std::vector<std::vector<double>> &x, const std::vector<double> &v, bool images)
{
    const size_t m = x.size(), l = v.size();
    std::vector<std::vector<double>> vectors;
    if (images) {
        for (size_t i = 0; i < m; ++i) {
            std::vector<double> row;
            for (size_t j = 0; j < l; ++j)
                row.push_back(x[i][j] * v[j] + 1e-8);
            vectors.push_back(row);
        }
    } else {
        for (size_t j = 0; j < l; ++j) {
            std::vector<double> column;
            for (size_t i = 0; i < m; ++i)
                column.push_back(x[i][j] * v[j] + 1e-8);
            vectors.push_back(column);
        }
    }
    const size_t n = vectors.size();
    double sum = 0.0;
    for (size_t a = 0; a < n; ++a)
        for (size_t b = 0; b < n; ++b) {
            if (a == b)
                continue;
            double dot = 0.0, na = 0.0, nb = 0.0;
            for (size_t k = 0; k < vectors[a].size(); ++k) {
                dot += vectors[a][k] * vectors[b][k];
                na += vectors[a][k] * vectors[a][k];
                nb += vectors[b][k] * vectors[b][k];
            }
            const double cosine = dot / std::sqrt(na) / std::sqrt(nb);
            sum += cosine * cosine;
        }
    return sum / double(n * (n - 1));
}

TEST(XnnLosses, PullAwayMatchesLoopsInBothModes)
{
    std::mt19937 rng(5);
    const auto x = randomMatrix(7, 4, rng, 0.0, 2.0);
    auto v = randomMatrix(1, 4, rng, -1.0, 1.0)[0];
    const torch::Tensor xt = toTensor(x);
    const torch::Tensor vt = toTensor({v});
    const double images = xnn::pullAwayLoss(xt, vt, xnn::PullAwayAxis::Images).item<double>();
    const double features = xnn::pullAwayLoss(xt, vt, xnn::PullAwayAxis::Features).item<double>();
    EXPECT_NEAR(images, pullAwayByLoops(x, v, true), 1e-12);
    EXPECT_NEAR(features, pullAwayByLoops(x, v, false), 1e-12);
    EXPECT_GT(std::abs(images - features), 1e-3); // the two modes are different terms
}

TEST(XnnLosses, PullAwayOfOrthogonalAndParallelVectors)
{
    // Rows with disjoint support are orthogonal (cos = 0 up to the 1e-8 offset); equal rows give 1.
    const torch::Tensor v = torch::ones({1, 3}, torch::kFloat64);
    const torch::Tensor disjoint = torch::eye(3, torch::kFloat64);
    EXPECT_NEAR(xnn::pullAwayLoss(disjoint, v, xnn::PullAwayAxis::Images).item<double>(), 0.0, 1e-12);
    const torch::Tensor same = torch::ones({4, 3}, torch::kFloat64);
    EXPECT_NEAR(xnn::pullAwayLoss(same, v, xnn::PullAwayAxis::Images).item<double>(), 1.0, 1e-12);
    // An all-zero contribution matrix: the epsilon makes every vector parallel, not NaN.
    const torch::Tensor zero = torch::zeros({4, 3}, torch::kFloat64);
    EXPECT_NEAR(xnn::pullAwayLoss(zero, v, xnn::PullAwayAxis::Features).item<double>(), 1.0, 1e-12);
    // One image has no pair.
    EXPECT_EQ(
        xnn::pullAwayLoss(torch::ones({1, 3}, torch::kFloat64), v, xnn::PullAwayAxis::Images).item<double>(),
        0.0);
}

TEST(XnnLosses, LogPenaltyAndMseAgainstDirectComputation)
{
    std::mt19937 rng(9);
    const auto z = randomMatrix(5, 3, rng, 0.0, 1.0);
    const auto r = randomMatrix(5, 3, rng, 0.0, 1.0);
    const double q = 100.0;
    double expected = 0.0, mse = 0.0;
    for (size_t k = 0; k < 3; ++k) {
        double error = 0.0;
        for (size_t i = 0; i < 5; ++i) {
            error += (r[i][k] - z[i][k]) * (r[i][k] - z[i][k]);
            mse += (r[i][k] - z[i][k]) * (r[i][k] - z[i][k]);
        }
        expected += std::log(1.0 + q * error / 5.0);
    }
    expected /= 3.0;
    mse /= 15.0;
    EXPECT_NEAR(
        xnn::logPenaltyReconstructionLoss(toTensor(r), toTensor(z), q).item<double>(), expected, 1e-12);
    EXPECT_NEAR(xnn::mseReconstructionLoss(toTensor(r), toTensor(z)).item<double>(), mse, 1e-12);
}

TEST(XnnLosses, FaithfulnessIsMeanSquaredError)
{
    const torch::Tensor prediction = torch::tensor({1.0, 2.0, 4.0}, torch::kFloat64);
    const torch::Tensor target = torch::tensor({0.0, 2.0, 1.0}, torch::kFloat64);
    EXPECT_NEAR(xnn::faithfulnessLoss(prediction, target).item<double>(), (1.0 + 0.0 + 9.0) / 3.0, 1e-15);
}

TEST(XnnExplain, SignificantSetIsTheSmallestCoveringNinetyPercent)
{
    EXPECT_EQ(significantXFeatures({5.0, -3.0, 1.0, 0.0, 4.0}), (std::vector<int>{0, 4})); // 9 of 10 = 90 %
    EXPECT_EQ(significantXFeatures({5.0, 0.9, 4.0, 0.2}), (std::vector<int>{0, 2, 1})); // 9 of 10.1 < 90 %
    EXPECT_EQ(significantXFeatures({-1.0, 0.0}), (std::vector<int>{}));
    EXPECT_EQ(significantXFeatures({2.0, 2.0}), (std::vector<int>{0, 1})); // ties: lower index first
}

TEST(XnnExplain, ClassChoiceRequestedElseModelTopElseFirst)
{
    const std::vector<int> explained{6, 2, 4, 2}; // class indices, in file order
    EXPECT_EQ(chooseXnnClass(explained, 4, 2), 2); // requested wins over the top
    EXPECT_EQ(chooseXnnClass(explained, 3, 2), -1); // requested but not explained: an error
    EXPECT_EQ(chooseXnnClass(explained, -1, 2), 1); // the top, its first occurrence
    EXPECT_EQ(chooseXnnClass(explained, -1, 9), 0); // top not explained: the first
    EXPECT_EQ(chooseXnnClass({}, -1, 0), -1);
    Embedding embedding;
    embedding.classCount = 3;
    embedding.paths = {"a", "b"};
    embedding.scores = {0.5f, 2.0f, 2.0f, 3.0f, -1.0f, 0.0f};
    EXPECT_EQ(embedding.topClass(0), 1); // first among equal scores
    EXPECT_EQ(embedding.topClass(1), 0);
}

TEST(XnnTrain, RebalancingRule)
{
    EXPECT_TRUE(xnnRoundBalanced({1.0, 0.3, -2.0, 0.0, 0.1}, 2, 0.3)); // m(2) / m(1) = 0.3 exactly
    EXPECT_FALSE(xnnRoundBalanced({1.0, 0.29, -2.0, 0.0, 0.1}, 2, 0.3));
    EXPECT_FALSE(xnnRoundBalanced({0.4, 0.0, 0.0}, 2, 0.3)); // one positive
    EXPECT_TRUE(xnnRoundBalanced({0.0, 0.4, 0.5}, 2, 0.3)); // order does not matter
    EXPECT_FALSE(xnnRoundBalanced({-1.0, -0.5}, 1, 0.3));
    EXPECT_TRUE(xnnRoundBalanced({0.4, 0.0}, 1, 0.0));
}

std::string trainError(const XnnTrainRequest &request, int dimension = 8, int classes = 3, int images = 40)
{
    try {
        validateXnnTrainRequest(request, dimension, classes, images);
    } catch (const Error &error) {
        return error.what();
    }
    return "";
}

TEST(XnnTrainRequest, AbsurdValuesAreClearErrors)
{
    XnnTrainRequest r;
    EXPECT_EQ(trainError(r), "");
    r.xFeatures = 0;
    EXPECT_THAT(trainError(r), HasSubstr("xnn: x-features 0 is out of range (1 to 100)"));
    r = {};
    r.q = 0;
    EXPECT_THAT(trainError(r), HasSubstr("xnn: q 0 is out of range (above 0"));
    r = {};
    r.alphaRec = std::nan("");
    EXPECT_THAT(trainError(r), HasSubstr("alpha rec nan is out of range"));
    r = {};
    r.alphaPred = 0;
    EXPECT_THAT(trainError(r), HasSubstr("alpha pred 0 is out of range (above 0"));
    r = {};
    r.batchSize = 0;
    EXPECT_THAT(trainError(r), HasSubstr("batch size 0 is out of range"));
    r = {};
    r.learningRate = -1;
    EXPECT_THAT(trainError(r), HasSubstr("learning rate -1 is out of range"));
    r = {};
    r.holdOutFraction = 0.95;
    EXPECT_THAT(trainError(r), HasSubstr("hold-out fraction 0.95 is out of range (0 to 0.9)"));
    r = {};
    r.classes = {0, 3};
    EXPECT_THAT(trainError(r), HasSubstr("xnn: class 3 is not a class of the model (0 to 2)"));
    r = {};
    r.classes = {1, 1};
    EXPECT_THAT(trainError(r), HasSubstr("class 1 is listed twice"));
    r = {};
    r.minPositive = 6;
    EXPECT_THAT(trainError(r), HasSubstr("minimum positive x-features 6 is out of range (1 to 5)"));
    r = {};
    EXPECT_THAT(trainError(r, 8, 3, 2), HasSubstr("2 images leave 1 for training"));
    EXPECT_THAT(trainError(r, 0), HasSubstr("no feature values"));
    EXPECT_THROW(xnnPullAwayFromName("rows"), Error);
    EXPECT_EQ(xnnPullAwayFromName("features"), XnnPullAway::Features);
}

TEST(XnnTrainRequest, SchemaParamsEqualityAndCacheKeyAgree)
{
    const XnnTrainRequest defaults;
    EXPECT_EQ(xnnTrainRequestWithParams(defaults, {}), defaults);
    ParamValues given;
    for (const ParamSpec &spec : xnnTrainParameterSchema())
        given[spec.name] = spec.defaultValue;
    EXPECT_EQ(
        xnnTrainRequestWithParams(defaults, given), defaults); // the schema's defaults are the request's
    Embedding e;
    e.modelHash = "m@cpu";
    e.paths = {"/a.png"};
    e.imageHashes = {"1"};
    const std::string key = xnnTrainCacheKey(e, defaults);
    // Changing any one parameter changes the request and its key.
    for (const ParamSpec &spec : xnnTrainParameterSchema()) {
        ParamValues one;
        if (spec.kind == ParamKind::Boolean)
            one[spec.name] = !spec.defaultValue.boolean();
        else if (spec.kind == ParamKind::Choice)
            one[spec.name] = spec.defaultValue.text() == "images" ? "features" : "images";
        else if (spec.kind == ParamKind::Integer)
            one[spec.name] = spec.defaultValue.integer() == std::int64_t(spec.minimum)
                ? std::int64_t(spec.minimum + 1)
                : std::int64_t(spec.minimum);
        else
            one[spec.name] = spec.defaultValue.number() == spec.maximum ? spec.minimum : spec.maximum;
        const XnnTrainRequest changed = xnnTrainRequestWithParams(defaults, one);
        EXPECT_NE(changed, defaults) << spec.name;
        EXPECT_NE(xnnTrainCacheKey(e, changed), key) << spec.name;
    }
    XnnTrainRequest seeded;
    seeded.seed = 4;
    EXPECT_NE(xnnTrainCacheKey(e, seeded), key);
    seeded = {};
    seeded.classes = {2};
    EXPECT_NE(xnnTrainCacheKey(e, seeded), key);
    Embedding moved = e;
    moved.paths = {"/b.png"};
    EXPECT_NE(xnnTrainCacheKey(moved, defaults), key);
    EXPECT_EQ(xnnTrainCacheKey(e, XnnTrainRequest{}), key);
    EXPECT_THROW(xnnTrainRequestWithParams(defaults, {{"epochs", std::int64_t(0)}}), Error);
    EXPECT_THROW(xnnTrainRequestWithParams(defaults, {{"pull_away", "rows"}}), Error);
}

// Synthetic embedding: non-negative features, class scores linear in them plus a non-linear part.
Embedding syntheticEmbedding(int images, int dimension, int classes, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    Embedding e;
    e.modelHash = "0123456789abcdef@cpu";
    e.dimension = dimension;
    e.classCount = classes;
    std::vector<std::vector<float>> w(
        static_cast<size_t>(classes), std::vector<float>(static_cast<size_t>(dimension)));
    for (auto &row : w)
        for (float &v : row)
            v = normal(rng);
    for (int i = 0; i < images; ++i) {
        e.paths.push_back("/images/" + std::to_string(i) + ".png");
        e.imageHashes.push_back(std::to_string(i));
        std::vector<float> z(static_cast<size_t>(dimension));
        for (float &v : z)
            v = std::max(0.0f, normal(rng) + 0.3f);
        e.features.insert(e.features.end(), z.begin(), z.end());
        for (int c = 0; c < classes; ++c) {
            float score = 0.0f;
            for (int k = 0; k < dimension; ++k)
                score += w[size_t(c)][size_t(k)] * z[size_t(k)];
            e.scores.push_back(4.0f * (score + 0.5f * z[0] * z[1]));
        }
    }
    return e;
}

XnnTrainRequest quickRequest()
{
    XnnTrainRequest r;
    r.epochs = 30;
    r.maxRounds = 2;
    r.pretrainEpochs = 1;
    r.prototypes = 3;
    return r;
}

std::vector<float> allWeights(const XnnModel &model)
{
    std::vector<float> values;
    for (const XnnClassModel &cls : model.classes)
        for (const XnnLayer &layer : cls.layers) {
            values.insert(values.end(), layer.weight.begin(), layer.weight.end());
            values.insert(values.end(), layer.bias.begin(), layer.bias.end());
        }
    return values;
}

TEST(XnnTrain, SameSeedSameWeightsOtherSeedOtherWeights)
{
    const Embedding e = syntheticEmbedding(60, 8, 2, 1);
    const CancelFlag cancel{false};
    XnnTrainRequest r = quickRequest();
    r.epochs = 4;
    r.classes = {1};
    const XnnModel first = trainXnn(e, {"a", "b"}, r, {}, cancel);
    const XnnModel second = trainXnn(e, {"a", "b"}, r, {}, cancel);
    ASSERT_EQ(first.classes.size(), 1u);
    EXPECT_EQ(first.classes[0].label, "b");
    EXPECT_TRUE(first.classes[0].layers == second.classes[0].layers);
    EXPECT_EQ(allWeights(first), allWeights(second));
    r.seed = 1;
    const XnnModel other = trainXnn(e, {"a", "b"}, r, {}, cancel);
    EXPECT_NE(allWeights(first), allWeights(other));
}

TEST(XnnTrain, FaithfulOnHeldOutSyntheticScoresAndExplainsConsistently)
{
    const Embedding e = syntheticEmbedding(150, 8, 2, 2);
    const CancelFlag cancel{false};
    std::vector<XnnEpochReport> epochs;
    int lastDone = 0, lastTotal = 0;
    const XnnModel model = trainXnn(
        e, {"a", "b"}, quickRequest(), [&](const Progress &p) { lastDone = p.done, lastTotal = p.total; },
        cancel, [&](const XnnEpochReport &report) { epochs.push_back(report); });
    ASSERT_EQ(model.classes.size(), 2u);
    EXPECT_EQ(model.heldOutImages, 30);
    EXPECT_EQ(model.trainImages, 120);
    EXPECT_EQ(lastDone, lastTotal);
    EXPECT_GE(model.heldOutAgreement, 0.0);
    for (const XnnClassModel &cls : model.classes) {
        const XnnClassReport &report = cls.report;
        SCOPED_TRACE(cls.label);
        EXPECT_EQ(int(report.epochs.size()), report.rounds * 30);
        // Each unbalanced round raised alpha_rec by 1.2 and lowered alpha_PT by 0.8.
        EXPECT_EQ(report.balanced, xnnRoundBalanced(report.meanContributions, 2, 0.3));
        // The weights reported are the kept round's: the accepted (last) one, or the most faithful.
        EXPECT_TRUE(report.balanced ? report.keptRound == report.rounds
                                    : report.keptRound >= 1 && report.keptRound <= report.rounds);
        EXPECT_DOUBLE_EQ(report.alphaRec, 10.0 * std::pow(1.2, report.keptRound - 1));
        EXPECT_DOUBLE_EQ(report.alphaPt, 10.0 * std::pow(0.8, report.keptRound - 1));
        EXPECT_TRUE(report.balanced || report.rounds == 2);
        EXPECT_EQ(report.epochs.back().round, report.rounds);
        // Faithfulness: far better than a constant on images the XNN never saw.
        EXPECT_LT(report.heldOutRmse, 0.6 * report.heldOutMeanRmse)
            << report.heldOutRmse << " vs " << report.heldOutMeanRmse;
        EXPECT_LT(report.epochs.back().prediction, report.epochs.front().prediction);
        EXPECT_EQ(cls.prototypes.size(), 5u);
        // The explanation's parts add up to the XNN score.
        const XnnExplanation explanation
            = explainXnn(cls, e.featureRow(3), e.dimension, e.score(3, cls.classIndex));
        double sum = explanation.bias;
        for (size_t j = 0; j < explanation.contributions.size(); ++j) {
            EXPECT_GE(explanation.activations[j], 0.0);
            EXPECT_DOUBLE_EQ(
                explanation.contributions[j], explanation.activations[j] * explanation.weights[j]);
            sum += explanation.contributions[j];
        }
        EXPECT_NEAR(explanation.xnnScore, sum, 1e-9);
        EXPECT_NEAR(explanation.xnnScore, explanation.modelScore, 4.0 * report.trainRmse + 1.0);
    }
    EXPECT_EQ(epochs.size(), model.classes[0].report.epochs.size() + model.classes[1].report.epochs.size());
}

TEST(XnnTrain, FeaturesModePullAwayAlsoTrainsFaithfully)
{
    const Embedding e = syntheticEmbedding(150, 8, 1, 6);
    const CancelFlag cancel{false};
    XnnTrainRequest r = quickRequest();
    r.pullAway = XnnPullAway::Features;
    r.alphaRec = 15.0; // the reference's CUB weights for this mode
    r.alphaPt = 5.0;
    const XnnModel model = trainXnn(e, {"a"}, r, {}, cancel);
    const XnnClassReport &report = model.classes[0].report;
    EXPECT_LT(report.heldOutRmse, 0.6 * report.heldOutMeanRmse) << report.heldOutRmse;
    for (const XnnEpochLoss &epoch : report.epochs) {
        EXPECT_GE(epoch.pullAway, 0.0);
        EXPECT_LE(epoch.pullAway, 1.0 + 1e-6); // a mean of squared cosines
    }
    EXPECT_EQ(model.heldOutAgreement, 1.0); // one class: the top class always agrees
}

TEST(XnnTrain, CancelStopsBetweenBatchesAndWritesNoFile)
{
    const Embedding e = syntheticEmbedding(60, 8, 2, 3);
    test::TempDir dir;
    const std::string path = dir.file("cancelled.xnn");
    CancelFlag cancel{false};
    int batches = 0;
    EXPECT_THROW(trainXnnToFile(
                     e, {"a", "b"}, quickRequest(), path,
                     [&](const Progress &) {
                         if (++batches == 3)
                             cancel = true;
                     },
                     cancel),
        Cancelled);
    EXPECT_FALSE(fs::exists(path));
    EXPECT_TRUE(fs::is_empty(dir.path())); // no temporary either
    // An older file survives a cancelled retraining.
    cancel = false;
    XnnTrainRequest r = quickRequest();
    r.epochs = 2;
    r.maxRounds = 1;
    const XnnModel old = trainXnnToFile(e, {"a", "b"}, r, path, {}, cancel);
    const std::string before = test::readBytes(path);
    batches = 0;
    EXPECT_THROW(trainXnnToFile(
                     e, {"a", "b"}, quickRequest(), path,
                     [&](const Progress &) {
                         if (++batches == 2)
                             cancel = true;
                     },
                     cancel),
        Cancelled);
    EXPECT_EQ(test::readBytes(path), before);
}

XnnModel smallModel()
{
    const Embedding e = syntheticEmbedding(40, 6, 2, 4);
    XnnTrainRequest r = quickRequest();
    r.epochs = 2;
    r.maxRounds = 1;
    const CancelFlag cancel{false};
    return trainXnn(e, {"a", "b"}, r, {}, cancel);
}

TEST(XnnFile, RoundTripKeepsEverything)
{
    XnnModel model = smallModel();
    test::TempDir dir;
    // Absolute prototype paths come back as they were (the file's path is absolute).
    model.classes[0].prototypes = {{dir.file("images/a.png"), "/elsewhere/b.png"}, {}, {}, {}, {}};
    // Thumbnails of every byte value and every length modulo 3 (the base64 padding cases).
    std::string all;
    for (int b = 0; b < 256; ++b)
        all += char(b);
    model.classes[0].prototypeThumbnails = {{all, all.substr(0, 255)}, {}, {}, {}, {}};
    model.classes[1].prototypeThumbnails = {{all.substr(0, 254), ""}, {}, {}, {}, {}};
    const std::string path = dir.file("m.xnn");
    writeXnnFile(model, path);
    const XnnModel back = readXnnFile(path, model.modelHash);
    EXPECT_EQ(back.modelHash, model.modelHash);
    EXPECT_EQ(back.layer, model.layer);
    EXPECT_EQ(back.dimension, 6);
    EXPECT_EQ(back.xFeatures, 5);
    EXPECT_EQ(back.heldOutAgreement, model.heldOutAgreement);
    ASSERT_EQ(back.classes.size(), 2u);
    for (size_t c = 0; c < 2; ++c) {
        EXPECT_EQ(back.classes[c].classIndex, model.classes[c].classIndex);
        EXPECT_EQ(back.classes[c].label, model.classes[c].label);
        EXPECT_TRUE(back.classes[c].layers == model.classes[c].layers);
        EXPECT_EQ(back.classes[c].inputScale, model.classes[c].inputScale);
        EXPECT_EQ(back.classes[c].prototypes, model.classes[c].prototypes);
        EXPECT_EQ(back.classes[c].prototypeThumbnails, model.classes[c].prototypeThumbnails);
        EXPECT_EQ(back.classes[c].report.heldOutRmse, model.classes[c].report.heldOutRmse);
        EXPECT_EQ(back.classes[c].report.epochs.size(), model.classes[c].report.epochs.size());
        EXPECT_EQ(back.classes[c].report.epochs.back().total, model.classes[c].report.epochs.back().total);
    }
    // The file explains exactly as the trained model does.
    const std::vector<float> row = {0.5f, 1.0f, 0.0f, 2.0f, 0.25f, 1.5f};
    const XnnExplanation fromFile = explainXnn(back.classes[1], row.data(), 6, 1.0);
    const XnnExplanation trained = explainXnn(model.classes[1], row.data(), 6, 1.0);
    EXPECT_EQ(fromFile.contributions, trained.contributions);
    EXPECT_EQ(fromFile.xnnScore, trained.xnnScore);
    EXPECT_THROW(explainXnn(back.classes[0], row.data(), 5, 0.0), Error);
    EXPECT_EQ(std::vector<std::string>{"m.xnn"}, [&] {
        std::vector<std::string> names;
        for (const auto &entry : fs::directory_iterator(dir.path()))
            names.push_back(entry.path().filename().string());
        return names;
    }());
}

TEST(XnnFile, PrototypesAreStoredRelativeToTheFileAndMoveWithIt)
{
    XnnModel model = smallModel();
    test::TempDir dir;
    fs::create_directories(dir.file("a/images"));
    model.classes[1].prototypes = {{dir.file("a/images/p.png")}, {dir.file("a/images/q.png")}, {}, {}, {}};
    writeXnnFile(model, dir.file("a/m.xnn"));
    std::ifstream in(dir.file("a/m.xnn"), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(dir.path()), std::string::npos) << "the file holds an absolute path";
    EXPECT_NE(bytes.find("\"images/p.png\""), std::string::npos);
    fs::rename(dir.file("a"), dir.file("b"));
    const XnnModel moved = readXnnFile(dir.file("b/m.xnn"));
    EXPECT_EQ(moved.classes[1].prototypes[0], std::vector<std::string>{dir.file("b/images/p.png")});
    EXPECT_EQ(moved.classes[1].prototypes[1], std::vector<std::string>{dir.file("b/images/q.png")});
}

std::string readError(const std::string &path, const std::string &hash = {})
{
    try {
        readXnnFile(path, hash);
    } catch (const Error &error) {
        return error.what();
    }
    return "";
}

TEST(XnnFile, AnotherModelsFileIsRefusedNamingBothHashes)
{
    test::TempDir dir;
    const std::string path = dir.file("m.xnn");
    writeXnnFile(smallModel(), path);
    const std::string message = readError(path, "fedcba9876543210@cpu");
    EXPECT_THAT(message, HasSubstr(path));
    EXPECT_THAT(message, HasSubstr("0123456789abcdef@cpu"));
    EXPECT_THAT(message, HasSubstr("fedcba9876543210@cpu"));
}

TEST(XnnFile, CorruptFilesAreClearErrors)
{
    test::TempDir dir;
    const std::string good = dir.file("m.xnn");
    writeXnnFile(smallModel(), good);
    const std::string bytes = test::readBytes(good);
    EXPECT_THAT(readError(dir.file("missing.xnn")), HasSubstr("missing.xnn: cannot be read"));
    EXPECT_THAT(
        readError(dir.write("text.xnn", "hello, not an xnn")), HasSubstr("is not a Sightglass XNN file"));
    EXPECT_THAT(
        readError(dir.write("short.xnn", bytes.substr(0, bytes.size() / 2))), HasSubstr("is corrupt"));
    std::string flipped = bytes;
    flipped[bytes.size() - 10] ^= 0x40; // a weight
    EXPECT_THAT(readError(dir.write("flipped.xnn", flipped)), HasSubstr("do not match the checksum"));
    std::string header = bytes;
    header[20] = '}'; // inside the JSON
    EXPECT_THAT(readError(dir.write("header.xnn", header)), HasSubstr("is corrupt"));
    EXPECT_EQ(readError(good), "");
}

TEST(XnnFile, FailedWriteLeavesNothing)
{
    test::TempDir dir;
    const std::string path = (dir.path() / "no-such-folder" / "m.xnn").string();
    EXPECT_THROW(writeXnnFile(smallModel(), path), Error);
    EXPECT_TRUE(fs::is_empty(dir.path()));
}

// --- labelled sets (images copied from the cues samples) ---------------------------------------

const std::vector<std::string> kLabels = {"cat", "dog", "T-shirt/top"};

std::string labelledError(const std::string &path)
{
    try {
        readLabelledSet(path, kLabels);
    } catch (const Error &error) {
        return error.what();
    }
    return "";
}

void copySample(const std::string &to)
{
    fs::create_directories(fs::path(to).parent_path());
    fs::copy_file(test::sourcePath("resources/samples/cues/00000.png"), to);
}

TEST(LabelledSet, FolderOfClassFoldersInNaturalOrder)
{
    test::TempDir dir;
    copySample(dir.file("dog/img10.png"));
    copySample(dir.file("dog/img2.png"));
    copySample(dir.file("cat/b.png"));
    copySample(dir.file("2/shirt.png")); // by index: a label with '/' cannot name a folder
    fs::create_directories(dir.file(".cache"));
    dir.write("dog/notes.txt", "not an image");
    const LabelledSet set = readLabelledSet(dir.path().string(), kLabels);
    ASSERT_EQ(set.images.size(), 4u);
    EXPECT_EQ(fs::path(set.images[0].path).filename(), "b.png");
    EXPECT_EQ(set.images[0].label, 0);
    EXPECT_EQ(fs::path(set.images[1].path).filename(), "img2.png");
    EXPECT_EQ(fs::path(set.images[2].path).filename(), "img10.png");
    EXPECT_EQ(set.images[2].label, 1);
    EXPECT_EQ(set.images[3].label, 2);
}

TEST(LabelledSet, FolderErrors)
{
    test::TempDir dir;
    fs::create_directories(dir.file("empty"));
    EXPECT_THAT(labelledError(dir.file("empty")), HasSubstr("holds no labelled image"));
    fs::create_directories(dir.file("empty/cat"));
    EXPECT_THAT(labelledError(dir.file("empty")), HasSubstr("holds no labelled image"));
    copySample(dir.file("wrong/cat/a.png"));
    copySample(dir.file("wrong/horse/a.png"));
    const std::string message = labelledError(dir.file("wrong"));
    EXPECT_THAT(message, HasSubstr("horse: is not a class of the model"));
    EXPECT_THAT(message, HasSubstr("0 \"cat\", 1 \"dog\", 2 \"T-shirt/top\""));
    EXPECT_THAT(labelledError(dir.file("nothing")), HasSubstr("nothing: does not exist"));
}

TEST(LabelledSet, ManifestResolvesRelativePathsAndLabelsByNameOrIndex)
{
    test::TempDir dir;
    copySample(dir.file("images/a.png"));
    copySample(dir.file("images/b.png"));
    const std::string manifest = dir.write("set.csv",
        "file,label\n# comment\nimages/b.png,dog\n\n\"images/a.png\",2\n" + dir.file("images/a.png")
            + ",cat\n");
    const LabelledSet set = readLabelledSet(manifest, kLabels);
    ASSERT_EQ(set.images.size(), 3u);
    EXPECT_EQ(set.images[0].path, dir.file("images/b.png"));
    EXPECT_EQ(set.images[0].label, 1);
    EXPECT_EQ(set.images[1].path, dir.file("images/a.png"));
    EXPECT_EQ(set.images[1].label, 2);
    EXPECT_EQ(set.images[2].label, 0);
}

TEST(LabelledSet, ManifestErrors)
{
    test::TempDir dir;
    copySample(dir.file("a.png"));
    EXPECT_THAT(
        labelledError(dir.write("empty.csv", "file,label\n")), HasSubstr("empty.csv: lists no image"));
    EXPECT_THAT(labelledError(dir.write("unknown.csv", "a.png,horse\n")),
        HasSubstr("unknown.csv: line 1: \"horse\" is not a class of the model (0 \"cat\""));
    EXPECT_THAT(labelledError(dir.write("index.csv", "a.png,3\n")), HasSubstr("\"3\" is not a class"));
    EXPECT_THAT(labelledError(dir.write("missing.csv", "a.png,cat\ngone.png,dog\n")),
        HasSubstr(
            dir.file("gone.png") + ": is missing or not a file (" + dir.file("missing.csv") + " line 2)"));
    dir.write("zero.png", "");
    EXPECT_THAT(labelledError(dir.write("zero.csv", "zero.png,dog\n")),
        HasSubstr("zero.png: cannot be read or is empty"));
    EXPECT_THAT(labelledError(dir.write("fields.csv", "a.png\n")), HasSubstr("line 1: expected two fields"));
}

} // namespace
} // namespace sg
