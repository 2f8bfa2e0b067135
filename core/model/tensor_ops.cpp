#include "model/tensor_ops.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <vector>

namespace sg {

namespace F = torch::nn::functional;

at::Tensor normalise(const at::Tensor &pixels, const InputSpec &spec)
{
    const auto mean = torch::tensor(spec.mean).view({1, -1, 1, 1}).to(pixels.device());
    const auto deviation = torch::tensor(spec.std).view({1, -1, 1, 1}).to(pixels.device());
    return ((pixels * (spec.rangeHigh - spec.rangeLow) + spec.rangeLow) - mean) / deviation;
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

at::Tensor normaliseRange(const at::Tensor &map)
{
    const at::Tensor values = map.detach().to(torch::kCPU, torch::kFloat32);
    const float low = values.min().item<float>();
    const float high = values.max().item<float>();
    if (!(high > low))
        return torch::zeros_like(values);
    return (values - low) / (high - low);
}

int blurKernelSide(int width, int height)
{
    const int side = std::max(width, height);
    return side >= 800 ? 201 : side >= 500 ? 151 : 51;
}

at::Tensor blurPixels(const at::Tensor &pixels)
{
    const at::Tensor source = pixels.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    const int count = int(source.size(0));
    const int channels = int(source.size(1));
    const int height = int(source.size(2));
    const int width = int(source.size(3));
    const int kernel = blurKernelSide(width, height);
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

} // namespace sg
