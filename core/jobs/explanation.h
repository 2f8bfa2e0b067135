#pragma once
// One explanation as the GUI and `explain --evaluate` make it: a saliency map from a registered
// method, then (optionally) its deletion/insertion curves with the standard metric settings,
// so every map on screen carries comparable AUCs. Torch-free header.

#include "jobs/result_cache.h"
#include "metrics/deletion_insertion.h"
#include "saliency/method.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace sg {

struct ExplanationRequest {
    std::string method; // registry id
    int resolution = kDefaultResolution; // the method's default when not set
    int target = -1; // -1 = top-1
    ParamValues params; // missing entries take the schema's defaults
    std::uint64_t seed = 0;
    int maxBatch = 32;
    bool evaluate = true; // also compute deletion/insertion (standardDeletionInsertionOptions)

    // Equal when every field that determines the result is equal; maxBatch is not compared
    // (it changes only how many images go through the model at once, never the numbers).
    bool operator==(const ExplanationRequest &other) const;
    bool operator!=(const ExplanationRequest &other) const { return !(*this == other); }
};

// The one cache key of an explanation: the model and image content hashes with every field
// operator== compares, as one canonical line (equal requests give equal keys, different ones
// different keys). Pure; any thread.
std::string explanationCacheKey(
    const std::string &modelHash, const std::string &imageHash, const ExplanationRequest &request);

struct Explanation {
    Heatmap heatmap;
    std::optional<DeletionInsertionResult> metrics; // set when requested
};

// The share of an explanation's progress (0..1) that the map takes; the curves take the rest.
constexpr double kMapProgressShare = 0.85;

// Runs `request.method` on `image` for `classifier`, then scores the map when
// request.evaluate. `progress` (may be empty) gets the overall progress as done/total with
// total = 1000, and the live map whenever the method reports one. Runs on the calling thread
// (the job worker), which does all model work. Throws sg::Error for a bad request (unknown
// method, parameters, resolution or target; a model lacking what the method needs), Cancelled
// when `cancel` is set.
Explanation computeExplanation(const Classifier &classifier, const cv::Mat &image,
    const ExplanationRequest &request, const ProgressFn &progress, const CancelFlag &cancel);

} // namespace sg
