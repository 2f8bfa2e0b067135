#pragma once
// The XNN file (*.xnn): one trained XNN with everything needed to explain with it and to judge
// it: the model hash and layer it belongs to, D and L, for each class its index, label, input
// scaling, SRAE weights (the encoder and predictor; the decoder only on request), training report
// and prototypes (paths relative to the file, and PNG thumbnails). Layout: the 8 bytes
// "SGXNN01\n", a little-endian uint64 byte count, that many bytes of JSON (every field but the
// weights, plus the weights' byte count and FNV hash; thumbnails as base64), then the weights as
// little-endian float32 in the order the JSON lists them. Torch-free header.

#include "xnn/xnn_train.h"

#include <string>

namespace sg {

// Writes `model` to `path` atomically: a temporary file in the same folder, renamed over `path`
// only when complete, so a failed write never leaves a partial file (nor damages an older one).
// Any thread. Throws sg::Error naming `path` when it cannot be written.
void writeXnnFile(const XnnModel &model, const std::string &path);

// Reads an XNN file. With a non-empty `expectedModelHash`, a file trained for another model is
// refused. Any thread; the caller owns the result. Throws sg::Error naming `path` for: missing
// or unreadable file, not an XNN file, a corrupt or truncated one (bad JSON, missing fields,
// weights whose size or hash differ from the header, layer sizes that do not chain), and a
// model hash different from `expectedModelHash` (naming both hashes).
XnnModel readXnnFile(const std::string &path, const std::string &expectedModelHash = {});

// trainXnn, then writeXnnFile: a cancelled or failed training writes nothing (an older file at
// `path` is left as it was). Same thread and errors as those two.
XnnModel trainXnnToFile(const Embedding &embedding, const std::vector<std::string> &labels,
    const XnnTrainRequest &request, const std::string &path, const ProgressFn &progress,
    const CancelFlag &cancel, const XnnEpochFn &onEpoch = {});

} // namespace sg
