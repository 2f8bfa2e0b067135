#pragma once
// The SAG search (research/sag.md §2-3): an I-GOS cell ranking, a beam search for minimal
// sufficient explanations, a diverse subset of them, and the graph of their subsets.
// Torch-free header.

#include "common/cancel.h"
#include "common/progress.h"
#include "model/classifier.h"
#include "sag/sag_result.h"

#include <opencv2/core.hpp>

#include <functional>
#include <vector>

namespace sg {

// Reported after each beam step, on the searching thread. `roots` is valid only during the call.
struct SagStep {
    int step = 0; // 1-based beam step
    int maxSteps = 0; // the cell count: one round's step limit (default mode may run more rounds)
    int beamSize = 0; // sets kept for the next step
    const std::vector<SagRoot> *roots = nullptr; // every root found so far, in discovery order
};
using SagStepFn = std::function<void(const SagStep &)>;

// Searches `image` (decoded, as from readImage) for minimal sufficient explanations of
// request.target for `classifier`, picks the diverse roots and builds their graph. `progress`
// (may be empty) gets done/total with total = 1000 after the ranking, after each beam step and
// at the end; `onStep` (may be empty) gets the roots found so far after each beam step. `cancel`
// is checked before every batch of passes (every pass in reference mode), so a cancel takes
// effect within one batch. Runs on the calling thread (the job worker), which does all model
// work; the classifier must not be used by another thread for the same run. Forward-only passes
// run under no-grad, i.e. on the classifier's inference-optimised copy. Throws sg::Error for a
// bad request (validateSagRequest) or an empty image, what the classifier throws, and Cancelled.
SagResult searchSag(const Classifier &classifier, const cv::Mat &image, const SagRequest &request,
    const ProgressFn &progress, const CancelFlag &cancel, const SagStepFn &onStep = {});

// The largest subset of `sets` (each ascending) whose members pairwise share at most
// `maxShared` cells, by an exact search: of several largest, the lexicographically smallest index
// sequence (the reference's tie rule). Indices ascending. Pure; any thread. Exponential in the
// worst case, pruned by size bounds (roots number a few dozen).
std::vector<int> maximumDiverseSubset(const std::vector<std::vector<int>> &sets, int maxShared);

// The default mode's diverse roots, in drawing order: the pair of `sets` sharing the fewest
// cells (at most `maxShared`; ties: the higher summed probability, then the lower indices), then
// repeatedly the set adding the fewest shared cells while sharing at most `maxShared` with each
// chosen one (ties: the higher probability, then the lower index), until none fits. A single set,
// or none compatible: the most probable set alone. Pure; any thread; cubic in the count.
std::vector<int> leastOverlapSubset(
    const std::vector<std::vector<int>> &sets, const std::vector<double> &probabilities, int maxShared);

// The reference's node label: int(numpy.around(float32 relative, 3) * 100) (research/sag.md
// §3.2), e.g. 0.29 -> 28. Pure.
int sagReferencePercent(double relative);

// True when the graph's edges form no cycle (every edge also goes from a larger set to a
// subset of it one cell smaller). Pure; for tests and exporters.
bool sagGraphIsAcyclic(const SagGraph &graph);

} // namespace sg
