#pragma once
// A set of images with a class each, for training and checking an XNN: a folder with one
// subfolder per class, or a CSV manifest of `file,label` rows. Labels are the model's (its
// spec's label list), so a set made for another model is refused, not silently mislabelled.
// Torch-free header.

#include <string>
#include <vector>

namespace sg {

struct LabelledImage {
    std::string path; // absolute
    int label = 0; // index into the model's labels
};

struct LabelledSet {
    std::string source; // the folder or manifest it was read from
    std::vector<LabelledImage> images;
};

// Reads `folder`: each non-hidden subfolder is a class, named by one of `labels` exactly, or by
// its index in decimal ("0", "3": for labels such as "T-shirt/top" that cannot be a folder
// name). Images are those listImages() lists in each subfolder. Order: by class index, then
// naturalLess of the file name, so the order never depends on the file system. Any thread; the
// caller owns the result. Throws sg::Error naming the folder for: not a folder; a subfolder that
// is no class (the message lists the valid labels); no image at all.
LabelledSet readLabelledFolder(const std::string &folder, const std::vector<std::string> &labels);

// Reads a CSV manifest of `file,label` rows (an optional first row `file,label` is a header;
// blank lines and lines starting with '#' are skipped; fields may be double-quoted). `file` is
// resolved against the manifest's folder when relative; `label` is one of `labels` or its
// index. Rows keep the manifest's order. Any thread. Throws sg::Error naming the manifest and
// the line for: unreadable manifest, a row without two fields, an unknown label (listing the
// valid ones), no rows; and naming the image for a missing or unreadable image file.
LabelledSet readLabelledManifest(const std::string &manifestPath, const std::vector<std::string> &labels);

// readLabelledFolder for a folder, readLabelledManifest for a file. Throws sg::Error naming
// `path` when it does not exist.
LabelledSet readLabelledSet(const std::string &path, const std::vector<std::string> &labels);

} // namespace sg
