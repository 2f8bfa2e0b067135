// Grad-CAM (Selvaraju et al.): the feature map A of the model's inner layer, weighted per
// channel by the spatial mean of the target logit's gradient, summed over channels and passed
// through ReLU. One forward and one backward pass.

#include "saliency/builtin_methods.h"
#include "saliency/method_support.h"

#include "common/error.h"

#include <sstream>

namespace sg::saliency {

namespace {

class GradCam : public SaliencyMethod {
public:
    std::string id() const override { return "gradcam"; }
    std::string title() const override { return "Grad-CAM"; }
    std::string description() const override
    {
        return "Weights the model's inner feature maps by the spatial mean of the target's "
               "gradient and keeps the positive sum (one forward and one backward pass).";
    }
    // The feature map's size is the resolution, so there is nothing to choose.
    std::vector<int> resolutions() const override { return {}; }
    int defaultResolution() const override { return kDefaultResolution; }
    std::vector<ParamSpec> parameters(int) const override { return {}; }
    bool needsSplit() const override { return true; }

    // Heatmap.mask is the unnormalised CAM at the feature map's size (h x w, >= 0);
    // Heatmap.resolution is the feature map's width.
    Heatmap run(
        const SaliencyRequest &request, const ProgressFn &progress, const CancelFlag &cancel) const override
    {
        // Counted from before prepare(): its clean pass is one of the run's passes.
        RunMeter meter(request.classifier);
        const PreparedRequest prepared = prepare(*this, request);
        const Classifier &classifier = *prepared.classifier;
        throwIfCancelled(cancel);

        at::Tensor cam;
        {
            // The caller's thread may run with grad off (job worker); this pass needs autograd.
            torch::AutoGradMode gradMode(true);
            // The model's parameters never require grad and neither does the input, so the
            // feature map becomes the leaf whose gradient we take.
            at::Tensor features;
            {
                torch::NoGradGuard noGrad;
                features = classifier.features(prepared.input);
            }
            if (features.dim() != 4 || features.size(0) != 1) {
                std::ostringstream shape;
                shape << features.sizes();
                throw Error(classifier.modelPath(),
                    "gradcam: the features method returned shape " + shape.str()
                        + "; Grad-CAM needs a convolutional feature map [1, C, h, w]");
            }
            features = features.detach().requires_grad_(true);
            const at::Tensor logits = classifier.head(features);
            const at::Tensor gradient
                = torch::autograd::grad({logits.select(1, prepared.target).sum()}, {features})[0];
            classifier.recordBackward(1);
            const at::Tensor weights = gradient.mean({2, 3}, /*keepdim=*/true); // [1, C, 1, 1]
            cam = torch::relu((weights * features).sum(1, /*keepdim=*/true)).detach(); // [1, 1, h, w]
        }

        const at::Tensor saliency = upsample(cam, prepared.height, prepared.width);
        Heatmap heatmap = makeHeatmap(*this, prepared, cam, saliency);
        meter.fill(heatmap);
        if (progress)
            progress({1, 1, &heatmap.saliency});
        return heatmap;
    }
};

} // namespace

std::unique_ptr<SaliencyMethod> makeGradCam()
{
    return std::make_unique<GradCam>();
}

} // namespace sg::saliency
