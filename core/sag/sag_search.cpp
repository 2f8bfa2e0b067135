// The SAG search: ranking, beam search for minimal sufficient explanations (MSEs), diverse roots,
// graph. research/sag.md §2 is the reference behaviour; core/sag/README.md lists where each
// mode follows it.
//
// Both modes share the definitions: f(S) is the target's softmax probability on the image that
// shows S's cells over the baseline; S is sufficient when f(S) > threshold * f(all); a root is a
// sufficient set from which no single cell can be removed (1-minimal).
//
//   reference  beam of beamWidth + 1 (the reference appends, then checks "> beamWidth"), no
//              deduplication of successors, every sufficient successor minimised at every step
//              by the reference's greedy pass (ascending cell ids, updates within the pass), one
//              pass per evaluation. The memo (off with noCache) answers repeated sets without
//              changing any value: a set's score does not depend on when it is asked for.
//   default    f(empty) first (the baseline alone may keep the class), successors deduplicated
//              and those holding a known root dropped before scoring (they cannot give a new
//              root), each step's successors scored in batches, exactly beamWidth sets kept, and
//              a beam set that gave a sufficient successor retired: its other successors only add
//              a helper cell to the same core, so the beam moves on. When every beam set is
//              retired, another round searches the cells no root holds. The same greedy
//              minimisation. The drawn roots are the least-overlapping compatible ones
//              (leastOverlapSubset); README.md says why.

#include "sag/sag_search.h"

#include "common/error.h"
#include "image/mat_tensor.h"
#include "image/preprocess.h"
#include "model/tensor_ops.h"
#include "sag/search_parts.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace sg {

namespace {

using sag::CellScorer;
using sag::CellSet;

constexpr int kProgressTotal = 1000;
constexpr double kRankingShare = 0.1;
constexpr double kSearchShare = 0.8; // beam steps; the graph takes the rest

struct Candidate {
    CellSet set;
    float probability = 0.0f;
};

// Runs `fn` and adds the classifier's forward passes it made (on this thread) to `passes`.
template <class Fn> auto measured(const Classifier &classifier, std::int64_t &passes, const Fn &fn)
{
    const std::int64_t before = classifier.forwardCount();
    auto value = fn();
    passes += classifier.forwardCount() - before;
    return value;
}

class BeamSearch {
public:
    BeamSearch(const SagRequest &request, const std::vector<double> &ranking, double threshold,
        CellScorer &scorer, const Classifier &classifier, SagStatistics &statistics,
        const std::function<void(int step, int maxSteps, int beamSize, const std::vector<SagRoot> &)>
            &report) :
        request_(request),
        ranking_(ranking),
        threshold_(threshold),
        cells_(request.gridRows * request.gridCols),
        reference_(request.mode == SagMode::Reference),
        scorer_(scorer),
        classifier_(classifier),
        statistics_(statistics),
        report_(report)
    { }

    std::vector<SagRoot> run(double fullProbability)
    {
        fullProbability_ = fullProbability;
        size_t known = 0;
        // Another round only after a round that found new roots (else it would repeat itself).
        while (round() && !reference_ && roots_.size() > known && int(roots_.size()) <= request_.maxRoots) {
            known = roots_.size();
            // Default mode: every beam set was retired, each the core of roots found. The next
            // round searches without the cores' cells, while showing all the other cells is
            // sufficient (else that round could only find a subset beating the whole).
            banned_ |= cores_;
            statistics_.excludedCells = sag::cellsOf(banned_);
            CellSet rest;
            for (int k = 0; k < cells_; ++k)
                rest.set(size_t(k), !banned_.test(size_t(k)));
            if (rest.none()) {
                statistics_.stopReason = "cells exhausted";
                break;
            }
            const float score
                = measured(classifier_, statistics_.searchPasses, [&] { return scorer_.score(rest); });
            if (!(double(score) > threshold_)) {
                statistics_.stopReason = "no root outside the known roots";
                break;
            }
            ++statistics_.rounds;
        }
        return roots_;
    }

private:
    // One beam search from the empty set over the cells not banned. True when it stopped
    // because every set of the last beam was retired (default mode), i.e. when another round may
    // find roots elsewhere.
    bool round()
    {
        std::vector<CellSet> beam{CellSet()};
        const int keep = reference_ ? request_.beamWidth + 1 : request_.beamWidth;
        statistics_.stopReason = "cells exhausted";
        for (int step = 0; step < cells_; ++step) {
            std::vector<CellSet> successors;
            std::vector<int> parents; // index into `beam` of each successor's set
            for (size_t b = 0; b < beam.size(); ++b)
                for (int cell : candidates(beam[b])) {
                    CellSet next = beam[b];
                    next.set(size_t(cell));
                    if (!reference_
                        && (std::find(successors.begin(), successors.end(), next) != successors.end()
                            || holdsKnownRoot(next)))
                        continue;
                    successors.push_back(next);
                    parents.push_back(int(b));
                }
            if (successors.empty()) {
                statistics_.stopReason = "beam empty";
                return false;
            }
            const std::vector<float> scores
                = measured(classifier_, statistics_.searchPasses, [&] { return scorer_.score(successors); });
            std::vector<size_t> order(successors.size());
            std::iota(order.begin(), order.end(), size_t(0));
            std::stable_sort(
                order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });

            // Sorted, so every sufficient successor comes before the others.
            std::vector<bool> retired(beam.size(), false);
            std::vector<CellSet> next;
            for (size_t i : order) {
                if (double(scores[i]) > threshold_) {
                    retired[size_t(parents[i])] = true;
                    cores_ |= beam[size_t(parents[i])];
                    consider(successors[i], scores[i]);
                } else if (int(next.size()) >= keep) {
                    break;
                } else if (reference_ || !retired[size_t(parents[i])]) {
                    next.push_back(successors[i]);
                }
            }
            beam = next;
            ++statistics_.beamSteps;
            report_(statistics_.beamSteps, cells_, int(beam.size()), roots_);
            if (int(roots_.size()) > request_.maxRoots) {
                statistics_.stopReason = "roots";
                return false;
            }
            if (beam.empty()) {
                statistics_.stopReason = "beam empty";
                return true;
            }
        }
        return false;
    }

    // The best-ranked cells not in `shown`, at most `successors` of them: ascending ranking
    // value, ties by cell id.
    std::vector<int> candidates(const CellSet &shown) const
    {
        std::vector<int> order;
        for (int k = 0; k < cells_; ++k)
            if (!shown.test(size_t(k)) && !banned_.test(size_t(k)))
                order.push_back(k);
        std::stable_sort(order.begin(), order.end(),
            [&](int a, int b) { return ranking_[size_t(a)] < ranking_[size_t(b)]; });
        order.resize(std::min(order.size(), size_t(request_.successors)));
        return order;
    }

    void consider(const CellSet &set, float probability)
    {
        if (!reference_ && holdsKnownRoot(set)) // an earlier successor of this step gave the root
            return;
        ++statistics_.minimisations;
        const Candidate minimal = measured(
            classifier_, statistics_.minimisationPasses, [&] { return minimise(set, probability); });
        if (std::find(rootSets_.begin(), rootSets_.end(), minimal.set) != rootSets_.end())
            return;
        rootSets_.push_back(minimal.set);
        roots_.push_back({sag::cellsOf(minimal.set), double(minimal.probability),
            double(minimal.probability) / fullProbability_, statistics_.rounds});
    }

    // The reference's remove_extra_patches: passes over the shown cells in ascending order,
    // hiding each in turn and keeping the removal while the set stays sufficient, until a pass
    // removes nothing.
    Candidate minimise(CellSet set, float probability)
    {
        bool changed = true;
        while (changed) {
            changed = false;
            for (int cell : sag::cellsOf(set)) {
                CellSet smaller = set;
                smaller.reset(size_t(cell));
                const float p = scorer_.score(smaller);
                if (double(p) > threshold_) {
                    set = smaller;
                    probability = p;
                    changed = true;
                }
            }
        }
        return {set, probability};
    }

    // True when a known root lies inside `set` (default mode counts each such set).
    bool holdsKnownRoot(const CellSet &set)
    {
        for (const CellSet &known : rootSets_)
            if ((known & ~set).none()) {
                ++statistics_.supersetsSkipped;
                return true;
            }
        return false;
    }

    const SagRequest &request_;
    const std::vector<double> &ranking_;
    double threshold_;
    int cells_;
    bool reference_;
    CellScorer &scorer_;
    const Classifier &classifier_;
    SagStatistics &statistics_;
    std::function<void(int, int, int, const std::vector<SagRoot> &)> report_;
    double fullProbability_ = 1.0;
    std::vector<CellSet> rootSets_;
    std::vector<SagRoot> roots_;
    CellSet cores_; // cells of the beam sets that gave roots (the retired ones in default mode)
    CellSet banned_; // default mode: the cores of earlier rounds, not searched again
};

struct Searcher {
    std::vector<int> best;
    std::vector<int> current;
    const std::vector<std::vector<bool>> &compatible;

    void extend(const std::vector<int> &candidates)
    {
        if (candidates.empty()) {
            if (current.size() > best.size())
                best = current;
            return;
        }
        for (size_t i = 0; i < candidates.size(); ++i) {
            // Even taking every remaining candidate cannot beat the best: prune (ties keep the
            // earlier, lexicographically smaller set).
            if (current.size() + (candidates.size() - i) <= best.size())
                return;
            const int v = candidates[i];
            std::vector<int> rest;
            for (size_t j = i + 1; j < candidates.size(); ++j)
                if (compatible[size_t(v)][size_t(candidates[j])])
                    rest.push_back(candidates[j]);
            current.push_back(v);
            extend(rest);
            current.pop_back();
        }
        if (current.size() > best.size())
            best = current;
    }
};

} // namespace

std::vector<int> maximumDiverseSubset(const std::vector<std::vector<int>> &sets, int maxShared)
{
    const size_t count = sets.size();
    std::vector<std::vector<bool>> compatible(count, std::vector<bool>(count, false));
    for (size_t i = 0; i < count; ++i)
        for (size_t j = 0; j < count; ++j) {
            std::vector<int> shared;
            std::set_intersection(
                sets[i].begin(), sets[i].end(), sets[j].begin(), sets[j].end(), std::back_inserter(shared));
            compatible[i][j] = int(shared.size()) <= maxShared;
        }
    Searcher searcher{{}, {}, compatible};
    std::vector<int> all(count);
    std::iota(all.begin(), all.end(), 0);
    searcher.extend(all);
    return searcher.best;
}

std::vector<int> leastOverlapSubset(
    const std::vector<std::vector<int>> &sets, const std::vector<double> &probabilities, int maxShared)
{
    const int count = int(sets.size());
    std::vector<std::vector<int>> shared(size_t(count), std::vector<int>(size_t(count), 0));
    for (int i = 0; i < count; ++i)
        for (int j = 0; j < count; ++j) {
            std::vector<int> both;
            std::set_intersection(sets[size_t(i)].begin(), sets[size_t(i)].end(), sets[size_t(j)].begin(),
                sets[size_t(j)].end(), std::back_inserter(both));
            shared[size_t(i)][size_t(j)] = int(both.size());
        }
    std::vector<int> chosen;
    if (count == 0)
        return chosen;
    // The pair first (the most probable single set when no pair is compatible).
    int bestI = -1, bestJ = -1;
    for (int i = 0; i < count; ++i)
        for (int j = i + 1; j < count; ++j) {
            const int overlap = shared[size_t(i)][size_t(j)];
            if (overlap > maxShared)
                continue;
            const double sum = probabilities[size_t(i)] + probabilities[size_t(j)];
            if (bestI < 0 || overlap < shared[size_t(bestI)][size_t(bestJ)]
                || (overlap == shared[size_t(bestI)][size_t(bestJ)]
                    && sum > probabilities[size_t(bestI)] + probabilities[size_t(bestJ)])) {
                bestI = i;
                bestJ = j;
            }
        }
    if (bestI < 0) {
        int best = 0;
        for (int i = 1; i < count; ++i)
            if (probabilities[size_t(i)] > probabilities[size_t(best)])
                best = i;
        return {best};
    }
    chosen = {bestI, bestJ};
    while (true) {
        int pick = -1, pickOverlap = 0;
        for (int c = 0; c < count; ++c) {
            if (std::find(chosen.begin(), chosen.end(), c) != chosen.end())
                continue;
            int total = 0;
            bool fits = true;
            for (int x : chosen) {
                fits = fits && shared[size_t(c)][size_t(x)] <= maxShared;
                total += shared[size_t(c)][size_t(x)];
            }
            if (!fits)
                continue;
            if (pick < 0 || total < pickOverlap
                || (total == pickOverlap && probabilities[size_t(c)] > probabilities[size_t(pick)])) {
                pick = c;
                pickOverlap = total;
            }
        }
        if (pick < 0)
            return chosen;
        chosen.push_back(pick);
    }
}

SagResult searchSag(const Classifier &classifier, const cv::Mat &image, const SagRequest &request,
    const ProgressFn &progress, const CancelFlag &cancel, const SagStepFn &onStep)
{
    const auto started = std::chrono::steady_clock::now();
    const std::int64_t forwardsBefore = classifier.forwardCount();
    const std::int64_t backwardsBefore = classifier.backwardCount();
    const InputSpec &spec = classifier.spec().input;
    validateSagRequest(request, spec, classifier.classCount());
    if (image.empty())
        throw Error("", "sag: no image given");
    const bool reference = request.mode == SagMode::Reference;
    const auto report = [&](double fraction) {
        if (progress)
            progress(
                {int(std::lround(std::clamp(fraction, 0.0, 1.0) * kProgressTotal)), kProgressTotal, nullptr});
    };

    SagResult result;
    result.request = request;
    result.gridRows = request.gridRows;
    result.gridCols = request.gridCols;

    // The clean image, its target and probability (float32, as the model gives it).
    const c10::Device device(classifier.deviceName());
    const at::Tensor pixels = toPixelTensor({toModelPixels(image, spec)}, spec);
    const at::Tensor input = normalise(pixels, spec).to(device);
    float fullProbability = 0.0f;
    {
        torch::NoGradGuard noGrad;
        const at::Tensor probabilities = torch::softmax(classifier.logits(input), 1)[0].to(torch::kCPU);
        result.target = request.target < 0 ? int(probabilities.argmax().item<int64_t>()) : request.target;
        fullProbability = probabilities[result.target].item<float>();
    }
    result.request.target = result.target;
    result.label = classifier.spec().labels[size_t(result.target)];
    result.probability = fullProbability;
    result.threshold = request.threshold * double(fullProbability);

    const at::Tensor baseline = request.baseline == SagBaseline::Black
        ? normalise(torch::zeros_like(pixels), spec).to(device)
        : normalise(blurPixels(pixels), spec).to(device);

    SagStatistics &statistics = result.statistics;
    {
        const std::int64_t before = classifier.forwardCount();
        sag::RankingInput in{&classifier, input, baseline, request.gridRows, request.gridCols,
            request.upsampling, result.target, reference, request.seed, request.maxBatch};
        result.ranking = sag::igosCellRanking(in, cancel);
        statistics.rankingPasses = classifier.forwardCount() - before;
    }
    report(kRankingShare);

    CellScorer scorer(classifier, input, baseline, request.gridRows, request.gridCols, request.upsampling,
        result.target, !request.noCache, !reference, request.maxBatch, cancel);

    bool searched = false;
    if (!reference) {
        // The baseline alone may keep the class: then the empty set is the one root.
        const std::int64_t before = classifier.forwardCount();
        const float empty = scorer.score(CellSet());
        statistics.searchPasses += classifier.forwardCount() - before;
        if (double(empty) > result.threshold) {
            result.baselineSuffices = true;
            result.roots.push_back({{}, double(empty), double(empty) / double(fullProbability)});
            statistics.stopReason = "baseline suffices";
            searched = true;
        }
    }
    if (!searched) {
        const auto stepReport = [&](int step, int maxSteps, int beamSize, const std::vector<SagRoot> &roots) {
            report(kRankingShare + kSearchShare * std::min(1.0, double(step) / double(maxSteps)));
            if (onStep)
                onStep({step, maxSteps, beamSize, &roots});
        };
        BeamSearch search(
            request, result.ranking, result.threshold, scorer, classifier, statistics, stepReport);
        result.roots = search.run(double(fullProbability));
        result.baselineSuffices = std::any_of(
            result.roots.begin(), result.roots.end(), [](const SagRoot &root) { return root.cells.empty(); });
    }
    report(kRankingShare + kSearchShare);

    std::vector<std::vector<int>> sets;
    for (const SagRoot &root : result.roots)
        sets.push_back(root.cells);
    if (reference) {
        result.diverse = maximumDiverseSubset(sets, request.maxSharedCells);
    } else {
        std::vector<double> probabilities;
        for (const SagRoot &root : result.roots)
            probabilities.push_back(root.probability);
        result.diverse = leastOverlapSubset(sets, probabilities, request.maxSharedCells);
    }
    result.shown.assign(result.diverse.begin(),
        result.diverse.begin() + std::min(result.diverse.size(), size_t(request.rootsShown)));

    std::vector<SagRoot> drawn;
    for (int index : result.shown)
        drawn.push_back(result.roots[size_t(index)]);
    sag::GraphSettings graphSettings;
    graphSettings.referenceChildren = reference;
    graphSettings.referencePercent = reference;
    graphSettings.expandThreshold = request.expandThreshold;
    graphSettings.branching = request.branching;
    graphSettings.nodeLimit = request.nodeLimit;
    graphSettings.fullProbability = fullProbability;
    {
        const std::int64_t before = classifier.forwardCount();
        result.graph = sag::buildGraph(drawn, result.shown, graphSettings, scorer);
        statistics.graphPasses = classifier.forwardCount() - before;
    }
    report(1.0);

    statistics.setsScored = scorer.counts().requested;
    statistics.cacheHits = scorer.counts().hits;
    statistics.distinctSets = scorer.distinctSets();
    statistics.forwardPasses = classifier.forwardCount() - forwardsBefore;
    statistics.backwardPasses = classifier.backwardCount() - backwardsBefore;
    statistics.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

} // namespace sg
