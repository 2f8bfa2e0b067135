// sightglass-bench: seconds per image, model passes, overhead and the optimised copy's speed-up
// of each saliency method.
//
// Overhead = a method's wall time / the wall time of exactly its model passes done plainly. A
// pass observer records every call the method makes into the model (kind, batch size, autograd
// on or off) in an untimed capture run, with a copy of each batch; the bench then replays that
// sequence on those very batches, with the same autograd mode and so the same module path (the
// optimised copy for passes without autograd). A pass with autograd is replayed with its backward to the
// input (methods take the gradient of every such pass; the bench checks the count). Method and replay
// alternate (method, replay, replay, method, method, replay, ...) and each figure is the median
// of the repetitions, so both see the same machine state in both orders. A ratio below 0.95 cannot come from
// a like-for-like denominator: the row is marked INVALID.
//
// Optimised copy: each repetition also runs the method with the copy turned off
// (Classifier::setOptimisedInference(false)), interleaved with the runs above; speed-up = median
// time off / median time on, and the saliency maps of both are compared (largest difference).
// The deletion/insertion evaluation (standard settings, on the first method's maps) is timed
// the same way, on and off.
//
// Quality mode (--quality-json FILE --seeds 1,2,3): no timing; every method on every image with
// every seed, each map scored in both deletion/insertion variants (igos: the standard settings;
// rise: pixels, zero fill, trapezoid AUC) and, with --truth, by the pointing game; one JSON
// object per line (tests/bench/quality.py aggregates them).
//
//   sightglass-bench --model M.pt --images A.png B.png ... [--truth truth.json]
//                    --methods igos@28,igos@28:reference=1,gradcam,rise@7:masks=500,igospp:repeats=2
//                    [--batch 32] [--repeats 3] [--timed-images N] [--evaluate]
//                    [--markdown OUT.md] [--title TEXT]
// A method's ":repeats=N" overrides --repeats for its row (a slow row may get fewer);
// --min-seconds S repeats each timed image until the method's runs add up to S seconds (fast
// methods, whose single runs take milliseconds and whose medians over a few runs swing).

#include "image/image_io.h"
#include "image/mat_tensor.h"
#include "image/preprocess.h"
#include "metrics/deletion_insertion.h"
#include "metrics/pointing_game.h"
#include "model/classifier.h"
#include "model/runtime.h"
#include "pass_replay.h"
#include "saliency/method.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

namespace {

using namespace sg;
using namespace sg::bench;

constexpr int kMaxRepeats = 400; // --min-seconds stops here whatever the time

struct MethodRun {
    std::string spec; // as given (id[@resolution][:name=value]...), less any ":repeats=N"
    std::string id;
    int resolution = kDefaultResolution;
    ParamValues params;
    int repeats = 0; // from ":repeats=N" (the bench's, not a method parameter); 0 = --repeats
};

MethodRun parseSpec(const std::string &spec)
{
    MethodRun run{"", "", kDefaultResolution, {}, 0};
    std::istringstream parts(spec);
    std::string part;
    std::getline(parts, part, ':');
    run.spec = part;
    const size_t at = part.find('@');
    run.id = part.substr(0, at);
    if (at != std::string::npos)
        run.resolution = std::stoi(part.substr(at + 1));
    std::vector<std::string> assignments;
    while (std::getline(parts, part, ':')) {
        const size_t equals = part.find('=');
        if (equals == std::string::npos)
            throw std::runtime_error("bad parameter \"" + part + "\" in " + spec);
        const std::string name = part.substr(0, equals);
        if (name != "repeats") {
            assignments.push_back(part);
            run.spec += ":" + part;
        } else if (const double value = std::stod(part.substr(equals + 1)); value >= 1)
            run.repeats = int(value);
        else
            throw std::runtime_error("repeats must be at least 1 in " + spec);
    }
    // Read as the CLI reads --param: "fill=black" and the old "fill=1" alike.
    const SaliencyMethod &method = MethodRegistry::builtin().get(run.id);
    run.params = parseParamAssignments(run.id,
        method.parameters(run.resolution == kDefaultResolution ? method.defaultResolution() : run.resolution),
        assignments);
    return run;
}

struct Row {
    MethodRun run;
    int repeats = 0;
    int resolution = 0;
    int images = 0;
    int timed = 0;
    double seconds = 0.0; // sums over timed images of the medians
    double replaySeconds = 0.0;
    double offSeconds = 0.0;
    double forwards = 0.0; // sums over all images
    double backwards = 0.0;
    double mapDifference = 0.0; // largest |saliency on - saliency off|
    bool passesVaried = false; // a repetition made other passes than the first
    bool backwardMismatch = false;
    double deletionAuc = 0.0;
    double insertionAuc = 0.0;
    int hits = 0; // pointing game, the usual rule (first maximum)
    double plateau = 0.0; // sum of the maps' counts of pixels sharing the maximum
    double energy = 0.0; // sum of the maps' mass shares inside the boxes
    bool hasTruth = false;
};

struct EvaluationRow {
    int images = 0;
    double seconds = 0.0;
    double offSeconds = 0.0;
    double forwards = 0.0;
    double scoreDifference = 0.0; // largest |curve score on - off|
};

double curveDifference(const DeletionInsertionResult &a, const DeletionInsertionResult &b)
{
    double largest = 0.0;
    for (const auto &[x, y] : {std::pair{&a.deletion, &b.deletion}, std::pair{&a.insertion, &b.insertion}})
        for (size_t i = 0; i < std::min(x->score.size(), y->score.size()); ++i)
            largest = std::max(largest, std::abs(x->score[i] - y->score[i]));
    return largest;
}

} // namespace

int writeQuality(const Classifier &classifier, const std::vector<std::string> &imagePaths,
    const std::map<std::string, std::vector<PixelBox>> &truth, const std::vector<MethodRun> &runs,
    const std::vector<std::uint64_t> &seeds, int batch, const std::string &path)
{
    std::ofstream out(path);
    if (!out)
        throw std::runtime_error(path + ": cannot write");
    const DeletionInsertionOptions igos = standardDeletionInsertionOptions(classifier.spec().input, batch);
    DeletionInsertionOptions rise = igos;
    rise.variant = "rise";
    const CancelFlag cancel{false};
    for (const MethodRun &run : runs) {
        const SaliencyMethod &method = MethodRegistry::builtin().get(run.id);
        for (const std::string &imagePath : imagePaths) {
            const cv::Mat image = readImage(imagePath);
            const std::string file = std::filesystem::path(imagePath).filename().string();
            for (const std::uint64_t seed : seeds) {
                SaliencyRequest request;
                request.classifier = &classifier;
                request.image = image;
                request.resolution = run.resolution;
                request.params = run.params;
                request.seed = seed;
                request.maxBatch = batch;
                const Heatmap heatmap = method.run(request, {}, cancel);
                const auto byCells = evaluateDeletionInsertion(
                    classifier, image, heatmap.saliency, heatmap.target, igos, cancel);
                const auto byPixels = evaluateDeletionInsertion(
                    classifier, image, heatmap.saliency, heatmap.target, rise, cancel);
                nlohmann::json line = {{"method", run.spec}, {"image", file}, {"seed", seed},
                    {"forward", heatmap.forwardPasses}, {"del_igos", byCells.deletionAuc},
                    {"ins_igos", byCells.insertionAuc}, {"del_rise", byPixels.deletionAuc},
                    {"ins_rise", byPixels.insertionAuc}};
                const auto boxes = truth.find(file);
                if (boxes != truth.end()) {
                    const PointingResult pointing = pointingGame(heatmap.saliency, boxes->second);
                    line["pointing"] = pointing.hit ? 1.0 : 0.0;
                    line["energy"] = pointing.energy;
                }
                out << line.dump() << '\n' << std::flush;
                std::cerr << run.spec << ' ' << file << " seed " << seed << '\n';
            }
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    CLI::App app{
        "Benchmark saliency methods: seconds, passes, overhead, optimised-copy speed-up", "sightglass-bench"};
    std::string modelPath;
    std::vector<std::string> imagePaths;
    std::string truthPath;
    std::string methodList;
    // The product's default (SaliencyRequest, the CLI and the GUI), so that every row runs at
    // default settings: on ResNet-18 batches of 32 and of 20 differ in per-image time.
    int batch = SaliencyRequest{}.maxBatch;
    int threads = 0;
    int repeats = 3;
    double minSeconds = 0.0;
    int timedImages = -1;
    bool evaluate = false;
    std::string markdownPath;
    std::string title;
    app.add_option("--model", modelPath, "Model .pt")->required();
    app.add_option("--images", imagePaths, "Images")->required();
    app.add_option("--truth", truthPath, "truth.json with cue boxes, for the pointing game");
    app.add_option("--methods", methodList, "Comma-separated id[@res][:name=value]...")->required();
    app.add_option("--batch", batch, "Batch size of the methods")->capture_default_str();
    app.add_option("--threads", threads, "Compute threads (0 = all)")->capture_default_str();
    app.add_option("--repeats", repeats, "Timed repetitions per timed image (method, replay, copy off)")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--min-seconds", minSeconds,
           "Repeat each timed image until the method's runs add up to this (at least --repeats)")
        ->capture_default_str();
    app.add_option("--timed-images", timedImages,
           "Time only the first N images; the others run once, for passes and quality (-1 = all)")
        ->capture_default_str();
    app.add_flag("--evaluate", evaluate, "Also deletion/insertion AUC (the standard settings)");
    app.add_option("--markdown", markdownPath, "Append a markdown table to this file");
    app.add_option("--title", title, "Heading of the markdown table");
    std::string qualityPath;
    std::vector<std::uint64_t> seeds{1, 2, 3};
    app.add_option(
        "--quality-json", qualityPath, "Quality mode: write one JSON line per method, image and seed");
    app.add_option("--seeds", seeds, "Quality mode: seeds")->delimiter(',')->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    try {
        initRuntime(threads);
        const auto classifier = Classifier::load(modelPath, "cpu");
        const bool compare = classifier->hasOptimisedCopy();
        std::cerr << "optimised copy: " << classifier->optimisedCopyNote() << '\n';
        // The core reader names the file and the problem for a bad truth.json.
        const std::map<std::string, std::vector<PixelBox>> truth = truthPath.empty()
            ? std::map<std::string, std::vector<PixelBox>>{}
            : readGroundTruth(truthPath).boxes;
        std::vector<MethodRun> runs;
        std::istringstream specs(methodList);
        for (std::string spec; std::getline(specs, spec, ',');)
            runs.push_back(parseSpec(spec));
        if (!qualityPath.empty())
            return writeQuality(*classifier, imagePaths, truth, runs, seeds, batch, qualityPath);
        const int imageCount = int(imagePaths.size());
        const int timedCount = timedImages < 0 ? imageCount : std::min(timedImages, imageCount);

        const InputSpec &spec = classifier->spec().input;
        std::vector<cv::Mat> images;
        std::vector<at::Tensor> inputs; // normalised [1, C, H, W], what the methods see
        for (const std::string &path : imagePaths) {
            images.push_back(readImage(path));
            inputs.push_back(toInputTensor({toModelPixels(images.back(), spec)}, spec));
        }

        // Warm-up of both module paths (weights in cache, the JIT's first profiling runs).
        for (const bool optimised : {true, false}) {
            classifier->setOptimisedInference(optimised);
            const at::Tensor warm = inputs[0].repeat({batch, 1, 1, 1});
            for (int i = 0; i < 2; ++i) {
                torch::NoGradGuard noGrad;
                classifier->logits(warm);
            }
        }
        classifier->setOptimisedInference(true);
        for (int i = 0; i < 2; ++i)
            classifier->inputGradient(
                inputs[0].repeat({batch, 1, 1, 1}), std::vector<int64_t>(size_t(batch), 0));

        const auto metricOptions = standardDeletionInsertionOptions(spec, batch);
        std::vector<Row> rows;
        std::vector<Heatmap> firstMaps(
            static_cast<size_t>(timedCount)); // the first method's, for the evaluation timing
        for (const MethodRun &run : runs) {
            const SaliencyMethod &method = MethodRegistry::builtin().get(run.id);
            const int rowRepeats = run.repeats > 0 ? run.repeats : repeats;
            Row row{run};
            row.repeats = 0; // the most repetitions a timed image got
            for (int index = 0; index < imageCount; ++index) {
                const std::string &path = imagePaths[size_t(index)];
                SaliencyRequest request;
                request.classifier = classifier.get();
                request.image = images[size_t(index)];
                request.resolution = run.resolution;
                request.params = run.params;
                request.seed = 1;
                request.maxBatch = batch;
                const CancelFlag cancel{false};
                Heatmap heatmap;
                if (index >= timedCount) {
                    heatmap = method.run(request, {}, cancel);
                } else {
                    std::vector<double> on, replayed, off;
                    // An untimed capture run first: its map is the row's, its passes and batches
                    // are what the replay redoes (copying the batches would slow a timed run).
                    std::unique_ptr<Replay> replay;
                    {
                        PassLog capture(*classifier, /*keepInputs=*/true);
                        heatmap = method.run(request, {}, cancel);
                        replay = std::make_unique<Replay>(*classifier, heatmap.target, std::move(capture));
                    }
                    const std::vector<PassRecord> &passes = replay->records();
                    std::int64_t gradImages = 0;
                    for (const PassRecord &record : passes)
                        gradImages += record.grad ? record.images : 0;
                    row.backwardMismatch |= gradImages != heatmap.backwardPasses;
                    // Repetitions alternate the order of method and replay (method first on even
                    // ones, replay first on odd ones), so neither always runs on the caches and
                    // threads the other left; fast rows repeat until the method's runs add up to
                    // --min-seconds.
                    const auto runMethod = [&]() {
                        PassLog log(*classifier);
                        const auto start = Clock::now();
                        Heatmap current = method.run(request, {}, cancel);
                        on.push_back(secondsSince(start));
                        if (!samePasses(log.records, passes))
                            row.passesVaried = true;
                        return current;
                    };
                    double methodSeconds = 0.0;
                    int repeat = 0;
                    for (; repeat < kMaxRepeats && (repeat < rowRepeats || methodSeconds < minSeconds);
                         ++repeat) {
                        Heatmap current;
                        if (repeat % 2 == 1) {
                            replayed.push_back(replay->run());
                            current = runMethod();
                        } else {
                            current = runMethod();
                            replayed.push_back(replay->run());
                        }
                        methodSeconds += on.back();
                        if (compare) {
                            classifier->setOptimisedInference(false);
                            const auto start = Clock::now();
                            const Heatmap plain = method.run(request, {}, cancel);
                            off.push_back(secondsSince(start));
                            classifier->setOptimisedInference(true);
                            row.mapDifference = std::max(
                                row.mapDifference, cv::norm(plain.saliency, current.saliency, cv::NORM_INF));
                        }
                    }
                    row.repeats = std::max(row.repeats, repeat);
                    row.seconds += median(on);
                    row.replaySeconds += median(replayed);
                    if (compare)
                        row.offSeconds += median(off);
                    ++row.timed;
                    if (rows.empty())
                        firstMaps[size_t(index)] = heatmap;
                    std::cerr << run.spec << " " << path << ": " << fixed(median(on), 3) << " s, replay "
                              << fixed(median(replayed), 3) << " s"
                              << (compare ? ", copy off " + fixed(median(off), 3) + " s" : "") << "\n";
                }
                row.resolution = heatmap.resolution;
                row.forwards += double(heatmap.forwardPasses);
                row.backwards += double(heatmap.backwardPasses);
                ++row.images;
                if (evaluate) {
                    const auto metrics = evaluateDeletionInsertion(
                        *classifier, request.image, heatmap.saliency, heatmap.target, metricOptions, cancel);
                    row.deletionAuc += metrics.deletionAuc;
                    row.insertionAuc += metrics.insertionAuc;
                }
                const auto boxes = truth.find(std::filesystem::path(path).filename().string());
                if (boxes != truth.end()) {
                    row.hasTruth = true;
                    const PointingResult pointing = pointingGame(heatmap.saliency, boxes->second);
                    row.hits += pointing.hit;
                    row.plateau += pointing.peakCount;
                    row.energy += pointing.energy;
                }
            }
            rows.push_back(row);
        }

        // The deletion/insertion evaluation with the copy on and off, interleaved.
        EvaluationRow evaluation;
        if (compare && !runs.empty()) {
            for (int index = 0; index < timedCount; ++index) {
                const Heatmap &map = firstMaps[size_t(index)];
                const CancelFlag cancel{false};
                std::vector<double> on, off;
                for (int repeat = 0; repeat < repeats; ++repeat) {
                    auto start = Clock::now();
                    const auto withCopy = evaluateDeletionInsertion(
                        *classifier, images[size_t(index)], map.saliency, map.target, metricOptions, cancel);
                    on.push_back(secondsSince(start));
                    classifier->setOptimisedInference(false);
                    start = Clock::now();
                    const auto plain = evaluateDeletionInsertion(
                        *classifier, images[size_t(index)], map.saliency, map.target, metricOptions, cancel);
                    off.push_back(secondsSince(start));
                    classifier->setOptimisedInference(true);
                    evaluation.scoreDifference
                        = std::max(evaluation.scoreDifference, curveDifference(withCopy, plain));
                    if (repeat == 0)
                        evaluation.forwards += double(withCopy.forwardPasses);
                }
                evaluation.seconds += median(on);
                evaluation.offSeconds += median(off);
                ++evaluation.images;
                std::cerr << "deletion/insertion " << imagePaths[size_t(index)] << ": "
                          << fixed(median(on), 3) << " s, copy off " << fixed(median(off), 3) << " s\n";
            }
        }

        std::ostringstream table;
        table << "\n### " << (title.empty() ? classifier->spec().name : title) << "\n\n"
              << "Batch " << batch << "; " << timedCount << " of " << imageCount
              << " images timed, each the median of the repetitions the images column gives; "
              << classifier->optimisedCopyNote() << ".\n\n"
              << "| method | resolution | images (timed × repetitions) | s/image | forward/image | "
                 "backward/image | replay s/image"
                 " | overhead | copy off s/image | copy speed-up | max Δmap |"
              << (evaluate ? " deletion AUC | insertion AUC |" : "") << " pointing | plateau | energy |\n"
              << "|---|---|---|---|---|---|---|---|---|---|---|" << (evaluate ? "---|---|" : "")
              << "---|---|---|\n";
        for (const Row &row : rows) {
            const double n = row.images;
            const double t = row.timed;
            std::string overhead = "-";
            if (row.timed) {
                const double ratio = row.seconds / row.replaySeconds;
                overhead = fixed(ratio, 3) + (ratio < kInvalidBelow ? " **INVALID**" : "");
                if (ratio < kInvalidBelow)
                    std::cerr << row.run.spec << ": overhead " << fixed(ratio, 3) << " is INVALID\n";
            }
            if (row.passesVaried)
                overhead += " (passes varied)";
            if (row.backwardMismatch)
                overhead += " (backward count differs)";
            const bool offShown = compare && row.timed;
            table << "| `" << row.run.spec << "` | " << row.resolution << " | " << row.images << " ("
                  << row.timed << " × " << row.repeats << ") | "
                  << (row.timed ? fixed(row.seconds / t, 3) : "-") << " | " << fixed(row.forwards / n, 0)
                  << " | " << fixed(row.backwards / n, 0) << " | "
                  << (row.timed ? fixed(row.replaySeconds / t, 3) : "-") << " | " << overhead << " | "
                  << (offShown ? fixed(row.offSeconds / t, 3) : "-") << " | "
                  << (offShown ? fixed(row.offSeconds / row.seconds, 2) : "-") << " | "
                  << (offShown ? scientific(row.mapDifference) : "-") << " |";
            if (evaluate)
                table << ' ' << fixed(row.deletionAuc / n, 4) << " | " << fixed(row.insertionAuc / n, 4)
                      << " |";
            if (row.hasTruth)
                table << ' ' << row.hits << "/" << row.images << " | " << fixed(row.plateau / n, 1) << " | "
                      << fixed(row.energy / n, 3) << " |\n";
            else
                table << " - | - | - |\n";
        }
        if (evaluation.images) {
            const double n = evaluation.images;
            table << "\nDeletion/insertion evaluation (standard settings, the `" << runs.front().spec
                  << "` maps, " << evaluation.images << " images, median of " << repeats
                  << "): " << fixed(evaluation.seconds / n, 3) << " s/image with the copy, "
                  << fixed(evaluation.offSeconds / n, 3) << " without (" << fixed(evaluation.forwards / n, 0)
                  << " forward/image); speed-up " << fixed(evaluation.offSeconds / evaluation.seconds, 2)
                  << "; max Δscore " << scientific(evaluation.scoreDifference) << ".\n";
        }
        printTable(table.str(), markdownPath);
    } catch (const std::exception &error) {
        std::cerr << "sightglass-bench: error: " << error.what() << '\n';
        return 1;
    }
    return 0;
}
