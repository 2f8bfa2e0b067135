#pragma once
// The one content hash that identifies a loaded classifier everywhere in Sightglass: the GUI's
// result cache and model identity, and XNN files and embeddings. Torch-free header.

#include "model/classifier.h"

#include <string>

namespace sg {

// The FNV hash of the classifier's model file and sidecar (common/file_hash.h), then "@" and its
// device ("cpu", "cuda:0"): CPU and CUDA results of one model may differ. Reads both files; any
// thread. Throws sg::Error naming a file that cannot be read.
std::string modelContentHash(const Classifier &classifier);

} // namespace sg
