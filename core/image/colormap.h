#pragma once
// Colour maps and heatmap overlays for display and export (8-bit RGB, never BGR).

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace sg {

enum class Colormap { Jet, Viridis, Inferno, Gray };

// Names as used on the command line and in settings: "jet", "viridis", "inferno", "gray".
const std::vector<std::string> &colormapNames();
// Throws sg::Error listing the known names when `name` is not one of them.
Colormap colormapFromName(const std::string &name);

// Colours a map (CV_32FC1, values in [0, 1], clamped) into CV_8UC3 RGB.
cv::Mat colorize(const cv::Mat &map, Colormap colormap);

// The colours colorize() gives the 256 levels a map is quantised to (level i is the value
// i / 255): a 1 x 256 CV_8UC3 RGB row, for lookup tables and colour scales. Any thread.
cv::Mat colormapLevels(Colormap colormap);

// Blends the coloured map over `rgb8` (CV_8UC3 RGB, any size; the map is resized bilinearly to
// it): result = (1 - opacity) * image + opacity * colour. Any thread.
cv::Mat overlayHeatmap(const cv::Mat &rgb8, const cv::Mat &map, double opacity, Colormap colormap);

} // namespace sg
