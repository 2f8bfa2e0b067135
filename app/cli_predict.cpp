// sightglass-cli predict --model M IMAGE... [--topk K] [--json]

#include "cli_commands.h"

#include "common/error.h"
#include "image/image_io.h"
#include "model/classifier.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>

namespace sg::cli {

namespace {

struct PredictOptions {
    std::string model;
    std::vector<std::string> images;
    int topk = 5;
    bool json = false;
};

// Images are decoded a chunk at a time so a large folder never sits in memory at once.
constexpr size_t kImagesPerChunk = 64;

nlohmann::json toJson(const std::string &file, const Prediction &prediction)
{
    nlohmann::json top = nlohmann::json::array();
    for (const ClassScore &score : prediction.top)
        top.push_back({{"index", score.index}, {"label", score.label}, {"probability", score.probability}});
    return {{"file", file}, {"top", top}, {"logits", prediction.logits}};
}

void printText(const std::string &file, const Prediction &prediction)
{
    std::cout << file << '\n';
    for (const ClassScore &score : prediction.top)
        std::cout << "  " << std::fixed << std::setprecision(4) << score.probability << "  " << score.label
                  << " (" << score.index << ")\n";
}

int runPredict(const PredictOptions &options, const GlobalOptions &global)
{
    const auto classifier = Classifier::load(options.model, global.device);
    nlohmann::json results = nlohmann::json::array();
    int failures = 0;
    for (size_t first = 0; first < options.images.size(); first += kImagesPerChunk) {
        std::vector<cv::Mat> images;
        std::vector<std::string> names;
        for (size_t i = first; i < std::min(first + kImagesPerChunk, options.images.size()); ++i) {
            const std::string &file = options.images[i];
            try {
                images.push_back(readImage(file));
                names.push_back(file);
            } catch (const Error &error) {
                std::cerr << "sightglass-cli: error: " << error.what() << '\n';
                results.push_back({{"file", file}, {"error", error.problem()}});
                ++failures;
            }
        }
        const auto predictions = classifier->predict(images, options.topk, names);
        for (size_t i = 0; i < predictions.size(); ++i) {
            if (options.json)
                results.push_back(toJson(names[i], predictions[i]));
            else
                printText(names[i], predictions[i]);
        }
    }
    if (options.json)
        std::cout << results.dump(2) << '\n';
    return failures == 0 ? 0 : 1;
}

} // namespace

Command addPredictCommand(CLI::App &app, const GlobalOptions &global)
{
    auto options = std::make_shared<PredictOptions>();
    CLI::App *command = app.add_subcommand("predict", "Classify images: top-k labels and logits");
    command->add_option("--model,-m", options->model, "TorchScript model (.pt with .json sidecar)")
        ->required();
    command->add_option("images", options->images, "Image files")->required();
    command->add_option("--topk,-k", options->topk, "How many classes to list")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_flag("--json", options->json,
        "Print a JSON array: per image file, top (index, label, probability) and "
        "logits; an image that cannot be read gets file and error");
    return {command, [options, &global] { return runPredict(*options, global); }};
}

} // namespace sg::cli
