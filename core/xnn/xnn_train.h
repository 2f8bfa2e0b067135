#pragma once
// Training an XNN (research/xnn.md §2.4): per explained class, one SRAE with a linear predictor
// is fitted to the model's pre-softmax score of that class (one-vs-all), by greedy layer-wise
// pretraining, then fine-tuning with the three losses, with automatic rebalancing rounds.
// core/xnn/README.md says which reference choice each option keeps. Torch-free header.

#include "common/cancel.h"
#include "common/params.h"
#include "common/progress.h"
#include "xnn/embedding.h"
#include "xnn/xnn_model.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sg {

// Which vectors of the contribution matrix the pull-away term pulls apart: one per image
// (rows; the reference default, PT_inverse = 1) or one per x-feature (columns, PT_inverse = 0).
enum class XnnPullAway { Images, Features };
const char *xnnPullAwayName(XnnPullAway mode); // "images" / "features"
XnnPullAway xnnPullAwayFromName(const std::string &name); // throws sg::Error for other text

struct XnnTrainRequest {
    int xFeatures = 5; // L (the reference's CUB value)
    int hidden1 = 800; // encoder1 width (the reference's)
    int hidden2 = 100; // encoder2 width (the reference's)
    std::vector<int> classes; // classes to explain; empty = every class of the model
    // The reference's CUB autoParam [sparseR, q, alpha_pred, alpha_rec, alpha_PT] = [1, 100, 1, 10, 10].
    bool sparseReconstruction = true; // log penalty (sparseR = 1) or plain MSE
    double q = 100.0;
    double alphaPred = 1.0;
    double alphaRec = 10.0;
    double alphaPt = 10.0;
    XnnPullAway pullAway = XnnPullAway::Images;
    int pretrainEpochs = 1; // per single-layer autoencoder (the reference ships 1)
    int epochs = 80; // fine-tuning epochs per round (the reference's count is not known)
    int batchSize = 50;
    double learningRate = 1e-3;
    double weightDecay = 1e-4;
    int lrStepEpochs = 40; // the learning rate is multiplied by lrFactor every this many epochs
    double lrFactor = 0.1;
    double dropout = 0.02; // after encoder1, training only
    // Rebalancing: a round is accepted when at least minPositive mean contributions are > 0 and
    // the second largest is at least balanceRatio of the largest; otherwise alphaRec *= recGrowth,
    // alphaPt *= ptShrink and the class is trained again, at most maxRounds rounds in all.
    int maxRounds = 5;
    int minPositive = 2;
    double balanceRatio = 0.3;
    double recGrowth = 1.2;
    double ptShrink = 0.8;
    bool scaleInput = true; // divide each input dimension by its training RMS (README: why)
    double holdOutFraction = 0.2; // seeded share of images kept out of training, for the report
    int prototypes = 5; // training images stored per x-feature
    // Keep the decoder in the result (files are then about twice as large); explaining needs only
    // the encoder and the predictor.
    bool keepDecoder = false;
    std::uint64_t seed = 0; // same data + same seed = identical weights

    // Equal when every field is equal (all of them determine the result).
    bool operator==(const XnnTrainRequest &other) const;
    bool operator!=(const XnnTrainRequest &other) const { return !(*this == other); }
};

// The training options as a typed parameter schema (common/params.h), with XnnTrainRequest's
// defaults: x_features, hidden1, hidden2, sparse_reconstruction, q, alpha_pred, alpha_rec, alpha_pt,
// pull_away, pretrain_epochs, epochs, batch_size, learning_rate, weight_decay, lr_step_epochs, lr_factor,
// dropout, max_rounds, min_positive, balance_ratio, rec_growth, pt_shrink, scale_input,
// hold_out, prototypes, keep_decoder. Lower bounds that validateXnnTrainRequest treats as exclusive (q,
// learning_rate, lr_factor, rec_growth, pt_shrink, alpha_pred) say so in their description. Any
// thread; the reference is to a static.
const std::vector<ParamSpec> &xnnTrainParameterSchema();

// `base` (classes and seed kept) with the fields named in `values` replaced, after
// resolveParams("xnn", xnnTrainParameterSchema(), values). Throws what resolveParams throws.
XnnTrainRequest xnnTrainRequestWithParams(const XnnTrainRequest &base, const ParamValues &values);

// Identifies the images an XNN was trained on: their paths (prototypes name them) and content
// hashes, in order. Pure.
std::string xnnImageSetHash(const Embedding &embedding);

// The one cache key of a training: model hash, layer, image set hash and every field of the
// request, as one canonical line (equal inputs give equal keys, different ones different keys).
// Pure; any thread.
std::string xnnTrainCacheKey(const Embedding &embedding, const XnnTrainRequest &request);

// Checks `request` for an embedding of `dimension` values and `classCount` classes, with
// `images` images. Any thread. Throws sg::Error ("xnn: ..." naming the field, its value and the
// allowed range) for any field out of range, a class listed twice or not of the model, or too
// few training images (at least 2 after the hold-out, and at least one held out when
// holdOutFraction > 0).
void validateXnnTrainRequest(const XnnTrainRequest &request, int dimension, int classCount, int images);

// Reported after every fine-tuning epoch, on the training thread.
struct XnnEpochReport {
    int classIndex = 0;
    int classNumber = 0; // 1-based among the request's classes
    int classTotal = 0;
    XnnEpochLoss loss;
};
using XnnEpochFn = std::function<void(const XnnEpochReport &)>;

// Trains an XNN on `embedding` (labels are the model's: each class's target is its score
// column). The same seeded split holds out images for every class. `progress` (may be empty)
// gets epochs done/total, total growing when a rebalancing round is added; `onEpoch` (may be
// empty) gets each epoch's losses. `cancel` is checked before every batch (throws Cancelled,
// nothing is returned). Runs on the calling thread and uses torch's intra-op threads as set at
// start-up; results are bit-identical for equal inputs, request and thread count. Throws what
// validateXnnTrainRequest throws, and sg::Error when training diverges (non-finite loss).
XnnModel trainXnn(const Embedding &embedding, const std::vector<std::string> &labels,
    const XnnTrainRequest &request, const ProgressFn &progress, const CancelFlag &cancel,
    const XnnEpochFn &onEpoch = {});

// The rebalancing rule of one round: true when at least `minPositive` of the mean contributions
// are > 0 and the second largest is at least `ratio` times the largest (one x-feature does not
// carry the explanation alone). Pure.
bool xnnRoundBalanced(const std::vector<double> &meanContributions, int minPositive, double ratio);

// The smallest set of x-features whose positive contributions cover at least `share` of the sum
// of positive contributions, largest first (ties: the lower index); empty when none is
// positive. Pure.
std::vector<int> significantXFeatures(const std::vector<double> &contributions, double share = 0.9);

} // namespace sg
