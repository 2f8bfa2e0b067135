#include "xnn/xnn_train.h"

#include "common/error.h"
#include "common/file_hash.h"
#include "image/image_io.h"
#include "image/preprocess.h"
#include "jobs/result_cache.h"
#include "xnn/srae.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <set>

namespace sg {

namespace {

std::string number(double value)
{
    std::ostringstream text;
    text << value;
    return text.str();
}

void requireRange(const std::string &what, double value, double low, double high, bool lowOpen = false)
{
    const bool ok = std::isfinite(value) && (lowOpen ? value > low : value >= low) && value <= high;
    if (!ok)
        throw Error("",
            "xnn: " + what + " " + number(value) + " is out of range (" + (lowOpen ? "above " : "")
                + number(low) + (lowOpen ? ", at most " : " to ") + number(high) + ")");
}

int heldOutCount(int images, double fraction)
{
    if (fraction <= 0.0)
        return 0;
    return std::max(1, int(std::lround(images * fraction)));
}

// Fisher-Yates with our own index mapping: the same order for a seed on every standard library
// (std::shuffle's use of the engine is implementation-defined).
void shuffle(std::vector<int64_t> &items, std::mt19937_64 &rng)
{
    for (size_t i = items.size(); i > 1; --i)
        std::swap(items[i - 1], items[size_t(rng() % i)]);
}

std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t salt)
{
    std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (salt + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

using xnn::Dense;
using xnn::Srae;

struct Trainer {
    const XnnTrainRequest &request;
    const CancelFlag &cancel;
    const ProgressFn &progress;
    int done = 0;
    int total = 0;

    void step()
    {
        ++done;
        if (progress)
            progress({done, total, nullptr});
    }

    // Mini-batches of `count` rows in a seeded order; calls `run(indices)` for each.
    template <typename Run> void forEachMiniBatch(int64_t count, std::mt19937_64 &rng, Run run)
    {
        std::vector<int64_t> order(static_cast<size_t>(count));
        std::iota(order.begin(), order.end(), 0);
        shuffle(order, rng);
        for (int64_t begin = 0; begin < count; begin += request.batchSize) {
            throwIfCancelled(cancel);
            const int64_t end = std::min(count, begin + int64_t(request.batchSize));
            run(torch::tensor(
                std::vector<int64_t>(order.begin() + begin, order.begin() + end), torch::kLong));
        }
    }

    // One single-layer autoencoder in -> out with ReLU encoder and decoder and MSE loss.
    std::pair<Dense, Dense> pretrainLayer(
        const torch::Tensor &input, int64_t out, at::Generator &generator, std::mt19937_64 &rng)
    {
        const int64_t in = input.size(1);
        Dense encoder = xnn::makeDense(in, out, generator);
        Dense decoder = xnn::makeDense(out, in, generator);
        std::vector<torch::Tensor> parameters = {encoder.weight, encoder.bias, decoder.weight, decoder.bias};
        for (torch::Tensor &p : parameters)
            p.set_requires_grad(true);
        torch::optim::Adam optimiser(parameters, torch::optim::AdamOptions(request.learningRate));
        for (int epoch = 0; epoch < request.pretrainEpochs; ++epoch) {
            forEachMiniBatch(input.size(0), rng, [&](const torch::Tensor &rows) {
                const torch::Tensor batch = input.index_select(0, rows);
                const torch::Tensor reconstruction = torch::relu(decoder(torch::relu(encoder(batch))));
                const torch::Tensor loss = xnn::mseReconstructionLoss(reconstruction, batch);
                optimiser.zero_grad();
                loss.backward();
                optimiser.step();
            });
            step();
        }
        for (torch::Tensor &p : parameters)
            p.set_requires_grad(false);
        return {encoder, decoder};
    }

    // Least squares y ~ X v + b (a tiny ridge keeps dead x-features from making it singular).
    static Dense fitLinear(const torch::Tensor &x, const torch::Tensor &y)
    {
        const torch::Tensor a = torch::cat({x, torch::ones({x.size(0), 1})}, 1).to(torch::kFloat64);
        const torch::Tensor gram = torch::mm(a.t(), a);
        const double ridge = 1e-6 * std::max(1.0, gram.diagonal().mean().item<double>());
        const torch::Tensor solution
            = torch::linalg::solve(gram + ridge * torch::eye(a.size(1), torch::kFloat64),
                torch::mv(a.t(), y.to(torch::kFloat64)), true);
        Dense predictor;
        const int64_t l = x.size(1);
        predictor.weight = solution.slice(0, 0, l).reshape({1, l}).to(torch::kFloat32).contiguous();
        predictor.bias = solution.slice(0, l, l + 1).to(torch::kFloat32).contiguous();
        return predictor;
    }
};

// A prototype's thumbnail as PNG bytes (longer side kPrototypeThumbnailSide); empty when the
// image cannot be read (it was read for the embedding, so only if it changed meanwhile).
std::string prototypeThumbnail(const std::string &path)
{
    try {
        const cv::Mat rgb = toDisplayRgb8(readImage(path));
        const double scale = double(kPrototypeThumbnailSide) / std::max(rgb.cols, rgb.rows);
        cv::Mat small = rgb;
        if (scale < 1.0)
            cv::resize(rgb, small, cv::Size(), scale, scale, cv::INTER_AREA);
        cv::Mat bgr;
        cv::cvtColor(small, bgr, small.channels() == 1 ? cv::COLOR_GRAY2BGR : cv::COLOR_RGB2BGR);
        std::vector<unsigned char> png;
        cv::imencode(".png", bgr, png);
        return std::string(png.begin(), png.end());
    } catch (const std::exception &) {
        return {};
    }
}

Srae cloneSrae(const Srae &source, bool requiresGrad)
{
    Srae copy = source;
    for (Dense *layer : copy.layers()) {
        if (!layer->weight.defined())
            continue;
        layer->weight = layer->weight.detach().clone().set_requires_grad(requiresGrad);
        layer->bias = layer->bias.detach().clone().set_requires_grad(requiresGrad);
    }
    return copy;
}

double rmse(const torch::Tensor &a, const torch::Tensor &b)
{
    if (a.numel() == 0)
        return 0.0;
    return std::sqrt((a.to(torch::kFloat64) - b.to(torch::kFloat64)).pow(2).mean().item<double>());
}

} // namespace

const char *xnnPullAwayName(XnnPullAway mode)
{
    return mode == XnnPullAway::Images ? "images" : "features";
}

XnnPullAway xnnPullAwayFromName(const std::string &name)
{
    if (name == "images")
        return XnnPullAway::Images;
    if (name == "features")
        return XnnPullAway::Features;
    throw Error("", "xnn: pull-away mode \"" + name + "\" is unknown (choices: images, features)");
}

namespace {

// Every scalar option once: its parameter name, its name in errors, its description, the field
// and its range. Validation, the schema, equality and the cache key all read this table, so they
// cannot disagree.
struct Field {
    const char *key;
    const char *label;
    const char *description;
    int XnnTrainRequest::*integer = nullptr;
    double XnnTrainRequest::*number = nullptr;
    bool XnnTrainRequest::*boolean = nullptr;
    double low = 0.0;
    double high = 0.0;
    bool lowOpen = false;
};

const std::vector<Field> &fields()
{
    using R = XnnTrainRequest;
    static const std::vector<Field> table = {
        {"x_features", "x-features", "X-features (L) per class", &R::xFeatures, nullptr, nullptr, 1, 100},
        {"hidden1", "first hidden width", "Width of the first encoder layer (the reference: 800)",
            &R::hidden1, nullptr, nullptr, 1, 100000},
        {"hidden2", "second hidden width", "Width of the second encoder layer (the reference: 100)",
            &R::hidden2, nullptr, nullptr, 1, 100000},
        {"sparse_reconstruction", "sparse reconstruction",
            "Log-penalty reconstruction (off: plain MSE, the reference's sparseR = 0)", nullptr, nullptr,
            &R::sparseReconstruction},
        {"q", "q", "Log-penalty scale q (above 0)", nullptr, &R::q, nullptr, 0.0, 1e8, true},
        {"alpha_pred", "alpha pred", "Weight of the faithfulness loss (above 0)", nullptr, &R::alphaPred,
            nullptr, 0.0, 1e6, true},
        {"alpha_rec", "alpha rec", "Weight of the reconstruction loss", nullptr, &R::alphaRec, nullptr, 0.0,
            1e6},
        {"alpha_pt", "alpha PT", "Weight of the pull-away term", nullptr, &R::alphaPt, nullptr, 0.0, 1e6},
        {"pretrain_epochs", "pretrain epochs", "Epochs per single-layer autoencoder", &R::pretrainEpochs,
            nullptr, nullptr, 0, 10000},
        {"epochs", "epochs", "Fine-tuning epochs per rebalancing round", &R::epochs, nullptr, nullptr, 1,
            100000},
        {"batch_size", "batch size", "Images per optimiser step", &R::batchSize, nullptr, nullptr, 1,
            1 << 20},
        {"learning_rate", "learning rate", "Adam's learning rate (above 0)", nullptr, &R::learningRate,
            nullptr, 0.0, 10.0, true},
        {"weight_decay", "weight decay", "Adam's L2 weight decay", nullptr, &R::weightDecay, nullptr, 0.0,
            1.0},
        {"lr_step_epochs", "learning-rate step epochs", "Epochs between learning-rate steps",
            &R::lrStepEpochs, nullptr, nullptr, 1, 100000},
        {"lr_factor", "learning-rate factor", "Learning-rate factor per step (above 0)", nullptr,
            &R::lrFactor, nullptr, 0.0, 1.0, true},
        {"dropout", "dropout", "Dropout after the first encoder layer while training", nullptr, &R::dropout,
            nullptr, 0.0, 0.95},
        {"max_rounds", "rounds", "Most rebalancing rounds", &R::maxRounds, nullptr, nullptr, 1, 100},
        {"min_positive", "minimum positive x-features",
            "A round is accepted with at least this many positive mean contributions (at most x_features)",
            &R::minPositive, nullptr, nullptr, 1, 100},
        {"balance_ratio", "balance ratio", "... and the second largest at least this share of the largest",
            nullptr, &R::balanceRatio, nullptr, 0.0, 1.0},
        {"rec_growth", "alpha rec growth", "alpha_rec factor after a rejected round (above 0)", nullptr,
            &R::recGrowth, nullptr, 0.0, 100.0, true},
        {"pt_shrink", "alpha PT shrink", "alpha_pt factor after a rejected round (above 0)", nullptr,
            &R::ptShrink, nullptr, 0.0, 100.0, true},
        {"scale_input", "scale input", "Divide each feature by its training RMS (no centring)", nullptr,
            nullptr, &R::scaleInput},
        {"hold_out", "hold-out fraction", "Share of images held out for the report", nullptr,
            &R::holdOutFraction, nullptr, 0.0, 0.9},
        {"prototypes", "prototypes", "Training images stored per x-feature", &R::prototypes, nullptr, nullptr,
            0, 1000},
        {"keep_decoder", "keep decoder", "Store the decoder too (explaining needs only the encoder)", nullptr,
            nullptr, &R::keepDecoder},
    };
    return table;
}

std::string exact(double value)
{
    if (value == 0.0)
        value = 0.0; // -0 and 0 give one key
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

} // namespace

bool XnnTrainRequest::operator==(const XnnTrainRequest &other) const
{
    for (const Field &f : fields()) {
        if (f.integer && this->*f.integer != other.*f.integer)
            return false;
        if (f.number && this->*f.number != other.*f.number)
            return false;
        if (f.boolean && this->*f.boolean != other.*f.boolean)
            return false;
    }
    return classes == other.classes && pullAway == other.pullAway && seed == other.seed;
}

void validateXnnTrainRequest(const XnnTrainRequest &r, int dimension, int classCount, int images)
{
    if (dimension < 1)
        throw Error("", "xnn: the embedding has no feature values");
    for (const Field &f : fields()) {
        if (f.integer)
            requireRange(f.label, r.*f.integer, f.low, f.high, f.lowOpen);
        if (f.number)
            requireRange(f.label, r.*f.number, f.low, f.high, f.lowOpen);
    }
    requireRange("minimum positive x-features", r.minPositive, 1, r.xFeatures);
    std::set<int> seen;
    for (const int cls : r.classes) {
        if (cls < 0 || cls >= classCount)
            throw Error("",
                "xnn: class " + std::to_string(cls) + " is not a class of the model (0 to "
                    + std::to_string(classCount - 1) + ")");
        if (!seen.insert(cls).second)
            throw Error("", "xnn: class " + std::to_string(cls) + " is listed twice");
    }
    const int heldOut = heldOutCount(images, r.holdOutFraction);
    if (images - heldOut < 2)
        throw Error("",
            "xnn: " + std::to_string(images) + " images leave " + std::to_string(images - heldOut)
                + " for training after the hold-out; at least 2 are needed");
}

const std::vector<ParamSpec> &xnnTrainParameterSchema()
{
    static const std::vector<ParamSpec> schema = [] {
        const XnnTrainRequest d;
        std::vector<ParamSpec> specs;
        for (const Field &f : fields()) {
            if (f.integer)
                specs.push_back(ParamSpec::integer(
                    f.key, f.description, d.*f.integer, std::int64_t(f.low), std::int64_t(f.high)));
            else if (f.number)
                specs.push_back(ParamSpec::number(f.key, f.description, d.*f.number, f.low, f.high));
            else
                specs.push_back(ParamSpec::boolean(f.key, f.description, d.*f.boolean));
            if (std::string(f.key) == "alpha_pt")
                specs.push_back(ParamSpec::choice("pull_away", "Which vectors the pull-away term separates",
                    xnnPullAwayName(d.pullAway),
                    {{"images", "one per image (rows; the reference default)"},
                        {"features", "one per x-feature (columns)"}}));
        }
        return specs;
    }();
    return schema;
}

XnnTrainRequest xnnTrainRequestWithParams(const XnnTrainRequest &base, const ParamValues &values)
{
    const ParamValues resolved = resolveParams("xnn", xnnTrainParameterSchema(), values);
    XnnTrainRequest request = base;
    for (const Field &f : fields()) {
        if (!values.count(f.key))
            continue;
        const ParamValue &value = resolved.at(f.key);
        if (f.integer)
            request.*f.integer = int(value.integer());
        else if (f.number)
            request.*f.number = value.number();
        else
            request.*f.boolean = value.boolean();
    }
    if (values.count("pull_away"))
        request.pullAway = xnnPullAwayFromName(resolved.at("pull_away").text());
    return request;
}

std::string xnnImageSetHash(const Embedding &embedding)
{
    std::string lines;
    for (int i = 0; i < embedding.size(); ++i)
        lines += embedding.paths[size_t(i)] + "\t" + embedding.imageHashes[size_t(i)] + "\n";
    return bytesHash(lines);
}

std::string xnnTrainCacheKey(const Embedding &embedding, const XnnTrainRequest &request)
{
    ResultKey key;
    key.modelHash = embedding.modelHash;
    key.imageHash = xnnImageSetHash(embedding);
    key.method = "xnn-train";
    key.seed = request.seed;
    std::string extra = "layer=" + embedding.layer + " classes=";
    for (size_t i = 0; i < request.classes.size(); ++i)
        extra += (i ? "," : "") + std::to_string(request.classes[i]);
    for (const Field &f : fields()) {
        extra += std::string(" ") + f.key + "=";
        if (f.integer)
            extra += std::to_string(request.*f.integer);
        else if (f.number)
            extra += exact(request.*f.number);
        else
            extra += request.*f.boolean ? "on" : "off";
    }
    key.extra = extra + " pull_away=" + xnnPullAwayName(request.pullAway);
    return key.text();
}

bool xnnRoundBalanced(const std::vector<double> &meanContributions, int minPositive, double ratio)
{
    std::vector<double> sorted = meanContributions;
    std::sort(sorted.begin(), sorted.end(), std::greater<double>());
    const int positive = int(std::count_if(sorted.begin(), sorted.end(), [](double m) { return m > 0.0; }));
    if (positive < minPositive || positive == 0)
        return false;
    const double second = sorted.size() > 1 ? sorted[1] : 0.0;
    return second >= ratio * sorted[0];
}

std::vector<int> significantXFeatures(const std::vector<double> &contributions, double share)
{
    std::vector<int> positive;
    double positiveSum = 0.0;
    for (size_t j = 0; j < contributions.size(); ++j)
        if (contributions[j] > 0.0) {
            positive.push_back(int(j));
            positiveSum += contributions[j];
        }
    std::stable_sort(positive.begin(), positive.end(),
        [&](int a, int b) { return contributions[size_t(a)] > contributions[size_t(b)]; });
    std::vector<int> chosen;
    double covered = 0.0;
    for (const int j : positive) {
        if (covered >= share * positiveSum)
            break;
        chosen.push_back(j);
        covered += contributions[size_t(j)];
    }
    return chosen;
}

XnnModel trainXnn(const Embedding &embedding, const std::vector<std::string> &labels,
    const XnnTrainRequest &request, const ProgressFn &progress, const CancelFlag &cancel,
    const XnnEpochFn &onEpoch)
{
    const int images = embedding.size();
    const int dimension = embedding.dimension;
    validateXnnTrainRequest(request, dimension, embedding.classCount, images);
    std::vector<int> classes = request.classes;
    if (classes.empty()) {
        classes.resize(size_t(embedding.classCount));
        std::iota(classes.begin(), classes.end(), 0);
    }

    // The split: a seeded shuffle, the first share held out; both halves in image order.
    std::vector<int64_t> order(static_cast<size_t>(images));
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 splitRng(mixSeed(request.seed, 0xfeed));
    shuffle(order, splitRng);
    const int heldOut = heldOutCount(images, request.holdOutFraction);
    std::vector<int64_t> testRows(order.begin(), order.begin() + heldOut);
    std::vector<int64_t> trainRows(order.begin() + heldOut, order.end());
    std::sort(testRows.begin(), testRows.end());
    std::sort(trainRows.begin(), trainRows.end());

    torch::NoGradGuard noGradOutside; // autograd only where the trainer enables it
    const torch::Tensor all
        = torch::from_blob(const_cast<float *>(embedding.features.data()), {images, dimension}).clone();
    const torch::Tensor scores
        = torch::from_blob(const_cast<float *>(embedding.scores.data()), {images, embedding.classCount})
              .clone();
    const torch::Tensor trainIndex = torch::tensor(trainRows, torch::kLong);
    const torch::Tensor testIndex = torch::tensor(testRows, torch::kLong);

    // Per-dimension RMS over the training images, without centring: a ReLU decoder can then still
    // reach every (non-negative) target, and q weighs errors on a common scale whatever the layer.
    torch::Tensor scale = torch::ones({dimension});
    if (request.scaleInput) {
        scale = all.index_select(0, trainIndex).pow(2).mean(0).sqrt();
        scale = torch::where(scale > 1e-12, scale, torch::ones_like(scale));
    }
    const torch::Tensor scaled = all / scale;
    const torch::Tensor zTrain = scaled.index_select(0, trainIndex);
    const torch::Tensor zTest = scaled.index_select(0, testIndex);

    XnnModel model;
    model.modelHash = embedding.modelHash;
    model.layer = embedding.layer;
    model.dimension = dimension;
    model.xFeatures = request.xFeatures;
    model.seed = request.seed;
    model.trainImages = int(trainRows.size());
    model.heldOutImages = heldOut;

    Trainer trainer{request, cancel, progress};
    trainer.total = int(classes.size()) * (3 * request.pretrainEpochs + request.epochs);
    const xnn::PullAwayAxis axis
        = request.pullAway == XnnPullAway::Images ? xnn::PullAwayAxis::Images : xnn::PullAwayAxis::Features;
    std::vector<torch::Tensor> testScores;

    for (size_t c = 0; c < classes.size(); ++c) {
        const int cls = classes[c];
        at::Generator generator
            = at::detail::createCPUGenerator(mixSeed(request.seed, 2 * uint64_t(cls) + 1));
        std::mt19937_64 rng(mixSeed(request.seed, 2 * uint64_t(cls) + 2));
        const torch::Tensor yAll = scores.select(1, cls).contiguous();
        const torch::Tensor yTrain = yAll.index_select(0, trainIndex);
        const torch::Tensor yTest = yAll.index_select(0, testIndex);

        // Greedy layer-wise pretraining, then the least-squares predictor.
        Srae initial;
        {
            torch::AutoGradMode gradOn(true);
            auto [e1, d1] = trainer.pretrainLayer(zTrain, request.hidden1, generator, rng);
            const torch::Tensor h1 = torch::relu(e1(zTrain)).detach();
            auto [e2, d2] = trainer.pretrainLayer(h1, request.hidden2, generator, rng);
            const torch::Tensor h2 = torch::relu(e2(h1)).detach();
            auto [e3, d3] = trainer.pretrainLayer(h2, request.xFeatures, generator, rng);
            initial.encoder1 = e1;
            initial.encoder2 = e2;
            initial.encoder3 = e3;
            initial.decoder1 = d1;
            initial.decoder2 = d2;
            initial.decoder3 = d3;
            const torch::Tensor x0 = torch::relu(e3(h2)).detach();
            initial.predictor = Trainer::fitLinear(x0, yTrain);
        }

        XnnClassModel result;
        result.classIndex = cls;
        result.layer = embedding.layer;
        result.label = cls < int(labels.size()) ? labels[size_t(cls)] : std::to_string(cls);
        double alphaRec = request.alphaRec;
        double alphaPt = request.alphaPt;
        Srae srae;
        torch::Tensor meanContributions;
        // When no round is accepted, the most faithful one (training RMSE) is kept.
        Srae best;
        torch::Tensor bestContributions;
        double bestRmse = std::numeric_limits<double>::infinity();
        int bestRound = 0;
        double bestAlphaRec = alphaRec, bestAlphaPt = alphaPt;
        for (int round = 1; round <= request.maxRounds; ++round) {
            if (round > 1)
                trainer.total += request.epochs;
            // Every round starts again from the pretrained weights with the new loss weights.
            srae = cloneSrae(initial, true);
            torch::optim::Adam optimiser(srae.parameters(),
                torch::optim::AdamOptions(request.learningRate).weight_decay(request.weightDecay));
            torch::AutoGradMode gradOn(true);
            for (int epoch = 1; epoch <= request.epochs; ++epoch) {
                const double lr = request.learningRate
                    * std::pow(request.lrFactor, double((epoch - 1) / request.lrStepEpochs));
                for (auto &group : optimiser.param_groups())
                    static_cast<torch::optim::AdamOptions &>(group.options()).lr(lr);
                XnnEpochLoss sums;
                sums.round = round;
                sums.epoch = epoch;
                int64_t seen = 0;
                trainer.forEachMiniBatch(zTrain.size(0), rng, [&](const torch::Tensor &rows) {
                    const torch::Tensor z = zTrain.index_select(0, rows);
                    const torch::Tensor y = yTrain.index_select(0, rows);
                    const xnn::SraeOutput out = srae.forward(z, true, request.dropout, &generator);
                    const torch::Tensor prediction = xnn::faithfulnessLoss(out.prediction, y);
                    const torch::Tensor reconstruction = request.sparseReconstruction
                        ? xnn::logPenaltyReconstructionLoss(out.reconstruction, z, request.q)
                        : xnn::mseReconstructionLoss(out.reconstruction, z);
                    const torch::Tensor pullAway = xnn::pullAwayLoss(out.x, srae.predictor.weight, axis);
                    const torch::Tensor loss
                        = request.alphaPred * prediction + alphaRec * reconstruction + alphaPt * pullAway;
                    optimiser.zero_grad();
                    loss.backward();
                    optimiser.step();
                    const double m = double(rows.size(0));
                    sums.total += m * loss.item<double>();
                    sums.prediction += m * prediction.item<double>();
                    sums.reconstruction += m * reconstruction.item<double>();
                    sums.pullAway += m * pullAway.item<double>();
                    seen += rows.size(0);
                });
                for (double *value : {&sums.total, &sums.prediction, &sums.reconstruction, &sums.pullAway})
                    *value /= double(seen);
                if (!std::isfinite(sums.total))
                    throw Error("",
                        "xnn: training class " + std::to_string(cls) + " diverged (loss " + number(sums.total)
                            + " in round " + std::to_string(round) + ", epoch " + std::to_string(epoch)
                            + "); try a lower learning rate");
                result.report.epochs.push_back(sums);
                if (onEpoch)
                    onEpoch({cls, int(c) + 1, int(classes.size()), sums});
                trainer.step();
            }
            torch::NoGradGuard noGrad;
            const torch::Tensor x = srae.encode(zTrain);
            meanContributions = (x * srae.predictor.weight.reshape({1, -1})).mean(0).to(torch::kFloat64);
            std::vector<double> means(size_t(meanContributions.size(0)));
            for (size_t j = 0; j < means.size(); ++j)
                means[j] = meanContributions[int64_t(j)].item<double>();
            result.report.rounds = round;
            result.report.alphaRec = alphaRec;
            result.report.alphaPt = alphaPt;
            result.report.balanced = xnnRoundBalanced(means, request.minPositive, request.balanceRatio);
            if (result.report.balanced)
                break;
            const double roundRmse = rmse(srae.predictor(x).squeeze(1), yTrain);
            if (roundRmse < bestRmse) {
                bestRmse = roundRmse;
                best = cloneSrae(srae, false);
                bestContributions = meanContributions;
                bestRound = round;
                bestAlphaRec = alphaRec;
                bestAlphaPt = alphaPt;
            }
            alphaRec *= request.recGrowth;
            alphaPt *= request.ptShrink;
        }
        if (!result.report.balanced) {
            srae = best;
            meanContributions = bestContributions;
            result.report.keptRound = bestRound;
            result.report.alphaRec = bestAlphaRec;
            result.report.alphaPt = bestAlphaPt;
        } else {
            result.report.keptRound = result.report.rounds;
        }

        torch::NoGradGuard noGrad;
        const Srae trained = cloneSrae(srae, false);
        for (int64_t j = 0; j < meanContributions.size(0); ++j)
            result.report.meanContributions.push_back(meanContributions[j].item<double>());
        const torch::Tensor trainPrediction = trained.predictor(trained.encode(zTrain)).squeeze(1);
        const torch::Tensor testPrediction = trained.predictor(trained.encode(zTest)).squeeze(1);
        result.report.trainRmse = rmse(trainPrediction, yTrain);
        result.report.heldOutRmse = rmse(testPrediction, yTest);
        result.report.heldOutMeanRmse = rmse(torch::full_like(yTest, yTrain.mean().item<float>()), yTest);
        result.report.scoreMin = yAll.min().item<double>();
        result.report.scoreMax = yAll.max().item<double>();
        testScores.push_back(testPrediction);

        // Prototypes: the training images that activate each x-feature most (active ones only).
        const torch::Tensor x = trained.encode(zTrain);
        for (int64_t j = 0; j < x.size(1); ++j) {
            std::vector<int64_t> rows(static_cast<size_t>(x.size(0)));
            std::iota(rows.begin(), rows.end(), 0);
            const torch::Tensor column = x.select(1, j).contiguous();
            const float *value = column.data_ptr<float>();
            std::stable_sort(
                rows.begin(), rows.end(), [&](int64_t a, int64_t b) { return value[a] > value[b]; });
            std::vector<std::string> paths;
            for (size_t k = 0; k < rows.size() && int(paths.size()) < request.prototypes; ++k)
                if (value[rows[k]] > 0.0f)
                    paths.push_back(embedding.paths[size_t(trainRows[size_t(rows[k])])]);
            std::vector<std::string> thumbnails;
            for (const std::string &path : paths)
                thumbnails.push_back(prototypeThumbnail(path));
            result.prototypes.push_back(std::move(paths));
            result.prototypeThumbnails.push_back(std::move(thumbnails));
        }
        result.inputScale.assign(scale.data_ptr<float>(), scale.data_ptr<float>() + dimension);
        result.layers = xnn::toLayers(trained, request.keepDecoder);
        model.classes.push_back(std::move(result));
    }

    if (int(classes.size()) == embedding.classCount && heldOut > 0) {
        std::vector<int> ordered(classes);
        std::vector<int64_t> position(classes.size());
        std::iota(position.begin(), position.end(), 0);
        std::sort(
            position.begin(), position.end(), [&](int64_t a, int64_t b) { return classes[a] < classes[b]; });
        std::vector<torch::Tensor> columns;
        for (const int64_t p : position)
            columns.push_back(testScores[size_t(p)]);
        const torch::Tensor xnnTop = torch::stack(columns, 1).argmax(1);
        const torch::Tensor modelTop = scores.index_select(0, testIndex).argmax(1);
        model.heldOutAgreement = (xnnTop == modelTop).to(torch::kFloat64).mean().item<double>();
    }
    return model;
}

} // namespace sg
