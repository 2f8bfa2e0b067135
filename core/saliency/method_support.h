#pragma once
// Shared machinery for saliency method implementations (includes torch: for core/saliency
// .cpp files only). Validation of requests, the prepared input, baselines, pass counting and
// the final heatmap. What other engine parts share too lives in common/batching.h (batches
// with out-of-memory back-off) and model/tensor_ops.h (normalise, upsample, normaliseRange,
// the I-GOS blur); this header brings both in.

#include "common/batching.h"
#include "model/tensor_ops.h"
#include "saliency/method.h"

#include <torch/torch.h>

#include <chrono>

namespace sg::saliency {

// A validated request with the model input ready on the model's device.
struct PreparedRequest {
    const Classifier *classifier = nullptr;
    at::Tensor input; // [1, C, H, W], normalised, on the model's device
    at::Tensor modelPixels; // [1, C, H, W] in [0, 1] before normalisation (CPU)
    int target = 0;
    double probability = 0.0; // softmax probability of the target on the clean image
    int resolution = kDefaultResolution; // as chosen; kDefaultResolution for fixed ones
    ParamValues params;
    int height = 0;
    int width = 0;
    // The request's score function (null: the target's probability), and its value on the
    // clean image. targetScores() divides the score by `scoreScale` (the clean value when it is
    // positive, else 1), so that it is 1 on the clean image, like a confident probability, and
    // the methods' regulariser weights keep their meaning.
    const ScoreFunction *score = nullptr;
    double cleanScore = 0.0;
    double scoreScale = 1.0;
};

// Validates `request` against `method` (classifier set, resolution offered, parameters in
// range and not above the model input's shorter side, target in range, split present when
// needed), converts the image and runs one clean
// forward pass for the target and its probability. Throws sg::Error naming the problem.
PreparedRequest prepare(const SaliencyMethod &method, const SaliencyRequest &request);

// The I-GOS blurred baseline of the prepared input, normalised like the input: blurPixels
// (model/tensor_ops.h) of the model-input pixels. Returns [1, C, H, W] on the model's device.
at::Tensor blurredBaseline(const PreparedRequest &prepared);

// Black (zero-pixel) baseline, normalised like the input: [1, C, H, W] on the model's device.
at::Tensor blackBaseline(const PreparedRequest &prepared);

// Softmax probability of `target` for each image of `batch` [N, C, H, W]: [N].
at::Tensor targetProbabilities(const Classifier &classifier, const at::Tensor &batch, int target);

// What a method that accepts a score function explains, for each image of `batch`: the
// prepared score divided by its scale when the request has one, else targetProbabilities of
// the target. [N] on the model's device.
at::Tensor targetScores(const PreparedRequest &prepared, const at::Tensor &batch);

// A seeded CPU random generator; noise made with it is moved to the model's device, so a
// seed gives the same draws on every device.
at::Generator makeGenerator(std::uint64_t seed);

// Counts the classifier's passes and the wall time of a run. One rule for every method: the
// meter starts before prepare(), so the clean pass that finds the target counts too. A null
// classifier (a request prepare() will refuse) counts nothing.
class RunMeter {
public:
    explicit RunMeter(const Classifier *classifier);
    void fill(Heatmap &heatmap) const;

private:
    const Classifier *classifier_;
    std::int64_t forwards_;
    std::int64_t backwards_;
    std::chrono::steady_clock::time_point start_;
};

// Builds the result (resolution: the prepared one, else the mask's width): `mask` [s, s] in the
// method's convention, `saliency` [H, W] with high =
// salient (min-max normalised to [0, 1] here; a constant map becomes all zeros).
Heatmap makeHeatmap(const SaliencyMethod &method, const PreparedRequest &prepared, const at::Tensor &mask,
    const at::Tensor &saliency);

} // namespace sg::saliency
