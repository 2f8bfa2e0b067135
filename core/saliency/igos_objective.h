#pragma once
// The I-GOS / iGOS++ objective (research/igos.md sections 2 and 3) and the internal entry point
// of their optimisation, for igos.cpp and the tests (includes torch: for core/saliency .cpp files
// and tests only). The optimisation evaluates the objective only through IgosObjective, so a
// test of IgosObjective guards the code that runs (tests/unit/test_igos_parity.cpp).

#include "saliency/method_support.h"

#include <functional>
#include <vector>

namespace sg::saliency {

struct IgosSettings {
    int iterations = 15;
    int steps = 20; // integration steps (images) per score term
    double l1 = 1.0;
    double l2 = 20.0;
    double alpha = 1000.0;
    double noise = 0.2; // std of the path images' Gaussian noise, normalised units
    bool reference = false;
    bool plusPlus = false;
    // Orders the cells the clamp left at exactly 0 (a plateau of equal saliency) by how far the
    // updates pushed them below 0, summed over iterations; false = the reference's 1 - M.
    bool breakTies = true;
};

// The settings of an I-GOS (plusPlus false) or iGOS++ run from parameters resolved against the
// method's schema (PreparedRequest::params). Any thread. Throws std::out_of_range when a
// parameter is missing (a programming error: resolved parameters have them all).
IgosSettings igosSettings(const ParamValues &params, bool plusPlus);

// The named terms of the objective at one set of masks. D and Ins are interval scores (the mean
// target probability along the path, unsigned); I-GOS has only `deletion`.
struct IgosTerms {
    double deletion = 0.0; // D(U Md), I-GOS's S_IG
    double insertion = 0.0; // Ins(U Mi)
    double deletionBoth = 0.0; // D(U Md * U Mi)
    double insertionBoth = 0.0; // Ins(U Md * U Mi)
    double sparsity = 0.0; // l1 * mean|1 - M|, M the (combined) low-res mask
    double smoothness = 0.0; // l2 * TV(M) for I-GOS, l2 * bilateral TV(I, M) for iGOS++
    double total = 0.0; // D (- Ins + Dboth - Insboth) + sparsity + smoothness, not halved
};

struct IgosGradient {
    IgosTerms terms;
    // One [1, 1, s, s] tensor per mask (I-GOS: M; iGOS++: Md, Mi), detached, on the model's
    // device: d(score)/dmask (halved for iGOS++, as IGOS_pp does) + d(regulariser)/dmask.
    std::vector<at::Tensor> gradients;
};

// The objective of one prepared request. Holds references to `prepared` (which must outlive it)
// and its own blurred baseline. Use from one thread at a time: it drives the classifier.
class IgosObjective {
public:
    // Throws what blurredBaseline() throws.
    IgosObjective(const PreparedRequest &prepared, const IgosSettings &settings);

    // Masks per evaluation (1 or 2) and images per evaluation (score terms * steps): the first
    // size of the noise tensor the evaluations take.
    int maskCount() const { return settings_.plusPlus ? 2 : 1; }
    int imageCount() const { return (settings_.plusPlus ? 4 : 1) * settings_.steps; }
    // The normalised blurred baseline [1, C, H, W] on the model's device.
    const at::Tensor &baseline() const { return baseline_; }

    // The terms and the gradients at `masks` (maskCount() tensors [1, 1, s, s] on the model's
    // device). `noise` is [imageCount(), C, H, W] added to the path images, or undefined for
    // none. Runs the model in slices of at most `maxBatch` (reduced on out-of-memory, see
    // forEachBatch); throws Cancelled when `cancel` is set, and what the classifier throws.
    IgosGradient gradient(const std::vector<at::Tensor> &masks, const at::Tensor &noise, int &maxBatch,
        const CancelFlag &cancel) const;
    // The terms alone, without autograd (the line search's loss). Same arguments and errors.
    IgosTerms evaluate(const std::vector<at::Tensor> &masks, const at::Tensor &noise, int &maxBatch,
        const CancelFlag &cancel) const;

    // The mask the method returns: M, or Md * Mi.
    static at::Tensor combined(const std::vector<at::Tensor> &masks);

private:
    struct Term;
    std::vector<Term> terms(const std::vector<at::Tensor> &masks) const;
    at::Tensor pathImages(
        const std::vector<Term> &allTerms, const at::Tensor &noise, int begin, int end) const;
    at::Tensor scoreSum(const std::vector<Term> &allTerms, const at::Tensor &probabilities, int begin) const;
    void addTermValues(const at::Tensor &probabilities, int begin, std::vector<double> &values) const;
    at::Tensor regulariser(const std::vector<at::Tensor> &masks, IgosTerms &terms) const;
    static void setScores(const std::vector<double> &values, IgosTerms &terms);

    const PreparedRequest &prepared_;
    IgosSettings settings_;
    at::Tensor baseline_;
    at::Tensor weightsVertical_; // bilateral TV weights [H-1, W] (iGOS++)
    at::Tensor weightsHorizontal_; // [H, W-1]
};

// One finished optimisation iteration, as the optimisation saw it.
struct IgosIteration {
    int iteration = 0; // 1-based
    // The objective at the masks before this iteration's step, with this iteration's noise (the
    // value of its gradient pass; exact when the noise std is 0).
    double loss = 0.0;
    double step = 0.0; // the accepted line-search step
    const std::vector<at::Tensor> *masks = nullptr; // after the step; valid during the call
};
using IgosIterationFn = std::function<void(const IgosIteration &)>;

// What an optimisation returns, [1, 1, s, s] tensors on the model's device (the caller owns them).
struct IgosOutcome {
    at::Tensor mask; // the final combined mask M (or Md * Mi) in [0, 1], low = salient
    // The mask the saliency map is made of (saliency = 1 - U(ranking)): equal to `mask` where it
    // is above 0; with breakTies, cells at exactly 0 get -kTieDepth * (their push below 0 over
    // the run / the largest such push), so a plateau of saturated cells has one deepest point
    // while every other cell keeps its order.
    at::Tensor ranking;
};

// How far below 0 the deepest saturated cell goes in IgosOutcome::ranking: it widens the map's
// range by 2 %, so the display barely changes.
constexpr double kTieDepth = 0.02;

// Runs the I-GOS / iGOS++ optimisation of `prepared` from all-ones masks. Noise comes from a
// generator seeded with `seed`. `progress` gets the saliency after each iteration and
// `onIteration` (optional, for tests) the iteration's record, both on the calling thread.
// Throws Cancelled when `cancel` is set, and what the classifier throws.
IgosOutcome optimiseIgos(const PreparedRequest &prepared, const IgosSettings &settings, int maxBatch,
    std::uint64_t seed, const ProgressFn &progress, const CancelFlag &cancel,
    const IgosIterationFn &onIteration = {});

} // namespace sg::saliency
