#include "metrics/pointing_game.h"

#include "common/error.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
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

    double minimum = 0.0;
    double maximum = 0.0;
    cv::minMaxLoc(map, &minimum, &maximum);
    PointingResult result;
    result.peak = saliencyArgmax(map);
    result.peakCount = cv::countNonZero(map == float(maximum));
    if (!(maximum > minimum)) {
        result.flat = true;
        return result;
    }
    for (size_t b = 0; b < boxes.size(); ++b)
        if (squaredDistance(boxes[b], result.peak.x, result.peak.y) <= tolerance * tolerance) {
            result.hit = true;
            result.hitBox = int(b);
            break;
        }

    // Energy: mass inside the union of the boxes (clipped to the map) over the total mass.
    cv::Mat mass = cv::max(map, 0.0f);
    cv::Mat inside = cv::Mat::zeros(map.size(), CV_32FC1);
    const cv::Rect whole(0, 0, map.cols, map.rows);
    for (const PixelBox &box : boxes)
        inside(cv::Rect(box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0) & whole).setTo(1.0f);
    const double total = cv::sum(mass)[0];
    if (total > 0.0)
        result.energy = std::clamp(cv::sum(mass.mul(inside))[0] / total, 0.0, 1.0);
    return result;
}

GroundTruth readGroundTruth(const std::string &path)
{
    std::ifstream in(path);
    if (!in)
        throw Error(path, "ground-truth file not found or unreadable");
    GroundTruth truth;
    try {
        const nlohmann::json json = nlohmann::json::parse(in);
        truth.frame = {json.value("width", 0), json.value("height", 0)};
        if (!json.contains("images") || !json.at("images").is_array())
            throw Error(path, "has no \"images\" list (see models/cues/make_dataset.py for the format)");
        for (const nlohmann::json &image : json.at("images")) {
            if (!image.contains("file") || !image.at("file").is_string())
                throw Error(path, "has an image entry without a \"file\" name");
            const std::string file = image.at("file").get<std::string>();
            std::vector<PixelBox> &boxes = truth.boxes[file];
            for (const nlohmann::json &cue : image.value("cues", nlohmann::json::array())) {
                const nlohmann::json &box = cue.at("box");
                if (!box.is_array() || box.size() != 4
                    || !std::all_of(
                        box.begin(), box.end(), [](const auto &v) { return v.is_number_integer(); }))
                    throw Error(path, file + ": a cue box must be 4 integers [x0, y0, x1, y1]");
                const PixelBox pixelBox{
                    box[0].get<int>(), box[1].get<int>(), box[2].get<int>(), box[3].get<int>()};
                if (pixelBox.x1 <= pixelBox.x0 || pixelBox.y1 <= pixelBox.y0)
                    throw Error(path, file + ": cue box " + boxText(pixelBox) + " is empty");
                boxes.push_back(pixelBox);
            }
        }
    } catch (const nlohmann::json::exception &error) {
        throw Error(path, std::string("is not valid ground truth: ") + error.what());
    }
    return truth;
}

} // namespace sg
