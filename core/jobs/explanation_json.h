#pragma once
// The JSON forms of explanations and deletion/insertion results: `evaluate` (stdout and
// metrics.json), `explain` (result.json) and the GUI's export all write these, so the keys are
// the same everywhere. All functions are pure and callable from any thread.

#include "jobs/explanation.h"
#include "metrics/deletion_insertion.h"
#include "metrics/pointing_game.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace sg {

// {"variant", "deletion_auc", "insertion_auc",
//  "deletion_curve": {"x": [...], "score": [...]}, "insertion_curve": {...},
//  "settings": metricsSettingsJson(...), "forward_passes", "seconds"}.
// The target is not repeated here (the caller's result names it; see metricsTargetJson).
nlohmann::json metricsJson(const DeletionInsertionResult &result);

// What the run used: variant, unit, grid, steps, fills, blur, AUC rule, map size, batch size.
nlohmann::json metricsSettingsJson(const DeletionInsertionSettings &settings);

// {"index", "label", "probability"} of the scored class.
nlohmann::json metricsTargetJson(const DeletionInsertionResult &result);

// {"rule": "first maximum", "hit", "flat", "peak": [x, y], "peak_count", "hit_box", "energy",
// "boxes", "tolerance"}: the pointing game of one map against `boxes` (see pointing_game.h).
nlohmann::json pointingJson(const PointingResult &result, std::size_t boxes, double tolerance);

// Parameter values as a JSON object: numbers and integers as JSON numbers, booleans as JSON
// booleans, a choice as its option's name and a path as a string.
nlohmann::json paramValuesJson(const ParamValues &values);

// One value as paramValuesJson() writes it.
nlohmann::json paramValueJson(const ParamValue &value);

// Where an explanation came from, for result.json.
struct ExplanationSource {
    std::string model; // model file path
    std::string image; // image file path
    std::string device; // "cpu", "cuda:0", ...
    std::uint64_t seed = 0;
};

// result.json of one explanation: method, resolution, params (paramValuesJson), target,
// seconds, passes, seed, model, image, device, and "metrics" (metricsJson) when the
// explanation has curves.
nlohmann::json explanationJson(const Explanation &explanation, const ExplanationSource &source);

} // namespace sg
