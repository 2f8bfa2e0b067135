#pragma once
// The pointing game (Zhang et al., ECCV 2016) and its energy-based variant (Wang et al.,
// Score-CAM, 2020). Torch-free (OpenCV and nlohmann-json only).
//
// The usual rule: a map "hits" when its maximum point, the first in row-major order among exact
// ties (as TorchRay does), falls within a tolerance of an object box. A map that attains its
// maximum on a plateau is still judged by that one point: saturated masks (iGOS++) show
// plateaus of hundreds of pixels, so the plateau's size is reported beside the hit, and the
// energy share, which plateaus do not break, beside both.

#include <opencv2/core.hpp>

#include <map>
#include <string>
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
    bool hit = false; // `peak` lies within the tolerance of a box
    bool flat = false; // the map is constant (all zeros included): it points nowhere, a miss
    cv::Point peak; // the first maximum in row-major order (what saliencyArgmax returns)
    int peakCount = 0; // pixels attaining the maximum (the plateau's size; the map's size when flat)
    int hitBox = -1; // index of the first box the peak hit, or -1
    // Energy-based pointing game: the share of the map's mass (negative values count as 0) that
    // lies inside the union of the boxes, in [0, 1]; 0 for a flat map, which singles out nothing.
    double energy = 0.0;
};

// The location of the map's maximum; the first in row-major order when several pixels attain
// it. Any thread. Throws sg::Error for an empty, multi-channel or non-finite map.
cv::Point saliencyArgmax(const cv::Mat &saliency);

// Plays the pointing game on `saliency` (single channel, any depth converted to float): a hit
// when the first maximum (row-major) lies within `tolerance` pixels (Euclidean distance to the
// nearest pixel of the box; 0 = inside) of any box; also the energy share inside the boxes.
// `frame`, when given and different from the map's size, is the size the boxes refer to (e.g.
// the model input): the map is resized to it bilinearly first. No boxes = a miss with energy 0.
// Any thread. Throws sg::Error for an empty, multi-channel or non-finite map, an empty or
// inverted box, or a negative tolerance.
PointingResult pointingGame(
    const cv::Mat &saliency, const std::vector<PixelBox> &boxes, double tolerance = 0.0, cv::Size frame = {});

// Ground truth of a sample folder (resources/samples/cues/truth.json, written by
// models/cues/make_dataset.py): the size the boxes refer to, and the boxes of the evidence
// present in each image, keyed by the image's file name (no directory).
struct GroundTruth {
    cv::Size frame;
    std::map<std::string, std::vector<PixelBox>> boxes;
};

// Reads `path`. Any thread. Throws sg::Error naming the file for a missing, unreadable or
// malformed file (no "images" list, an entry without "file", a box that is not 4 integers or is
// empty).
GroundTruth readGroundTruth(const std::string &path);

} // namespace sg
