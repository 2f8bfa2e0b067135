#pragma once
// Tensor helpers shared by the engine's tensor code (saliency, metrics, SAG, XNN): input
// normalisation, mask upsampling, min-max normalisation and the I-GOS blur. Includes torch: for
// core .cpp files only. All functions are pure and callable from any thread.

#include "model/model_spec.h"

#include <torch/torch.h>

namespace sg {

// Normalises model pixels [N, C, H, W] in [0, 1] with the model's value range, mean and std.
// The result is on the pixels' device.
at::Tensor normalise(const at::Tensor &pixels, const InputSpec &spec);

// Bilinear upsampling with align_corners = true, as the I-GOS reference code's U: [N, 1, s, s]
// to [N, 1, height, width]. Identity (the same tensor) when the size already matches.
at::Tensor upsample(const at::Tensor &mask, int height, int width);

// Min-max normalisation of a map to [0, 1] (all zeros when constant), as float on the CPU.
at::Tensor normaliseRange(const at::Tensor &map);

// The side of the I-GOS blur kernel for an image of `width` x `height`: 51 under 500 px,
// 151 from 500 px, 201 from 800 px (the longer side counts).
int blurKernelSide(int width, int height);

// The I-GOS Gaussian blur of model pixels [N, C, H, W] in [0, 1]: kernel blurKernelSide, sigma
// = kernel - 1, reflect-101 borders, computed in float (no 8-bit rounding). Returns float CPU
// pixels, not normalised.
at::Tensor blurPixels(const at::Tensor &pixels);

} // namespace sg
