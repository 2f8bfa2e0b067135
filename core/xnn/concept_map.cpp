#include "xnn/concept_map.h"

#include "common/error.h"
#include "image/mat_tensor.h"
#include "image/preprocess.h"
#include "model/tensor_ops.h"
#include "xnn/feature_pool.h"
#include "xnn/srae.h"

#include <torch/torch.h>

#include <chrono>
#include <limits>

namespace sg {

namespace {

int xFeatureCount(const XnnClassModel &cls)
{
    return cls.layers.size() > 2 ? cls.layers[2].outputs : 0;
}

// model input -> features -> the XNN's pooling -> / input scale -> SRAE encoder -> x_j.
class XFeatureScore final : public ScoreFunction {
public:
    XFeatureScore(const Classifier &classifier, const XnnClassModel &cls, int xFeature) :
        classifier_(classifier),
        name_("x-feature " + std::to_string(xFeature) + " of class " + std::to_string(cls.classIndex) + " ("
            + cls.label + ")"),
        layer_(cls.layer),
        dimension_(int(cls.inputScale.size())),
        xFeature_(xFeature)
    {
        const int count = xFeatureCount(cls);
        if (xFeature < 0 || xFeature >= count)
            throw Error("",
                "xnn: x-feature " + std::to_string(xFeature) + " is out of range (class " + cls.label
                    + " has " + std::to_string(count) + ", 0 to " + std::to_string(count - 1) + ")");
        srae_ = xnn::fromLayers(cls.layers, dimension_, count, "xnn class " + cls.label);
        const c10::Device device(classifier.deviceName());
        for (xnn::Dense *layer : srae_.layers()) {
            if (!layer->weight.defined())
                continue; // a file without the decoder
            layer->weight = layer->weight.to(device);
            layer->bias = layer->bias.to(device);
        }
        scale_ = torch::tensor(std::vector<float>(cls.inputScale.begin(), cls.inputScale.end()))
                     .reshape({1, dimension_})
                     .to(device);
    }

    std::string name() const override { return name_; }

    at::Tensor scores(const at::Tensor &batch) const override
    {
        const at::Tensor map = classifier_.features(batch);
        // The embedding's pooling (embedding.cpp), so x_j here is the x_j the XNN was trained on.
        const at::Tensor pooled = xnn::poolFeatures(map, layer_).to(torch::kFloat32);
        if (pooled.size(1) != dimension_)
            throw Error(classifier_.modelPath(),
                "its pooled features have " + std::to_string(pooled.size(1)) + " values, the XNN reads "
                    + std::to_string(dimension_));
        return srae_.encode(pooled / scale_).select(1, xFeature_);
    }

private:
    const Classifier &classifier_;
    std::string name_;
    std::string layer_;
    int dimension_;
    int xFeature_;
    xnn::Srae srae_;
    at::Tensor scale_;
};

// Gradient x input of x_j: the channel sum of (input - black) * dx_j/dinput, i.e. pixel value
// times the gradient in pixel units; only the positive part (evidence for x_j) is kept, as
// Excitation Backprop keeps only positive evidence.
at::Tensor gradientInputMap(const Classifier &classifier, const ScoreFunction &score, const at::Tensor &input)
{
    torch::AutoGradMode gradMode(true);
    const at::Tensor leaf = input.detach().requires_grad_(true);
    const at::Tensor x = score.scores(leaf).sum();
    const at::Tensor gradient = torch::autograd::grad({x}, {leaf})[0];
    classifier.recordBackward(1);
    const InputSpec &spec = classifier.spec().input;
    const at::Tensor black
        = normalise(torch::zeros({1, spec.channels, spec.height, spec.width}), spec).to(input.device());
    const at::Tensor attribution = ((leaf.detach() - black) * gradient).sum(1)[0];
    return normaliseRange(attribution.clamp_min(0.0));
}

} // namespace

const char *conceptMapMethodName(ConceptMapMethod method)
{
    return method == ConceptMapMethod::Igos ? "igos" : "gradient-input";
}

ConceptMapMethod conceptMapMethodFromName(const std::string &name)
{
    if (name == "igos")
        return ConceptMapMethod::Igos;
    if (name == "gradient-input")
        return ConceptMapMethod::GradientInput;
    throw Error("", "xnn: unknown concept map method \"" + name + "\" (choose igos or gradient-input)");
}

std::unique_ptr<ScoreFunction> makeXFeatureScore(
    const Classifier &classifier, const XnnClassModel &cls, int xFeature)
{
    return std::make_unique<XFeatureScore>(classifier, cls, xFeature);
}

std::vector<ConceptMap> conceptMaps(const Classifier &classifier, const XnnClassModel &cls,
    const cv::Mat &image, const ConceptMapRequest &request, const ProgressFn &progress,
    const CancelFlag &cancel)
{
    if (!classifier.hasSplit())
        throw Error(classifier.modelPath(),
            "has no features/head split (the sidecar's \"split\"), so an XNN cannot read its inner layer");
    if (image.empty())
        throw Error("", "xnn: no image given");
    std::vector<int> wanted = request.xFeatures;
    if (wanted.empty())
        for (int j = 0; j < xFeatureCount(cls); ++j)
            wanted.push_back(j);
    std::vector<std::unique_ptr<ScoreFunction>> scores;
    for (int j : wanted)
        scores.push_back(makeXFeatureScore(classifier, cls, j)); // checks the range first

    const InputSpec &spec = classifier.spec().input;
    const at::Tensor input
        = toInputTensor({toModelPixels(image, spec)}, spec).to(c10::Device(classifier.deviceName()));
    const SaliencyMethod &igos = MethodRegistry::builtin().get("igos");
    std::vector<ConceptMap> maps;
    const int total = 100 * int(wanted.size());
    for (size_t k = 0; k < wanted.size(); ++k) {
        throwIfCancelled(cancel);
        const auto start = std::chrono::steady_clock::now();
        const std::int64_t forwards = classifier.forwardCount();
        const std::int64_t backwards = classifier.backwardCount();
        ConceptMap map;
        map.xFeature = wanted[k];
        {
            torch::NoGradGuard noGrad;
            map.activation = scores[k]->scores(input).to(torch::kCPU, torch::kFloat64).item<double>();
        }
        map.resolution = spec.width;
        if (!(map.activation > 0.0)) {
            map.saliency = cv::Mat::zeros(spec.height, spec.width, CV_32FC1);
            if (request.method == ConceptMapMethod::Igos)
                map.resolution = request.resolution == kDefaultResolution ? igos.defaultResolution()
                                                                          : request.resolution;
        } else if (request.method == ConceptMapMethod::GradientInput) {
            map.saliency = toMat32F(gradientInputMap(classifier, *scores[k], input));
        } else {
            SaliencyRequest saliency;
            saliency.classifier = &classifier;
            saliency.image = image;
            saliency.target = cls.classIndex;
            saliency.resolution = request.resolution;
            saliency.params = request.params;
            saliency.seed = request.seed;
            saliency.maxBatch = request.maxBatch;
            saliency.score = scores[k].get();
            const ProgressFn inner = [&](const Progress &p) {
                if (progress && p.total > 0)
                    progress({int(100 * k) + 100 * p.done / p.total, total, p.map});
            };
            const Heatmap heatmap = igos.run(saliency, inner, cancel);
            map.saliency = heatmap.saliency.clone();
            map.resolution = heatmap.resolution;
        }
        map.forwardPasses = classifier.forwardCount() - forwards;
        map.backwardPasses = classifier.backwardCount() - backwards;
        map.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (progress)
            progress({int(100 * (k + 1)), total, &map.saliency});
        maps.push_back(std::move(map));
    }
    return maps;
}

cv::Point mapPeak(const cv::Mat &saliency)
{
    cv::Point best(0, 0);
    float value = -std::numeric_limits<float>::infinity();
    for (int y = 0; y < saliency.rows; ++y) {
        const float *row = saliency.ptr<float>(y);
        for (int x = 0; x < saliency.cols; ++x)
            if (row[x] > value) {
                value = row[x];
                best = {x, y};
            }
    }
    return best;
}

} // namespace sg
