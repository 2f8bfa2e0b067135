// Occlusion (Zeiler & Fergus): cover one window of the image at a time and record how much
// the target's probability drops. The windows tile the image without overlap, r per side.

#include "saliency/builtin_methods.h"
#include "saliency/method_support.h"

#include "common/error.h"
#include "image/mat_tensor.h"

#include <algorithm>

namespace sg::saliency {

namespace {

// Window index (row-major, r x r) of each pixel [H, W] (int64). Window j of a side of length
// n spans [floor(j n / r), floor((j + 1) n / r)): the r windows tile the side exactly and none
// is empty when r <= n. When r divides n (224 by 7, 14, 28, 56, 224) these are the windows of
// size n / r with stride n / r. Windows of ceil(n / r) with that stride would leave the last
// ones outside the image when r does not divide n (16 px, r = 7: the 7th 3-px window starts
// at pixel 18); here they are 2 or 3 px wide.
at::Tensor windowIndex(int windows, int height, int width)
{
    // Pixel y lies in the last window that starts at or before it: j = ceil((y + 1) r / n) - 1.
    const auto owner = [windows](int length) {
        const at::Tensor next = torch::arange(1, length + 1, torch::kInt64);
        return (next * windows + (length - 1)).div(length, "floor") - 1;
    };
    const at::Tensor rows = owner(height);
    const at::Tensor columns = owner(width);
    return rows.view({height, 1}) * windows + columns.view({1, width});
}

class Occlusion : public SaliencyMethod {
public:
    std::string id() const override { return "occlusion"; }
    std::string title() const override { return "Occlusion"; }
    std::string description() const override
    {
        return "Covers each window of a grid in turn and shows how much the target's "
               "probability drops.";
    }
    // Windows per side: r x r windows tile the image.
    std::vector<int> resolutions() const override { return {7, 14, 28, 56, 224}; }
    int defaultResolution() const override { return 14; }
    std::vector<ParamSpec> parameters(int) const override
    {
        return {
            ParamSpec::choice("fill", "what covers a window", "blur",
                {{"blur", "the blurred image (the I-GOS Gaussian blur)"}, {"black", "black (zero pixels)"}}),
        };
    }

    // Heatmap.mask is the r x r grid of probability drops P(clean) - P(occluded) (negative
    // where covering a window raises the probability); Heatmap.saliency paints each drop over
    // its window, normalised. One forward pass per window.
    Heatmap run(
        const SaliencyRequest &request, const ProgressFn &progress, const CancelFlag &cancel) const override
    {
        // Counted from before prepare(): its clean pass is one of the run's passes.
        RunMeter meter(request.classifier);
        const PreparedRequest prepared = prepare(*this, request);
        const Classifier &classifier = *prepared.classifier;
        const int windows = prepared.resolution;
        const int height = prepared.height;
        const int width = prepared.width;
        const bool blur = prepared.params.at("fill").text() == "blur";

        torch::NoGradGuard noGrad;
        const at::Tensor &input = prepared.input;
        const c10::Device device = input.device();
        // Filling in normalised space equals filling in pixel space: normalisation is per pixel.
        const at::Tensor fill = blur ? blurredBaseline(prepared) : blackBaseline(prepared);
        const at::Tensor owner = windowIndex(windows, height, width).to(device).view({1, 1, height, width});
        const int count = windows * windows;
        at::Tensor drops = torch::zeros({count}, torch::kFloat32);
        const at::Tensor ownerCpu = owner.flatten().cpu();

        int maxBatch = request.maxBatch;
        forEachBatch(count, maxBatch, cancel, [&](int begin, int end) {
            const at::Tensor covered
                = torch::arange(begin, end, torch::kInt64).to(device).view({-1, 1, 1, 1});
            const at::Tensor images = torch::where(owner == covered, fill, input); // [n, C, H, W]
            const at::Tensor scores = targetProbabilities(classifier, images, prepared.target);
            drops.slice(0, begin, end).copy_(prepared.probability - scores.to(torch::kCPU, torch::kFloat64));
            if (progress) {
                const at::Tensor painted = drops.index_select(0, ownerCpu).view({height, width});
                const cv::Mat map = toMat32F(normaliseRange(painted));
                progress({end, count, &map});
            }
        });

        const at::Tensor mask = drops.view({windows, windows});
        const at::Tensor saliency = drops.index_select(0, ownerCpu).view({height, width});
        Heatmap heatmap = makeHeatmap(*this, prepared, mask, saliency);
        meter.fill(heatmap);
        return heatmap;
    }
};

} // namespace

std::unique_ptr<SaliencyMethod> makeOcclusion()
{
    return std::make_unique<Occlusion>();
}

} // namespace sg::saliency
