// sightglass-cli sag --model M --image I [--grid 7|RxC] [--threshold 0.9] [--beam 3]
//                    [--mode default|reference] [--no-cache] [--target T] ... --out DIR

#include "cli_commands.h"
#include "cli_output.h"
#include "cli_target.h"
#include "cli_writers.h"

#include "common/error.h"
#include "image/image_io.h"
#include "image/preprocess.h"
#include "model/classifier.h"
#include "sag/sag_export.h"
#include "sag/sag_layout.h"
#include "sag/sag_search.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <unistd.h>

namespace sg::cli {

namespace {

struct SagOptions {
    std::string model;
    std::string image;
    std::string grid = "7";
    double threshold = 0.9;
    int beam = 3;
    int successors = 15;
    int maxRoots = 10;
    std::string mode = "default";
    std::string baseline = "black";
    std::string upsampling = "bilinear";
    int maxShared = 1;
    int rootsShown = 3;
    double expandThreshold = 0.4;
    int nodeLimit = 64;
    bool noCache = false;
    std::string target = "top1";
    std::uint64_t seed = 0;
    int maxBatch = 32;
    std::string out;
    bool force = false;
};

// "7" (7 x 7) or "ROWSxCOLS" ("7x5"); the range is checked by the search's validation.
void parseGrid(const std::string &text, SagRequest &request)
{
    const auto number = [&](const std::string &part) {
        if (part.empty() || part.size() > 6 || part.find_first_not_of("0123456789") != std::string::npos)
            throw Error("", "--grid \"" + text + "\" must be a number of cells (7) or ROWSxCOLS (7x5)");
        return std::stoi(part);
    };
    const size_t x = text.find('x');
    if (x == std::string::npos) {
        request.gridRows = request.gridCols = number(text);
    } else {
        request.gridRows = number(text.substr(0, x));
        request.gridCols = number(text.substr(x + 1));
    }
}

int runSag(const SagOptions &options, const GlobalOptions &global)
{
    SagRequest request;
    parseGrid(options.grid, request);
    request.threshold = options.threshold;
    request.beamWidth = options.beam;
    request.successors = options.successors;
    request.maxRoots = options.maxRoots;
    request.mode = sagModeFromName(options.mode, "--mode");
    request.baseline = sagBaselineFromName(options.baseline, "--baseline");
    request.upsampling = sagUpsamplingFromName(options.upsampling, "--upsampling");
    request.maxSharedCells = options.maxShared;
    request.rootsShown = options.rootsShown;
    request.expandThreshold = options.expandThreshold;
    request.nodeLimit = options.nodeLimit;
    request.noCache = options.noCache;
    request.seed = options.seed;
    request.maxBatch = options.maxBatch;

    const auto classifier = Classifier::load(options.model, global.device);
    request.target = parseTarget(options.target, *classifier);
    validateSagRequest(request, classifier->spec().input, classifier->classCount());
    const cv::Mat image = readImage(options.image);

    ResultFiles files(options.out, sagFileNames(), options.force);

    const bool showProgress = isatty(STDERR_FILENO);
    const ProgressFn progress = [&](const Progress &p) {
        if (showProgress)
            std::cerr << "\rsag: " << p.done / 10 << '%' << std::flush;
    };
    SagResult result;
    try {
        result = searchSag(*classifier, image, request, progress, interruptFlag());
    } catch (const Cancelled &) {
        std::cerr << "\nsightglass-cli: cancelled; no files written\n";
        return 130;
    }
    if (showProgress)
        std::cerr << '\n';

    writeSagFiles(files, result, image, classifier->spec().input,
        {{"model", options.model}, {"image", options.image}, {"device", classifier->deviceName()}});

    std::cout << "sag (" << sagModeName(request.mode) << ", " << result.gridRows << "x" << result.gridCols
              << ") of \"" << result.label << "\": " << result.roots.size() << " roots, "
              << result.shown.size() << " drawn, " << result.graph.nodes.size() << " nodes in "
              << result.statistics.seconds << " s, " << result.statistics.forwardPasses
              << " forward passes -> " << options.out << '\n';
    return 0;
}

} // namespace

std::vector<std::string> sagFileNames()
{
    return {"sag.json", "sag.dot", "sag.svg", "sag.png", "result.json"};
}

void writeSagFiles(ResultFiles &files, const SagResult &result, const cv::Mat &image, const InputSpec &input,
    const nlohmann::json &extra)
{
    // Everything is made before anything is written: a failing layout leaves no files.
    const SagLayout layout = layoutSag(result);
    const cv::Mat display = toDisplayRgb8(image);
    nlohmann::json summary = sagResultJson(result);
    for (const auto &[key, value] : extra.items())
        summary[key] = value;
    writeTextFile(files.temporaryPath("result.json"), summary.dump(2) + "\n");
    writeTextFile(files.temporaryPath("sag.json"), sagGraphJson(result, layout).dump(2) + "\n");
    writeTextFile(files.temporaryPath("sag.dot"), sagDot(result));
    writeTextFile(files.temporaryPath("sag.svg"), sagSvg(result, layout, display, input.width, input.height));
    writeTextFile(files.temporaryPath("sag.png"),
        pngBytes(sagRaster(result, layout, display, input.width, input.height, 2.0)));
    files.commit();
}

Command addSagCommand(CLI::App &app, const GlobalOptions &global)
{
    auto options = std::make_shared<SagOptions>();
    CLI::App *command = app.add_subcommand(
        "sag", "Search minimal sufficient explanations and draw their Structured Attention Graph");
    command->add_option("--model,-m", options->model, "TorchScript model (.pt with .json sidecar)")
        ->required();
    command->add_option("--image,-i", options->image, "Image file")->required();
    command->add_option("--grid,-g", options->grid, "Cells: N (N x N) or ROWSxCOLS, 2 to 14 a side")
        ->capture_default_str();
    command
        ->add_option("--threshold", options->threshold,
            "Sufficient when the probability stays above this fraction of the full image's, in (0, 1]")
        ->capture_default_str();
    command->add_option("--beam", options->beam, "Beam width")->capture_default_str();
    command->add_option("--successors", options->successors, "Candidate cells per beam set")
        ->capture_default_str();
    command->add_option("--max-roots", options->maxRoots, "Stop once more roots than this were found")
        ->capture_default_str();
    command->add_option("--mode", options->mode, "default, or reference (the reference code's choices)")
        ->capture_default_str();
    command->add_option("--baseline", options->baseline, "What hidden cells show: black or blur")
        ->capture_default_str();
    command->add_option("--upsampling", options->upsampling, "Cell mask to input: bilinear or blocks")
        ->capture_default_str();
    command->add_option("--max-shared", options->maxShared, "Most cells two drawn roots may share")
        ->capture_default_str();
    command->add_option("--roots-shown", options->rootsShown, "Diverse roots drawn")->capture_default_str();
    command
        ->add_option("--expand-threshold", options->expandThreshold,
            "Nodes at or below this relative confidence are leaves")
        ->capture_default_str();
    command->add_option("--node-limit", options->nodeLimit, "Most nodes in the graph")->capture_default_str();
    command->add_flag("--no-cache", options->noCache, "Score every cell set anew (no memo)");
    command->add_option("--target,-t", options->target, "top1, a class index or a label")
        ->capture_default_str();
    command->add_option("--seed", options->seed, "Seed of the ranking's noise")->capture_default_str();
    command->add_option("--max-batch", options->maxBatch, "Most images per model pass")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--out,-o", options->out, "Output directory")->required();
    command->add_flag("--force", options->force, "Overwrite existing result files in --out");
    return {command, [options, &global] { return runSag(*options, global); }};
}

} // namespace sg::cli
