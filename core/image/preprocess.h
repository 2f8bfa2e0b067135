#pragma once
// From a decoded image (see image_io.h) to the pixels a model sees, before normalisation.

#include "model/model_spec.h"

#include <opencv2/core.hpp>

namespace sg {

// Converts `image` (RGB order or gray, CV_8U or CV_16U) to the model's channel count and input
// size. Returns CV_32FC1 or CV_32FC3 of spec.height x spec.width with values in [0, 1].
// Gray -> RGB repeats the channel; RGB -> gray is 0.299 R + 0.587 G + 0.114 B (ITU-R 601),
// computed in float. Resizing stretches to the input size (no crop, aspect not kept): area
// averaging when both sides shrink, bilinear otherwise; an image already at the input size is
// not resampled. Any thread; throws sg::Error for an unsupported depth or channel count.
cv::Mat toModelPixels(const cv::Mat &image, const InputSpec &spec);

// An 8-bit RGB copy for display (16-bit scaled down, gray repeated to three channels).
cv::Mat toDisplayRgb8(const cv::Mat &image);

} // namespace sg
