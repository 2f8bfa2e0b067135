#pragma once
// A folder of images as the explorer and batch runs step through it: the files readImage()
// accepts (image_io.h's extensions), in the order people expect ("img2" before "img10").

#include <string>
#include <vector>

namespace sg {

// True when a file of this name is one listImages() lists: an extension of imageExtensions()
// (any case) and not hidden (a name starting with '.'). Looks at the name only, never at the
// disk. Any thread.
bool isSupportedImage(const std::string &path);

// File-name order as people expect it. Runs of ASCII digits compare as numbers ("img2" <
// "img10"; leading zeros ignored, "007" == "7"), everything else byte by byte with ASCII
// letters compared case-insensitively ("Beta" < "alpha2" is false, "alpha" < "Beta" is true).
// Names equal under these rules ("a01" and "a1", "A" and "a") are ordered by their bytes, so the
// order is total and a sort is deterministic. Any thread.
bool naturalLess(const std::string &a, const std::string &b);

// The readable supported images directly inside `folder` (not in subfolders; hidden files
// skipped; symbolic links followed, broken ones skipped), as absolute paths in naturalLess order
// of their file names. An empty list is not an error. Any thread; the caller owns the result.
// Throws sg::Error naming `folder` when it does not exist, is not a folder, or cannot be read.
std::vector<std::string> listImages(const std::string &folder);

} // namespace sg
