#include "image/image_folder.h"

#include "common/error.h"
#include "image/image_io.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include <unistd.h>

namespace sg {

namespace fs = std::filesystem;

namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

unsigned char folded(char c)
{
    const auto u = static_cast<unsigned char>(c);
    return u >= 'A' && u <= 'Z' ? static_cast<unsigned char>(u - 'A' + 'a') : u;
}

std::string fileName(const std::string &path)
{
    return fs::path(path).filename().string();
}

} // namespace

bool isSupportedImage(const std::string &path)
{
    const std::string name = fileName(path);
    return !name.empty() && name.front() != '.' && hasImageExtension(name);
}

bool naturalLess(const std::string &a, const std::string &b)
{
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < a.size() && j < b.size()) {
        if (isDigit(a[i]) && isDigit(b[j])) {
            std::size_t endA = i;
            std::size_t endB = j;
            while (endA < a.size() && isDigit(a[endA]))
                ++endA;
            while (endB < b.size() && isDigit(b[endB]))
                ++endB;
            // Compare the digit runs as numbers: drop leading zeros, then longer is larger.
            std::size_t startA = i;
            std::size_t startB = j;
            while (startA + 1 < endA && a[startA] == '0')
                ++startA;
            while (startB + 1 < endB && b[startB] == '0')
                ++startB;
            const std::size_t lengthA = endA - startA;
            const std::size_t lengthB = endB - startB;
            if (lengthA != lengthB)
                return lengthA < lengthB;
            if (const int order = a.compare(startA, lengthA, b, startB, lengthB); order != 0)
                return order < 0;
            i = endA;
            j = endB;
            continue;
        }
        const unsigned char ca = folded(a[i]);
        const unsigned char cb = folded(b[j]);
        if (ca != cb)
            return ca < cb;
        ++i;
        ++j;
    }
    if (a.size() - i != b.size() - j)
        return a.size() - i < b.size() - j;
    return a < b; // equal ignoring case and zeros: any fixed order
}

std::vector<std::string> listImages(const std::string &folder)
{
    std::error_code error;
    const fs::file_status status = fs::status(folder, error);
    if (status.type() == fs::file_type::not_found)
        throw Error(folder, "no such folder");
    if (error)
        throw Error(folder, "cannot read the folder: " + error.message());
    if (!fs::is_directory(status))
        throw Error(folder, "not a folder");

    const fs::path root = fs::absolute(folder, error).lexically_normal();
    std::vector<std::pair<std::string, std::string>> images; // (file name, absolute path)
    fs::directory_iterator it(root, error);
    if (error)
        throw Error(folder, "cannot read the folder: " + error.message());
    for (; it != fs::directory_iterator(); it.increment(error)) {
        const fs::path &path = it->path();
        const std::string name = path.filename().string();
        if (!isSupportedImage(name))
            continue;
        std::error_code entryError;
        if (!fs::is_regular_file(fs::status(path, entryError)))
            continue; // a folder named like an image, a broken link, a device
        if (::access(path.c_str(), R_OK) != 0)
            continue; // listed files must open: readImage() would refuse this one
        images.emplace_back(name, path.string());
    }
    if (error)
        throw Error(folder, "cannot read the folder: " + error.message());

    std::sort(images.begin(), images.end(),
        [](const auto &left, const auto &right) { return naturalLess(left.first, right.first); });
    std::vector<std::string> paths;
    paths.reserve(images.size());
    for (auto &image : images)
        paths.push_back(std::move(image.second));
    return paths;
}

} // namespace sg
