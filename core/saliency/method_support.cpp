#include "saliency/method_support.h"

#include "common/error.h"
#include "image/mat_tensor.h"
#include "image/preprocess.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>

namespace sg::saliency {

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
    if (request.score && !method.acceptsScore())
        throw Error(
            "", method.id() + " explains class scores only; it cannot explain " + request.score->name());
    if (method.needsSplit() && !classifier.hasSplit())
        throw Error(classifier.modelPath(),
            method.title()
                + " needs an inner layer, but this model does not expose an inner "
                  "layer (its sidecar has no \"split\" with features/head methods)");

    PreparedRequest prepared;
    prepared.classifier = &classifier;
    const auto offered = method.resolutions();
    prepared.resolution
        = request.resolution == kDefaultResolution ? method.defaultResolution() : request.resolution;
    if (offered.empty()) {
        if (request.resolution != kDefaultResolution)
            throw Error("",
                method.id()
                    + " has no choosable resolution (it uses the model's "
                      "feature map); leave the resolution out");
    } else if (std::find(offered.begin(), offered.end(), prepared.resolution) == offered.end()) {
        std::string list;
        for (int r : offered)
            list += (list.empty() ? "" : ", ") + std::to_string(r);
        throw Error("",
            method.id() + ": resolution " + std::to_string(request.resolution)
                + " is not offered (choose one of " + list + ")");
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
    if (request.score) {
        prepared.score = request.score;
        const at::Tensor clean = request.score->scores(prepared.input);
        if (clean.dim() != 1 || clean.size(0) != 1)
            throw Error("", request.score->name() + ": the score function must give one value per image");
        prepared.cleanScore = clean.to(torch::kCPU, torch::kFloat64).item<double>();
        if (!std::isfinite(prepared.cleanScore))
            throw Error("", request.score->name() + " is not finite on this image");
        prepared.scoreScale = prepared.cleanScore > 0.0 ? prepared.cleanScore : 1.0;
    }
    return prepared;
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

at::Tensor targetProbabilities(const Classifier &classifier, const at::Tensor &batch, int target)
{
    return torch::softmax(classifier.logits(batch), 1).select(1, target);
}

at::Tensor targetScores(const PreparedRequest &prepared, const at::Tensor &batch)
{
    if (prepared.score)
        return prepared.score->scores(batch) / prepared.scoreScale;
    return targetProbabilities(*prepared.classifier, batch, prepared.target);
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

Heatmap makeHeatmap(const SaliencyMethod &method, const PreparedRequest &prepared, const at::Tensor &mask,
    const at::Tensor &saliency)
{
    Heatmap heatmap;
    heatmap.method = method.id();
    heatmap.resolution = prepared.resolution != kDefaultResolution ? prepared.resolution : int(mask.size(-1));
    heatmap.mask = toMat32F(mask.detach().reshape({mask.size(-2), mask.size(-1)}));
    heatmap.saliency = toMat32F(normaliseRange(saliency.reshape({saliency.size(-2), saliency.size(-1)})));
    heatmap.target = prepared.target;
    heatmap.label = prepared.classifier->spec().labels[size_t(prepared.target)];
    heatmap.probability = prepared.probability;
    heatmap.params = prepared.params;
    return heatmap;
}

} // namespace sg::saliency
