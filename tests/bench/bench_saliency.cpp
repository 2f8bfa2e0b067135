// sightglass-bench: seconds per image, model passes and overhead of each saliency method.
//
// Overhead ratio = a method's wall time / the time the same number of plain batched model
// passes take, measured in the same run on the same model: (forwards - backwards) plain forward
// images plus `backwards` forward+backward images, at the bench's batch size. A ratio near 1
// means the method runs at the speed of its passes; the only way to be faster is fewer passes.
//
//   sightglass-bench --model M.pt --images A.png B.png ... [--truth truth.json]
//                    --methods igos@28,igos@28:reference=1,gradcam,rise@7:masks=500
//                    [--batch 20] [--evaluate] [--markdown OUT.md] [--title TEXT]

#include "image/image_io.h"
#include "metrics/deletion_insertion.h"
#include "metrics/pointing_game.h"
#include "model/classifier.h"
#include "model/runtime.h"
#include "saliency/method.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

namespace {

using namespace sg;
using Clock = std::chrono::steady_clock;

struct MethodRun {
    std::string spec;  // as given: id[@resolution][:name=value]...
    std::string id;
    int resolution = kDefaultResolution;
    ParamValues params;
};

MethodRun parseSpec(const std::string &spec)
{
    MethodRun run{spec, "", kDefaultResolution, {}};
    std::istringstream parts(spec);
    std::string part;
    std::getline(parts, part, ':');
    const size_t at = part.find('@');
    run.id = part.substr(0, at);
    if (at != std::string::npos)
        run.resolution = std::stoi(part.substr(at + 1));
    while (std::getline(parts, part, ':')) {
        const size_t equals = part.find('=');
        if (equals == std::string::npos)
            throw std::runtime_error("bad parameter \"" + part + "\" in " + spec);
        run.params[part.substr(0, equals)] = std::stod(part.substr(equals + 1));
    }
    return run;
}

struct PassCost {
    double forward = 0.0;          // seconds per image, forward only
    double forwardBackward = 0.0;  // seconds per image, forward + input gradient
};

// Times plain batched passes of `batch` random images.
PassCost measurePasses(const Classifier &classifier, int batch, int repeats)
{
    const InputSpec &spec = classifier.spec().input;
    const at::Tensor input = torch::randn({batch, spec.channels, spec.height, spec.width});
    const std::vector<int64_t> targets(size_t(batch), 0);
    {
        torch::NoGradGuard noGrad;
        classifier.logits(input);  // warm-up
    }
    classifier.inputGradient(input, targets);
    PassCost cost;
    auto start = Clock::now();
    for (int i = 0; i < repeats; ++i) {
        torch::NoGradGuard noGrad;
        classifier.logits(input);
    }
    cost.forward = std::chrono::duration<double>(Clock::now() - start).count() / (repeats * batch);
    start = Clock::now();
    for (int i = 0; i < repeats; ++i)
        classifier.inputGradient(input, targets);
    cost.forwardBackward = std::chrono::duration<double>(Clock::now() - start).count() / (repeats * batch);
    return cost;
}

struct Row {
    MethodRun run;
    int resolution = 0;
    int images = 0;
    double seconds = 0.0;
    double forwards = 0.0;
    double backwards = 0.0;
    double deletionAuc = 0.0;
    double insertionAuc = 0.0;
    int hits = 0;
    bool hasTruth = false;
};

std::string fixed(double value, int digits)
{
    std::ostringstream text;
    text << std::fixed << std::setprecision(digits) << value;
    return text.str();
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"Benchmark saliency methods: seconds, passes, overhead ratio", "sightglass-bench"};
    std::string modelPath;
    std::vector<std::string> imagePaths;
    std::string truthPath;
    std::string methodList;
    int batch = 20;
    int threads = 0;
    int repeats = 3;
    bool evaluate = false;
    std::string markdownPath;
    std::string title;
    app.add_option("--model", modelPath, "Model .pt")->required();
    app.add_option("--images", imagePaths, "Images")->required();
    app.add_option("--truth", truthPath, "truth.json with cue boxes, for the pointing game");
    app.add_option("--methods", methodList, "Comma-separated id[@res][:name=value]...")->required();
    app.add_option("--batch", batch, "Batch size for methods and plain passes")->capture_default_str();
    app.add_option("--threads", threads, "Compute threads (0 = all)")->capture_default_str();
    app.add_option("--repeats", repeats, "Batches timed per plain-pass measurement")->capture_default_str();
    app.add_flag("--evaluate", evaluate, "Also deletion/insertion AUC (the standard settings)");
    app.add_option("--markdown", markdownPath, "Append a markdown table to this file");
    app.add_option("--title", title, "Heading of the markdown table");
    CLI11_PARSE(app, argc, argv);

    try {
        initRuntime(threads);
        const auto classifier = Classifier::load(modelPath, "cpu");
        std::map<std::string, std::vector<PixelBox>> truth;
        if (!truthPath.empty()) {
            std::ifstream in(truthPath);
            const nlohmann::json document = nlohmann::json::parse(in);
            for (const auto &image : document.at("images")) {
                auto &boxes = truth[image.at("file").get<std::string>()];
                for (const auto &cue : image.at("cues")) {
                    const auto b = cue.at("box").get<std::vector<int>>();
                    boxes.push_back({b[0], b[1], b[2], b[3]});
                }
            }
        }
        std::vector<MethodRun> runs;
        std::istringstream specs(methodList);
        for (std::string spec; std::getline(specs, spec, ',');)
            runs.push_back(parseSpec(spec));

        const PassCost before = measurePasses(*classifier, batch, repeats);
        std::vector<Row> rows;
        for (const MethodRun &run : runs) {
            const SaliencyMethod &method = MethodRegistry::builtin().get(run.id);
            Row row{run};
            for (const std::string &path : imagePaths) {
                SaliencyRequest request;
                request.classifier = classifier.get();
                request.image = readImage(path);
                request.resolution = run.resolution;
                request.params = run.params;
                request.seed = 1;
                request.maxBatch = batch;
                const CancelFlag cancel{false};
                const Heatmap heatmap = method.run(request, {}, cancel);
                row.resolution = heatmap.resolution;
                row.seconds += heatmap.seconds;
                row.forwards += double(heatmap.forwardPasses);
                row.backwards += double(heatmap.backwardPasses);
                ++row.images;
                if (evaluate) {
                    const auto options = standardDeletionInsertionOptions(classifier->spec().input, batch);
                    const auto metrics = evaluateDeletionInsertion(*classifier, request.image, heatmap.saliency,
                                                                   heatmap.target, options, cancel);
                    row.deletionAuc += metrics.deletionAuc;
                    row.insertionAuc += metrics.insertionAuc;
                }
                const auto boxes = truth.find(std::filesystem::path(path).filename().string());
                if (boxes != truth.end()) {
                    row.hasTruth = true;
                    row.hits += pointingGame(heatmap.saliency, boxes->second).hit;
                }
                std::cerr << run.spec << " " << path << ": " << heatmap.seconds << " s\n";
            }
            rows.push_back(row);
        }
        const PassCost after = measurePasses(*classifier, batch, repeats);
        const PassCost cost{(before.forward + after.forward) / 2,
                            (before.forwardBackward + after.forwardBackward) / 2};

        std::ostringstream table;
        table << "\n### " << (title.empty() ? classifier->spec().name : title) << "\n\n"
              << "Plain passes at batch " << batch << ": " << fixed(cost.forward * 1000, 2)
              << " ms/image forward, " << fixed(cost.forwardBackward * 1000, 2)
              << " ms/image forward+backward (mean of before and after the methods: "
              << fixed(before.forward * 1000, 2) << " / " << fixed(after.forward * 1000, 2) << " ms forward).\n\n"
              << "| method | resolution | images | s/image | forward/image | backward/image | overhead |"
              << (evaluate ? " deletion AUC | insertion AUC |" : "") << " pointing |\n"
              << "|---|---|---|---|---|---|---|" << (evaluate ? "---|---|" : "") << "---|\n";
        for (const Row &row : rows) {
            const double n = row.images;
            const double plain = (row.forwards - row.backwards) * cost.forward + row.backwards * cost.forwardBackward;
            table << "| `" << row.run.spec << "` | " << row.resolution << " | " << row.images << " | "
                  << fixed(row.seconds / n, 3) << " | " << fixed(row.forwards / n, 0) << " | "
                  << fixed(row.backwards / n, 0) << " | " << fixed(row.seconds / plain, 3) << " |";
            if (evaluate)
                table << ' ' << fixed(row.deletionAuc / n, 4) << " | " << fixed(row.insertionAuc / n, 4) << " |";
            table << ' ' << (row.hasTruth ? std::to_string(row.hits) + "/" + std::to_string(row.images) : "-")
                  << " |\n";
        }
        std::cout << table.str();
        if (!markdownPath.empty()) {
            std::ofstream out(markdownPath, std::ios::app);
            out << table.str();
        }
    } catch (const std::exception &error) {
        std::cerr << "sightglass-bench: error: " << error.what() << '\n';
        return 1;
    }
    return 0;
}
