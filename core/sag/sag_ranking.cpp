// The cell ranking the SAG beam search expands by: two iterations of I-GOS on the cell grid with
// the reference's settings (research/sag.md §2.3). Conventions as the reference: mask 1 keeps a
// cell of the image, 0 shows the baseline there; a low value marks an important cell.

#include "sag/search_parts.h"

#include "common/batching.h"
#include "model/tensor_ops.h"
#include "saliency/method_support.h" // makeGenerator

#include <opencv2/core.hpp>

namespace sg::sag {

namespace {

constexpr int kIterations = 2;
constexpr int kSteps = 20; // integration steps
constexpr double kL1 = 1.0;
constexpr double kTv = 20.0; // TV weight; beta = 2 (squared differences)
constexpr double kNoise = 0.2;
constexpr double kFirstStep = 200.0;
constexpr double kArmijo = 1e-4;
constexpr double kDecay = 0.2;
constexpr double kSmallestStep = 1e-5;

// l1 * mean|1 - M| + tv * (mean of squared row differences + mean of squared column differences).
at::Tensor regulariser(const at::Tensor &mask)
{
    const at::Tensor rowsDiff = mask.slice(2, 1) - mask.slice(2, 0, -1);
    const at::Tensor colsDiff = mask.slice(3, 1) - mask.slice(3, 0, -1);
    return kL1 * (1.0 - mask).abs().mean() + kTv * (rowsDiff.pow(2).mean() + colsDiff.pow(2).mean());
}

class Ranking {
public:
    Ranking(const RankingInput &in, const CancelFlag &cancel) :
        in_(in),
        cancel_(cancel),
        height_(int(in.input.size(2))),
        width_(int(in.input.size(3))),
        channels_(int(in.input.size(1))),
        cvRng_(in.seed),
        generator_(saliency::makeGenerator(in.seed))
    { }

    std::vector<double> run()
    {
        const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(in_.input.device());
        at::Tensor mask = torch::ones({1, 1, in_.rows, in_.cols}, options);
        for (int iteration = 0; iteration < kIterations; ++iteration) {
            throwIfCancelled(cancel_);
            const at::Tensor noise = drawNoise();
            const at::Tensor gradient = lossGradient(mask, noise);
            const double squaredNorm = gradient.pow(2).sum().item<double>();
            const double start = loss(mask);
            double step = kFirstStep;
            double trial = loss((mask - step * gradient).clamp(0.0, 1.0));
            while (trial > start - kArmijo * step * squaredNorm) {
                step *= kDecay;
                trial = loss((mask - step * gradient).clamp(0.0, 1.0));
                if (step < kSmallestStep)
                    break;
            }
            mask = (mask - step * gradient).clamp(0.0, 1.0);
        }
        const at::Tensor flat = mask.reshape({-1}).to(torch::kCPU, torch::kFloat64).contiguous();
        return std::vector<double>(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
    }

private:
    // The noise of one iteration's path images, [steps, C, H, W] on the device. Reference: per
    // image, cv::randn on an H x W x C float image with the scalar sigma 0.2 (so channel 0
    // only), added to itself (so N(0, 0.4^2)), from OpenCV's generator seeded as the process's
    // global one (seed 0 gives the reference's first image). Default: N(0, 0.2^2) on every
    // channel from torch's seeded generator.
    at::Tensor drawNoise()
    {
        if (!in_.reference)
            return (torch::randn({kSteps, channels_, height_, width_}, generator_, torch::kFloat32) * kNoise)
                .to(in_.input.device());
        at::Tensor noise = torch::zeros({kSteps, channels_, height_, width_}, torch::kFloat32);
        for (int k = 0; k < kSteps; ++k) {
            cv::Mat draw(height_, width_, CV_32FC(channels_), cv::Scalar::all(0));
            cvRng_.fill(draw, cv::RNG::NORMAL, cv::Scalar::all(0), cv::Scalar(kNoise));
            draw *= 2.0;
            const at::Tensor hwc
                = torch::from_blob(draw.ptr<float>(), {height_, width_, channels_}, torch::kFloat32);
            noise[k] = hwc.permute({2, 0, 1});
        }
        return noise.to(in_.input.device());
    }

    at::Tensor blend(const at::Tensor &up) const { return in_.input * up + in_.baseline * (1.0 - up); }

    // regulariser(M) + f(image blended by U(M)), without autograd.
    double loss(const at::Tensor &mask) const
    {
        torch::NoGradGuard noGrad;
        const at::Tensor up = upsampleCells(mask, height_, width_, in_.upsampling);
        const at::Tensor probability
            = torch::softmax(in_.classifier->logits(blend(up)), 1).select(1, in_.target).sum();
        return (regulariser(mask) + probability).item<double>();
    }

    // d/dM of regulariser(M) + mean over k = 1..steps of f(I (k/steps) U(M) + B (1 - (k/steps) U(M)) +
    // noise_k).
    at::Tensor lossGradient(const at::Tensor &mask, const at::Tensor &noise)
    {
        torch::AutoGradMode grad(true);
        const at::Tensor leaf = mask.detach().clone().requires_grad_(true);
        regulariser(leaf).backward();
        int batch = in_.maxBatch;
        forEachBatch(kSteps, batch, cancel_, [&](int begin, int end) {
            const at::Tensor up = upsampleCells(leaf, height_, width_, in_.upsampling);
            const at::Tensor alphas
                = torch::arange(begin + 1, end + 1, torch::TensorOptions().dtype(torch::kFloat32))
                      .div(double(kSteps))
                      .view({-1, 1, 1, 1})
                      .to(in_.input.device());
            const at::Tensor scaled = alphas * up;
            const at::Tensor images = blend(scaled) + noise.slice(0, begin, end);
            const at::Tensor probabilities
                = torch::softmax(in_.classifier->logits(images), 1).select(1, in_.target);
            (probabilities.sum() / double(kSteps)).backward();
            in_.classifier->recordBackward(end - begin);
        });
        return leaf.grad().detach();
    }

    const RankingInput &in_;
    const CancelFlag &cancel_;
    int height_;
    int width_;
    int channels_;
    cv::RNG cvRng_;
    at::Generator generator_;
};

} // namespace

std::vector<double> igosCellRanking(const RankingInput &in, const CancelFlag &cancel)
{
    return Ranking(in, cancel).run();
}

} // namespace sg::sag
