#include "xnn/embedding.h"

#include "common/batching.h"
#include "common/error.h"
#include "common/file_hash.h"
#include "image/image_io.h"
#include "image/mat_tensor.h"
#include "image/preprocess.h"
#include "xnn/feature_pool.h"

#include <torch/torch.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace sg {

namespace fs = std::filesystem;

namespace {

// Cache entry: magic, then int32 D and K (little-endian, as the host: x86 and ARM both are),
// then D + K float32 values.
constexpr char kEntryMagic[8] = {'S', 'G', 'E', 'M', 'B', '0', '1', '\n'};

std::string entryPath(const std::string &folder, const std::string &modelHash, const std::string &layer,
    const std::string &imageHash)
{
    // The hash is hex plus "@device"; keep the file name plain.
    std::string model = modelHash;
    for (char &c : model)
        if (!std::isalnum(static_cast<unsigned char>(c)))
            c = '_';
    return (fs::path(folder) / (model + "-" + bytesHash(layer) + "-" + imageHash + ".emb")).string();
}

// Reads one entry into `features`/`scores`; false (the row is recomputed) for a missing entry,
// a malformed one, or one whose sizes differ from `dimension` (0 = any) and `classCount`.
bool readEntry(const std::string &path, int dimension, int classCount, std::vector<float> &features,
    std::vector<float> &scores)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    char magic[8];
    std::int32_t sizes[2];
    if (!in.read(magic, 8) || std::memcmp(magic, kEntryMagic, 8) != 0
        || !in.read(reinterpret_cast<char *>(sizes), 8))
        return false;
    if (sizes[0] <= 0 || sizes[0] > (1 << 24) || (dimension > 0 && sizes[0] != dimension)
        || sizes[1] != classCount)
        return false;
    features.resize(size_t(sizes[0]));
    scores.resize(size_t(sizes[1]));
    if (!in.read(reinterpret_cast<char *>(features.data()), std::streamsize(sizeof(float)) * sizes[0])
        || !in.read(reinterpret_cast<char *>(scores.data()), std::streamsize(sizeof(float)) * sizes[1]))
        return false;
    in.peek();
    return in.eof();
}

void writeEntry(
    const std::string &path, int dimension, int classCount, const float *features, const float *scores)
{
    const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        const std::int32_t sizes[2] = {dimension, classCount};
        out.write(kEntryMagic, 8);
        out.write(reinterpret_cast<const char *>(sizes), 8);
        out.write(reinterpret_cast<const char *>(features), std::streamsize(sizeof(float)) * dimension);
        out.write(reinterpret_cast<const char *>(scores), std::streamsize(sizeof(float)) * classCount);
        out.close();
        if (!out) {
            std::error_code ignored;
            fs::remove(temporary, ignored);
            throw Error(path, "cannot write the embedding cache entry");
        }
    }
    std::error_code error;
    fs::rename(temporary, path, error);
    if (error) {
        fs::remove(temporary, error);
        throw Error(path, "cannot write the embedding cache entry");
    }
}

} // namespace

Embedding embedImages(const Classifier &classifier, const std::vector<std::string> &paths,
    const EmbeddingRequest &request, const ProgressFn &progress, const CancelFlag &cancel)
{
    if (!classifier.hasSplit())
        throw Error(classifier.modelPath(),
            "has no features/head split (the sidecar's \"split\"), so an XNN cannot read its inner layer");
    if (request.maxBatch < 1)
        throw Error("", "xnn: max batch " + std::to_string(request.maxBatch) + " must be at least 1");
    parseXnnLayer(request.layer);
    Embedding embedding;
    embedding.layer = request.layer;
    embedding.modelHash = modelContentHash(classifier);
    embedding.classCount = classifier.classCount();
    embedding.paths = paths;
    const int count = int(paths.size());
    embedding.imageHashes.reserve(paths.size());
    for (const std::string &path : paths)
        embedding.imageHashes.push_back(fileContentHash({path}));

    const bool useCache = !request.cacheFolder.empty();
    if (useCache) {
        std::error_code error;
        fs::create_directories(request.cacheFolder, error);
        if (error || !fs::is_directory(request.cacheFolder))
            throw Error(request.cacheFolder, "cannot be created as the embedding cache folder");
    }

    // First the cache; D comes from any entry, so a fully cached set needs no pass.
    std::vector<int> missing;
    std::vector<std::string> entries(paths.size());
    std::vector<std::vector<float>> rowFeatures(paths.size()), rowScores(paths.size());
    int cachedDimension = 0;
    for (int i = 0; i < count; ++i) {
        if (useCache) {
            entries[i] = entryPath(
                request.cacheFolder, embedding.modelHash, request.layer, embedding.imageHashes[i]);
            if (readEntry(entries[i], cachedDimension, embedding.classCount, rowFeatures[i], rowScores[i])) {
                cachedDimension = int(rowFeatures[i].size());
                ++embedding.cachedImages;
                continue;
            }
            rowFeatures[i].clear();
        }
        missing.push_back(i);
    }

    int maxBatch = request.maxBatch;
    int done = embedding.cachedImages;
    if (progress)
        progress({done, count, nullptr});
    torch::NoGradGuard noGrad;
    forEachBatch(int(missing.size()), maxBatch, cancel, [&](int begin, int end) {
        std::vector<cv::Mat> pixels;
        for (int k = begin; k < end; ++k)
            pixels.push_back(toModelPixels(readImage(paths[missing[k]]), classifier.spec().input));
        const torch::Tensor input = toInputTensor(pixels, classifier.spec().input);
        const torch::Tensor map = classifier.features(input);
        const torch::Tensor logits = classifier.head(map).to(torch::kCPU, torch::kFloat32).contiguous();
        torch::Tensor pooled = xnn::poolFeatures(map, request.layer);
        pooled = pooled.to(torch::kCPU, torch::kFloat32).contiguous();
        if (!torch::isfinite(pooled).all().item<bool>())
            throw Error(paths[missing[begin]], "the model's features are not finite for this batch");
        const int dimension = int(pooled.size(1));
        if (cachedDimension > 0 && dimension != cachedDimension)
            throw Error(request.cacheFolder, "cache entries disagree with the model's feature size");
        for (int k = begin; k < end; ++k) {
            const int i = missing[k];
            const float *f = pooled.data_ptr<float>() + int64_t(k - begin) * dimension;
            const float *s = logits.data_ptr<float>() + int64_t(k - begin) * embedding.classCount;
            rowFeatures[i].assign(f, f + dimension);
            rowScores[i].assign(s, s + embedding.classCount);
            ++embedding.computedImages;
            if (useCache)
                writeEntry(entries[i], dimension, embedding.classCount, f, s);
        }
        done += end - begin;
        if (progress)
            progress({done, count, nullptr});
    });

    embedding.dimension = count > 0 ? int(rowFeatures[0].size()) : cachedDimension;
    embedding.features.reserve(size_t(count) * embedding.dimension);
    embedding.scores.reserve(size_t(count) * embedding.classCount);
    for (int i = 0; i < count; ++i) {
        if (int(rowFeatures[i].size()) != embedding.dimension)
            throw Error(paths[i],
                "embedding has " + std::to_string(rowFeatures[i].size()) + " values, expected "
                    + std::to_string(embedding.dimension));
        embedding.features.insert(embedding.features.end(), rowFeatures[i].begin(), rowFeatures[i].end());
        embedding.scores.insert(embedding.scores.end(), rowScores[i].begin(), rowScores[i].end());
    }
    return embedding;
}

} // namespace sg
