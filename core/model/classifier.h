#pragma once
// A TorchScript image classifier with its sidecar spec. This header does not include torch
// (tensors are only declared), so the GUI layer can hold a Classifier without torch headers;
// code that calls the tensor functions includes <torch/torch.h> itself.

#include "model/model_spec.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

namespace sg {

struct ClassScore {
    int index = 0;
    std::string label;
    double probability = 0.0;
};

// One call into the model, as a pass observer sees it (see Classifier::setPassObserver).
enum class PassKind { Logits, Features, Head };

struct PassRecord {
    PassKind kind = PassKind::Logits;
    std::int64_t images = 0; // rows of the batch
    bool grad = false; // autograd was on in the calling thread
    bool optimised = false; // ran on the inference-optimised copy, not the module as loaded
};

// `input` is the batch the pass read, as the caller passed it: valid during the call only (clone
// it to keep it).
using PassObserver = std::function<void(const PassRecord &record, const at::Tensor &input)>;

struct Prediction {
    std::vector<ClassScore> top; // the k most probable classes, most probable first
    std::vector<float> logits; // one per label
    std::vector<float> probabilities; // softmax of logits
};

class Classifier {
public:
    // Loads `modelPath` (TorchScript) and its sidecar (same base name, .json) onto `device`:
    // "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N". Runs one probe forward
    // pass on a zero image to check the model against its sidecar. Throws sg::Error naming the
    // file and the problem: missing model or sidecar, not TorchScript, malformed sidecar, a
    // declared split method the model lacks, input shape rejected by the model, output not
    // [N, K], K different from the label count, NaN/inf outputs, an unavailable device.
    // It then makes an inference-optimised copy of the module (torch::jit::freeze, then
    // torch::jit::optimize_for_inference) and keeps it only when its logits match the module's
    // within kOptimisedTolerance on the probe and on a fixed non-trivial input. A copy that
    // cannot be made or that differs is no error: the module then serves every pass and
    // optimisedCopyNote() says why.
    // Any thread. The const members of the returned object may be called from several threads
    // at once (the GUI predicts on its interactive lane while an explanation runs on the
    // other); the setters are for the one thread using it, between passes.
    static std::shared_ptr<Classifier> load(const std::string &modelPath, const std::string &device = "auto");

    ~Classifier();
    Classifier(const Classifier &) = delete;
    Classifier &operator=(const Classifier &) = delete;

    const ModelSpec &spec() const;
    const std::string &modelPath() const;
    std::string deviceName() const; // "cpu", "cuda:0", ...
    int classCount() const;

    // Largest batch pushed through the model at once (default 32). Out-of-memory errors halve it
    // for the rest of the call and retry.
    void setMaxBatch(int maxBatch);
    int maxBatch() const;

    // Predicts decoded images (see image_io.h; any size, resized per the spec). Batched; no
    // gradients. `topk` is clamped to [1, classCount()]. Throws sg::Error when the model
    // produces non-finite logits (naming `names[i]` when given) or an image cannot be converted.
    std::vector<Prediction> predict(
        const std::vector<cv::Mat> &images, int topk, const std::vector<std::string> &names = {}) const;

    // --- inference-optimised copy ----------------------------------------------------------
    // Largest |logit difference| at load for which the copy is kept.
    static constexpr double kOptimisedTolerance = 1e-4;
    // True when load() made a copy and it passed the check. Any thread.
    bool hasOptimisedCopy() const;
    // One line for reports: the copy's largest logit difference at load, or why there is none
    // (freezing or optimising threw, with torch's message; or the logits differed, by how
    // much). Any thread; the string is a copy.
    std::string optimisedCopyNote() const;
    // Whether passes without autograd may use the copy (default true; no effect without a
    // copy). For benchmarks and tests that compare both paths. From the thread using the
    // classifier, between passes.
    void setOptimisedInference(bool enabled);
    // True when the copy exists and is enabled: passes without autograd then use it.
    bool optimisedInference() const;

    // Calls `observer` (empty = none) after every successful model call (logits, features,
    // head; predict() and inputGradient() included), on the thread that made the call, before
    // the call returns; it must be quick and must not call the classifier. For benchmarks that
    // replay a run's passes. From the thread using the classifier, between passes.
    void setPassObserver(PassObserver observer);

    // --- tensor interface (callers include torch) -------------------------------------------
    // All take normalised [N, C, H, W] float input on any device (moved to the model's device)
    // and return tensors on the model's device. Gradients flow when autograd is on in the
    // calling thread; the model's own parameters never require grad. logits() with autograd
    // off in the calling thread (no-grad or inference mode) runs on the optimised copy when
    // optimisedInference(); with autograd on, and features()/head() always, on the module as
    // loaded (the copy keeps no graph and exports forward only).

    at::Tensor logits(const at::Tensor &input) const; // [N, K]
    bool hasSplit() const;
    at::Tensor features(const at::Tensor &input) const; // inner map; throws sg::Error without split
    at::Tensor head(const at::Tensor &features) const; // logits from the inner map
    // Gradient of sum_i logits[i, targets[i]] with respect to `input`, same shape as input.
    // Writes the logits to `logitsOut` when given. Enables autograd locally.
    at::Tensor inputGradient(
        const at::Tensor &input, const std::vector<int64_t> &targets, at::Tensor *logitsOut = nullptr) const;

    // Counts of model passes made by the calling thread since load (one per image; the
    // load-time probe not included), for reports and benchmarks. Per thread, so passes made on
    // another thread at the same time never count towards a run's figures.
    std::int64_t forwardCount() const;
    std::int64_t backwardCount() const;
    // For methods that run autograd themselves (e.g. through features/head): counts `images`
    // backward passes. Any thread.
    void recordBackward(std::int64_t images) const;

private:
    struct Impl;
    explicit Classifier(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace sg
