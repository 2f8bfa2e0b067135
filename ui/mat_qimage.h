#pragma once
// The one boundary between OpenCV matrices (core) and QImage (ui). Nothing else in Sightglass
// converts between the two.
//
// Channel order: every cv::Mat here is in RGB order (core's convention, see image/image_io.h),
// never OpenCV's native BGR. Lifetime: both functions deep-copy, so the result owns its pixels
// and never aliases the input; either side may be destroyed, modified or sent to another thread
// afterwards. Both are pure functions, callable from any thread.

#include <QImage>

#include <opencv2/core.hpp>

namespace sg::ui {

// A QImage copy of an 8-bit display image: CV_8UC3 (RGB order) becomes Format_RGB888, CV_8UC1
// becomes Format_Grayscale8. The input may be a non-continuous view (a ROI); its step is
// honoured, as is the QImage's own 32-bit row padding. Any other type or an empty matrix gives
// a null QImage (use sg::toDisplayRgb8 first for 16-bit images).
QImage toQImage(const cv::Mat &rgb8);

// An owning, continuous CV_8UC3 RGB copy of `image`, whatever its format (converted to
// Format_RGB888 first; alpha is dropped). A null image gives an empty matrix.
cv::Mat toMat(const QImage &image);

} // namespace sg::ui
