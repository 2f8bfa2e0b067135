#include "image/colormap.h"

#include "common/error.h"

#include <opencv2/imgproc.hpp>

namespace sg {

const std::vector<std::string> &colormapNames()
{
    static const std::vector<std::string> names = {"jet", "viridis", "inferno", "gray"};
    return names;
}

Colormap colormapFromName(const std::string &name)
{
    const auto &names = colormapNames();
    for (size_t i = 0; i < names.size(); ++i)
        if (names[i] == name)
            return Colormap(i);
    throw Error("", "unknown colour map \"" + name + "\" (use jet, viridis, inferno or gray)");
}

cv::Mat colorize(const cv::Mat &map, Colormap colormap)
{
    cv::Mat levels;
    map.convertTo(levels, CV_8U, 255.0); // saturates outside [0, 1]
    cv::Mat rgb;
    if (colormap == Colormap::Gray) {
        cv::cvtColor(levels, rgb, cv::COLOR_GRAY2RGB);
        return rgb;
    }
    const int table = colormap == Colormap::Jet ? cv::COLORMAP_JET
        : colormap == Colormap::Viridis         ? cv::COLORMAP_VIRIDIS
                                                : cv::COLORMAP_INFERNO;
    cv::Mat bgr;
    cv::applyColorMap(levels, bgr, table);
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

cv::Mat colormapLevels(Colormap colormap)
{
    cv::Mat ramp(1, 256, CV_32FC1);
    for (int i = 0; i < 256; ++i)
        ramp.at<float>(0, i) = float(i) / 255.0f;
    return colorize(ramp, colormap);
}

cv::Mat overlayHeatmap(const cv::Mat &rgb8, const cv::Mat &map, double opacity, Colormap colormap)
{
    cv::Mat resized = map;
    if (map.size() != rgb8.size())
        cv::resize(map, resized, rgb8.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat blended;
    cv::addWeighted(rgb8, 1.0 - opacity, colorize(resized, colormap), opacity, 0.0, blended);
    return blended;
}

} // namespace sg
