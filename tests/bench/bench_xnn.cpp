// XNN bench (tests/bench/run_xnn.sh): embedding throughput (images per second through the
// model's features and head, pooled as the layer says, no cache) and fine-tuning seconds per
// epoch of one class on the same images, for one demo model. Embedding repetitions and the
// training are timed separately; the figures are absolute (no ratio), medians of --repeats.
//
//   sightglass-bench-xnn --model M --data DIR|manifest.csv --layer L --class C [--epochs 5]
//                        [--hidden1 800] [--batch 50] [--repeats 3] [--threads 2]

#include "common/cancel.h"
#include "model/classifier.h"
#include "model/runtime.h"
#include "xnn/embedding.h"
#include "xnn/labelled_set.h"
#include "xnn/xnn_train.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

namespace {

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"XNN embedding throughput and training seconds per epoch"};
    std::string modelPath, data, layer = sg::kXnnLayer;
    int cls = 0, epochs = 5, hidden1 = 800, xFeatures = 5, batch = 50, repeats = 3, threads = 2,
        maxImages = 0;
    app.add_option("--model", modelPath)->required();
    app.add_option("--data", data)->required();
    app.add_option("--layer", layer);
    app.add_option("--class", cls);
    app.add_option("--epochs", epochs);
    app.add_option("--hidden1", hidden1);
    app.add_option("--x-features", xFeatures, "L");
    app.add_option("--batch", batch);
    app.add_option("--repeats", repeats);
    app.add_option("--threads", threads);
    app.add_option("--max-images", maxImages, "use only the first N images (0 = all)");
    CLI11_PARSE(app, argc, argv);
    try {
        sg::initRuntime(threads);
        const auto classifier = sg::Classifier::load(modelPath, "cpu");
        const sg::LabelledSet set = sg::readLabelledSet(data, classifier->spec().labels);
        std::vector<std::string> paths;
        for (const sg::LabelledImage &image : set.images)
            if (maxImages == 0 || int(paths.size()) < maxImages)
                paths.push_back(image.path);
        const sg::CancelFlag cancel{false};
        sg::EmbeddingRequest request;
        request.layer = layer;
        std::vector<double> rates;
        sg::Embedding embedding;
        for (int r = 0; r < repeats; ++r) {
            const auto start = std::chrono::steady_clock::now();
            embedding = sg::embedImages(*classifier, paths, request, {}, cancel);
            rates.push_back(double(paths.size()) / secondsSince(start));
        }
        sg::XnnTrainRequest train;
        train.classes = {cls};
        train.epochs = epochs;
        train.hidden1 = hidden1;
        train.xFeatures = xFeatures;
        train.batchSize = batch;
        train.maxRounds = 1;
        train.seed = 1;
        std::vector<double> perEpoch;
        for (int r = 0; r < repeats; ++r) {
            std::vector<std::chrono::steady_clock::time_point> ends;
            auto last = std::chrono::steady_clock::now();
            std::vector<double> epochSeconds;
            sg::trainXnn(
                embedding, classifier->spec().labels, train, {}, cancel, [&](const sg::XnnEpochReport &) {
                    epochSeconds.push_back(secondsSince(last));
                    last = std::chrono::steady_clock::now();
                });
            // The first epoch's interval includes pretraining: timed from the second epoch on.
            if (epochSeconds.size() > 1)
                epochSeconds.erase(epochSeconds.begin());
            perEpoch.push_back(median(epochSeconds));
        }
        const int trainImages = embedding.size() - int(std::lround(embedding.size() * train.holdOutFraction));
        std::printf("images %d, dimension %d, layer %s, threads %d\n", embedding.size(), embedding.dimension,
            layer.c_str(), threads);
        std::printf("embedding: %.0f images/s (median of %d)\n", median(rates), repeats);
        std::printf(
            "training: %.3f s per epoch (%d training images, batch %d, hidden %d/100, L %d; median of %d)\n",
            median(perEpoch), trainImages, batch, hidden1, xFeatures, repeats);
        std::printf("ROW|%s|%d|%d|%.0f|%.3f|%d|%d|%d\n", layer.c_str(), embedding.size(), embedding.dimension,
            median(rates), median(perEpoch), batch, hidden1, xFeatures);
    } catch (const std::exception &error) {
        std::cerr << "sightglass-bench-xnn: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
