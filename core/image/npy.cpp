#include "image/npy.h"

#include "common/error.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace sg {

namespace {

template <typename T> cv::Mat convert(const char *data, int rows, int cols)
{
    cv::Mat result(rows, cols, CV_32FC1);
    for (int i = 0; i < rows * cols; ++i) {
        T value;
        std::memcpy(&value, data + size_t(i) * sizeof(T), sizeof(T));
        result.at<float>(i / cols, i % cols) = static_cast<float>(value);
    }
    return result;
}

} // namespace

std::string npyBytes(const cv::Mat &map)
{
    if (map.type() != CV_32FC1)
        throw Error("", "internal: only single-channel float maps are written as .npy");
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(map.rows)
        + ", " + std::to_string(map.cols) + "), }";
    // Magic (6) + version (2) + length (2) + header + newline, padded to a multiple of 64.
    const size_t unpadded = 10 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';
    const auto length = static_cast<std::uint16_t>(header.size());
    std::string bytes("\x93NUMPY\x01\x00", 8);
    bytes += char(length & 0xFF);
    bytes += char(length >> 8);
    bytes += header;
    const cv::Mat contiguous = map.isContinuous() ? map : map.clone();
    bytes.append(reinterpret_cast<const char *>(contiguous.data), map.total() * sizeof(float));
    return bytes;
}

void writeNpy(const std::string &path, const cv::Mat &map)
{
    const std::string bytes = npyBytes(map);
    std::ofstream out(path, std::ios::binary);
    if (!out)
        throw Error(path, "cannot create file");
    out.write(bytes.data(), std::streamsize(bytes.size()));
    if (!out)
        throw Error(path, "could not write the whole file (disk full?)");
}

cv::Mat readNpy(const std::string &path)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw Error(path, "file not found");
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string bytes = buffer.str();
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
        throw Error(path, "not a NumPy .npy file");
    const int major = std::uint8_t(bytes[6]);
    size_t headerLength = 0;
    size_t headerStart = 0;
    if (major == 1) {
        headerLength = std::uint8_t(bytes[8]) | (size_t(std::uint8_t(bytes[9])) << 8);
        headerStart = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12)
            throw Error(path, "truncated .npy header");
        headerLength = 0;
        for (int i = 0; i < 4; ++i)
            headerLength |= size_t(std::uint8_t(bytes[8 + i])) << (8 * i);
        headerStart = 12;
    } else {
        throw Error(path, "unsupported .npy version " + std::to_string(major));
    }
    if (headerStart + headerLength > bytes.size())
        throw Error(path, "truncated .npy header");
    const std::string header = bytes.substr(headerStart, headerLength);

    std::smatch match;
    if (!std::regex_search(header, match, std::regex("'descr':\\s*'([<>|=])([a-z])(\\d+)'")))
        throw Error(path, "malformed .npy header (no dtype)");
    const std::string order = match[1];
    const char kind = match[2].str()[0];
    const int size = std::stoi(match[3]);
    if (order == ">" && size > 1)
        throw Error(path, "big-endian .npy data is not supported");
    if (std::regex_search(header, std::regex("'fortran_order':\\s*True")))
        throw Error(path, "Fortran-ordered arrays are not supported (save with np.ascontiguousarray)");
    if (!std::regex_search(header, match, std::regex("'shape':\\s*\\(([^)]*)\\)")))
        throw Error(path, "malformed .npy header (no shape)");
    std::vector<long long> shape;
    std::istringstream dims(match[1].str());
    std::string dim;
    while (std::getline(dims, dim, ','))
        if (dim.find_first_not_of(" ") != std::string::npos)
            shape.push_back(std::stoll(dim));
    if (shape.size() == 3 && shape[0] == 1)
        shape.erase(shape.begin());
    else if (shape.size() == 3 && shape[2] == 1)
        shape.pop_back();
    if (shape.size() != 2 || shape[0] < 1 || shape[1] < 1 || shape[0] > 65536 || shape[1] > 65536)
        throw Error(
            path, "saliency map must be a 2-D array (height, width), got shape (" + match[1].str() + ")");
    const int rows = int(shape[0]);
    const int cols = int(shape[1]);
    const size_t dataStart = headerStart + headerLength;
    if (bytes.size() < dataStart + size_t(rows) * size_t(cols) * size_t(size))
        throw Error(path, "truncated .npy data");
    const char *data = bytes.data() + dataStart;

    cv::Mat map;
    if (kind == 'f' && size == 4)
        map = convert<float>(data, rows, cols);
    else if (kind == 'f' && size == 8)
        map = convert<double>(data, rows, cols);
    else if (kind == 'u' && size == 1)
        map = convert<std::uint8_t>(data, rows, cols);
    else if (kind == 'i' && size == 4)
        map = convert<std::int32_t>(data, rows, cols);
    else if (kind == 'i' && size == 8)
        map = convert<std::int64_t>(data, rows, cols);
    else if (kind == 'b' && size == 1)
        map = convert<std::uint8_t>(data, rows, cols);
    else
        throw Error(path, "unsupported .npy dtype '" + std::string(1, kind) + std::to_string(size) + "'");
    if (!cv::checkRange(map))
        throw Error(path, "saliency map holds NaN or infinite values");
    return map;
}

} // namespace sg
