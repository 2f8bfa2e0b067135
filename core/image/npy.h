#pragma once
// NumPy .npy files (format version 1.0) for saliency maps: float32, 2-D, C order. Other tools
// read and write these, so `evaluate` can score maps made elsewhere.

#include <opencv2/core.hpp>

#include <string>

namespace sg {

// The bytes of a little-endian float32 .npy of shape (rows, cols) holding a CV_32FC1 matrix,
// for writers that place them themselves (atomic saves). Pure; any thread.
std::string npyBytes(const cv::Mat &map);

// Writes a CV_32FC1 matrix as a little-endian float32 .npy of shape (rows, cols). Any thread.
// Throws sg::Error naming `path` when the file cannot be written.
void writeNpy(const std::string &path, const cv::Mat &map);

// Reads a 2-D .npy (float32, float64, or any integer type; C order) into a CV_32FC1 matrix.
// A 3-D array with a leading or trailing axis of size 1 is accepted as 2-D. Throws sg::Error
// naming `path` for a missing, truncated or malformed file, Fortran order, big-endian data,
// an unsupported dtype, a shape that is not 2-D, or NaN/inf values.
cv::Mat readNpy(const std::string &path);

} // namespace sg
