#pragma once
// The one boundary between OpenCV matrices and torch tensors. Torch itself is not included
// here (only declared), so this header is cheap; callers that use the tensors include torch.
//
// Channel order is RGB (or gray) on both sides; tensors are NCHW float32 on the CPU.
// Every function copies: no tensor ever points into a cv::Mat's buffer, so lifetimes are
// independent.

#include "model/model_spec.h"

#include <opencv2/core.hpp>

#include <vector>

namespace at {
class Tensor;
}

namespace sg {

// Stacks model pixels (each CV_32FC<channels>, spec.height x spec.width, values in [0, 1], as
// made by toModelPixels) into a normalised [N, C, H, W] tensor: v = lo + (hi - lo) * p, then
// (v - mean[c]) / std[c]. Throws sg::Error when an image's size or channels differ from `spec`.
at::Tensor toInputTensor(const std::vector<cv::Mat> &modelPixels, const InputSpec &spec);

// The same stacking without any mapping: [N, C, H, W] holding the pixels' [0, 1] values, for
// code that blends images before normalising them (baselines, perturbation metrics).
at::Tensor toPixelTensor(const std::vector<cv::Mat> &modelPixels, const InputSpec &spec);

// Copies a 2-D float tensor [H, W] (any device, any float dtype) into a CV_32FC1 matrix.
cv::Mat toMat32F(const at::Tensor &map);

} // namespace sg
