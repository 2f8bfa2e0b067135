#pragma once
// The result folders of `explain`, `sag` and `xnn explain`, as functions, so `batch` writes
// exactly what the single-image commands write. Every folder is written all-or-nothing through
// ResultFiles (temporary names, renamed into place at the end). Main thread; they throw
// sg::Error naming the file for a write that fails, and Cancelled when `cancel` is set.

#include "cli_output.h"

#include "common/progress.h"
#include "image/colormap.h"
#include "jobs/explanation.h"
#include "jobs/explanation_json.h"
#include "model/classifier.h"
#include "sag/sag_result.h"
#include "xnn/concept_map.h"
#include "xnn/xnn_model.h"

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace sg::cli {

// saliency.npy, mask.npy, overlay.png, result.json.
std::vector<std::string> explanationFileNames();
// Writes those files of `explanation` (of `image`) into `files` and commits them.
void writeExplanationFiles(ResultFiles &files, const Explanation &explanation, const cv::Mat &image,
    const ExplanationSource &source, double opacity, Colormap colormap);

// sag.json, sag.dot, sag.svg, sag.png, result.json.
std::vector<std::string> sagFileNames();
// Lays out and draws `result` (of `image`), then writes those files into `files` and commits
// them; result.json also holds `extra`'s keys (model, image, device). Nothing is written when
// the layout fails.
void writeSagFiles(ResultFiles &files, const SagResult &result, const cv::Mat &image, const InputSpec &input,
    const nlohmann::json &extra);

// What `xnn explain` needs besides the model, the XNN and the image.
struct XnnExplainSettings {
    std::string modelPath; // recorded in xnn.json
    std::string xnnPath;
    std::string imagePath; // the image file (its embedding is read from it)
    std::string cls; // --class; empty = the model's top class if the XNN explains it, else its first
    ConceptMapRequest mapRequest; // see xnnMapRequest()
    double opacity = 0.5;
    Colormap colormap = Colormap::Jet;
};

// What one XNN explanation came to, for the command's line and the batch summary.
struct XnnExplainSummary {
    int classIndex = 0;
    std::string label;
    double probability = 0.0; // the model's softmax probability of the explained class
    double xnnScore = 0.0;
    double modelScore = 0.0;
    std::size_t significant = 0;
    std::size_t xFeatures = 0;
    int maps = 0;
    std::string mapMethod;
    int resolution = 0;
    std::int64_t forwardPasses = 0; // of the concept maps
    std::int64_t backwardPasses = 0;
    double seconds = 0.0;
};

// Reads `xnnPath` for `classifier` (it must have a features/head split and match the XNN's
// model hash). Throws sg::Error naming the model or the file.
XnnModel readXnnForModel(const Classifier &classifier, const std::string &xnnPath);

// The concept-map request of --map, --resolution, --map-param, --seed, --max-batch. Throws
// sg::Error for an unknown map method or parameter, or I-GOS settings given to gradient-input.
ConceptMapRequest xnnMapRequest(const std::string &map, int resolution,
    const std::vector<std::string> &mapParams, std::uint64_t seed, int maxBatch);

// Explains `image` with `xnn` and writes xnn.json and the x-feature maps into `out` (refusing
// existing files unless `overwrite`). Throws sg::Error for an XNN that does not fit the model
// or a class it does not explain.
XnnExplainSummary explainXnnToFolder(const Classifier &classifier, const XnnModel &xnn, const cv::Mat &image,
    const XnnExplainSettings &settings, const std::string &out, bool overwrite, const ProgressFn &progress,
    const CancelFlag &cancel);

} // namespace sg::cli
