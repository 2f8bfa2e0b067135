#pragma once
// Concept maps (research/xnn.md §2.6): for each x-feature of a class's XNN, where in the image
// its evidence lies: the input saliency of the x-feature's activation x_j through the whole
// network, model features -> global-average pool -> input scaling -> SRAE encoder -> x_j. Two
// methods: I-GOS through the saliency engine on x_j as the score (the default), or gradient x
// input (one backward pass per map, for quick looks and large test sweeps). core/xnn/README.md
// says why the score is passed to the engine as a ScoreFunction. Torch-free header.

#include "common/cancel.h"
#include "common/params.h"
#include "common/progress.h"
#include "model/classifier.h"
#include "saliency/method.h"
#include "xnn/xnn_model.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sg {

enum class ConceptMapMethod { Igos, GradientInput };
const char *conceptMapMethodName(ConceptMapMethod method); // "igos" / "gradient-input"
// Throws sg::Error listing the names for any other text.
ConceptMapMethod conceptMapMethodFromName(const std::string &name);

struct ConceptMapRequest {
    ConceptMapMethod method = ConceptMapMethod::Igos;
    // I-GOS only: its mask resolution (kDefaultResolution = the method's default) and
    // parameters (names of the igos method's schema; others take its defaults).
    int resolution = kDefaultResolution;
    ParamValues params;
    std::uint64_t seed = 0; // I-GOS's noise
    int maxBatch = 32;
    std::vector<int> xFeatures; // which maps, in this order; empty = every x-feature
};

struct ConceptMap {
    int xFeature = 0;
    // x_j on the image, computed through the same composite the map explains (equal to
    // explainXnn's activation up to float rounding).
    double activation = 0.0;
    // Model-input height x width, CV_32FC1 in [0, 1], high = evidence for x_j. All zeros when
    // x_j is 0 on the image (an inactive x-feature has no evidence to locate; no pass is made).
    cv::Mat saliency;
    int resolution = 0; // I-GOS's mask resolution; the input width for gradient x input
    std::int64_t forwardPasses = 0;
    std::int64_t backwardPasses = 0;
    double seconds = 0.0;
};

// x-feature `xFeature` of `cls` as a score of the model input, for the saliency engine (and the
// tests): scores(batch) runs classifier.features(batch), pools it as the embedding does, scales
// it and runs cls's encoder, returning x_j per image. Keeps references to `classifier` (which
// must outlive it); copies the weights. Throws sg::Error when the XNN's layers do not chain or
// `xFeature` is out of range; scores() throws sg::Error when the model's pooled features do not
// have the XNN's dimension.
std::unique_ptr<ScoreFunction> makeXFeatureScore(
    const Classifier &classifier, const XnnClassModel &cls, int xFeature);

// The concept maps of `image` (decoded, any size) for `cls`, one per requested x-feature.
// `progress` (may be empty) gets done/total over all maps (100 units per map) with the current
// map; `cancel` is checked between passes (throws Cancelled). Runs on the calling thread, which
// does all model work. Throws sg::Error for a model without a features/head split, an x-feature
// out of range, an I-GOS parameter or resolution the method refuses, and what the classifier
// throws.
std::vector<ConceptMap> conceptMaps(const Classifier &classifier, const XnnClassModel &cls,
    const cv::Mat &image, const ConceptMapRequest &request, const ProgressFn &progress,
    const CancelFlag &cancel);

// The first maximum of a map in row-major order (the peak the tests compare with cue boxes):
// (x, y). A map of zeros gives (0, 0).
cv::Point mapPeak(const cv::Mat &saliency);

} // namespace sg
