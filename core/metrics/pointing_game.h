#pragma once
// The pointing game (Zhang et al.): a saliency map "hits" when its maximum falls on the object,
// given as one or more boxes. Torch-free (OpenCV only).

#include <opencv2/core.hpp>

#include <vector>

namespace sg {

// A box [x0, x1) x [y0, y1) in the map's pixel coordinates (model-input coordinates for a map
// at the model's input size, as Heatmap::saliency is).
struct PixelBox {
    int x0 = 0;
    int y0 = 0;
    int x1 = 0;
    int y1 = 0;
};

struct PointingResult {
    bool hit = false;
    cv::Point peak; // the first maximum in row-major order (what saliencyArgmax returns)
    int peakCount = 0; // pixels attaining the maximum
    cv::Point hitPeak{-1, -1}; // a maximum that hit (the first in row-major order), or (-1, -1)
    int hitBox = -1; // index of the first box it hit, or -1
};

// The location of the map's maximum; the first in row-major order when several pixels attain
// it. Any thread. Throws sg::Error for an empty, multi-channel or non-finite map.
cv::Point saliencyArgmax(const cv::Mat &saliency);

// Plays the pointing game on `saliency` (single channel, any depth converted to float): a hit
// when any pixel attaining the maximum lies within `tolerance` pixels (Euclidean distance to
// the nearest pixel of the box; 0 = inside) of any box. `frame`, when given and different from
// the map's size, is the size the boxes refer to (e.g. the model input): the map is resized to
// it bilinearly first. No boxes = a miss. Any thread. Throws sg::Error for an empty,
// multi-channel or non-finite map, an empty or inverted box, or a negative tolerance.
PointingResult pointingGame(
    const cv::Mat &saliency, const std::vector<PixelBox> &boxes, double tolerance = 0.0, cv::Size frame = {});

} // namespace sg
