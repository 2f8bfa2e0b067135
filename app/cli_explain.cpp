// sightglass-cli explain --model M --image I --method ID [--resolution R] [--target T]
//                        [--seed S] [--param NAME=VALUE]... [--evaluate] --out DIR

#include "cli_commands.h"
#include "cli_output.h"
#include "cli_target.h"
#include "cli_writers.h"

#include "image/colormap.h"
#include "image/image_io.h"
#include "image/npy.h"
#include "image/preprocess.h"
#include "jobs/explanation.h"
#include "jobs/explanation_json.h"
#include "model/classifier.h"
#include "sag/sag_export.h"
#include "saliency/method.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <iostream>
#include <memory>
#include <unistd.h>

namespace sg::cli {

namespace {

struct ExplainOptions {
    std::string model;
    std::string image;
    std::string method;
    int resolution = kDefaultResolution;
    std::string target = "top1";
    std::uint64_t seed = 0;
    std::vector<std::string> params;
    int maxBatch = 32;
    bool evaluate = false;
    std::string colormap = "jet";
    double opacity = 0.5;
    std::string out;
    bool force = false;
};

int runExplain(const ExplainOptions &options, const GlobalOptions &global)
{
    const SaliencyMethod &method = MethodRegistry::builtin().get(options.method);
    const auto classifier = Classifier::load(options.model, global.device);
    const cv::Mat image = readImage(options.image);

    ExplanationRequest request;
    request.method = method.id();
    request.resolution = options.resolution;
    request.target = parseTarget(options.target, *classifier);
    // The schema's names and kinds do not depend on the resolution; a resolution the method
    // does not offer is refused by the method itself.
    const int resolution
        = options.resolution == kDefaultResolution ? method.defaultResolution() : options.resolution;
    request.params = parseParamAssignments(method.id(), method.parameters(resolution), options.params);
    request.seed = options.seed;
    request.maxBatch = options.maxBatch;
    request.evaluate = options.evaluate;

    const Colormap colormap = colormapFromName(options.colormap);

    ResultFiles files(options.out, explanationFileNames(), options.force);

    const bool showProgress = isatty(STDERR_FILENO);
    const ProgressFn progress = [&](const Progress &p) {
        if (showProgress)
            std::cerr << '\r' << method.id() << ": " << p.done / 10 << '%' << std::flush;
    };
    Explanation explanation;
    try {
        explanation = computeExplanation(*classifier, image, request, progress, interruptFlag());
    } catch (const Cancelled &) {
        std::cerr << "\nsightglass-cli: cancelled; no files written\n";
        return 130;
    }
    if (showProgress)
        std::cerr << '\n';
    writeExplanationFiles(files, explanation, image,
        {options.model, options.image, classifier->deviceName(), options.seed}, options.opacity, colormap);
    const Heatmap &heatmap = explanation.heatmap;
    std::cout << heatmap.method << " (resolution " << heatmap.resolution << ") of \"" << heatmap.label
              << "\" in " << heatmap.seconds << " s, " << heatmap.forwardPasses << " forward / "
              << heatmap.backwardPasses << " backward passes -> " << options.out << '\n';
    return 0;
}

} // namespace

std::vector<std::string> explanationFileNames()
{
    return {"saliency.npy", "mask.npy", "overlay.png", "result.json"};
}

void writeExplanationFiles(ResultFiles &files, const Explanation &explanation, const cv::Mat &image,
    const ExplanationSource &source, double opacity, Colormap colormap)
{
    const Heatmap &heatmap = explanation.heatmap;
    const nlohmann::json result = explanationJson(explanation, source);
    writeNpy(files.temporaryPath("saliency.npy"), heatmap.saliency);
    writeNpy(files.temporaryPath("mask.npy"), heatmap.mask);
    writeTextFile(files.temporaryPath("overlay.png"),
        pngBytes(overlayHeatmap(toDisplayRgb8(image), heatmap.saliency, opacity, colormap)));
    writeTextFile(files.temporaryPath("result.json"), result.dump(2) + "\n");
    files.commit();
}

Command addExplainCommand(CLI::App &app, const GlobalOptions &global)
{
    auto options = std::make_shared<ExplainOptions>();
    CLI::App *command = app.add_subcommand("explain", "Compute a saliency map (see `methods`)");
    command->add_option("--model,-m", options->model, "TorchScript model (.pt with .json sidecar)")
        ->required();
    command->add_option("--image,-i", options->image, "Image file")->required();
    command->add_option("--method", options->method, "Method id (see `sightglass-cli methods`)")->required();
    command->add_option("--resolution,-r", options->resolution,
        "Mask / cell resolution (methods with a choosable one; default: the method's)");
    command->add_option("--target,-t", options->target, "top1, a class index or a label")
        ->capture_default_str();
    command->add_option("--seed", options->seed, "Seed for every random draw")->capture_default_str();
    command->add_option("--param,-p", options->params,
        "Method parameter NAME=VALUE (repeatable): a number, true/false, or a choice's option name");
    command->add_option("--max-batch", options->maxBatch, "Most images per model pass")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_flag(
        "--evaluate", options->evaluate, "Also score the map: deletion and insertion curves and AUC");
    command->add_option("--colormap", options->colormap, "Overlay colours: jet, viridis, inferno, gray")
        ->capture_default_str();
    command->add_option("--opacity", options->opacity, "Overlay opacity")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    command->add_option("--out,-o", options->out, "Output directory")->required();
    command->add_flag("--force", options->force, "Overwrite existing result files in --out");
    return {command, [options, &global] { return runExplain(*options, global); }};
}

} // namespace sg::cli
