#include "sag/cell_scorer.h"

#include "common/batching.h"
#include "model/tensor_ops.h"

namespace sg::sag {

namespace F = torch::nn::functional;

std::vector<int> cellsOf(const CellSet &set)
{
    std::vector<int> cells;
    for (int k = 0; k < kSagMaxCells; ++k)
        if (set.test(size_t(k)))
            cells.push_back(k);
    return cells;
}

CellSet setOf(const std::vector<int> &cells)
{
    CellSet set;
    for (int k : cells)
        set.set(size_t(k));
    return set;
}

at::Tensor upsampleCells(const at::Tensor &cells, int height, int width, SagUpsampling upsampling)
{
    if (upsampling == SagUpsampling::Bilinear)
        return upsample(cells, height, width);
    // Nearest: output row y reads input row floor(y * rows / height), so cell rows are blocks.
    return F::interpolate(
        cells, F::InterpolateFuncOptions().size(std::vector<int64_t>{height, width}).mode(torch::kNearest));
}

at::Tensor cellMasks(const std::vector<CellSet> &sets, int rows, int cols, int height, int width,
    SagUpsampling upsampling, const c10::Device &device)
{
    const int cells = rows * cols;
    at::Tensor masks = torch::zeros({int64_t(sets.size()), 1, rows, cols}, torch::kFloat32);
    float *data = masks.data_ptr<float>();
    for (size_t n = 0; n < sets.size(); ++n)
        for (int k = 0; k < cells; ++k)
            data[n * size_t(cells) + size_t(k)] = sets[n].test(size_t(k)) ? 1.0f : 0.0f;
    return upsampleCells(masks.to(device), height, width, upsampling);
}

CellScorer::CellScorer(const Classifier &classifier, at::Tensor input, at::Tensor baseline, int rows,
    int cols, SagUpsampling upsampling, int target, bool memo, bool batched, int maxBatch,
    const CancelFlag &cancel) :
    classifier_(classifier),
    input_(std::move(input)),
    baseline_(std::move(baseline)),
    rows_(rows),
    cols_(cols),
    upsampling_(upsampling),
    target_(target),
    memo_(memo),
    batched_(batched),
    maxBatch_(maxBatch),
    cancel_(cancel)
{ }

std::vector<float> CellScorer::evaluate(const std::vector<CellSet> &sets)
{
    torch::NoGradGuard noGrad; // forward only: the classifier's inference-optimised copy
    std::vector<float> values(sets.size());
    const int height = int(input_.size(2));
    const int width = int(input_.size(3));
    int batch = batched_ ? maxBatch_ : 1;
    forEachBatch(int(sets.size()), batch, cancel_, [&](int begin, int end) {
        const std::vector<CellSet> slice(sets.begin() + begin, sets.begin() + end);
        const at::Tensor mask = cellMasks(slice, rows_, cols_, height, width, upsampling_, input_.device());
        const at::Tensor images = input_ * mask + baseline_ * (1.0 - mask);
        const at::Tensor probabilities = torch::softmax(classifier_.logits(images), 1)
                                             .select(1, target_)
                                             .to(torch::kCPU, torch::kFloat32);
        for (int i = begin; i < end; ++i)
            values[size_t(i)] = probabilities[i - begin].item<float>();
    });
    if (batched_)
        maxBatch_ = batch; // keep a size that fitted
    return values;
}

std::vector<float> CellScorer::score(const std::vector<CellSet> &sets)
{
    counts_.requested += std::int64_t(sets.size());
    std::vector<float> values(sets.size());
    if (!memo_) {
        values = evaluate(sets);
        for (const CellSet &set : sets)
            seen_.insert(set);
        return values;
    }
    // The sets not in the memo, each once, in first-seen order.
    std::vector<CellSet> missing;
    std::unordered_map<CellSet, bool> queued;
    for (const CellSet &set : sets)
        if (!memoTable_.count(set) && !queued.count(set)) {
            queued[set] = true;
            missing.push_back(set);
        }
    if (!batched_) {
        // One pass per set in call order, as the reference; a set met twice in the call is a hit.
        for (const CellSet &set : missing) {
            memoTable_[set] = evaluate({set})[0];
            seen_.insert(set);
        }
    } else if (!missing.empty()) {
        const std::vector<float> fresh = evaluate(missing);
        for (size_t i = 0; i < missing.size(); ++i) {
            memoTable_[missing[i]] = fresh[i];
            seen_.insert(missing[i]);
        }
    }
    counts_.hits += std::int64_t(sets.size() - missing.size());
    for (size_t i = 0; i < sets.size(); ++i)
        values[i] = memoTable_.at(sets[i]);
    return values;
}

} // namespace sg::sag
