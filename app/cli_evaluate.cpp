// sightglass-cli evaluate --model M --image I --saliency F.npy [--target top1|INDEX|LABEL]
//                         [--variant igos|rise] [--resolution S] [--legacy-last-step]
//                         [--pixels-per-step N] [--deletion-fill zeros|blur] [--batch N]
//                         [--truth truth.json [--tolerance PX]] [--out DIR [--force]]
//
// Scores any saliency map (high = salient, any 2-D size, made by Sightglass or another tool)
// with deletion/insertion curves and, given the image's ground-truth boxes, the pointing game
// (first maximum, plateau size, energy share), and prints the result as JSON.

#include "cli_commands.h"
#include "cli_output.h"
#include "cli_target.h"
#include "jobs/explanation_json.h"

#include "common/error.h"
#include "image/image_io.h"
#include "image/npy.h"
#include "metrics/deletion_insertion.h"
#include "metrics/pointing_game.h"
#include "model/classifier.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <memory>

namespace sg::cli {

namespace {

struct EvaluateOptions {
    std::string model;
    std::string image;
    std::string saliency;
    std::string target = "top1";
    std::string variant = "igos";
    int resolution = 28;
    bool legacyLastStep = false;
    int pixelsPerStep = 0;
    std::string deletionFill = "zeros";
    int maxBatch = 32;
    std::string truth;
    double tolerance = 0.0;
    std::string out;
    bool force = false;
    // Which of the variant-specific options the user gave.
    const CLI::Option *resolutionOption = nullptr;
    const CLI::Option *legacyOption = nullptr;
    const CLI::Option *pixelsOption = nullptr;
    const CLI::Option *fillOption = nullptr;
};

// Options of one variant given with the other are refused rather than silently ignored.
void checkVariantOptions(const EvaluateOptions &options)
{
    auto refuse = [&](const CLI::Option *option, const std::string &flag, const std::string &variant) {
        if (option && option->count() > 0)
            throw Error("",
                flag + " applies to the " + variant + " variant only (this run uses --variant "
                    + options.variant + ")");
    };
    if (options.variant == "rise") {
        refuse(options.resolutionOption, "--resolution", "igos");
        refuse(options.legacyOption, "--legacy-last-step", "igos");
    } else if (options.variant == "igos") {
        refuse(options.pixelsOption, "--pixels-per-step", "rise");
        refuse(options.fillOption, "--deletion-fill", "rise");
    }
}

int runEvaluate(const EvaluateOptions &options, const GlobalOptions &global)
{
    checkVariantOptions(options);
    DeletionInsertionOptions metric;
    metric.variant = options.variant;
    metric.resolution = options.resolution;
    metric.legacyLastStep = options.legacyLastStep;
    if (options.pixelsOption && options.pixelsOption->count() > 0)
        metric.pixelsPerStep = options.pixelsPerStep;
    metric.riseDeletionFill = options.deletionFill;
    metric.maxBatch = options.maxBatch;

    const auto classifier = Classifier::load(options.model, global.device);
    // Options are checked before the slow parts (reading, scoring, writing).
    deletionInsertionSteps(classifier->spec().input, metric);
    const int target = parseTarget(options.target, *classifier);
    const cv::Mat image = readImage(options.image);
    const cv::Mat saliency = readNpy(options.saliency);
    nlohmann::json pointing;
    if (!options.truth.empty()) {
        const GroundTruth truth = readGroundTruth(options.truth);
        const std::string name = std::filesystem::path(options.image).filename().string();
        const auto boxes = truth.boxes.find(name);
        if (boxes == truth.boxes.end())
            throw Error(options.truth, "has no entry for the image " + name);
        const cv::Size frame = truth.frame.area() > 0 ? truth.frame : image.size();
        pointing = pointingJson(pointingGame(saliency, boxes->second, options.tolerance, frame),
            boxes->second.size(), options.tolerance);
    }
    std::unique_ptr<ResultFiles> files;
    if (!options.out.empty())
        files = std::make_unique<ResultFiles>(
            options.out, std::vector<std::string>{"metrics.json"}, options.force);

    DeletionInsertionResult result;
    try {
        result = evaluateDeletionInsertion(*classifier, image, saliency, target, metric, interruptFlag());
    } catch (const Cancelled &) {
        std::cerr << "sightglass-cli: evaluate cancelled; nothing written\n";
        return 130;
    }

    const nlohmann::json metrics = metricsJson(result);
    nlohmann::json output = {
        {"model", options.model},
        {"image", options.image},
        {"saliency", options.saliency},
        {"device", classifier->deviceName()},
        {"target", metricsTargetJson(result)},
        {"metrics", metrics},
        {"settings", metrics.at("settings")},
        {"forward_passes", result.forwardPasses},
        {"seconds", result.seconds},
    };
    if (!pointing.is_null())
        output["pointing"] = pointing;
    const std::string text = output.dump(2) + "\n";
    if (files) {
        writeTextFile(files->temporaryPath("metrics.json"), text);
        files->commit();
    }
    std::cout << text;
    return 0;
}

} // namespace

Command addEvaluateCommand(CLI::App &app, const GlobalOptions &global)
{
    auto options = std::make_shared<EvaluateOptions>();
    CLI::App *command = app.add_subcommand(
        "evaluate", "Score a saliency map (.npy, high = salient) with deletion/insertion curves and AUC");
    command->add_option("--model,-m", options->model, "TorchScript model (.pt with .json sidecar)")
        ->required();
    command->add_option("--image,-i", options->image, "The image the map explains")->required();
    command
        ->add_option("--saliency,-s", options->saliency,
            "Saliency map: 2-D .npy of any size (resized to the model input), high = salient")
        ->required();
    command->add_option("--target,-t", options->target, "Class to score: top1, a class index or a label")
        ->capture_default_str();
    command
        ->add_option("--variant", options->variant,
            "igos (IGOS_pp cells, blurred baseline, Riemann AUC) or rise (pixels, zeros/blur, "
            "trapezoid AUC)")
        ->capture_default_str();
    options->resolutionOption
        = command
              ->add_option("--resolution", options->resolution,
                  "igos: side of the cell grid; keep it the same for every method compared")
              ->capture_default_str();
    options->legacyOption = command->add_flag("--legacy-last-step", options->legacyLastStep,
        "igos: reproduce the reference's last-step bug (for comparison with published IGOS_pp numbers)");
    options->pixelsOption = command->add_option("--pixels-per-step", options->pixelsPerStep,
        "rise: pixels changed per step (default 8 x input width)");
    options->fillOption = command
                              ->add_option("--deletion-fill", options->deletionFill,
                                  "rise: deleted pixels become zeros (the mean colour) or blur")
                              ->capture_default_str();
    command->add_option("--batch", options->maxBatch, "Most images per model pass (halved on out-of-memory)")
        ->capture_default_str();
    command->add_option("--truth", options->truth,
        "Ground-truth boxes (truth.json as in resources/samples/cues/): adds the pointing game");
    command
        ->add_option("--tolerance", options->tolerance,
            "Pointing game: a hit when the map's first maximum is within this many pixels of a box")
        ->capture_default_str();
    command->add_option("--out,-o", options->out, "Also write metrics.json into this directory");
    command->add_flag("--force", options->force, "Overwrite an existing metrics.json");
    return {command, [options, &global] { return runEvaluate(*options, global); }};
}

} // namespace sg::cli
