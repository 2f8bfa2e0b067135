#include "image/mat_tensor.h"

#include "common/error.h"

#include <torch/torch.h>

#include <cstring>

namespace sg {

at::Tensor toPixelTensor(const std::vector<cv::Mat> &modelPixels, const InputSpec &spec)
{
    const auto count = static_cast<int64_t>(modelPixels.size());
    at::Tensor batch = torch::empty({count, spec.height, spec.width, spec.channels}, torch::kFloat32);
    const size_t imageBytes = size_t(spec.height) * spec.width * spec.channels * sizeof(float);
    for (int64_t i = 0; i < count; ++i) {
        const cv::Mat &pixels = modelPixels[size_t(i)];
        if (pixels.type() != CV_32FC(spec.channels) || pixels.cols != spec.width || pixels.rows != spec.height
            || !pixels.isContinuous())
            throw Error("",
                "internal: model pixels do not match the model input (" + std::to_string(pixels.cols) + "x"
                    + std::to_string(pixels.rows) + ")");
        std::memcpy(batch[i].data_ptr<float>(), pixels.data, imageBytes);
    }
    return batch.permute({0, 3, 1, 2}).contiguous();
}

at::Tensor toInputTensor(const std::vector<cv::Mat> &modelPixels, const InputSpec &spec)
{
    const float scale = spec.rangeHigh - spec.rangeLow;
    const auto mean = torch::tensor(spec.mean).view({1, -1, 1, 1});
    const auto deviation = torch::tensor(spec.std).view({1, -1, 1, 1});
    return ((toPixelTensor(modelPixels, spec) * scale + spec.rangeLow) - mean).div_(deviation);
}

cv::Mat toMat32F(const at::Tensor &map)
{
    if (map.dim() != 2)
        throw Error("", "internal: expected a 2-D map, got " + std::to_string(map.dim()) + " dimensions");
    const at::Tensor cpu = map.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    cv::Mat result(int(cpu.size(0)), int(cpu.size(1)), CV_32FC1);
    std::memcpy(result.data, cpu.data_ptr<float>(), size_t(cpu.numel()) * sizeof(float));
    return result;
}

} // namespace sg
