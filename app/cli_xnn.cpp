// sightglass-cli xnn train   --model M --data DIR|manifest.csv --class C [--class C]... [--features L]
//                           [--seed S] [--epochs N] [--param NAME=VALUE]... [--cache DIR] --out X.xnn
// sightglass-cli xnn explain --model M --xnn X.xnn --image I [--class C] [--map igos|gradient-input]
//                           [--resolution R] [--map-param NAME=VALUE]... [--seed S] --out DIR

#include "cli_commands.h"
#include "cli_output.h"
#include "cli_progress.h"
#include "cli_target.h"
#include "cli_writers.h"

#include "common/error.h"
#include "image/colormap.h"
#include "image/image_io.h"
#include "image/npy.h"
#include "image/preprocess.h"
#include "jobs/explanation_json.h"
#include "model/classifier.h"
#include "model/model_hash.h"
#include "sag/sag_export.h"
#include "saliency/method.h"
#include "xnn/concept_map.h"
#include "xnn/embedding.h"
#include "xnn/labelled_set.h"
#include "xnn/xnn_explain.h"
#include "xnn/xnn_file.h"
#include "xnn/xnn_train.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <unistd.h>

namespace sg::cli {

namespace {

namespace fs = std::filesystem;

struct TrainOptions {
    std::string model;
    std::string data;
    std::vector<std::string> classes;
    int features = 5;
    std::uint64_t seed = 0;
    int epochs = 80;
    std::vector<std::string> params;
    std::string cache;
    std::string layer = kXnnLayer;
    int maxBatch = 32;
    std::string out;
    bool force = false;
};

struct ExplainOptions {
    std::string model;
    std::string xnn;
    std::string image;
    std::string cls;
    std::string map = "igos";
    int resolution = kDefaultResolution;
    std::vector<std::string> mapParams;
    std::uint64_t seed = 0;
    int maxBatch = 32;
    std::string colormap = "jet";
    double opacity = 0.5;
    std::string out;
    bool force = false;
};

// A class named on the command line: an index or a label, never "top1".
int parseClass(const std::string &text, const Classifier &classifier, const std::string &option)
{
    const int index = parseTarget(text, classifier);
    if (index < 0)
        throw Error("", option + " must name a class (an index or a label), not \"" + text + "\"");
    return index;
}

void requireSplit(const Classifier &classifier)
{
    if (!classifier.hasSplit())
        throw Error(classifier.modelPath(),
            "has no features/head split (the sidecar's \"split\"), so an XNN cannot read its inner "
            "layer; XNN needs a model that exports `features` and `head`");
}

int runTrain(const TrainOptions &options, const GlobalOptions &global)
{
    if (fs::exists(options.out) && !options.force)
        throw Error(options.out, "already exists; pass --force to overwrite it");
    const auto classifier = Classifier::load(options.model, global.device);
    requireSplit(*classifier);
    XnnTrainRequest base;
    if (options.classes.empty())
        throw Error("", "xnn train: name at least one --class to explain");
    for (const std::string &text : options.classes)
        base.classes.push_back(parseClass(text, *classifier, "--class"));
    base.xFeatures = options.features;
    base.epochs = options.epochs;
    base.seed = options.seed;
    const XnnTrainRequest request = xnnTrainRequestWithParams(
        base, parseParamAssignments("xnn", xnnTrainParameterSchema(), options.params));
    const LabelledSet set = readLabelledSet(options.data, classifier->spec().labels);
    std::vector<std::string> paths;
    for (const LabelledImage &image : set.images)
        paths.push_back(image.path);

    const bool terminal = isatty(STDERR_FILENO);
    ProgressBar bar(std::cerr);
    EmbeddingRequest embeddingRequest;
    embeddingRequest.cacheFolder = options.cache;
    embeddingRequest.maxBatch = options.maxBatch;
    embeddingRequest.layer = options.layer;
    XnnModel model;
    try {
        bar.start("embedding");
        const Embedding embedding = embedImages(
            *classifier, paths, embeddingRequest,
            [&](const Progress &p) {
                if (terminal)
                    bar.draw(p.done, p.total, p.done == p.total);
            },
            interruptFlag());
        if (terminal)
            bar.finish();
        else
            std::cerr << "xnn: embedded " << embedding.size() << " images (" << embedding.cachedImages
                      << " from the cache)\n";
        bar.start("training");
        const ProgressFn progress = [&](const Progress &p) {
            if (terminal)
                bar.draw(p.done, p.total, p.done == p.total);
        };
        const XnnEpochFn onEpoch = [&](const XnnEpochReport &r) {
            if (terminal)
                return;
            std::ostringstream line;
            line << "xnn: class " << r.classNumber << '/' << r.classTotal << " ("
                 << classifier->spec().labels[size_t(r.classIndex)] << ") round " << r.loss.round << " epoch "
                 << r.loss.epoch << '/' << request.epochs << ": loss " << r.loss.total << " (prediction "
                 << r.loss.prediction << ", reconstruction " << r.loss.reconstruction << ", pull-away "
                 << r.loss.pullAway << ")\n";
            std::cerr << line.str() << std::flush;
        };
        model = trainXnnToFile(
            embedding, classifier->spec().labels, request, options.out, progress, interruptFlag(), onEpoch);
    } catch (const Cancelled &) {
        std::cerr << "\nsightglass-cli: cancelled; no files written\n";
        return 130;
    }
    if (terminal)
        bar.finish();
    for (const XnnClassModel &cls : model.classes) {
        const XnnClassReport &r = cls.report;
        std::cout << "class " << cls.classIndex << " (" << cls.label << "): held-out RMSE " << r.heldOutRmse
                  << " (a constant: " << r.heldOutMeanRmse << ") on scores " << r.scoreMin << " .. "
                  << r.scoreMax << ", " << r.rounds << (r.rounds == 1 ? " round" : " rounds")
                  << (r.balanced ? ", balanced"
                                 : ", not balanced (kept round " + std::to_string(r.keptRound)
                                 + ", the most faithful)")
                  << '\n';
    }
    std::cout << "xnn of " << model.classes.size() << (model.classes.size() == 1 ? " class" : " classes")
              << ", " << model.xFeatures << " x-features, " << model.trainImages << " training / "
              << model.heldOutImages << " held-out images -> " << options.out << '\n';
    return 0;
}

std::string mapName(int xFeature, const char *extension)
{
    return "xfeature-" + std::to_string(xFeature) + extension;
}

// The map over the image (enlarged to at least 224 px on its longer side so the title fits),
// under a title strip naming the x-feature and its contribution, coloured by sign
// (research/xnn.md §2.6: reddish positive, bluish negative, grey zero).
cv::Mat conceptPanel(const cv::Mat &display, const cv::Mat &saliency, int xFeature,
    const XnnExplanation &explanation, double opacity, Colormap colormap)
{
    const int longer = std::max(display.cols, display.rows);
    const double zoom = longer < 224 ? 224.0 / longer : 1.0;
    cv::Mat base;
    cv::resize(display, base, cv::Size(), zoom, zoom, zoom > 1.0 ? cv::INTER_NEAREST : cv::INTER_AREA);
    const cv::Mat overlay = overlayHeatmap(base, saliency, opacity, colormap);
    double largest = 0.0;
    for (double c : explanation.contributions)
        largest = std::max(largest, std::abs(c));
    const double contribution = explanation.contributions[size_t(xFeature)];
    const bool significant
        = std::find(explanation.significant.begin(), explanation.significant.end(), xFeature)
        != explanation.significant.end();
    char title[96];
    std::snprintf(title, sizeof title, "x%d: contribution %+.3f (%+.2f)%s", xFeature, contribution,
        largest > 0.0 ? contribution / largest : 0.0, significant ? " *" : "");
    const int strip = 28;
    cv::Mat panel(overlay.rows + strip, overlay.cols, CV_8UC3, cv::Scalar(255, 255, 255));
    overlay.copyTo(panel(cv::Rect(0, strip, overlay.cols, overlay.rows)));
    const cv::Scalar colour = contribution > 0.0 ? cv::Scalar(190, 30, 30)
        : contribution < 0.0                     ? cv::Scalar(30, 60, 190)
                                                 : cv::Scalar(140, 140, 140); // RGB
    double scale = 0.5;
    int baseline = 0;
    while (scale > 0.25
        && cv::getTextSize(title, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &baseline).width > panel.cols - 8)
        scale -= 0.05;
    cv::putText(
        panel, title, cv::Point(4, strip - 9), cv::FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv::LINE_AA);
    return panel;
}

} // namespace

XnnModel readXnnForModel(const Classifier &classifier, const std::string &xnnPath)
{
    requireSplit(classifier);
    XnnModel xnn = readXnnFile(xnnPath, modelContentHash(classifier));
    if (xnn.classes.empty())
        throw Error(xnnPath, "explains no class");
    return xnn;
}

ConceptMapRequest xnnMapRequest(const std::string &map, int resolution,
    const std::vector<std::string> &mapParams, std::uint64_t seed, int maxBatch)
{
    ConceptMapRequest mapRequest;
    mapRequest.method = conceptMapMethodFromName(map);
    mapRequest.resolution = resolution;
    mapRequest.seed = seed;
    mapRequest.maxBatch = maxBatch;
    const SaliencyMethod &igos = MethodRegistry::builtin().get("igos");
    if (mapRequest.method == ConceptMapMethod::Igos) {
        const int chosen = resolution == kDefaultResolution ? igos.defaultResolution() : resolution;
        mapRequest.params = parseParamAssignments("igos", igos.parameters(chosen), mapParams);
    } else if (!mapParams.empty() || resolution != kDefaultResolution) {
        throw Error("", "--map-param and --resolution are I-GOS settings; gradient-input takes none");
    }
    return mapRequest;
}

XnnExplainSummary explainXnnToFolder(const Classifier &classifier, const XnnModel &xnn, const cv::Mat &image,
    const XnnExplainSettings &settings, const std::string &out, bool overwrite, const ProgressFn &progress,
    const CancelFlag &cancel)
{
    const ConceptMapRequest &mapRequest = settings.mapRequest;
    std::vector<std::string> names = {"xnn.json"};
    for (int j = 0; j < xnn.xFeatures; ++j) {
        names.push_back(mapName(j, ".png"));
        names.push_back(mapName(j, ".npy"));
    }

    // One pass for the embedding row and the model's scores (no cache: one image), through the
    // XNN's own layer.
    EmbeddingRequest embeddingRequest;
    embeddingRequest.layer = xnn.layer;
    const Embedding embedding = embedImages(classifier, {settings.imagePath}, embeddingRequest, {}, cancel);
    if (embedding.dimension != xnn.dimension)
        throw Error(settings.xnnPath,
            "reads " + std::to_string(xnn.dimension) + " values, the model's layer has "
                + std::to_string(embedding.dimension));
    const int modelTop = embedding.topClass(0);
    // The class: settings.cls; else the model's top class when the XNN explains it; else its first.
    std::vector<int> explained;
    for (const XnnClassModel &cls : xnn.classes)
        explained.push_back(cls.classIndex);
    const int requested = settings.cls.empty() ? -1 : parseClass(settings.cls, classifier, "--class");
    const int position = chooseXnnClass(explained, requested, modelTop);
    if (position < 0) {
        std::string list;
        for (const XnnClassModel &cls : xnn.classes)
            list += (list.empty() ? "" : ", ") + std::to_string(cls.classIndex) + " (" + cls.label + ")";
        throw Error(settings.xnnPath, "does not explain class " + settings.cls + "; it explains " + list);
    }
    const XnnClassModel *chosen = &xnn.classes[size_t(position)];
    const XnnExplanation explanation = explainXnn(
        *chosen, embedding.featureRow(0), embedding.dimension, embedding.score(0, chosen->classIndex));

    ResultFiles files(out, names, overwrite);
    const std::vector<ConceptMap> maps
        = conceptMaps(classifier, *chosen, image, mapRequest, progress, cancel);

    const std::vector<std::string> &labels = classifier.spec().labels;
    nlohmann::json result;
    result["model"] = settings.modelPath;
    result["model_hash"] = xnn.modelHash;
    result["xnn"] = settings.xnnPath;
    result["image"] = settings.imagePath;
    result["device"] = classifier.deviceName();
    result["layer"] = xnn.layer;
    result["class"] = {{"index", chosen->classIndex}, {"label", chosen->label}};
    result["model_top"] = {{"index", modelTop}, {"label", labels[size_t(modelTop)]}};
    result["model_score"] = explanation.modelScore;
    result["xnn_score"] = explanation.xnnScore;
    result["difference"] = explanation.xnnScore - explanation.modelScore;
    result["bias"] = explanation.bias;
    result["activations"] = explanation.activations;
    result["weights"] = explanation.weights;
    result["contributions"] = explanation.contributions;
    result["significant"] = explanation.significant;
    nlohmann::json features = nlohmann::json::array();
    XnnExplainSummary summary;
    const cv::Mat display = toDisplayRgb8(image);
    for (const ConceptMap &map : maps) {
        const int j = map.xFeature;
        const cv::Point peak = mapPeak(map.saliency);
        const bool significant = std::find(explanation.significant.begin(), explanation.significant.end(), j)
            != explanation.significant.end();
        features.push_back({{"index", j}, {"activation", explanation.activations[size_t(j)]},
            {"weight", explanation.weights[size_t(j)]},
            {"contribution", explanation.contributions[size_t(j)]}, {"significant", significant},
            {"map", mapName(j, ".png")}, {"saliency", mapName(j, ".npy")}, {"peak", {peak.x, peak.y}},
            {"forward_passes", map.forwardPasses}, {"backward_passes", map.backwardPasses},
            {"seconds", map.seconds},
            {"prototypes",
                size_t(j) < chosen->prototypes.size() ? chosen->prototypes[size_t(j)]
                                                      : std::vector<std::string>{}}});
        summary.forwardPasses += map.forwardPasses;
        summary.backwardPasses += map.backwardPasses;
        summary.seconds += map.seconds;
        writeNpy(files.temporaryPath(mapName(j, ".npy")), map.saliency);
        writeTextFile(files.temporaryPath(mapName(j, ".png")),
            pngBytes(
                conceptPanel(display, map.saliency, j, explanation, settings.opacity, settings.colormap)));
    }
    result["x_features"] = features;
    nlohmann::json scores = nlohmann::json::array();
    for (const XnnClassModel &cls : xnn.classes) {
        const XnnExplanation e = explainXnn(
            cls, embedding.featureRow(0), embedding.dimension, embedding.score(0, cls.classIndex));
        scores.push_back({{"index", cls.classIndex}, {"label", cls.label}, {"xnn_score", e.xnnScore},
            {"model_score", e.modelScore}});
    }
    result["class_scores"] = scores;
    result["maps"] = {{"method", conceptMapMethodName(mapRequest.method)}, {"seed", mapRequest.seed},
        {"resolution", maps.empty() ? 0 : maps.front().resolution}, {"forward_passes", summary.forwardPasses},
        {"backward_passes", summary.backwardPasses}, {"seconds", summary.seconds}};
    if (mapRequest.method == ConceptMapMethod::Igos) {
        const SaliencyMethod &igos = MethodRegistry::builtin().get("igos");
        const int resolution
            = mapRequest.resolution == kDefaultResolution ? igos.defaultResolution() : mapRequest.resolution;
        result["maps"]["params"]
            = paramValuesJson(resolveParams("igos", igos.parameters(resolution), mapRequest.params));
    }
    writeTextFile(files.temporaryPath("xnn.json"), result.dump(2) + "\n");
    files.commit();

    // The softmax probability of the explained class, from the same logits.
    double total = 0.0;
    const float top = embedding.score(0, modelTop);
    for (int c = 0; c < embedding.classCount; ++c)
        total += std::exp(double(embedding.score(0, c) - top));
    summary.classIndex = chosen->classIndex;
    summary.label = chosen->label;
    summary.probability = std::exp(double(embedding.score(0, chosen->classIndex) - top)) / total;
    summary.xnnScore = explanation.xnnScore;
    summary.modelScore = explanation.modelScore;
    summary.significant = explanation.significant.size();
    summary.xFeatures = explanation.contributions.size();
    summary.maps = int(maps.size());
    summary.mapMethod = conceptMapMethodName(mapRequest.method);
    summary.resolution = maps.empty() ? 0 : maps.front().resolution;
    return summary;
}

namespace {

int runExplainXnn(const ExplainOptions &options, const GlobalOptions &global)
{
    const auto classifier = Classifier::load(options.model, global.device);
    const XnnModel xnn = readXnnForModel(*classifier, options.xnn);
    const cv::Mat image = readImage(options.image);
    XnnExplainSettings settings;
    settings.modelPath = options.model;
    settings.xnnPath = options.xnn;
    settings.imagePath = options.image;
    settings.cls = options.cls;
    settings.colormap = colormapFromName(options.colormap);
    settings.opacity = options.opacity;
    settings.mapRequest
        = xnnMapRequest(options.map, options.resolution, options.mapParams, options.seed, options.maxBatch);

    const bool terminal = isatty(STDERR_FILENO);
    ProgressBar bar(std::cerr);
    XnnExplainSummary summary;
    try {
        bar.start("concept maps");
        summary = explainXnnToFolder(
            *classifier, xnn, image, settings, options.out, options.force,
            [&](const Progress &p) {
                if (terminal)
                    bar.draw(p.done, p.total, p.done == p.total);
            },
            interruptFlag());
    } catch (const Cancelled &) {
        std::cerr << "\nsightglass-cli: cancelled; no files written\n";
        return 130;
    }
    if (terminal)
        bar.finish();
    std::cout << "xnn of \"" << summary.label << "\": score " << summary.xnnScore << " (model "
              << summary.modelScore << "), " << summary.significant << " significant of " << summary.xFeatures
              << " x-features; " << summary.maps << " " << summary.mapMethod << " maps in " << summary.seconds
              << " s -> " << options.out << '\n';
    return 0;
}

} // namespace

Command addXnnCommand(CLI::App &app, const GlobalOptions &global)
{
    CLI::App *command
        = app.add_subcommand("xnn", "Explanation Neural Networks: train one, explain an image with it");
    command->require_subcommand(1);

    auto train = std::make_shared<TrainOptions>();
    CLI::App *trainCommand = command->add_subcommand(
        "train", "Train an XNN for classes of a model on labelled images and write it to a .xnn file");
    trainCommand->add_option("--model,-m", train->model, "TorchScript model (.pt with .json sidecar)")
        ->required();
    trainCommand
        ->add_option("--data,-d", train->data, "Folder of class folders, or a file,label CSV manifest")
        ->required();
    trainCommand->add_option("--class,-c", train->classes, "Class to explain: index or label (repeatable)")
        ->required();
    trainCommand->add_option("--features", train->features, "x-features per class (L)")
        ->capture_default_str();
    trainCommand->add_option("--seed", train->seed, "Seed of the split, the weights and the batches")
        ->capture_default_str();
    trainCommand->add_option("--epochs", train->epochs, "Fine-tuning epochs per rebalancing round")
        ->capture_default_str();
    trainCommand->add_option("--param,-p", train->params,
        "Training option NAME=VALUE (repeatable; core/xnn/xnn_train.h lists them: q, alpha_rec, "
        "pull_away, max_rounds, ...)");
    trainCommand
        ->add_option("--layer", train->layer,
            "Pooling of the features: features:global-average, features:global-max, features:average-GxG, "
            "features:max-GxG")
        ->capture_default_str();
    trainCommand->add_option("--cache", train->cache, "Embedding cache folder (default: none)");
    trainCommand->add_option("--max-batch", train->maxBatch, "Most images per model pass")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    trainCommand->add_option("--out,-o", train->out, "The .xnn file to write")->required();
    trainCommand->add_flag("--force", train->force, "Overwrite an existing --out file");

    auto explain = std::make_shared<ExplainOptions>();
    CLI::App *explainCommand = command->add_subcommand(
        "explain", "Split a class score into x-feature contributions and map each x-feature on the image");
    explainCommand->add_option("--model,-m", explain->model, "TorchScript model (.pt with .json sidecar)")
        ->required();
    explainCommand->add_option("--xnn,-x", explain->xnn, "XNN file trained for this model")->required();
    explainCommand->add_option("--image,-i", explain->image, "Image file")->required();
    explainCommand->add_option("--class,-c", explain->cls,
        "Class to explain (default: the model's top class if the XNN explains it, else the XNN's first)");
    explainCommand->add_option("--map", explain->map, "Concept maps: igos, or gradient-input (fast)")
        ->capture_default_str();
    explainCommand->add_option(
        "--resolution,-r", explain->resolution, "I-GOS mask resolution (default: its own)");
    explainCommand->add_option("--map-param", explain->mapParams, "I-GOS parameter NAME=VALUE (repeatable)");
    explainCommand->add_option("--seed", explain->seed, "Seed of I-GOS's noise")->capture_default_str();
    explainCommand->add_option("--max-batch", explain->maxBatch, "Most images per model pass")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    explainCommand->add_option("--colormap", explain->colormap, "Map colours: jet, viridis, inferno, gray")
        ->capture_default_str();
    explainCommand->add_option("--opacity", explain->opacity, "Overlay opacity")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    explainCommand->add_option("--out,-o", explain->out, "Output directory")->required();
    explainCommand->add_flag("--force", explain->force, "Overwrite existing result files in --out");

    return {command, [train, explain, trainCommand, &global] {
                if (trainCommand->parsed())
                    return runTrain(*train, global);
                return runExplainXnn(*explain, global);
            }};
}

} // namespace sg::cli
