#pragma once
// A TorchScript image classifier with its sidecar spec. This header does not include torch
// (tensors are only declared), so the GUI layer can hold a Classifier without torch headers;
// code that calls the tensor functions includes <torch/torch.h> itself.

#include "model/model_spec.h"

#include <opencv2/core.hpp>

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

struct Prediction {
    std::vector<ClassScore> top;       // the k most probable classes, most probable first
    std::vector<float> logits;         // one per label
    std::vector<float> probabilities;  // softmax of logits
};

class Classifier {
public:
    // Loads `modelPath` (TorchScript) and its sidecar (same base name, .json) onto `device`:
    // "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N". Runs one probe forward
    // pass on a zero image to check the model against its sidecar. Throws sg::Error naming the
    // file and the problem: missing model or sidecar, not TorchScript, malformed sidecar, a
    // declared split method the model lacks, input shape rejected by the model, output not
    // [N, K], K different from the label count, NaN/inf outputs, an unavailable device.
    // Any thread; the returned object is then used from one thread at a time.
    static std::shared_ptr<Classifier> load(const std::string &modelPath,
                                            const std::string &device = "auto");

    ~Classifier();
    Classifier(const Classifier &) = delete;
    Classifier &operator=(const Classifier &) = delete;

    const ModelSpec &spec() const;
    const std::string &modelPath() const;
    std::string deviceName() const;  // "cpu", "cuda:0", ...
    int classCount() const;

    // Largest batch pushed through the model at once (default 32). Out-of-memory errors halve it
    // for the rest of the call and retry.
    void setMaxBatch(int maxBatch);
    int maxBatch() const;

    // Predicts decoded images (see image_io.h; any size, resized per the spec). Batched; no
    // gradients. `topk` is clamped to [1, classCount()]. Throws sg::Error when the model
    // produces non-finite logits (naming `names[i]` when given) or an image cannot be converted.
    std::vector<Prediction> predict(const std::vector<cv::Mat> &images, int topk,
                                    const std::vector<std::string> &names = {}) const;

    // --- tensor interface (callers include torch) -------------------------------------------
    // All take normalised [N, C, H, W] float input on any device (moved to the model's device)
    // and return tensors on the model's device. Gradients flow when autograd is on in the
    // calling thread; the model's own parameters never require grad.

    at::Tensor logits(const at::Tensor &input) const;   // [N, K]
    bool hasSplit() const;
    at::Tensor features(const at::Tensor &input) const; // inner map; throws sg::Error without split
    at::Tensor head(const at::Tensor &features) const;  // logits from the inner map
    // Gradient of sum_i logits[i, targets[i]] with respect to `input`, same shape as input.
    // Writes the logits to `logitsOut` when given. Enables autograd locally.
    at::Tensor inputGradient(const at::Tensor &input, const std::vector<int64_t> &targets,
                             at::Tensor *logitsOut = nullptr) const;

    // Counts of model passes since load (one per image; the load-time probe not included),
    // for reports and benchmarks.
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
