#include "common/file_hash.h"

#include "common/error.h"

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <memory>

namespace sg {

namespace {

constexpr std::uint64_t kFnvOffsetBasis = 14695981039346656037ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;
constexpr std::size_t kChunkBytes = 64 * 1024;

std::uint64_t fnv1a(std::uint64_t hash, const unsigned char *bytes, std::size_t count)
{
    for (std::size_t i = 0; i < count; ++i) {
        hash ^= bytes[i];
        hash *= kFnvPrime;
    }
    return hash;
}

std::string toHex(std::uint64_t hash)
{
    char text[17];
    std::snprintf(text, sizeof text, "%016" PRIx64, hash);
    return text;
}

struct FileCloser {
    void operator()(std::FILE *file) const { std::fclose(file); }
};

} // namespace

std::string fileContentHash(const std::vector<std::string> &paths)
{
    std::uint64_t hash = kFnvOffsetBasis;
    std::unique_ptr<unsigned char[]> buffer(new unsigned char[kChunkBytes]);
    for (const std::string &path : paths) {
        std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
        if (!file)
            throw Error(path, "cannot be read");
        std::uint64_t length = 0;
        for (;;) {
            const std::size_t got = std::fread(buffer.get(), 1, kChunkBytes, file.get());
            hash = fnv1a(hash, buffer.get(), got);
            length += got;
            if (got < kChunkBytes)
                break;
        }
        // A directory opens but fails to read; so does a file on a failing disk.
        if (std::ferror(file.get()))
            throw Error(path, "cannot be read");
        // Little-endian whatever the host, so a hash means the same on every machine.
        unsigned char lengthBytes[8];
        for (int i = 0; i < 8; ++i)
            lengthBytes[i] = static_cast<unsigned char>(length >> (8 * i));
        hash = fnv1a(hash, lengthBytes, sizeof lengthBytes);
    }
    return toHex(hash);
}

std::string bytesHash(const std::string &bytes)
{
    return toHex(fnv1a(kFnvOffsetBasis, reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size()));
}

} // namespace sg
