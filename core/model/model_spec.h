#pragma once
// What Sightglass knows about a classifier besides its weights: the sidecar `*.json` that sits
// next to a TorchScript `*.pt`. Format (see models/README.md):
//   { "name": "...", "description": "...",
//     "input": { "width": W, "height": H, "channels": 1|3,
//                "value_range": [lo, hi], "mean": [...], "std": [...] },
//     "labels": [...]  |  "labels_file": "path relative to the sidecar",
//     "split": { "features": "features", "head": "head" } }          (split optional)

#include <string>
#include <vector>

namespace sg {

// How an image becomes the model's input tensor: decoded to `channels` (RGB or gray), resized
// to width x height, pixel p in [0,1] mapped to lo + (hi - lo) * p, then (v - mean[c]) / std[c].
struct InputSpec {
    int width = 0;
    int height = 0;
    int channels = 0;
    float rangeLow = 0.0f;
    float rangeHigh = 1.0f;
    std::vector<float> mean;
    std::vector<float> std;
};

struct ModelSpec {
    std::string name;
    std::string description;
    std::string sidecarPath;
    InputSpec input;
    std::vector<std::string> labels;
    // Names of the TorchScript methods that split the network at an inner layer
    // (features(x) -> map, head(map) -> logits); both empty when the model has no split.
    std::string featuresMethod;
    std::string headMethod;

    bool hasSplit() const { return !featuresMethod.empty() && !headMethod.empty(); }
};

// The sidecar path for a model file: same directory and base name, extension `.json`.
std::string sidecarPathFor(const std::string &modelPath);

// Reads and validates a sidecar. Any thread. Throws sg::Error naming the sidecar (or the labels
// file) and the problem: missing file, invalid JSON, a missing or mistyped field, sizes out of
// range, mean/std not matching the channel count, std <= 0, an empty
// label list.
ModelSpec readModelSpec(const std::string &sidecarPath);

// Parses a sidecar from JSON text; `sidecarPath` names it in errors and anchors `labels_file`.
ModelSpec parseModelSpec(const std::string &jsonText, const std::string &sidecarPath);

} // namespace sg
