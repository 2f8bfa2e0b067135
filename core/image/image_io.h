#pragma once
// Reading images from disk. Every decoded image in Sightglass is an OpenCV matrix in RGB order
// (never OpenCV's native BGR), 1 (gray) or 3 (RGB) channels, depth CV_8U or CV_16U. Alpha is
// dropped, not composited, matching what PIL's convert("RGB") does in the Python reference.

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>

namespace sg {

// Images over this many pixels are refused before decoding: a 100-megapixel RGB image already
// needs 1.2 GB as floats, and larger ones are almost always a mistake or a decompression bomb.
constexpr std::int64_t kMaxImagePixels = 100'000'000;

struct ImageHeader {
    std::string format; // "PNG", "JPEG", "BMP", "TIFF" or "WebP"
    int width = 0; // 0 when the header does not say (the decoder's size is then checked)
    int height = 0;
};

// Identifies the format from the file's first bytes and reads the size from its header without
// decoding pixels. Throws sg::Error naming `path` for an empty, unknown, or truncated file.
ImageHeader probeImage(const std::string &path, const std::string &bytes);

// Decodes `path`. Any thread. Returns RGB/gray, 8- or 16-bit (see above). Throws sg::Error
// naming the file for: missing, empty, not an image, truncated or corrupt data, over
// kMaxImagePixels, or a sample format we do not handle (e.g. 32-bit float TIFF).
cv::Mat readImage(const std::string &path);

// File extensions (lower case, with dot) that readImage accepts; for folder scans and dialogs.
const std::vector<std::string> &imageExtensions();

// True when `path` ends in one of imageExtensions() (case-insensitive).
bool hasImageExtension(const std::string &path);

} // namespace sg
