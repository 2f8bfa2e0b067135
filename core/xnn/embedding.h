#pragma once
// The representation an XNN reads: for each image, the model's inner layer (the `features`
// split method) pooled over its spatial positions, and the model's pre-softmax scores for
// every class (research/xnn.md §2.1). Computed in batches and kept in a disk cache keyed by the
// model's and each image file's content hash, so training again on the same images makes no
// model pass. Torch-free header.

#include "common/cancel.h"
#include "common/progress.h"
#include "model/classifier.h"
#include "model/model_hash.h" // modelContentHash
#include "xnn/xnn_model.h" // kXnnLayer

#include <cstdint>
#include <string>
#include <vector>

namespace sg {

// The layer an embedding reads: the output of the model's `features` method [N, C, H, W],
// pooled over its spatial positions (a [N, D] output is kept as it is under every layer):
//   features:global-average   C values, the mean over H x W (the default)
//   features:global-max       C values, the maximum
//   features:average-GxG      C*G*G values: adaptive average pooling to a G x G grid, flattened
//   features:max-GxG          channel-major (adaptive max pooling)
// (kXnnLayer, in xnn_model.h, is the default.) A grid keeps where the evidence lies; a head that reads
// positions (fashion's max-pools to 7x7, then a perceptron) is only as predictable from the pooled layer as
// that layer keeps them.
struct XnnLayerSpec {
    bool max = false; // max (else average) pooling
    int grid = 1; // G: the G x G grid, 1 = global
};

// Parses a layer name above. Pure, any thread. Throws sg::Error listing the choices for any other
// text (and G outside 1..64).
XnnLayerSpec parseXnnLayer(const std::string &layer);

struct EmbeddingRequest {
    // Folder of the disk cache (created when missing); empty = no cache.
    std::string cacheFolder;
    int maxBatch = 32; // most images per model pass; halved on out-of-memory
    std::string layer = kXnnLayer; // how the features are pooled (above)
};

struct Embedding {
    std::string modelHash; // modelContentHash() of the classifier it came from
    std::string layer = kXnnLayer;
    int dimension = 0; // D
    int classCount = 0; // K
    std::vector<std::string> paths; // the images, in the caller's order
    std::vector<std::string> imageHashes; // fileContentHash of each image
    std::vector<float> features; // paths.size() x D, row-major
    std::vector<float> scores; // paths.size() x K, row-major: pre-softmax logits
    int cachedImages = 0; // rows read from the cache
    int computedImages = 0; // rows computed by model passes (and written to the cache)

    int size() const { return int(paths.size()); }
    const float *featureRow(int image) const { return features.data() + size_t(image) * dimension; }
    float score(int image, int cls) const { return scores[size_t(image) * classCount + cls]; }
    // The class the model scores highest on `image` (the first among equal scores).
    int topClass(int image) const
    {
        int top = 0;
        for (int c = 1; c < classCount; ++c)
            if (score(image, c) > score(image, top))
                top = c;
        return top;
    }
};

// Embeds `paths` with `classifier` (which must have a features/head split): each image is read
// (readImage), converted to the model's input and passed through features() (pooled as
// request.layer says) and head() under no-grad, in batches of request.maxBatch. With a cache folder, an image
// whose (model hash, layer, image hash) entry exists is read from disk instead; each computed row is written
// there atomically (temporary file, then rename), and an unreadable or malformed entry is recomputed.
// `progress` (may be empty) gets done/total images after each batch; `cancel` is checked before
// each batch (throws Cancelled; rows already cached stay valid). Runs on the calling thread,
// which does all model work. Throws sg::Error for an unknown layer or a grid larger than the
// model's map, a model without a split, an image that cannot
// be read or decoded (naming it), a non-finite output, a cache folder that cannot be created.
Embedding embedImages(const Classifier &classifier, const std::vector<std::string> &paths,
    const EmbeddingRequest &request, const ProgressFn &progress, const CancelFlag &cancel);

} // namespace sg
