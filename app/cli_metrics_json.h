#pragma once
// The JSON form of a deletion/insertion result, shared by `evaluate` (stdout and metrics.json)
// and `explain --evaluate` (the "metrics" member of result.json), so both write the same keys.

#include "metrics/deletion_insertion.h"

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

namespace sg::cli {

// {"variant", "deletion_auc", "insertion_auc",
//  "deletion_curve": {"x": [...], "score": [...]}, "insertion_curve": {...},
//  "settings": metricsSettingsJson(...), "forward_passes", "seconds"}.
// The target is not repeated here (the caller's result names it; see metricsTargetJson).
// Any thread; returns a new value.
nlohmann::json metricsJson(const DeletionInsertionResult &result);

// What the run used: variant, unit, grid, steps, fills, blur, AUC rule, map size, batch size.
nlohmann::json metricsSettingsJson(const DeletionInsertionSettings &settings);

// {"index", "label", "probability"} of the scored class.
nlohmann::json metricsTargetJson(const DeletionInsertionResult &result);

// Scores `saliency` with the default metric (igos variant, resolution 28, or the input's shorter
// side when that is smaller) for `target` on `image` and returns metricsJson(). For
// `explain --evaluate`. The calling thread does the model work. Throws sg::Error for a bad map
// or target, Cancelled when `cancel` is set.
nlohmann::json evaluateSaliency(const Classifier &classifier, const cv::Mat &image, const cv::Mat &saliency,
    int target, int maxBatch, const CancelFlag &cancel);

} // namespace sg::cli
