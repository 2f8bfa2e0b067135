#include "image/image_io.h"

#include "common/error.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sg {

namespace fs = std::filesystem;

namespace {

std::uint32_t bigEndian32(const std::string &b, size_t at)
{
    return (std::uint32_t(std::uint8_t(b[at])) << 24) | (std::uint32_t(std::uint8_t(b[at + 1])) << 16)
        | (std::uint32_t(std::uint8_t(b[at + 2])) << 8) | std::uint32_t(std::uint8_t(b[at + 3]));
}
std::uint32_t bigEndian16(const std::string &b, size_t at)
{
    return (std::uint32_t(std::uint8_t(b[at])) << 8) | std::uint32_t(std::uint8_t(b[at + 1]));
}
std::uint32_t littleEndian32(const std::string &b, size_t at)
{
    return std::uint32_t(std::uint8_t(b[at])) | (std::uint32_t(std::uint8_t(b[at + 1])) << 8)
        | (std::uint32_t(std::uint8_t(b[at + 2])) << 16) | (std::uint32_t(std::uint8_t(b[at + 3])) << 24);
}
std::uint32_t littleEndian16(const std::string &b, size_t at)
{
    return std::uint32_t(std::uint8_t(b[at])) | (std::uint32_t(std::uint8_t(b[at + 1])) << 8);
}
std::uint32_t littleEndian24(const std::string &b, size_t at)
{
    return littleEndian16(b, at) | (std::uint32_t(std::uint8_t(b[at + 2])) << 16);
}

bool startsWith(const std::string &bytes, const char *prefix, size_t at = 0)
{
    const size_t length = std::strlen(prefix);
    return bytes.size() >= at + length && bytes.compare(at, length, prefix) == 0;
}

[[noreturn]] void truncated(const std::string &path, const char *format)
{
    throw Error(path, std::string("truncated ") + format + " file (the image data ends early)");
}

ImageHeader probePng(const std::string &path, const std::string &bytes)
{
    if (bytes.size() < 33 || !startsWith(bytes, "IHDR", 12))
        truncated(path, "PNG");
    // Every complete PNG ends with the IEND chunk; libpng would otherwise hand back a partial image.
    if (bytes.size() < 45 || bytes.compare(bytes.size() - 8, 4, "IEND") != 0)
        truncated(path, "PNG");
    return {"PNG", int(bigEndian32(bytes, 16)), int(bigEndian32(bytes, 20))};
}

ImageHeader probeJpeg(const std::string &path, const std::string &bytes)
{
    // libjpeg fills a truncated image with gray and only warns, so insist on the end marker.
    const size_t endMarker = bytes.rfind("\xFF\xD9");
    if (endMarker == std::string::npos || endMarker + 2 + 64 < bytes.size())
        truncated(path, "JPEG");
    size_t at = 2;
    while (at + 9 < bytes.size()) {
        if (std::uint8_t(bytes[at]) != 0xFF) {
            ++at;
            continue;
        }
        const std::uint8_t marker = std::uint8_t(bytes[at + 1]);
        if (marker == 0xFF || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
            at += marker == 0xFF ? 1 : 2;
            continue;
        }
        const bool startOfFrame
            = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (startOfFrame)
            return {"JPEG", int(bigEndian16(bytes, at + 7)), int(bigEndian16(bytes, at + 5))};
        at += 2 + bigEndian16(bytes, at + 2);
    }
    throw Error(path, "corrupt JPEG file (no frame header)");
}

ImageHeader probeBmp(const std::string &path, const std::string &bytes)
{
    if (bytes.size() < 26)
        truncated(path, "BMP");
    const std::uint32_t declaredSize = littleEndian32(bytes, 2);
    if (declaredSize != 0 && bytes.size() < declaredSize)
        truncated(path, "BMP");
    const std::uint32_t dibSize = littleEndian32(bytes, 14);
    if (dibSize == 12)
        return {"BMP", int(littleEndian16(bytes, 18)), int(littleEndian16(bytes, 20))};
    const auto width = std::int32_t(littleEndian32(bytes, 18));
    const auto height = std::int32_t(littleEndian32(bytes, 22));
    return {"BMP", std::abs(width), std::abs(height)};
}

ImageHeader probeWebp(const std::string &path, const std::string &bytes)
{
    if (bytes.size() < 30 || size_t(littleEndian32(bytes, 4)) + 8 > bytes.size())
        truncated(path, "WebP");
    if (startsWith(bytes, "VP8 ", 12))
        return {"WebP", int(littleEndian16(bytes, 26) & 0x3FFF), int(littleEndian16(bytes, 28) & 0x3FFF)};
    if (startsWith(bytes, "VP8L", 12)) {
        const std::uint32_t bits = littleEndian32(bytes, 21);
        return {"WebP", int(1 + (bits & 0x3FFF)), int(1 + ((bits >> 14) & 0x3FFF))};
    }
    if (startsWith(bytes, "VP8X", 12))
        return {"WebP", int(1 + littleEndian24(bytes, 24)), int(1 + littleEndian24(bytes, 27))};
    return {"WebP", 0, 0};
}

ImageHeader probeTiff(const std::string &path, const std::string &bytes)
{
    const bool little = bytes[0] == 'I';
    auto read16 = [&](size_t at) { return little ? littleEndian16(bytes, at) : bigEndian16(bytes, at); };
    auto read32 = [&](size_t at) { return little ? littleEndian32(bytes, at) : bigEndian32(bytes, at); };
    if (bytes.size() < 8)
        truncated(path, "TIFF");
    const size_t directory = read32(4);
    if (directory + 2 > bytes.size())
        truncated(path, "TIFF");
    const size_t entries = read16(directory);
    ImageHeader header{"TIFF", 0, 0};
    for (size_t i = 0; i < entries; ++i) {
        const size_t entry = directory + 2 + 12 * i;
        if (entry + 12 > bytes.size())
            truncated(path, "TIFF");
        const std::uint32_t tag = read16(entry);
        const std::uint32_t type = read16(entry + 2);
        const std::uint32_t value = type == 3 ? read16(entry + 8) : read32(entry + 8);
        if (tag == 256)
            header.width = int(value);
        else if (tag == 257)
            header.height = int(value);
    }
    return header;
}

void checkPixelCount(const std::string &path, std::int64_t width, std::int64_t height)
{
    if (width * height > kMaxImagePixels)
        throw Error(path,
            "image is " + std::to_string(width) + "x" + std::to_string(height) + " pixels, over the limit of "
                + std::to_string(kMaxImagePixels / 1'000'000) + " megapixels");
}

} // namespace

ImageHeader probeImage(const std::string &path, const std::string &bytes)
{
    if (bytes.empty())
        throw Error(path, "file is empty");
    if (startsWith(bytes, "\x89PNG\r\n\x1A\n"))
        return probePng(path, bytes);
    if (startsWith(bytes, "\xFF\xD8\xFF"))
        return probeJpeg(path, bytes);
    if (startsWith(bytes, "BM"))
        return probeBmp(path, bytes);
    if (startsWith(bytes, "RIFF") && startsWith(bytes, "WEBP", 8))
        return probeWebp(path, bytes);
    if (bytes.size() >= 4
        && (bytes.compare(0, 4, std::string("II*\0", 4)) == 0
            || bytes.compare(0, 4, std::string("MM\0*", 4)) == 0))
        return probeTiff(path, bytes);
    throw Error(path, "not a supported image (PNG, JPEG, BMP, TIFF or WebP)");
}

cv::Mat readImage(const std::string &path)
{
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw Error(path, "image file not found");
    if (fs::is_directory(path, ec))
        throw Error(path, "is a directory, not an image file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path, "cannot open image file");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string bytes = buffer.str();

    const ImageHeader header = probeImage(path, bytes);
    checkPixelCount(path, header.width, header.height);

    cv::Mat decoded;
    try {
        const cv::Mat raw(1, int(bytes.size()), CV_8U, const_cast<char *>(bytes.data()));
        decoded = cv::imdecode(raw, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception &error) {
        throw Error(path, "corrupt " + header.format + " file (" + error.err + ")");
    }
    if (decoded.empty())
        throw Error(path, "corrupt " + header.format + " file (the decoder could not read it)");
    checkPixelCount(path, decoded.cols, decoded.rows);

    if (decoded.depth() != CV_8U && decoded.depth() != CV_16U)
        throw Error(path, "unsupported sample format (only 8- and 16-bit integer images are read)");
    cv::Mat rgb;
    switch (decoded.channels()) {
    case 1: rgb = decoded; break;
    case 3: cv::cvtColor(decoded, rgb, cv::COLOR_BGR2RGB); break;
    case 4: cv::cvtColor(decoded, rgb, cv::COLOR_BGRA2RGB); break;
    default: throw Error(path, "unsupported channel count " + std::to_string(decoded.channels()));
    }
    return rgb;
}

const std::vector<std::string> &imageExtensions()
{
    static const std::vector<std::string> extensions
        = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"};
    return extensions;
}

bool hasImageExtension(const std::string &path)
{
    std::string extension = fs::path(path).extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
        [](unsigned char c) { return char(std::tolower(c)); });
    const auto &known = imageExtensions();
    return std::find(known.begin(), known.end(), extension) != known.end();
}

} // namespace sg
