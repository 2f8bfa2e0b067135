#pragma once
// Which explanations a comparison of methods computes for one image: the chosen method at every
// resolution that fits the model, then every other registered method that can run on it at its
// default resolution. The GUI's Compare tab shows one cell per entry; batch runs and studies can
// compute the same set. Built from the method registry alone: no method is named here.

#include "jobs/explanation.h"
#include "model/model_spec.h"
#include "saliency/method.h"

#include <string>
#include <vector>

namespace sg {

// What the plan needs to know about the model.
struct CompareModel {
    int inputWidth = 0;
    int inputHeight = 0;
    bool hasSplit = false; // features/head split: methods with needsSplit() run only then
};

// The CompareModel of a model described by `spec`. Any thread.
CompareModel compareModel(const ModelSpec &spec);

struct CompareEntry {
    // method, resolution and params of this cell; target, seed, maxBatch and evaluate as in the
    // chosen request. params spell out every value (defaults filled in at the cell's resolution)
    // so that equal cells of two plans, and a cell and a single explanation with the same
    // values, share cache entries; the chosen method's own cell keeps the chosen params as given.
    ExplanationRequest request;
    std::string title; // requestTitle(request): "I-GOS 28×28", "Grad-CAM"
};

// The comparison for `chosen` on `model`, in display order:
//  1. `chosen.method` at each of its resolutions() that is at most the model's shorter input
//     side, in the order the method lists them (once, at kDefaultResolution, when its
//     resolution is fixed by the model). Nothing when `chosen.method` is not in `registry`.
//  2. Every other method of `registry`, in registration order, at kDefaultResolution when its
//     resolution is fixed, else at its defaultResolution(); skipped when that resolution exceeds
//     the shorter side, or when it needsSplit() and the model has no split.
// Only the chosen method's own cell takes chosen.params (when chosen.resolution is one of its
// cells); every other cell takes its method's defaults. Any thread; the caller owns the result.
// Throws nothing for an unknown chosen method (see 1.); the entries' requests are checked when
// they run (computeExplanation throws sg::Error for a bad one).
std::vector<CompareEntry> comparePlan(const ExplanationRequest &chosen, const CompareModel &model,
    const MethodRegistry &registry = MethodRegistry::builtin());

// A short name for a request, as cells and job lists show it: the method's title, plus " R×R"
// (U+00D7, UTF-8) when the request names a resolution; the id itself for a method `registry`
// does not know. Any thread.
std::string requestTitle(
    const ExplanationRequest &request, const MethodRegistry &registry = MethodRegistry::builtin());

} // namespace sg
