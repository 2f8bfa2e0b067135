#pragma once
// Writing a SAG search out: the result and its layout as JSON, the drawing as SVG (node
// thumbnails embedded as PNG data URIs) and as a PNG raster drawn with OpenCV from the same
// layout. Torch-free header; everything here is pure (no model) and callable from any thread.

#include "sag/sag_layout.h"
#include "sag/sag_result.h"

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace sg {

// The result for result.json: target, grid, thresholds, roots (cells, probability, relative),
// the diverse and shown indices, the request as run and the search statistics.
nlohmann::json sagResultJson(const SagResult &result);

// sag.json: sagResultJson plus the graph: nodes (cells, probability, relative, percent, root,
// depth, position and size from `layout`) and edges (parent, child, removed cell, spline).
nlohmann::json sagGraphJson(const SagResult &result, const SagLayout &layout);

// The image with only `cells` shown: each pixel scaled by 0.15 + 0.85 * U(cells), U the cell
// mask the model saw (the request's upsampling), so hidden parts stay faintly visible. `image`
// is 8-bit RGB at any size (it is resized to the model input size `width` x `height` first).
// Returns 8-bit RGB, `width` x `height`, a new matrix. Throws sg::Error for an empty image.
cv::Mat sagNodeImage(const cv::Mat &image, const std::vector<int> &cells, int rows, int cols,
    SagUpsampling upsampling, int width, int height);

// The 8-bit image that shows only `cells` over the black baseline: each pixel of `image`
// (resized to `width` x `height`, 8-bit, any channel count) times U(cells), rounded. The
// what-if view feeds it to the model as it is, so its probability is that of an image one can
// save and check (it differs from the search's f(S), computed in floats, by the rounding).
// Pure; any thread. Throws sg::Error for an empty image.
cv::Mat sagShownImage(const cv::Mat &image, const std::vector<int> &cells, int rows, int cols,
    SagUpsampling upsampling, int width, int height);

// The drawing as SVG text: black page, one box per node with its thumbnail (sagNodeImage as a
// PNG data URI) and its percentage, white edges with arrow heads, all at `layout`'s positions.
// `image` as for sagNodeImage; `inputWidth` x `inputHeight` the model input size.
std::string sagSvg(
    const SagResult &result, const SagLayout &layout, const cv::Mat &image, int inputWidth, int inputHeight);

// The same drawing rasterised by OpenCV (8-bit RGB, `scale` pixels per point).
cv::Mat sagRaster(const SagResult &result, const SagLayout &layout, const cv::Mat &image, int inputWidth,
    int inputHeight, double scale = 1.0);

// PNG bytes of an 8-bit RGB image. Throws sg::Error when encoding fails.
std::string pngBytes(const cv::Mat &rgb);

} // namespace sg
