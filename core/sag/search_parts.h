#pragma once
// The parts of the SAG search, for core/sag .cpp files and tests (includes torch): the I-GOS
// cell ranking (sag_ranking.cpp) and the graph of the roots' subsets (sag_graph.cpp). The beam
// search and its minimisation are in sag_search.cpp.

#include "sag/cell_scorer.h"
#include "sag/sag_result.h"

namespace sg::sag {

struct RankingInput {
    const Classifier *classifier = nullptr;
    at::Tensor input; // normalised [1, C, H, W] on the model's device
    at::Tensor baseline; // likewise
    int rows = 0;
    int cols = 0;
    SagUpsampling upsampling = SagUpsampling::Bilinear;
    int target = 0;
    bool reference = false; // the reference's noise: channel 0 only, doubled, from cv::RNG
    std::uint64_t seed = 0;
    int maxBatch = 32;
};

// The reference's 2-iteration I-GOS mask over the cells (research/sag.md §2.3): [rows * cols],
// row-major, low = important. Gradient passes run with autograd on the module as loaded; the
// line search's passes under no-grad. Throws Cancelled, and what the classifier throws.
std::vector<double> igosCellRanking(const RankingInput &in, const CancelFlag &cancel);

struct GraphSettings {
    bool referenceChildren = false; // the first `branching` cells (ascending); else largest drop
    bool referencePercent = false; // the reference's label arithmetic, and expand iff percent > 40
    double expandThreshold = 0.4;
    int branching = 3;
    int nodeLimit = 64;
    double fullProbability = 1.0; // f(all cells)
};

// The graph of `roots` (the drawn ones, in order; `rootIndices` their indices in the result's
// roots): a child removes one cell; equal sets are one node; breadth-first, so a node limit
// keeps the shallow levels. Scores every node and candidate child with `scorer`, one batch per
// level. Throws Cancelled, and what the classifier throws.
SagGraph buildGraph(const std::vector<SagRoot> &roots, const std::vector<int> &rootIndices,
    const GraphSettings &settings, CellScorer &scorer);

} // namespace sg::sag
