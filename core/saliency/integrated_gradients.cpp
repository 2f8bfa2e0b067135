// Integrated gradients (Sundararajan et al.): (x - x') times the mean gradient of the target
// logit along the straight path from a baseline x' to the input x. The path integral is taken
// with the midpoint rule, alpha_k = (k - 0.5) / steps, whose error falls as 1/steps^2 on
// smooth paths (the right-endpoint sum of the original code falls as 1/steps), so the
// attributions sum to f(x) - f(x') far more closely at the same cost.

#include "saliency/builtin_methods.h"
#include "saliency/method_support.h"

#include "image/mat_tensor.h"

#include <algorithm>

namespace sg::saliency {

namespace {

// The midpoints (k - 0.5) / steps, ordered so that every prefix is spread over the whole path
// (base-2 radical inverse of the index): the live preview after each batch then approximates
// the full integral instead of only its start. The final sum does not depend on the order.
at::Tensor pathPoints(int steps)
{
    std::vector<std::pair<double, int>> keyed;
    for (int k = 0; k < steps; ++k) {
        double inverse = 0.0;
        double digit = 0.5;
        for (unsigned i = unsigned(k); i; i >>= 1, digit /= 2)
            inverse += (i & 1u) * digit;
        keyed.emplace_back(inverse, k);
    }
    std::sort(keyed.begin(), keyed.end());
    std::vector<float> alphas;
    for (const auto &entry : keyed)
        alphas.push_back(float((entry.second + 0.5) / steps));
    return torch::tensor(alphas, torch::kFloat32);
}

class IntegratedGradients : public SaliencyMethod {
public:
    std::string id() const override { return "ig"; }
    std::string title() const override { return "Integrated Gradients"; }
    std::string description() const override
    {
        return "Multiplies the input's difference from a baseline by the target logit's gradient "
               "averaged along the straight path between them (pixel-level, signed).";
    }
    // Pixel-level: there is no mask resolution to choose.
    std::vector<int> resolutions() const override { return {}; }
    int defaultResolution() const override { return kDefaultResolution; }
    std::vector<ParamSpec> parameters(int) const override
    {
        return {
            ParamSpec::integer("steps",
                "points on the path from the baseline to the image (midpoint rule); more is "
                "more exact and costs one forward and backward pass each",
                64, 1, 4096),
            ParamSpec::choice("baseline", "the image the path starts from", "black",
                {{"black", "black (zero pixels)"}, {"blur", "the blurred image (the I-GOS Gaussian blur)"}}),
        };
    }

    // Heatmap.mask is the signed attribution summed over channels [H, W] (it sums to
    // f(x) - f(x') of the target logit up to the integration error); Heatmap.saliency is its
    // absolute value, normalised.
    Heatmap run(
        const SaliencyRequest &request, const ProgressFn &progress, const CancelFlag &cancel) const override
    {
        // Counted from before prepare(): its clean pass is one of the run's passes.
        RunMeter meter(request.classifier);
        const PreparedRequest prepared = prepare(*this, request);
        const Classifier &classifier = *prepared.classifier;
        const int steps = int(prepared.params.at("steps").integer());
        const bool blur = prepared.params.at("baseline").text() == "blur";

        const at::Tensor &input = prepared.input;
        const at::Tensor baseline = blur ? blurredBaseline(prepared) : blackBaseline(prepared);
        const at::Tensor difference = input - baseline;
        const at::Tensor alphas = pathPoints(steps).to(input.device());

        // Sum of path gradients, in double so thousands of steps add up without drift.
        at::Tensor gradientSum = torch::zeros_like(input, input.options().dtype(torch::kFloat64));
        int maxBatch = request.maxBatch;
        forEachBatch(steps, maxBatch, cancel, [&](int begin, int end) {
            const int count = end - begin;
            const at::Tensor points
                = baseline + alphas.slice(0, begin, end).view({count, 1, 1, 1}) * difference;
            const at::Tensor gradient
                = classifier.inputGradient(points, std::vector<int64_t>(size_t(count), prepared.target));
            gradientSum += gradient.sum(0, /*keepdim=*/true, torch::kFloat64);
            if (progress) {
                const at::Tensor partial = attributionMap(difference, gradientSum, end);
                const cv::Mat map = toMat32F(normaliseRange(partial.abs()));
                progress({end, steps, &map});
            }
        });

        const at::Tensor mask = attributionMap(difference, gradientSum, steps);
        Heatmap heatmap = makeHeatmap(*this, prepared, mask, mask.abs());
        meter.fill(heatmap);
        return heatmap;
    }

private:
    // Channel-summed attribution [H, W] from the gradients of the first `taken` path points.
    static at::Tensor attributionMap(const at::Tensor &difference, const at::Tensor &gradientSum, int taken)
    {
        return (difference.to(torch::kFloat64) * gradientSum / double(taken)).sum(1)[0].to(torch::kFloat32);
    }
};

} // namespace

std::unique_ptr<SaliencyMethod> makeIntegratedGradients()
{
    return std::make_unique<IntegratedGradients>();
}

} // namespace sg::saliency
