#pragma once
// What a SAG search returns: the minimal sufficient explanations it found (roots), the diverse
// subset drawn as the graph's roots, the graph of their subsets, and what the search cost.
// Plain data, torch-free; cells are ids row * gridCols + col, each set ascending.

#include "sag/sag_request.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sg {

// A minimal sufficient explanation: a cell set whose shown-cells image keeps the target above
// the threshold while hiding any one of its cells drops it to the threshold or below.
struct SagRoot {
    std::vector<int> cells;
    double probability = 0.0; // f(cells), softmax probability of the target
    double relative = 0.0; // probability / the full image's probability
    int round = 1; // the search round that found it (default mode may run several)
};

// One node of the graph: a cell set (a root, or a subset reached by removing cells).
struct SagNode {
    std::vector<int> cells;
    double probability = 0.0;
    double relative = 0.0;
    // The label as a whole percentage. Reference mode reproduces the reference's arithmetic
    // (float rounding to 3 decimals, then truncation: 0.29 -> 28); default rounds 100 * relative.
    int percent = 0;
    bool root = false; // one of the drawn roots
    int rootIndex = -1; // its index in SagResult::roots when root
    int depth = 0; // fewest removals from a root
    bool expanded = false; // its children were added (above the expansion threshold, > 1 cell)
    bool cut = false; // the node limit left out some of its children
};

// parent -> child, the child being the parent without `removedCell`.
struct SagEdge {
    int parent = 0;
    int child = 0;
    int removedCell = 0;
};

// A DAG: a set reached along several paths is one node. Nodes in breadth-first order from the
// roots (every root first), so a parent always comes before its children.
struct SagGraph {
    std::vector<SagNode> nodes;
    std::vector<SagEdge> edges;
    bool cut = false; // the node limit stopped the expansion somewhere
};

struct SagStatistics {
    std::int64_t forwardPasses = 0; // images through the model, every phase (the clean pass too)
    std::int64_t backwardPasses = 0; // images whose gradient the ranking took
    std::int64_t rankingPasses = 0; // forward passes of the I-GOS ranking
    std::int64_t searchPasses = 0; // forward passes scoring beam successors
    std::int64_t minimisationPasses = 0; // forward passes minimising sufficient successors
    std::int64_t graphPasses = 0; // forward passes scoring graph nodes and candidate children
    std::int64_t setsScored = 0; // cell sets asked for (each a pass without the memo)
    std::int64_t cacheHits = 0; // of those, answered by the memo
    std::int64_t distinctSets = 0; // different sets scored
    int beamSteps = 0;
    int minimisations = 0; // sufficient successors minimised
    int supersetsSkipped = 0; // default mode: successors dropped for holding a known root
    int rounds = 1; // default mode: searches from the empty set, later ones without known roots' cells
    std::vector<int> excludedCells; // default mode: the cells later rounds did not search (ascending)
    // "roots", "beam empty", "cells exhausted", "baseline suffices", "no root outside the known
    // roots" (default mode: showing every cell no root holds is not sufficient)
    std::string stopReason;
    double seconds = 0.0; // wall time of the whole search, graph included
};

struct SagResult {
    SagRequest request; // as run, target resolved
    int gridRows = 0;
    int gridCols = 0;
    int target = 0;
    std::string label;
    double probability = 0.0; // f(all cells): the target's probability on the clean image
    double threshold = 0.0; // absolute: request.threshold * probability
    // The I-GOS cell ranking the beam expands by, row-major, low = important.
    std::vector<double> ranking;
    std::vector<SagRoot> roots; // every distinct root, in discovery order
    // Indices into roots sharing <= maxSharedCells cells pairwise: reference mode the largest such
    // set (maximumDiverseSubset), default mode leastOverlapSubset's order.
    std::vector<int> diverse;
    std::vector<int> shown; // the first rootsShown of diverse: the graph's roots
    // The empty set is sufficient: the baseline alone keeps the class (a result, not an error).
    bool baselineSuffices = false;
    SagGraph graph;
    SagStatistics statistics;
};

} // namespace sg
