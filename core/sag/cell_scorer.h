#pragma once
// The SAG search's one way of scoring cell sets (includes torch: for core/sag .cpp files and
// tests only): f(S), the target's softmax probability on the image that shows S's cells over
// the baseline, with an optional memo by set and pass counting per phase.

#include "common/cancel.h"
#include "model/classifier.h"
#include "sag/sag_request.h"

#include <torch/torch.h>

#include <bitset>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sg::sag {

using CellSet = std::bitset<kSagMaxCells>;

// Ascending cell ids of `set`, and back.
std::vector<int> cellsOf(const CellSet &set);
CellSet setOf(const std::vector<int> &cells);

// The cell masks of `sets` [N, 1, rows, cols] (1 = shown) brought to the input size [N, 1, H, W]
// by `upsampling`. On `device`.
at::Tensor cellMasks(const std::vector<CellSet> &sets, int rows, int cols, int height, int width,
    SagUpsampling upsampling, const c10::Device &device);
// The same for masks given as a tensor [N, 1, rows, cols] (any values; the ranking's soft mask).
at::Tensor upsampleCells(const at::Tensor &cells, int height, int width, SagUpsampling upsampling);

// Scores cell sets for one (model, image, baseline, target). Use from one thread.
class CellScorer {
public:
    struct Counts {
        std::int64_t requested = 0;
        std::int64_t hits = 0;
    };

    // `input`, `baseline`: normalised [1, C, H, W] on the model's device. `memo`: answer a set
    // seen before from the memo. `batched`: score the sets of one call in batches of at most
    // `maxBatch` (halved on out-of-memory); otherwise one pass per set, in order (reference).
    CellScorer(const Classifier &classifier, at::Tensor input, at::Tensor baseline, int rows, int cols,
        SagUpsampling upsampling, int target, bool memo, bool batched, int maxBatch,
        const CancelFlag &cancel);

    // f(S) of every set, in order (duplicates in one call are scored once when batched and
    // memoised). Float32 probabilities, as the model gives them. Throws Cancelled, and what the
    // classifier throws.
    std::vector<float> score(const std::vector<CellSet> &sets);
    float score(const CellSet &set) { return score(std::vector<CellSet>{set})[0]; }

    const Counts &counts() const { return counts_; }
    std::int64_t distinctSets() const { return std::int64_t(seen_.size()); }

private:
    std::vector<float> evaluate(const std::vector<CellSet> &sets);

    const Classifier &classifier_;
    at::Tensor input_;
    at::Tensor baseline_;
    int rows_;
    int cols_;
    SagUpsampling upsampling_;
    int target_;
    bool memo_;
    bool batched_;
    int maxBatch_;
    const CancelFlag &cancel_;
    std::unordered_map<CellSet, float> memoTable_;
    std::unordered_set<CellSet> seen_;
    Counts counts_;
};

} // namespace sg::sag
