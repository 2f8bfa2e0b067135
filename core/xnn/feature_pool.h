#pragma once
// How an embedding turns the `features` map into one row per image (embedding.h lists the
// layers). Internal header: it includes torch, so only core/xnn's .cpp files and tests include
// it. The embedding and the concept maps both pool through here, so the x-features a map explains
// are the ones the XNN was trained on.

#include <torch/torch.h>

#include <string>

namespace sg::xnn {

// `map` [N, C, H, W] (or [N, D], kept as it is) pooled as `layer` says: [N, D]. Differentiable.
// Pure, any thread. Throws sg::Error for a layer parseXnnLayer refuses, or a grid larger than
// the map.
torch::Tensor poolFeatures(const torch::Tensor &map, const std::string &layer);

} // namespace sg::xnn
