#include "image/preprocess.h"

#include "common/error.h"

#include <opencv2/imgproc.hpp>

namespace sg {

namespace {

cv::Mat toUnitFloat(const cv::Mat &image)
{
    double scale = 0.0;
    switch (image.depth()) {
    case CV_8U: scale = 1.0 / 255.0; break;
    case CV_16U: scale = 1.0 / 65535.0; break;
    default: throw Error("", "image depth must be 8- or 16-bit unsigned");
    }
    cv::Mat result;
    image.convertTo(result, CV_32F, scale);
    return result;
}

cv::Mat toChannels(const cv::Mat &unit, int channels)
{
    if (unit.channels() == channels)
        return unit;
    if (unit.channels() == 1 && channels == 3) {
        cv::Mat rgb;
        cv::merge(std::vector<cv::Mat>{unit, unit, unit}, rgb);
        return rgb;
    }
    if (unit.channels() == 3 && channels == 1) {
        cv::Mat gray;
        cv::transform(unit, gray, cv::Matx13f(0.299f, 0.587f, 0.114f));
        return gray;
    }
    throw Error("",
        "cannot convert a " + std::to_string(unit.channels()) + "-channel image to "
            + std::to_string(channels) + " channels");
}

} // namespace

cv::Mat toModelPixels(const cv::Mat &image, const InputSpec &spec)
{
    cv::Mat pixels = toChannels(toUnitFloat(image), spec.channels);
    if (pixels.cols == spec.width && pixels.rows == spec.height)
        return pixels.isContinuous() ? pixels : pixels.clone();
    const bool shrinking = spec.width < pixels.cols && spec.height < pixels.rows;
    cv::Mat resized;
    cv::resize(pixels, resized, cv::Size(spec.width, spec.height), 0, 0,
        shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    return resized;
}

cv::Mat toDisplayRgb8(const cv::Mat &image)
{
    cv::Mat eight;
    if (image.depth() == CV_16U)
        image.convertTo(eight, CV_8U, 255.0 / 65535.0);
    else if (image.depth() == CV_8U)
        eight = image;
    else
        throw Error("", "image depth must be 8- or 16-bit unsigned");
    if (eight.channels() == 3)
        return eight.clone();
    cv::Mat rgb;
    cv::cvtColor(eight, rgb, cv::COLOR_GRAY2RGB);
    return rgb;
}

} // namespace sg
