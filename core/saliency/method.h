#pragma once
// The saliency method interface. A method is a registered, stateless object: it has an id, a
// parameter schema with defaults (which may depend on the resolution), and a const run() that
// takes a request and plain progress/cancel callbacks. Per-run state lives inside run(), so one
// method object may serve several threads. This header is torch-free; implementations include
// torch in their .cpp.

#include "common/cancel.h"
#include "common/params.h"
#include "common/progress.h"
#include "model/classifier.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sg {

// The one marker of "no resolution chosen": SaliencyRequest::resolution set to it means the
// method's default. A method whose resolution is fixed by the model (resolutions() empty, e.g.
// Grad-CAM) takes only this value, returns it from defaultResolution() and is asked for its
// schema at it.
constexpr int kDefaultResolution = -1;

// A scalar score of the model other than a class's probability, for the methods that accept one
// (SaliencyMethod::acceptsScore): e.g. one XNN x-feature's activation through the network
// (core/xnn/concept_map.h). The method then explains this score instead of the target's
// probability. Implementations live where the score is defined, not in the engine.
class ScoreFunction {
public:
    virtual ~ScoreFunction() = default;
    // One line for reports: "x-feature 2 of class 0 (T-shirt/top)".
    virtual std::string name() const = 0;
    // The score of each image of `batch` ([N, C, H, W], normalised like the model's input, on
    // the model's device): [N] on the model's device, differentiable when autograd is on. Called
    // from the thread running the method; it must count its passes as the classifier does (a
    // score made of classifier calls does so by itself).
    virtual at::Tensor scores(const at::Tensor &batch) const = 0;
};

// What to explain. The classifier is not owned and must outlive run(); it is used from the
// calling thread only (the job worker).
struct SaliencyRequest {
    const Classifier *classifier = nullptr;
    cv::Mat image; // decoded image (image_io.h: RGB/gray, 8/16-bit, any size)
    int target = -1; // class index to explain; -1 = the model's top-1 class
    int resolution = kDefaultResolution; // mask / cell size
    ParamValues params; // entries not given take the schema's defaults
    std::uint64_t seed = 0; // seeds every random draw: equal requests give equal maps
    int maxBatch = 32; // most images per model pass; halved on out-of-memory
    // Not owned; null = explain the target's probability. Set: the method explains this score
    // (the target still names the class the heatmap is labelled with). Only methods whose
    // acceptsScore() is true take one; the others refuse the request.
    const ScoreFunction *score = nullptr;
};

// The result of one run. Maps are CV_32FC1.
struct Heatmap {
    std::string method;
    int resolution = 0; // the method's own resolution (Grad-CAM: the feature map's)
    cv::Mat mask; // at the method's resolution, in the method's own convention
    cv::Mat saliency; // model-input height x width, high = salient, min 0, max 1
    int target = 0;
    std::string label;
    double probability = 0.0; // softmax probability of the target on the clean image
    ParamValues params; // every parameter, defaults filled in
    std::int64_t forwardPasses = 0; // images pushed through the model (forward)
    std::int64_t backwardPasses = 0; // images whose gradient was taken
    double seconds = 0.0;
};

class SaliencyMethod {
public:
    virtual ~SaliencyMethod() = default;

    virtual std::string id() const = 0; // "igos", "gradcam", ...
    virtual std::string title() const = 0; // "I-GOS"
    virtual std::string description() const = 0; // one sentence

    // Resolutions the user may choose (mask size, cell size); empty when the method's
    // resolution is fixed by the model (Grad-CAM) and --resolution does not apply.
    virtual std::vector<int> resolutions() const = 0;
    // One of resolutions(); kDefaultResolution when that is empty.
    virtual int defaultResolution() const = 0;
    // The parameter schema at `resolution` (defaults may differ per resolution; names and kinds
    // do not). Values are checked with resolveParams (common/params.h).
    virtual std::vector<ParamSpec> parameters(int resolution) const = 0;
    // True when the method needs the model's features/head split.
    virtual bool needsSplit() const { return false; }
    // True when the method can explain a SaliencyRequest::score instead of a class probability.
    virtual bool acceptsScore() const { return false; }

    // Runs the method. Any thread (the calling thread does all model work). Progress reports
    // (common/progress.h) carry the current saliency map at model input resolution when the
    // method has one. Throws sg::Error
    // for a bad request (unknown parameter, value out of range, resolution not offered, target
    // out of range, model lacking what the method needs), Cancelled when `cancel` was set.
    virtual Heatmap run(
        const SaliencyRequest &request, const ProgressFn &progress, const CancelFlag &cancel) const = 0;
};

// The methods known to the program, in registration order. Lookup by id; nothing else in the
// program switches on method names.
class MethodRegistry {
public:
    void add(std::unique_ptr<SaliencyMethod> method);
    const SaliencyMethod *find(const std::string &id) const; // nullptr when unknown
    // Like find(), but throws sg::Error listing the known ids.
    const SaliencyMethod &get(const std::string &id) const;
    std::vector<const SaliencyMethod *> all() const;

    // The registry with every built-in method (built once, thread-safe).
    static const MethodRegistry &builtin();

private:
    std::vector<std::unique_ptr<SaliencyMethod>> methods_;
};

} // namespace sg
