// sightglass-cli batch --model M --images DIR|manifest.csv [--methods igos,gradcam]
//                      [--resolutions 7,28] [--sag] [--xnn X.xnn [--xnn-map igos|gradient-input]]
//                      [--evaluate] [--target T] [--truth truth.json] [--seed S] --out DIR
//                      [--shard K/N] [--resume]
// sightglass-cli batch merge [--out FILE] [--force] SUMMARY.csv|DIR...
//
// One folder per image (DIR/<image file name>/), one subfolder per analysis holding what
// `explain`, `sag` or `xnn explain` writes for it, each written all-or-nothing, then
// batch-row.json, the analysis's summary row: its presence marks the analysis done, so a
// resumed run (--resume) skips it. DIR/summary.csv (summary-K-of-N.csv for a shard) holds the
// rows of every finished analysis and is replaced atomically after each image; its description
// (.json beside it) records the settings, the image list and whether the run finished.

#include "cli_commands.h"
#include "cli_output.h"
#include "cli_progress.h"
#include "cli_target.h"
#include "cli_writers.h"

#include "common/error.h"
#include "image/image_io.h"
#include "jobs/batch_plan.h"
#include "jobs/explanation.h"
#include "metrics/pointing_game.h"
#include "model/classifier.h"
#include "model/model_hash.h"
#include "sag/sag_search.h"
#include "saliency/method.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <unistd.h>

namespace sg::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char *kRowFile = "batch-row.json";

struct BatchOptions {
    std::string model;
    std::string images;
    std::vector<std::string> methods;
    std::vector<int> resolutions;
    bool sag = false;
    std::string xnn;
    std::string xnnMap = "igos";
    bool evaluate = false;
    std::string target = "top1";
    std::string truth;
    std::uint64_t seed = 0;
    int maxBatch = 32;
    std::string colormap = "jet";
    double opacity = 0.5;
    std::string out;
    std::string shard = "1/1";
    bool resume = false;
};

struct MergeOptions {
    std::vector<std::string> inputs;
    std::string out;
    bool force = false;
};

// One analysis of every image: a method at a resolution, the SAG, or the XNN.
struct Analysis {
    enum class Kind { Explain, Sag, Xnn };
    Kind kind = Kind::Explain;
    std::string method; // method id, "sag" or "xnn"
    int resolution = kDefaultResolution;
    std::string folder; // "igos-7", "gradcam", "sag", "xnn"
};

// One analysis of one image, and its row once done.
struct Task {
    std::size_t image = 0; // index into the run's images
    const Analysis *analysis = nullptr;
    fs::path folder;
    std::optional<BatchRow> row;
};

std::string joined(const std::vector<int> &values)
{
    std::string text;
    for (int value : values)
        text += (text.empty() ? "" : ", ") + std::to_string(value);
    return text;
}

std::vector<Analysis> plannedAnalyses(const BatchOptions &options)
{
    std::vector<Analysis> analyses;
    for (const std::string &id : options.methods) {
        const SaliencyMethod &method = MethodRegistry::builtin().get(id);
        if (std::count(options.methods.begin(), options.methods.end(), id) > 1)
            throw Error("", "--methods names " + id + " twice");
        const std::vector<int> offered = method.resolutions();
        if (offered.empty()) {
            // Its resolution is the model's (Grad-CAM's feature map): one analysis.
            analyses.push_back({Analysis::Kind::Explain, id, kDefaultResolution, id});
            continue;
        }
        std::vector<int> chosen = options.resolutions;
        if (chosen.empty())
            chosen = {method.defaultResolution()};
        for (int resolution : chosen) {
            if (std::find(offered.begin(), offered.end(), resolution) == offered.end())
                throw Error("",
                    "--resolutions: " + id + " offers " + joined(offered) + ", not "
                        + std::to_string(resolution));
            if (std::count(chosen.begin(), chosen.end(), resolution) > 1)
                throw Error("", "--resolutions names " + std::to_string(resolution) + " twice");
            analyses.push_back(
                {Analysis::Kind::Explain, id, resolution, id + "-" + std::to_string(resolution)});
        }
    }
    if (options.sag)
        analyses.push_back({Analysis::Kind::Sag, "sag", kDefaultResolution, "sag"});
    if (!options.xnn.empty())
        analyses.push_back({Analysis::Kind::Xnn, "xnn", kDefaultResolution, "xnn"});
    if (analyses.empty())
        throw Error("", "batch: nothing to do; give --methods, --sag or --xnn");
    return analyses;
}

// The truth.json beside the images (or --truth), if any.
std::optional<GroundTruth> groundTruth(const BatchOptions &options)
{
    std::string path = options.truth;
    if (path.empty()) {
        const fs::path source(options.images);
        const fs::path beside = (fs::is_directory(source) ? source : source.parent_path()) / "truth.json";
        if (!fs::exists(beside))
            return std::nullopt;
        path = beside.string();
    }
    return readGroundTruth(path);
}

std::optional<BatchRow> readRow(const fs::path &folder)
{
    const fs::path path = folder / kRowFile;
    std::error_code ec;
    if (!fs::exists(path, ec))
        return std::nullopt;
    try {
        std::ifstream in(path);
        return batchRowFromJson(json::parse(in));
    } catch (const std::exception &) {
        return std::nullopt; // unreadable: the analysis is done again
    }
}

// The first key whose value differs between two settings objects.
std::string firstDifference(const json &a, const json &b)
{
    for (const auto &[key, value] : a.items())
        if (!b.contains(key) || b.at(key) != value)
            return key;
    for (const auto &[key, value] : b.items())
        if (!a.contains(key))
            return key;
    return "";
}

void setOutcome(BatchRow &row, int resolution, int target, const std::string &label, double probability,
    std::int64_t forwardPasses, std::int64_t backwardPasses)
{
    row.resolution = resolution;
    row.target = target;
    row.label = label;
    row.probability = probability;
    row.forwardPasses = forwardPasses;
    row.backwardPasses = backwardPasses;
}

class BatchRun {
public:
    BatchRun(const BatchOptions &options, const GlobalOptions &global) :
        options_(options), global_(global) { }

    int run()
    {
        if (options_.model.empty() || options_.images.empty() || options_.out.empty())
            throw Error(
                "", "batch: --model, --images and --out are required (or `batch merge` to join shards)");
        cancelOnTerminate();
        shard_ = parseShard(options_.shard);
        analyses_ = plannedAnalyses(options_);
        images_ = listBatchImages(options_.images);
        truth_ = groundTruth(options_);
        colormap_ = colormapFromName(options_.colormap);

        classifier_ = Classifier::load(options_.model, global_.device);
        target_ = parseTarget(options_.target, *classifier_);
        if (options_.sag) {
            sagRequest_.target = target_;
            sagRequest_.seed = options_.seed;
            sagRequest_.maxBatch = options_.maxBatch;
            validateSagRequest(sagRequest_, classifier_->spec().input, classifier_->classCount());
        }
        if (!options_.xnn.empty()) {
            xnn_ = readXnnForModel(*classifier_, options_.xnn);
            xnnSettings_.modelPath = options_.model;
            xnnSettings_.xnnPath = options_.xnn;
            xnnSettings_.cls = options_.target == "top1" ? "" : options_.target;
            xnnSettings_.mapRequest
                = xnnMapRequest(options_.xnnMap, kDefaultResolution, {}, options_.seed, options_.maxBatch);
            xnnSettings_.opacity = options_.opacity;
            xnnSettings_.colormap = colormap_;
        }

        openDescription();
        planTasks();
        return work();
    }

private:
    json settings() const
    {
        json analyses = json::array();
        for (const Analysis &analysis : analyses_)
            analyses.push_back(analysis.folder);
        return {{"model", options_.model}, {"model_hash", modelContentHash(*classifier_)},
            {"analyses", analyses}, {"target", options_.target}, {"seed", options_.seed},
            {"evaluate", options_.evaluate}, {"xnn", options_.xnn}, {"xnn_map", options_.xnnMap},
            {"truth", truth_.has_value()}, {"colormap", options_.colormap}, {"opacity", options_.opacity}};
    }

    // Checks a resumed run against the one that began, and records that this one has begun.
    void openDescription()
    {
        std::error_code ec;
        fs::create_directories(options_.out, ec);
        if (!fs::is_directory(options_.out, ec))
            throw Error(options_.out, "cannot create the output folder (" + ec.message() + ")");
        descriptionPath_ = (fs::path(options_.out) / batchDescriptionName(shard_)).string();
        summaryPath_ = (fs::path(options_.out) / batchSummaryName(shard_)).string();
        std::vector<std::string> names;
        for (const BatchImage &image : images_)
            names.push_back(image.name);
        description_ = {{"format", "sightglass-batch 1"},
            {"shard", {{"index", shard_.index}, {"count", shard_.count}}}, {"settings", settings()},
            {"images", names}, {"complete", false}, {"runs", json::array()}};
        if (fs::exists(descriptionPath_, ec)) {
            if (!options_.resume)
                throw Error(descriptionPath_,
                    "already describes a batch run in this folder; pass --resume to continue it, or choose "
                    "another --out");
            json before;
            try {
                std::ifstream in(descriptionPath_);
                before = json::parse(in);
                before.at("settings");
                before.at("images");
            } catch (const std::exception &error) {
                throw Error(
                    descriptionPath_, std::string("is not a batch description (") + error.what() + ")");
            }
            if (before.at("settings") != description_.at("settings"))
                throw Error(descriptionPath_,
                    "was written by a run with other settings ("
                        + firstDifference(before.at("settings"), description_.at("settings"))
                        + " differs); --resume continues the same run only");
            if (before.at("images") != description_.at("images"))
                throw Error(descriptionPath_, "lists other images than " + options_.images + " now holds");
            if (before.contains("runs"))
                description_["runs"] = before.at("runs");
        }
        replaceFile(descriptionPath_, description_.dump(2) + "\n");
    }

    void planTasks()
    {
        for (std::size_t p = 0; p < images_.size(); ++p) {
            if (!inShard(p, shard_))
                continue;
            for (const Analysis &analysis : analyses_) {
                Task task;
                task.image = p;
                task.analysis = &analysis;
                task.folder = fs::path(options_.out) / images_[p].folder / analysis.folder;
                if (options_.resume)
                    task.row = readRow(task.folder);
                tasks_.push_back(std::move(task));
            }
        }
    }

    int done() const
    {
        return int(
            std::count_if(tasks_.begin(), tasks_.end(), [](const Task &t) { return t.row.has_value(); }));
    }

    void writeSummary() const
    {
        std::string text = batchCsvHeader();
        for (const Task &task : tasks_)
            if (task.row)
                text += batchCsvLine(*task.row);
        replaceFile(summaryPath_, text);
    }

    void recordRun(bool complete, bool cancelled)
    {
        description_["complete"] = complete;
        description_["runs"].push_back({{"computed", computed_}, {"skipped", skipped_}, {"errors", errors_},
            {"forward_passes", forwardPasses_}, {"backward_passes", backwardPasses_},
            {"cancelled", cancelled}});
        replaceFile(descriptionPath_, description_.dump(2) + "\n");
    }

    int work()
    {
        const int total = int(tasks_.size());
        skipped_ = done();
        const bool terminal = isatty(STDOUT_FILENO);
        ProgressBar bar(std::cout);
        bar.start("batch", skipped_);
        if (skipped_ > 0)
            std::cout << "batch: resuming; " << skipped_ << " of " << total << " results were done before\n"
                      << std::flush;
        const auto began = std::chrono::steady_clock::now();
        auto lastWrite = began;
        bool computedSinceWrite = false;
        try {
            std::size_t t = 0;
            while (t < tasks_.size()) {
                const std::size_t image = tasks_[t].image;
                std::optional<cv::Mat> decoded;
                std::string imageError;
                for (; t < tasks_.size() && tasks_[t].image == image; ++t) {
                    Task &task = tasks_[t];
                    if (task.row)
                        continue;
                    if (!decoded && imageError.empty()) {
                        try {
                            decoded = readImage(images_[image].path);
                        } catch (const Error &error) {
                            imageError = error.what();
                        }
                    }
                    task.row = analyse(task, decoded, imageError);
                    ++computed_;
                    report(task, skipped_ + computed_, total, bar, terminal);
                    computedSinceWrite = true;
                }
                // The rows are safe in their folders; the summary, rewritten whole, follows
                // every few seconds (not after every image: a large run would rewrite it
                // quadratically often).
                if (computedSinceWrite
                    && std::chrono::steady_clock::now() - lastWrite > std::chrono::seconds(2)) {
                    writeSummary();
                    lastWrite = std::chrono::steady_clock::now();
                    computedSinceWrite = false;
                }
            }
        } catch (const Cancelled &) {
            if (terminal)
                bar.finish();
            writeSummary();
            recordRun(false, true);
            std::cerr << "sightglass-cli: batch cancelled; " << skipped_ + computed_ << " of " << total
                      << " results are kept (no partial files); run it again with --resume to go on\n";
            return 130;
        }
        if (terminal && total > 0)
            bar.finish();
        writeSummary();
        recordRun(true, false);
        const double seconds
            = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
        std::cout << "batch: " << total << " results (" << computed_ << " computed, " << skipped_
                  << " done before; " << errors_ << (errors_ == 1 ? " error" : " errors") << "), "
                  << forwardPasses_ << " forward / " << backwardPasses_ << " backward passes this run, "
                  << seconds << " s -> " << summaryPath_ << '\n';
        if (errors_ > 0)
            std::cerr << "sightglass-cli: batch: " << errors_
                      << " analyses failed; their messages are in the error column of " << summaryPath_
                      << '\n';
        return 0;
    }

    void report(const Task &task, int done, int total, ProgressBar &bar, bool terminal) const
    {
        if (terminal) {
            bar.draw(done, total, done == total);
            return;
        }
        const BatchRow &row = *task.row;
        std::ostringstream line;
        line << "batch [" << done << '/' << total << "] " << row.image << ' ' << task.analysis->folder
             << ": ";
        if (row.error.empty())
            line << "done in " << std::fixed << std::setprecision(2) << row.seconds << " s";
        else
            line << "error: " << row.error;
        const double left = bar.secondsLeft(done, total);
        if (left >= 0.0 && done < total)
            line << ", ETA " << minutesSeconds(left);
        std::cout << line.str() << '\n' << std::flush;
    }

    // Computes one analysis and writes its folder and its row; an error (not a cancel) becomes
    // the row's message.
    BatchRow analyse(const Task &task, const std::optional<cv::Mat> &image, const std::string &imageError)
    {
        const BatchImage &source = images_[task.image];
        const Analysis &analysis = *task.analysis;
        BatchRow row;
        row.image = source.name;
        row.method = analysis.method;
        row.resolution = analysis.resolution == kDefaultResolution ? 0 : analysis.resolution;
        const auto start = std::chrono::steady_clock::now();
        try {
            if (!image)
                throw Error("", imageError);
            switch (analysis.kind) {
            case Analysis::Kind::Explain: explain(task, *image, row); break;
            case Analysis::Kind::Sag: searchGraph(task, *image, row); break;
            case Analysis::Kind::Xnn: explainXnn(task, *image, row); break;
            }
        } catch (const Cancelled &) {
            throw;
        } catch (const std::exception &error) {
            row.error = error.what();
            ++errors_;
        }
        row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        forwardPasses_ += row.forwardPasses;
        backwardPasses_ += row.backwardPasses;
        std::error_code ec;
        fs::create_directories(task.folder, ec);
        // Written last: once it is there, the analysis is done.
        replaceFile((task.folder / kRowFile).string(), batchRowJson(row).dump(2) + "\n");
        return row;
    }

    void explain(const Task &task, const cv::Mat &image, BatchRow &row)
    {
        const BatchImage &source = images_[task.image];
        ExplanationRequest request;
        request.method = task.analysis->method;
        request.resolution = task.analysis->resolution;
        request.target = target_;
        request.seed = options_.seed;
        request.maxBatch = options_.maxBatch;
        request.evaluate = options_.evaluate;
        ResultFiles files(task.folder.string(), explanationFileNames(), true);
        const Explanation explanation = computeExplanation(*classifier_, image, request, {}, interruptFlag());
        writeExplanationFiles(files, explanation, image,
            {options_.model, source.path, classifier_->deviceName(), options_.seed}, options_.opacity,
            colormap_);
        const Heatmap &heatmap = explanation.heatmap;
        setOutcome(row, heatmap.resolution, heatmap.target, heatmap.label, heatmap.probability,
            heatmap.forwardPasses, heatmap.backwardPasses);
        if (explanation.metrics) {
            row.deletionAuc = explanation.metrics->deletionAuc;
            row.insertionAuc = explanation.metrics->insertionAuc;
            row.forwardPasses += explanation.metrics->forwardPasses;
        }
        if (truth_) {
            const auto boxes = truth_->boxes.find(source.folder);
            if (boxes != truth_->boxes.end()) {
                const cv::Size frame = truth_->frame.area() > 0 ? truth_->frame : heatmap.saliency.size();
                row.pointingHit = pointingGame(heatmap.saliency, boxes->second, 0.0, frame).hit;
            }
        }
    }

    void searchGraph(const Task &task, const cv::Mat &image, BatchRow &row)
    {
        const BatchImage &source = images_[task.image];
        ResultFiles files(task.folder.string(), sagFileNames(), true);
        const SagResult result = searchSag(*classifier_, image, sagRequest_, {}, interruptFlag());
        writeSagFiles(files, result, image, classifier_->spec().input,
            {{"model", options_.model}, {"image", source.path}, {"device", classifier_->deviceName()}});
        setOutcome(row, result.gridRows, result.target, result.label, result.probability,
            result.statistics.forwardPasses, result.statistics.backwardPasses);
    }

    void explainXnn(const Task &task, const cv::Mat &image, BatchRow &row)
    {
        XnnExplainSettings settings = xnnSettings_;
        settings.imagePath = images_[task.image].path;
        const XnnExplainSummary summary = explainXnnToFolder(
            *classifier_, xnn_, image, settings, task.folder.string(), true, {}, interruptFlag());
        setOutcome(row, summary.resolution, summary.classIndex, summary.label, summary.probability,
            summary.forwardPasses, summary.backwardPasses);
    }

    const BatchOptions &options_;
    const GlobalOptions &global_;
    Shard shard_;
    std::vector<Analysis> analyses_;
    std::vector<BatchImage> images_;
    std::optional<GroundTruth> truth_;
    Colormap colormap_ = Colormap::Jet;
    std::shared_ptr<Classifier> classifier_;
    int target_ = -1;
    SagRequest sagRequest_;
    XnnModel xnn_;
    XnnExplainSettings xnnSettings_;
    std::string descriptionPath_;
    std::string summaryPath_;
    json description_;
    std::vector<Task> tasks_;
    int skipped_ = 0;
    int computed_ = 0;
    int errors_ = 0;
    std::int64_t forwardPasses_ = 0;
    std::int64_t backwardPasses_ = 0;
};

// Each input: a summary CSV, or a folder whose summary-K-of-N.csv files are taken.
std::vector<std::string> summaryFiles(const std::vector<std::string> &inputs)
{
    std::vector<std::string> files;
    for (const std::string &input : inputs) {
        std::error_code ec;
        if (!fs::is_directory(input, ec)) {
            files.push_back(input);
            continue;
        }
        std::vector<std::string> found;
        for (const auto &entry : fs::directory_iterator(input, ec)) {
            const std::string name = entry.path().filename().string();
            if (name.rfind("summary-", 0) == 0 && name.find("-of-") != std::string::npos
                && entry.path().extension() == ".csv")
                found.push_back(entry.path().string());
        }
        if (found.empty())
            throw Error(input, "holds no shard summaries (summary-K-of-N.csv)");
        std::sort(found.begin(), found.end());
        files.insert(files.end(), found.begin(), found.end());
    }
    return files;
}

int runMerge(const MergeOptions &options)
{
    if (options.inputs.empty())
        throw Error("", "batch merge: give the shards' summary CSVs or the folder holding them");
    std::string out = options.out;
    if (out.empty()) {
        if (options.inputs.size() != 1 || !fs::is_directory(options.inputs.front()))
            throw Error("", "batch merge: give --out FILE (only a single folder implies FOLDER/summary.csv)");
        out = (fs::path(options.inputs.front()) / "summary.csv").string();
    }
    const std::vector<std::string> files = summaryFiles(options.inputs);
    const std::string merged = mergeBatchSummaries(files);
    if (fs::exists(out) && !options.force)
        throw Error(out, "already exists; pass --force to overwrite it");
    replaceFile(out, merged);
    const auto rows = std::count(merged.begin(), merged.end(), '\n') - 1;
    std::cout << "batch merge: " << files.size() << " shards, " << rows << " rows -> " << out << '\n';
    return 0;
}

} // namespace

Command addBatchCommand(CLI::App &app, const GlobalOptions &global)
{
    auto options = std::make_shared<BatchOptions>();
    CLI::App *command = app.add_subcommand("batch",
        "Explain every image of a folder or manifest, resumably and in shards (`batch merge` joins shards)");
    // Not ->required(): `batch merge` takes none of them; run() names what is missing.
    command->add_option("--model,-m", options->model, "TorchScript model (.pt with .json sidecar)");
    command->add_option(
        "--images,-i", options->images, "Folder of images, or a CSV manifest (one path a row)");
    command->add_option("--methods", options->methods, "Saliency method ids, comma-separated (see `methods`)")
        ->delimiter(',');
    command
        ->add_option("--resolutions,-r", options->resolutions,
            "Resolutions, comma-separated, for the methods that offer a choice (default: each method's)")
        ->delimiter(',');
    command->add_flag("--sag", options->sag, "Also search each image's Structured Attention Graph (7x7)");
    command->add_option("--xnn,-x", options->xnn, "Also explain each image with this XNN");
    command->add_option("--xnn-map", options->xnnMap, "XNN concept maps: igos, or gradient-input (fast)")
        ->capture_default_str();
    command->add_flag("--evaluate", options->evaluate, "Also score each map: deletion and insertion AUC");
    command->add_option("--target,-t", options->target, "top1, a class index or a label")
        ->capture_default_str();
    command->add_option("--truth", options->truth,
        "Ground-truth boxes for the pointing game (default: truth.json beside the images, if any)");
    command->add_option("--seed", options->seed, "Seed for every random draw")->capture_default_str();
    command->add_option("--max-batch", options->maxBatch, "Most images per model pass")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--colormap", options->colormap, "Overlay colours: jet, viridis, inferno, gray")
        ->capture_default_str();
    command->add_option("--opacity", options->opacity, "Overlay opacity")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    command->add_option("--out,-o", options->out, "Output folder (one folder per image, summary.csv)");
    command
        ->add_option(
            "--shard", options->shard, "Take shard K of N (1 <= K <= N; round robin over the images)")
        ->capture_default_str();
    command->add_flag("--resume", options->resume, "Continue the run in --out, skipping finished results");

    auto merge = std::make_shared<MergeOptions>();
    CLI::App *mergeCommand = command->add_subcommand("merge", "Join the summaries of every shard of a run");
    mergeCommand->add_option("inputs", merge->inputs, "Shard summary CSVs, or the folder holding them")
        ->required();
    mergeCommand->add_option("--out,-o", merge->out, "Merged CSV (default: FOLDER/summary.csv)");
    mergeCommand->add_flag("--force", merge->force, "Overwrite an existing --out");

    return {command, [options, merge, mergeCommand, &global] {
                if (mergeCommand->parsed())
                    return runMerge(*merge);
                return BatchRun(*options, global).run();
            }};
}

} // namespace sg::cli
