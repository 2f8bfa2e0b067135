#include "model/classifier.h"

#include "common/error.h"
#include "image/mat_tensor.h"
#include "image/preprocess.h"

#include <torch/csrc/jit/api/module.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <unordered_map>

namespace sg {

namespace fs = std::filesystem;

namespace {

// Torch messages carry a C++ backtrace after the first line; users need only the first line.
std::string firstLine(const std::string &message)
{
    const std::string line = message.substr(0, message.find('\n'));
    return line.size() > 300 ? line.substr(0, 300) + "..." : line;
}

// TorchScript interpreter errors put the useful line last ("RuntimeError: mat1 and mat2 ...").
std::string torchMessage(const std::string &message)
{
    const std::string marker = "Error: ";
    const size_t last = message.rfind(marker);
    if (message.find("TorchScript interpreter") == std::string::npos || last == std::string::npos)
        return firstLine(message);
    const size_t lineStart = message.rfind('\n', last);
    return firstLine(message.substr(lineStart == std::string::npos ? 0 : lineStart + 1));
}

std::string shapeText(at::IntArrayRef sizes)
{
    std::ostringstream text;
    text << '[';
    for (size_t i = 0; i < sizes.size(); ++i)
        text << (i ? ", " : "") << sizes[i];
    text << ']';
    return text.str();
}

bool isOutOfMemory(const std::string &message)
{
    return message.find("out of memory") != std::string::npos;
}

c10::Device resolveDevice(const std::string &name)
{
    if (name == "auto" || name.empty())
        return torch::cuda::is_available() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
    c10::Device device(c10::kCPU);
    try {
        device = c10::Device(name);
    } catch (const c10::Error &) {
        throw Error("", "unknown device \"" + name + "\" (use auto, cpu, cuda or cuda:N)");
    }
    if (device.is_cuda()) {
        if (!torch::cuda::is_available())
            throw Error("",
                "device \"" + name
                    + "\" requested but CUDA is not available "
                      "(this LibTorch has no CUDA support or no GPU was found)");
        if (device.has_index() && device.index() >= int(torch::cuda::device_count()))
            throw Error("",
                "device \"" + name + "\" requested but only " + std::to_string(torch::cuda::device_count())
                    + " GPU(s) exist");
    } else if (!device.is_cpu()) {
        throw Error("", "unsupported device \"" + name + "\" (use auto, cpu, cuda or cuda:N)");
    }
    return device;
}

} // namespace

namespace {

struct PassCounts {
    std::int64_t forwards = 0;
    std::int64_t backwards = 0;
};

} // namespace

struct Classifier::Impl {
    std::string modelPath;
    ModelSpec spec;
    c10::Device device{c10::kCPU};
    mutable torch::jit::Module module;
    // Frozen and optimised for inference; serves logits() without autograd (see the header).
    mutable torch::jit::Module optimised;
    bool hasOptimised = false;
    std::string optimisedNote;
    std::atomic<bool> useOptimised{true};
    PassObserver observer;
    int maxBatch = 32;
    // Identifies this classifier in the per-thread pass counts (an address could be reused).
    const std::uint64_t serial = nextSerial();

    static std::uint64_t nextSerial()
    {
        static std::atomic<std::uint64_t> next{1};
        return next++;
    }
    // Pass counts are per calling thread: the GUI predicts on one lane while an explanation
    // runs on the other, and the explanation's own count must not include the predictions.
    PassCounts &counts() const
    {
        thread_local std::unordered_map<std::uint64_t, PassCounts> perThread;
        return perThread[serial];
    }

    // Runs `method` on `input` and checks that the result is a logits tensor [N, K].
    at::Tensor checkedLogits(const at::Tensor &output) const
    {
        if (output.dim() != 2)
            throw Error(modelPath,
                "output has shape " + shapeText(output.sizes())
                    + "; a classifier must return logits of shape [N, K]");
        if (output.size(1) != int64_t(spec.labels.size()))
            throw Error(spec.sidecarPath,
                "lists " + std::to_string(spec.labels.size()) + " labels but the model outputs "
                    + std::to_string(output.size(1)) + " logits");
        return output;
    }

    // Runs `method` of the module, or forward of the optimised copy when `kind` is Logits,
    // autograd is off and the copy is enabled; tells the observer.
    at::Tensor call(const std::string &method, const at::Tensor &input, PassKind kind) const
    {
        const bool grad = at::GradMode::is_enabled();
        const bool onCopy = kind == PassKind::Logits && !grad && hasOptimised && useOptimised;
        c10::IValue result;
        try {
            result = onCopy ? optimised.forward({input.to(device)})
                            : module.get_method(method)({input.to(device)});
        } catch (const std::exception &error) {
            // c10::Error from ATen, plain runtime errors from inside TorchScript code.
            const std::string problem = method + "() failed on an input of shape " + shapeText(input.sizes())
                + ": " + torchMessage(error.what());
            if (isOutOfMemory(error.what()))
                throw OutOfMemoryError(modelPath, problem);
            throw Error(modelPath, problem);
        }
        if (!result.isTensor())
            throw Error(modelPath,
                method + "() returned a " + result.tagKind()
                    + ", not a tensor; a classifier must return logits [N, K]");
        if (observer)
            observer({kind, input.size(0), grad, onCopy}, input);
        return result.toTensor();
    }

    // Builds the optimised copy and keeps it when it agrees with the module on `probe` and on
    // a fixed input with structure in every dimension (a blank probe hides weight mix-ups).
    // Never throws: a copy that cannot be made is no error, the module serves every pass.
    void makeOptimisedCopy(const at::Tensor &probe)
    {
        torch::NoGradGuard noGrad;
        try {
            torch::jit::Module frozen = torch::jit::freeze(module);
            optimised = torch::jit::optimize_for_inference(frozen);
        } catch (const std::exception &error) {
            optimisedNote = "no optimised copy: torch::jit::freeze/optimize_for_inference failed ("
                + torchMessage(error.what()) + ")";
            return;
        }
        std::vector<int64_t> shape = probe.sizes().vec();
        shape[0] = 2;
        int64_t count = 1;
        for (int64_t size : shape)
            count *= size;
        const at::Tensor pattern
            = torch::sin(torch::arange(count, torch::kFloat32) * 0.7311).view(shape) * 2.0;
        double largest = 0.0;
        try {
            for (const at::Tensor &input : {probe, pattern}) {
                const at::Tensor expected = module.forward({input.to(device)}).toTensor();
                const at::Tensor actual = optimised.forward({input.to(device)}).toTensor();
                if (actual.sizes() != expected.sizes() || !torch::isfinite(actual).all().item<bool>()) {
                    optimisedNote = "no optimised copy: its output on an input of shape "
                        + shapeText(input.sizes()) + " is not the module's (shape "
                        + shapeText(actual.sizes()) + " or not finite)";
                    return;
                }
                largest = std::max(largest, (actual - expected).abs().max().item<double>());
            }
        } catch (const std::exception &error) {
            optimisedNote
                = "no optimised copy: it failed on a check input (" + torchMessage(error.what()) + ")";
            return;
        }
        char difference[32];
        std::snprintf(difference, sizeof difference, "%.2g", largest);
        if (!(largest <= kOptimisedTolerance)) {
            optimisedNote = std::string("no optimised copy: its logits differ from the module's by up to ")
                + difference + " (more than 1e-4)";
            return;
        }
        hasOptimised = true;
        optimisedNote = std::string("optimised copy (frozen, optimize_for_inference); largest logit "
                                    "difference at load ")
            + difference;
    }
};

Classifier::Classifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl))
{ }
Classifier::~Classifier() = default;

std::shared_ptr<Classifier> Classifier::load(const std::string &modelPath, const std::string &device)
{
    std::error_code ec;
    if (!fs::exists(modelPath, ec))
        throw Error(modelPath, "model file not found");
    if (fs::is_directory(modelPath, ec))
        throw Error(modelPath, "is a directory, not a TorchScript model file");
    const std::string sidecar = sidecarPathFor(modelPath);
    if (!fs::exists(sidecar, ec))
        throw Error(sidecar,
            "model sidecar not found: every model needs a .json of the same "
            "base name beside it (see models/README.md)");

    auto impl = std::make_unique<Impl>();
    impl->modelPath = modelPath;
    impl->spec = readModelSpec(sidecar);
    impl->device = resolveDevice(device);
    try {
        impl->module = torch::jit::load(modelPath, impl->device);
    } catch (const c10::Error &error) {
        throw Error(modelPath,
            "is not a TorchScript model (save it with torch.jit.script or "
            "torch.jit.trace, then torch.jit.save): "
                + firstLine(error.what_without_backtrace()));
    } catch (const std::exception &error) {
        throw Error(modelPath, std::string("is not a TorchScript model: ") + firstLine(error.what()));
    }
    impl->module.eval();
    for (auto parameter : impl->module.parameters())
        parameter.set_requires_grad(false);

    const ModelSpec &spec = impl->spec;
    for (const std::string &method : {spec.featuresMethod, spec.headMethod})
        if (!method.empty() && !impl->module.find_method(method))
            throw Error(spec.sidecarPath,
                "names split method \"" + method
                    + "\" but the model does not export it "
                      "(add @torch.jit.export, or drop \"split\")");

    // One probe pass checks the whole contract before any image is shown.
    torch::NoGradGuard noGrad;
    const at::Tensor probe = torch::zeros({1, spec.input.channels, spec.input.height, spec.input.width});
    at::Tensor output;
    try {
        output = impl->call("forward", probe, PassKind::Logits);
    } catch (const Error &error) {
        throw Error(modelPath,
            "rejected the input shape " + shapeText(probe.sizes()) + " that its sidecar declares ("
                + error.problem() + ")");
    }
    const at::Tensor logits = impl->checkedLogits(output);
    if (logits.size(0) != 1)
        throw Error(
            modelPath, "returned " + std::to_string(logits.size(0)) + " rows of logits for one image");
    if (!torch::isfinite(logits).all().item<bool>())
        throw Error(modelPath, "produced NaN or infinite logits for a blank input image");
    impl->makeOptimisedCopy(probe);
    return std::shared_ptr<Classifier>(new Classifier(std::move(impl)));
}

const ModelSpec &Classifier::spec() const
{
    return impl_->spec;
}
const std::string &Classifier::modelPath() const
{
    return impl_->modelPath;
}
std::string Classifier::deviceName() const
{
    return impl_->device.str();
}
int Classifier::classCount() const
{
    return int(impl_->spec.labels.size());
}
bool Classifier::hasSplit() const
{
    return impl_->spec.hasSplit();
}
void Classifier::setMaxBatch(int maxBatch)
{
    impl_->maxBatch = std::max(1, maxBatch);
}
int Classifier::maxBatch() const
{
    return impl_->maxBatch;
}
std::int64_t Classifier::forwardCount() const
{
    return impl_->counts().forwards;
}
std::int64_t Classifier::backwardCount() const
{
    return impl_->counts().backwards;
}
void Classifier::recordBackward(std::int64_t images) const
{
    impl_->counts().backwards += images;
}
bool Classifier::hasOptimisedCopy() const
{
    return impl_->hasOptimised;
}
std::string Classifier::optimisedCopyNote() const
{
    return impl_->optimisedNote;
}
void Classifier::setOptimisedInference(bool enabled)
{
    impl_->useOptimised = enabled;
}
bool Classifier::optimisedInference() const
{
    return impl_->hasOptimised && impl_->useOptimised;
}
void Classifier::setPassObserver(PassObserver observer)
{
    impl_->observer = std::move(observer);
}

at::Tensor Classifier::logits(const at::Tensor &input) const
{
    impl_->counts().forwards += input.size(0);
    return impl_->checkedLogits(impl_->call("forward", input, PassKind::Logits));
}

at::Tensor Classifier::features(const at::Tensor &input) const
{
    if (!hasSplit())
        throw Error(impl_->modelPath,
            "this model does not expose an inner layer (its sidecar "
            "has no \"split\" with features/head methods)");
    impl_->counts().forwards += input.size(0);
    return impl_->call(impl_->spec.featuresMethod, input, PassKind::Features);
}

at::Tensor Classifier::head(const at::Tensor &features) const
{
    if (!hasSplit())
        throw Error(impl_->modelPath,
            "this model does not expose an inner layer (its sidecar "
            "has no \"split\" with features/head methods)");
    return impl_->checkedLogits(impl_->call(impl_->spec.headMethod, features, PassKind::Head));
}

at::Tensor Classifier::inputGradient(
    const at::Tensor &input, const std::vector<int64_t> &targets, at::Tensor *logitsOut) const
{
    if (int64_t(targets.size()) != input.size(0))
        throw Error("",
            "inputGradient: " + std::to_string(targets.size()) + " targets for "
                + std::to_string(input.size(0)) + " inputs");
    torch::AutoGradMode gradMode(true);
    at::Tensor leaf = input.detach().to(impl_->device).requires_grad_(true);
    const at::Tensor scores = logits(leaf);
    const auto index = torch::tensor(targets, torch::kLong).to(impl_->device).view({-1, 1});
    const at::Tensor gradient = torch::autograd::grad({scores.gather(1, index).sum()}, {leaf})[0];
    impl_->counts().backwards += input.size(0);
    if (logitsOut)
        *logitsOut = scores.detach();
    return gradient;
}

std::vector<Prediction> Classifier::predict(
    const std::vector<cv::Mat> &images, int topk, const std::vector<std::string> &names) const
{
    const ModelSpec &spec = impl_->spec;
    topk = std::clamp(topk, 1, classCount());
    torch::NoGradGuard noGrad;
    std::vector<Prediction> predictions;
    predictions.reserve(images.size());
    size_t next = 0;
    int batch = impl_->maxBatch;
    while (next < images.size()) {
        const size_t count = std::min(images.size() - next, size_t(batch));
        std::vector<cv::Mat> pixels;
        for (size_t i = next; i < next + count; ++i)
            pixels.push_back(toModelPixels(images[i], spec.input));
        at::Tensor scores;
        try {
            scores = logits(toInputTensor(pixels, spec.input)).to(torch::kCPU, torch::kFloat32);
        } catch (const OutOfMemoryError &) {
            if (batch == 1)
                throw;
            batch /= 2;
            continue;
        }
        const at::Tensor probabilities = torch::softmax(scores.to(torch::kFloat64), 1);
        const auto top = probabilities.topk(topk, 1);
        for (size_t row = 0; row < count; ++row) {
            const at::Tensor rowScores = scores[int64_t(row)].contiguous();
            if (!torch::isfinite(rowScores).all().item<bool>()) {
                const std::string name
                    = next + row < names.size() ? names[next + row] : "image " + std::to_string(next + row);
                throw Error(impl_->modelPath, "produced NaN or infinite logits for " + name);
            }
            Prediction prediction;
            const float *begin = rowScores.data_ptr<float>();
            prediction.logits.assign(begin, begin + rowScores.numel());
            const at::Tensor rowProbabilities = probabilities[int64_t(row)].to(torch::kFloat32).contiguous();
            prediction.probabilities.assign(rowProbabilities.data_ptr<float>(),
                rowProbabilities.data_ptr<float>() + rowProbabilities.numel());
            const at::Tensor values = std::get<0>(top)[int64_t(row)];
            const at::Tensor indices = std::get<1>(top)[int64_t(row)];
            for (int k = 0; k < topk; ++k) {
                const int index = int(indices[k].item<int64_t>());
                prediction.top.push_back({index, spec.labels[size_t(index)], values[k].item<double>()});
            }
            predictions.push_back(std::move(prediction));
        }
        next += count;
    }
    return predictions;
}

} // namespace sg
