#include "metrics/pointing_game.h"

#include "common/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

namespace sg {

namespace {

cv::Mat checkedMap(const cv::Mat &saliency)
{
    if (saliency.empty())
        throw Error("", "pointing game: the saliency map is empty");
    if (saliency.channels() != 1)
        throw Error("",
            "pointing game: the saliency map must have one channel, not "
                + std::to_string(saliency.channels()));
    cv::Mat map;
    saliency.convertTo(map, CV_32F);
    if (!cv::checkRange(map))
        throw Error("", "pointing game: the saliency map holds NaN or infinite values");
    return map;
}

std::string boxText(const PixelBox &box)
{
    return "[" + std::to_string(box.x0) + ", " + std::to_string(box.y0) + ", " + std::to_string(box.x1) + ", "
        + std::to_string(box.y1) + ")";
}

// Squared distance from pixel (x, y) to the nearest pixel of `box`.
double squaredDistance(const PixelBox &box, int x, int y)
{
    const double dx = std::max({box.x0 - x, 0, x - (box.x1 - 1)});
    const double dy = std::max({box.y0 - y, 0, y - (box.y1 - 1)});
    return dx * dx + dy * dy;
}

} // namespace

cv::Point saliencyArgmax(const cv::Mat &saliency)
{
    const cv::Mat map = checkedMap(saliency);
    cv::Point best(0, 0);
    float bestValue = map.at<float>(0, 0);
    for (int y = 0; y < map.rows; ++y) {
        const float *row = map.ptr<float>(y);
        for (int x = 0; x < map.cols; ++x)
            if (row[x] > bestValue) {
                bestValue = row[x];
                best = {x, y};
            }
    }
    return best;
}

PointingResult pointingGame(
    const cv::Mat &saliency, const std::vector<PixelBox> &boxes, double tolerance, cv::Size frame)
{
    cv::Mat map = checkedMap(saliency);
    if (!(tolerance >= 0.0) || !std::isfinite(tolerance)) {
        std::ostringstream text;
        text << tolerance;
        throw Error("", "pointing game: tolerance must be a number of pixels >= 0, not " + text.str());
    }
    for (const PixelBox &box : boxes)
        if (box.x1 <= box.x0 || box.y1 <= box.y0)
            throw Error("", "pointing game: box " + boxText(box) + " is empty (need x0 < x1 and y0 < y1)");
    if (frame.width > 0 && frame.height > 0 && frame != map.size()) {
        cv::Mat resized;
        cv::resize(map, resized, frame, 0, 0, cv::INTER_LINEAR);
        map = resized;
    }

    double maximum = 0.0;
    cv::minMaxLoc(map, nullptr, &maximum);
    const double squaredTolerance = tolerance * tolerance;
    PointingResult result;
    result.peak = saliencyArgmax(map);
    for (int y = 0; y < map.rows; ++y) {
        const float *row = map.ptr<float>(y);
        for (int x = 0; x < map.cols; ++x) {
            if (row[x] != float(maximum))
                continue;
            ++result.peakCount;
            if (result.hit)
                continue;
            for (size_t b = 0; b < boxes.size(); ++b)
                if (squaredDistance(boxes[b], x, y) <= squaredTolerance) {
                    result.hit = true;
                    result.hitPeak = {x, y};
                    result.hitBox = int(b);
                    break;
                }
        }
    }
    return result;
}

} // namespace sg
