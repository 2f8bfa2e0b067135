#include "saliency/method_support.h"

#include "common/error.h"
#include "image/mat_tensor.h"
#include "image/preprocess.h"

#include <ATen/CPUGeneratorImpl.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstring>

namespace sg::saliency {

namespace F = torch::nn::functional;

namespace {

int blurKernelFor(int width, int height)
{
    const int side = std::max(width, height);
    return side >= 800 ? 201 : side >= 500 ? 151 : 51;
}

} // namespace

PreparedRequest prepare(const SaliencyMethod &method, const SaliencyRequest &request)
{
    if (!request.classifier)
        throw Error("", method.id() + ": no model given");
    if (request.image.empty())
        throw Error("", method.id() + ": no image given");
    if (request.maxBatch < 1)
        throw Error(
            "", method.id() + ": batch size must be at least 1, not " + std::to_string(request.maxBatch));
    const Classifier &classifier = *request.classifier;
    if (method.needsSplit() && !classifier.hasSplit())
        throw Error(classifier.modelPath(),
            method.title()
                + " needs an inner layer, but this model does not expose an inner "
                  "layer (its sidecar has no \"split\" with features/head methods)");

    PreparedRequest prepared;
    prepared.classifier = &classifier;
    const auto offered = method.resolutions();
    if (offered.empty()) {
        if (request.resolution != kDefaultResolution)
            throw Error("",
                method.id()
                    + " has no choosable resolution (it uses the model's "
                      "feature map); leave the resolution out");
    } else {
        prepared.resolution
            = request.resolution == kDefaultResolution ? method.defaultResolution() : request.resolution;
        if (std::find(offered.begin(), offered.end(), prepared.resolution) == offered.end()) {
            std::string list;
            for (int r : offered)
                list += (list.empty() ? "" : ", ") + std::to_string(r);
            throw Error("",
                method.id() + ": resolution " + std::to_string(request.resolution)
                    + " is not offered (choose one of " + list + ")");
        }
    }
    prepared.params = resolveParams(method.id(), method.parameters(prepared.resolution), request.params);

    const InputSpec &spec = classifier.spec().input;
    if (prepared.resolution > std::min(spec.width, spec.height))
        throw Error("",
            method.id() + ": resolution " + std::to_string(prepared.resolution) + " exceeds the model input ("
                + std::to_string(spec.width) + "x" + std::to_string(spec.height) + ")");
    const cv::Mat pixels = toModelPixels(request.image, spec);
    prepared.height = spec.height;
    prepared.width = spec.width;
    prepared.modelPixels = toPixelTensor({pixels}, spec);
    prepared.input = normalise(prepared.modelPixels, spec).to(c10::Device(classifier.deviceName()));

    torch::NoGradGuard noGrad;
    const at::Tensor probabilities
        = torch::softmax(classifier.logits(prepared.input).to(torch::kFloat64), 1)[0];
    const int classes = classifier.classCount();
    if (request.target < -1 || request.target >= classes)
        throw Error("",
            "target class " + std::to_string(request.target) + " is out of range (the model has "
                + std::to_string(classes) + " classes, 0 to " + std::to_string(classes - 1) + ")");
    prepared.target = request.target == -1 ? int(probabilities.argmax().item<int64_t>()) : request.target;
    prepared.probability = probabilities[prepared.target].item<double>();
    return prepared;
}

at::Tensor normalise(const at::Tensor &pixels, const InputSpec &spec)
{
    const auto mean = torch::tensor(spec.mean).view({1, -1, 1, 1}).to(pixels.device());
    const auto deviation = torch::tensor(spec.std).view({1, -1, 1, 1}).to(pixels.device());
    return ((pixels * (spec.rangeHigh - spec.rangeLow) + spec.rangeLow) - mean) / deviation;
}

at::Tensor blurPixels(const at::Tensor &pixels)
{
    const at::Tensor source = pixels.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    const int count = int(source.size(0));
    const int channels = int(source.size(1));
    const int height = int(source.size(2));
    const int width = int(source.size(3));
    const int kernel = blurKernelFor(width, height);
    at::Tensor blurred = torch::empty_like(source);
    for (int n = 0; n < count; ++n)
        for (int c = 0; c < channels; ++c) {
            const cv::Mat plane(height, width, CV_32FC1, source[n][c].data_ptr<float>());
            cv::Mat out(height, width, CV_32FC1, blurred[n][c].data_ptr<float>());
            cv::GaussianBlur(
                plane, out, cv::Size(kernel, kernel), kernel - 1, kernel - 1, cv::BORDER_REFLECT_101);
        }
    return blurred;
}

at::Tensor blurredBaseline(const PreparedRequest &prepared)
{
    const InputSpec &spec = prepared.classifier->spec().input;
    return normalise(blurPixels(prepared.modelPixels), spec).to(prepared.input.device());
}

at::Tensor blackBaseline(const PreparedRequest &prepared)
{
    // Zero pixels normalise to -mean/std, not to zero.
    return normalise(torch::zeros_like(prepared.modelPixels), prepared.classifier->spec().input)
        .to(prepared.input.device());
}

at::Tensor upsample(const at::Tensor &mask, int height, int width)
{
    if (mask.size(2) == height && mask.size(3) == width)
        return mask;
    return F::interpolate(mask,
        F::InterpolateFuncOptions()
            .size(std::vector<int64_t>{height, width})
            .mode(torch::kBilinear)
            .align_corners(true));
}

at::Tensor targetProbabilities(const Classifier &classifier, const at::Tensor &batch, int target)
{
    return torch::softmax(classifier.logits(batch), 1).select(1, target);
}

void throwIfCancelled(const CancelFlag &cancel)
{
    if (cancel.load(std::memory_order_relaxed))
        throw Cancelled();
}

void forEachBatch(
    int count, int &maxBatch, const CancelFlag &cancel, const std::function<void(int begin, int end)> &run)
{
    int begin = 0;
    while (begin < count) {
        throwIfCancelled(cancel);
        const int end = std::min(count, begin + std::max(1, maxBatch));
        bool outOfMemory = false;
        try {
            run(begin, end);
        } catch (const OutOfMemoryError &) {
            if (end - begin == 1)
                throw;
            outOfMemory = true;
        } catch (const c10::OutOfMemoryError &) {
            // The method's own tensor work (mask building) ran out, not the model.
            if (end - begin == 1)
                throw OutOfMemoryError("", "out of device memory even for a single image");
            outOfMemory = true;
        }
        if (outOfMemory) {
            maxBatch = std::max(1, (end - begin) / 2);
            continue;
        }
        begin = end;
    }
}

at::Generator makeGenerator(std::uint64_t seed)
{
    return at::detail::createCPUGenerator(seed);
}

RunMeter::RunMeter(const Classifier *classifier) :
    classifier_(classifier),
    forwards_(classifier ? classifier->forwardCount() : 0),
    backwards_(classifier ? classifier->backwardCount() : 0),
    start_(std::chrono::steady_clock::now())
{ }

void RunMeter::fill(Heatmap &heatmap) const
{
    if (classifier_) {
        heatmap.forwardPasses = classifier_->forwardCount() - forwards_;
        heatmap.backwardPasses = classifier_->backwardCount() - backwards_;
    }
    heatmap.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

at::Tensor normaliseRange(const at::Tensor &map)
{
    const at::Tensor values = map.detach().to(torch::kCPU, torch::kFloat32);
    const float low = values.min().item<float>();
    const float high = values.max().item<float>();
    if (!(high > low))
        return torch::zeros_like(values);
    return (values - low) / (high - low);
}

Heatmap makeHeatmap(const SaliencyMethod &method, const PreparedRequest &prepared, const at::Tensor &mask,
    const at::Tensor &saliency)
{
    Heatmap heatmap;
    heatmap.method = method.id();
    heatmap.resolution = prepared.resolution > 0 ? prepared.resolution : int(mask.size(-1));
    heatmap.mask = toMat32F(mask.detach().reshape({mask.size(-2), mask.size(-1)}));
    heatmap.saliency = toMat32F(normaliseRange(saliency.reshape({saliency.size(-2), saliency.size(-1)})));
    heatmap.target = prepared.target;
    heatmap.label = prepared.classifier->spec().labels[size_t(prepared.target)];
    heatmap.probability = prepared.probability;
    heatmap.params = prepared.params;
    return heatmap;
}

} // namespace sg::saliency
