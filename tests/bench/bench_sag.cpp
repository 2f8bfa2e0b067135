// sightglass-bench-sag: seconds per image, model passes and overhead of the SAG search.
//
// Each row is one SAG request (the search's parameters, as `name=value` pairs joined by ':'),
// run on every image. On the timed images each repetition is the search, then the replay of
// exactly its passes (pass_replay.h), alternating, and each figure is the median of the
// repetitions; overhead = search time / replay time, below 0.95 marked INVALID. The other
// images run once, for passes and roots. A row's ":repeats=N" and ":timed=N" override
// --repeats and --timed-images for it (the uncached reference run is slow: timed=0 counts its
// passes without timing it). When a row without the memo follows the same request with it, a
// line below the table gives the memo's saving and checks the roots are identical.
//
// --target contrast explains, per image, the class whose probability gains most from the image
// over the black baseline (ratio of the two), not the top-1 class: a model with random weights
// keeps its top class on a black image, so the top-1 search ends at once ("the baseline alone
// keeps the class") and would time nothing.
//
//   sightglass-bench-sag --model M.pt --images A.png B.png ...
//                        --rows "mode=default,mode=reference,mode=reference:no_cache=true:timed=0"
//                        [--batch 20] [--repeats 3] [--timed-images N] [--target top|contrast]
//                        [--markdown OUT.md] [--title TEXT]

#include "image/image_io.h"
#include "image/mat_tensor.h"
#include "image/preprocess.h"
#include "model/classifier.h"
#include "model/runtime.h"
#include "pass_replay.h"
#include "sag/sag_request.h"
#include "sag/sag_search.h"

#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <fstream>
#include <iostream>
#include <sstream>

namespace {

using namespace sg;
using namespace sg::bench;

struct RowSpec {
    std::string label; // the request's assignments as given
    SagRequest request;
    int repeats = 0; // 0 = --repeats
    int timed = -1; // -1 = --timed-images
};

RowSpec parseRow(const std::string &text, const SagRequest &base)
{
    RowSpec row;
    row.request = base;
    std::vector<std::string> assignments;
    std::istringstream parts(text);
    for (std::string part; std::getline(parts, part, ':');) {
        const size_t equals = part.find('=');
        if (equals == std::string::npos)
            throw std::runtime_error("bad assignment \"" + part + "\" in " + text);
        const std::string name = part.substr(0, equals);
        const std::string value = part.substr(equals + 1);
        if (name == "repeats" || name == "timed") {
            (name == "repeats" ? row.repeats : row.timed) = std::stoi(value);
            continue;
        }
        assignments.push_back(part);
        row.label += (row.label.empty() ? "" : ":") + part;
    }
    row.request = sagRequestWithParams(base, parseParamAssignments("sag", sagParameterSchema(), assignments));
    if (row.repeats < 0 || row.timed < -1)
        throw std::runtime_error("repeats and timed must not be negative in " + text);
    return row;
}

struct Row {
    RowSpec spec;
    int repeats = 0;
    int images = 0;
    int timed = 0;
    double seconds = 0.0; // sums over timed images of the medians
    double replaySeconds = 0.0;
    double forwards = 0.0; // sums over all images
    double backwards = 0.0;
    double roots = 0.0;
    double drawn = 0.0;
    double steps = 0.0;
    double hits = 0.0;
    bool passesVaried = false;
    std::vector<std::vector<std::vector<int>>> rootCells; // per image
};

// The class whose softmax probability on the image over the one on the black baseline is largest.
int contrastTarget(const Classifier &classifier, const at::Tensor &input, const at::Tensor &black)
{
    torch::NoGradGuard noGrad;
    const at::Tensor onImage = torch::softmax(classifier.logits(input), 1)[0];
    const at::Tensor onBlack = torch::softmax(classifier.logits(black), 1)[0];
    return int((onImage / onBlack).argmax().item<int64_t>());
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"Benchmark the SAG search: seconds, passes, overhead", "sightglass-bench-sag"};
    std::string modelPath;
    std::vector<std::string> imagePaths;
    std::string rowList = "mode=default,mode=reference";
    std::string targetRule = "top";
    int batch = 20;
    int threads = 0;
    int repeats = 3;
    int timedImages = -1;
    std::string markdownPath;
    std::string title;
    app.add_option("--model", modelPath, "Model .pt")->required();
    app.add_option("--images", imagePaths, "Images")->required();
    app.add_option("--rows", rowList, "Comma-separated requests, each name=value[:name=value]...")
        ->capture_default_str();
    app.add_option("--target", targetRule, "top (the top-1 class) or contrast")
        ->check(CLI::IsMember({"top", "contrast"}))
        ->capture_default_str();
    app.add_option("--batch", batch, "Most images per model pass")->capture_default_str();
    app.add_option("--threads", threads, "Compute threads (0 = all)")->capture_default_str();
    app.add_option("--repeats", repeats, "Timed repetitions per timed image (search, replay)")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--timed-images", timedImages, "Time only the first N images (-1 = all)")
        ->capture_default_str();
    app.add_option("--markdown", markdownPath, "Append a markdown table to this file");
    app.add_option("--title", title, "Heading of the markdown table");
    CLI11_PARSE(app, argc, argv);

    try {
        initRuntime(threads);
        const auto classifier = Classifier::load(modelPath, "cpu");
        const InputSpec &spec = classifier->spec().input;
        SagRequest base;
        base.maxBatch = batch;
        std::vector<RowSpec> specs;
        std::istringstream rowTexts(rowList);
        for (std::string text; std::getline(rowTexts, text, ',');)
            specs.push_back(parseRow(text, base));

        const int imageCount = int(imagePaths.size());
        std::vector<cv::Mat> images;
        std::vector<at::Tensor> inputs; // normalised [1, C, H, W]
        std::vector<int> targets;
        for (const std::string &path : imagePaths) {
            images.push_back(readImage(path));
            const cv::Mat pixels = toModelPixels(images.back(), spec);
            inputs.push_back(toInputTensor({pixels}, spec));
            const at::Tensor black = toInputTensor({cv::Mat::zeros(pixels.size(), pixels.type())}, spec);
            targets.push_back(
                targetRule == "contrast" ? contrastTarget(*classifier, inputs.back(), black) : -1);
        }
        // Warm-up of both pass kinds (weights in cache, the JIT's first profiling runs).
        for (const int n : {1, batch}) {
            torch::NoGradGuard noGrad;
            classifier->logits(inputs[0].repeat({n, 1, 1, 1}));
            classifier->logits(inputs[0].repeat({n, 1, 1, 1}));
        }
        classifier->inputGradient(inputs[0].repeat({batch, 1, 1, 1}), std::vector<int64_t>(size_t(batch), 0));

        std::vector<Row> rows;
        for (const RowSpec &rowSpec : specs) {
            Row row;
            row.spec = rowSpec;
            row.repeats = rowSpec.repeats > 0 ? rowSpec.repeats : repeats;
            const int timedCount = std::min(imageCount,
                rowSpec.timed >= 0    ? rowSpec.timed
                    : timedImages < 0 ? imageCount
                                      : timedImages);
            for (int index = 0; index < imageCount; ++index) {
                SagRequest request = rowSpec.request;
                request.target = targets[size_t(index)];
                const CancelFlag cancel{false};
                SagResult result;
                if (index >= timedCount) {
                    result = searchSag(*classifier, images[size_t(index)], request, {}, cancel);
                } else {
                    std::vector<double> searched, replayed;
                    // An untimed capture run: its result is the row's, its passes and batches are
                    // what the replay redoes.
                    std::unique_ptr<Replay> replay;
                    {
                        PassLog capture(*classifier, /*keepInputs=*/true);
                        result = searchSag(*classifier, images[size_t(index)], request, {}, cancel);
                        replay = std::make_unique<Replay>(*classifier, result.target, std::move(capture));
                    }
                    const std::vector<PassRecord> &passes = replay->records();
                    for (int repeat = 0; repeat < row.repeats; ++repeat) {
                        {
                            PassLog log(*classifier);
                            const auto start = Clock::now();
                            searchSag(*classifier, images[size_t(index)], request, {}, cancel);
                            searched.push_back(secondsSince(start));
                            if (!samePasses(log.records, passes))
                                row.passesVaried = true;
                        }
                        replayed.push_back(replay->run());
                    }
                    row.seconds += median(searched);
                    row.replaySeconds += median(replayed);
                    ++row.timed;
                    std::cerr << rowSpec.label << " " << imagePaths[size_t(index)] << ": "
                              << fixed(median(searched), 3) << " s, replay " << fixed(median(replayed), 3)
                              << " s, " << result.statistics.forwardPasses << " passes\n";
                }
                const SagStatistics &statistics = result.statistics;
                row.forwards += double(statistics.forwardPasses);
                row.backwards += double(statistics.backwardPasses);
                row.roots += double(result.roots.size());
                row.drawn += double(result.shown.size());
                row.steps += double(statistics.beamSteps);
                row.hits += double(statistics.cacheHits);
                std::vector<std::vector<int>> cells;
                for (const SagRoot &root : result.roots)
                    cells.push_back(root.cells);
                row.rootCells.push_back(cells);
                ++row.images;
            }
            rows.push_back(row);
        }

        std::ostringstream table;
        table << "\n### " << (title.empty() ? classifier->spec().name : title) << "\n\n"
              << "SAG search, batch " << batch << " (default mode; reference mode scores one set per pass); "
              << "settings the request does not name at their defaults (grid 7x7, threshold 0.9, beam 3); "
                 "target "
              << (targetRule == "contrast" ? "the class gaining most over the black baseline"
                                           : "the top-1 class")
              << "; " << classifier->optimisedCopyNote() << ".\n\n"
              << "| request | images (timed × repetitions) | s/image | forward/image | backward/image | "
                 "replay s/image | overhead | roots/image | drawn/image | beam steps/image | memo hits/image "
                 "|\n"
              << "|---|---|---|---|---|---|---|---|---|---|---|\n";
        for (const Row &row : rows) {
            const double n = row.images;
            const double t = row.timed;
            std::string overhead = "-";
            if (row.timed) {
                const double ratio = row.seconds / row.replaySeconds;
                overhead = fixed(ratio, 3) + (ratio < kInvalidBelow ? " **INVALID**" : "");
            }
            if (row.passesVaried)
                overhead += " (passes varied)";
            table << "| `" << row.spec.label << "` | " << row.images << " (" << row.timed << " × "
                  << row.repeats << ") | " << (row.timed ? fixed(row.seconds / t, 3) : "-") << " | "
                  << fixed(row.forwards / n, 0) << " | " << fixed(row.backwards / n, 0) << " | "
                  << (row.timed ? fixed(row.replaySeconds / t, 3) : "-") << " | " << overhead << " | "
                  << fixed(row.roots / n, 1) << " | " << fixed(row.drawn / n, 1) << " | "
                  << fixed(row.steps / n, 1) << " | " << fixed(row.hits / n, 0) << " |\n";
        }
        // The memo's saving: each uncached row against the same request with the memo.
        for (const Row &uncached : rows) {
            if (!uncached.spec.request.noCache)
                continue;
            SagRequest withMemo = uncached.spec.request;
            withMemo.noCache = false;
            for (const Row &cached : rows)
                if (cached.spec.request == withMemo) {
                    const bool same = cached.rootCells == uncached.rootCells;
                    table << "\nMemo: `" << cached.spec.label << "` needs " << fixed(cached.forwards, 0)
                          << " forward passes over the " << cached.images << " images, `"
                          << uncached.spec.label << "` " << fixed(uncached.forwards, 0) << ": "
                          << fixed(uncached.forwards / cached.forwards, 1) << "× fewer with the memo; roots "
                          << (same ? "identical on every image" : "**DIFFERENT**") << ".\n";
                    break;
                }
        }
        printTable(table.str(), markdownPath);
    } catch (const std::exception &error) {
        std::cerr << "sightglass-bench-sag: error: " << error.what() << '\n';
        return 1;
    }
    return 0;
}
