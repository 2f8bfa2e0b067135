#pragma once
// Content hashes of files, for cache keys: a result computed for some bytes stays valid for a
// file with the same bytes under any name, and a file changed on disk misses the cache.

#include <string>
#include <vector>

namespace sg {

// 64-bit FNV-1a of the bytes of every file in `paths`, in order (each file's length mixed in,
// so moving bytes between files changes the hash), as 16 lowercase hex digits. Streams the
// files; any thread. Throws sg::Error naming the file that cannot be read.
std::string fileContentHash(const std::vector<std::string> &paths);

// FNV-1a 64 of `bytes`, as 16 lowercase hex digits. Pure.
std::string bytesHash(const std::string &bytes);

} // namespace sg
