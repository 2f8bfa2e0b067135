#include "metrics/deletion_insertion.h"

#include "common/batching.h"
#include "common/error.h"
#include "image/mat_tensor.h"
#include "image/preprocess.h"
#include "model/tensor_ops.h"

#include <torch/torch.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace sg {

namespace {

namespace F = torch::nn::functional;

const std::string kIgos = "igos";
const std::string kRise = "rise";

// RISE's insertion blur: an 11 x 11 kernel, sigma 5 (research/igos.md §4.3).
constexpr int kRiseBlurKernel = 11;
constexpr double kRiseBlurSigma = 5.0;
// RISE's default step is 8 image rows' worth of pixels (224 * 8 = 1792 at 224 x 224).
constexpr int kRiseRowsPerStep = 8;
// IGOS_pp steps by s^2 // 50 cells, so every resolution gives about 50 steps.
constexpr int kIgosTargetSteps = 50;

Error optionError(const std::string &problem)
{
    return Error("", "deletion/insertion: " + problem);
}

// The geometry of a run: what a unit is, how many there are, how many change per step.
struct Geometry {
    bool igos = true;
    int gridHeight = 0;
    int gridWidth = 0;
    int units = 0;
    int unitsPerStep = 0;
    int steps = 0;

    // Units changed after `step` steps.
    int changed(int step) const { return std::min(units, step * unitsPerStep); }
};

Geometry resolveGeometry(const InputSpec &input, const DeletionInsertionOptions &options)
{
    if (options.maxBatch < 1)
        throw optionError("batch size must be at least 1, not " + std::to_string(options.maxBatch));
    Geometry geometry;
    if (options.variant == kIgos) {
        const int side = std::min(input.width, input.height);
        if (options.resolution < 1 || options.resolution > side)
            throw optionError("resolution " + std::to_string(options.resolution)
                + " is out of range for the model's " + std::to_string(input.width) + "x"
                + std::to_string(input.height) + " input (1 to " + std::to_string(side) + ")");
        geometry.igos = true;
        geometry.gridHeight = geometry.gridWidth = options.resolution;
        geometry.units = options.resolution * options.resolution;
        geometry.unitsPerStep = std::max(1, geometry.units / kIgosTargetSteps);
    } else if (options.variant == kRise) {
        if (options.riseDeletionFill != "zeros" && options.riseDeletionFill != "blur")
            throw optionError(
                "unknown deletion fill \"" + options.riseDeletionFill + "\" (choose zeros or blur)");
        geometry.igos = false;
        geometry.gridHeight = input.height;
        geometry.gridWidth = input.width;
        geometry.units = input.height * input.width;
        const int perStep = options.pixelsPerStep.value_or(kRiseRowsPerStep * input.width);
        if (perStep < 1)
            throw optionError("pixels per step must be at least 1, not " + std::to_string(perStep));
        geometry.unitsPerStep = perStep;
    } else {
        throw optionError("unknown variant \"" + options.variant + "\" (choose igos or rise)");
    }
    geometry.steps = (geometry.units + geometry.unitsPerStep - 1) / geometry.unitsPerStep;
    return geometry;
}

// The map at the grid's size as float values, row-major.
std::vector<float> mapOnGrid(const cv::Mat &saliency, const InputSpec &input, const Geometry &geometry)
{
    if (saliency.empty())
        throw optionError("the saliency map is empty");
    if (saliency.channels() != 1)
        throw optionError(
            "the saliency map must have one channel, not " + std::to_string(saliency.channels()));
    cv::Mat map;
    saliency.convertTo(map, CV_32F);
    if (!cv::checkRange(map))
        throw optionError("the saliency map holds NaN or infinite values");

    const cv::Size grid(geometry.gridWidth, geometry.gridHeight);
    if (map.size() != grid) {
        const cv::Size inputSize(input.width, input.height);
        if (map.size() != inputSize) {
            cv::Mat resized;
            cv::resize(map, resized, inputSize, 0, 0, cv::INTER_LINEAR);
            map = resized;
        }
        if (map.size() != grid) {
            cv::Mat reduced;
            cv::resize(map, reduced, grid, 0, 0, cv::INTER_AREA);
            map = reduced;
        }
    }
    map = map.isContinuous() ? map : map.clone();
    return std::vector<float>(map.ptr<float>(), map.ptr<float>() + map.total());
}

// rank[u] = position of unit u in the order of removal: descending saliency, ties by index.
at::Tensor rankUnits(const std::vector<float> &values, const Geometry &geometry)
{
    std::vector<int> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(
        order.begin(), order.end(), [&](int a, int b) { return values[size_t(a)] > values[size_t(b)]; });
    std::vector<float> rank(values.size());
    for (size_t position = 0; position < order.size(); ++position)
        rank[size_t(order[position])] = float(position); // exact: unit counts are far below 2^24
    return torch::tensor(rank).view({1, 1, geometry.gridHeight, geometry.gridWidth});
}

// The RISE kernel: scipy's gaussian_filter (sigma 5, truncate 4, "reflect" = half-sample
// symmetric borders) of an 11 x 11 delta. Separable, so the outer product of the 1-D filter of
// an 11-sample delta; the reflection folds the Gaussian's tails back in.
at::Tensor riseKernel()
{
    const int radius = int(4.0 * kRiseBlurSigma + 0.5);
    std::vector<double> gauss(size_t(2 * radius + 1));
    double total = 0.0;
    for (int d = -radius; d <= radius; ++d)
        total += gauss[size_t(d + radius)] = std::exp(-0.5 * d * d / (kRiseBlurSigma * kRiseBlurSigma));
    for (double &weight : gauss)
        weight /= total;
    const int length = kRiseBlurKernel;
    const int period = 2 * length;
    auto reflect = [&](int index) {
        index = ((index % period) + period) % period;
        return index < length ? index : period - 1 - index;
    };
    std::vector<double> line(size_t(length), 0.0);
    for (int i = 0; i < length; ++i)
        for (int d = -radius; d <= radius; ++d)
            if (reflect(i + d) == length / 2)
                line[size_t(i)] += gauss[size_t(d + radius)];
    const at::Tensor oneD = torch::tensor(line, torch::kFloat64);
    return torch::outer(oneD, oneD).to(torch::kFloat32);
}

// RISE's blur of a normalised image [1, C, H, W]: the kernel per channel, zero padding (as the
// reference's conv2d on the normalised tensor).
at::Tensor riseBlur(const at::Tensor &normalised)
{
    const int64_t channels = normalised.size(1);
    const at::Tensor weight
        = riseKernel().view({1, 1, kRiseBlurKernel, kRiseBlurKernel}).repeat({channels, 1, 1, 1});
    return F::conv2d(
        normalised, weight, F::Conv2dFuncOptions().padding(kRiseBlurKernel / 2).groups(channels));
}

// Everything needed to build any step image of either curve (normalised, [1, C, H, W]).
struct Plan {
    Geometry geometry;
    DeletionInsertionSettings settings;
    at::Tensor rank; // [1, 1, gh, gw]
    at::Tensor clean; // the image
    at::Tensor deletionFill; // what deleted units become
    at::Tensor insertionStart; // what the insertion game starts from
    int height = 0;
    int width = 0;

    void to(const c10::Device &device)
    {
        rank = rank.to(device);
        clean = clean.to(device);
        deletionFill = deletionFill.to(device);
        insertionStart = insertionStart.to(device);
    }

    // The step images of `items` (curve, step) as one batch [N, C, H, W] on the plan's device.
    // Keep mask T = units not yet changed; U(T) its bilinear (align_corners) upsampling (the
    // identity for pixel units). Deletion = I U + fill (1 - U), insertion = start U + I (1 - U).
    at::Tensor images(const std::vector<std::pair<MetricCurve, int>> &items) const
    {
        const auto count = int64_t(items.size());
        std::vector<float> thresholds;
        std::vector<int64_t> keepSource;
        std::vector<int64_t> otherSource;
        for (const auto &[curve, step] : items) {
            thresholds.push_back(float(geometry.changed(step)));
            keepSource.push_back(curve == MetricCurve::Deletion ? 0 : 2);
            otherSource.push_back(curve == MetricCurve::Deletion ? 1 : 0);
        }
        const auto device = rank.device();
        const at::Tensor threshold = torch::tensor(thresholds).view({count, 1, 1, 1}).to(device);
        const at::Tensor keep = upsample((rank >= threshold).to(torch::kFloat32), height, width);
        const at::Tensor sources = torch::cat({clean, deletionFill, insertionStart});
        const at::Tensor kept = sources.index_select(0, torch::tensor(keepSource).to(device));
        const at::Tensor other = sources.index_select(0, torch::tensor(otherSource).to(device));
        return kept * keep + other * (1.0 - keep);
    }
};

Plan makePlan(const InputSpec &input, const cv::Mat &image, const cv::Mat &saliency,
    const DeletionInsertionOptions &options)
{
    Plan plan;
    plan.geometry = resolveGeometry(input, options);
    if (image.empty())
        throw optionError("no image given");
    const std::vector<float> values = mapOnGrid(saliency, input, plan.geometry);
    plan.rank = rankUnits(values, plan.geometry);
    plan.height = input.height;
    plan.width = input.width;

    const at::Tensor pixels = toPixelTensor({toModelPixels(image, input)}, input);
    plan.clean = normalise(pixels, input);

    DeletionInsertionSettings &settings = plan.settings;
    settings.variant = options.variant;
    settings.gridWidth = plan.geometry.gridWidth;
    settings.gridHeight = plan.geometry.gridHeight;
    settings.unitsPerStep = plan.geometry.unitsPerStep;
    settings.steps = plan.geometry.steps;
    settings.saliencyWidth = saliency.cols;
    settings.saliencyHeight = saliency.rows;
    settings.maxBatch = options.maxBatch;
    if (plan.geometry.igos) {
        const at::Tensor baseline = normalise(blurPixels(pixels), input);
        plan.deletionFill = baseline;
        plan.insertionStart = baseline;
        settings.legacyLastStep = options.legacyLastStep;
        settings.deletionFill = "blur";
        settings.blurKernel = blurKernelSide(input.width, input.height);
        settings.blurSigma = settings.blurKernel - 1;
    } else {
        const at::Tensor blurred = riseBlur(plan.clean);
        plan.insertionStart = blurred;
        plan.deletionFill = options.riseDeletionFill == "blur" ? blurred : torch::zeros_like(plan.clean);
        settings.deletionFill = options.riseDeletionFill;
        settings.blurKernel = kRiseBlurKernel;
        settings.blurSigma = kRiseBlurSigma;
    }
    return plan;
}

double areaUnderCurve(const std::vector<double> &scores, const Geometry &geometry, bool legacyLastStep)
{
    const int steps = geometry.steps;
    if (geometry.igos) {
        // Right Riemann sum over the steps (the start point is not included), each step weighted
        // by the cells it changed.
        double sum = 0.0;
        for (int k = 1; k <= steps; ++k) {
            const int width = geometry.changed(k) - geometry.changed(k - 1);
            sum += (legacyLastStep && k == steps) ? double(width) : width * scores[size_t(k)];
        }
        return sum / geometry.units;
    }
    // Trapezoid over all points on [0, 1], the points taken as evenly spaced (as the reference).
    const double sum = std::accumulate(scores.begin(), scores.end(), 0.0);
    return (sum - scores.front() / 2.0 - scores.back() / 2.0) / steps;
}

} // namespace

const std::vector<std::string> &deletionInsertionVariants()
{
    static const std::vector<std::string> variants{kIgos, kRise};
    return variants;
}

int deletionInsertionSteps(const InputSpec &input, const DeletionInsertionOptions &options)
{
    return resolveGeometry(input, options).steps;
}

DeletionInsertionResult evaluateDeletionInsertion(const Classifier &classifier, const cv::Mat &image,
    const cv::Mat &saliency, int target, const DeletionInsertionOptions &options, const CancelFlag &cancel,
    const ProgressFn &progress)
{
    const auto start = std::chrono::steady_clock::now();
    const std::int64_t forwardsBefore = classifier.forwardCount();
    const int classes = classifier.classCount();
    if (target < -1 || target >= classes)
        throw Error("",
            "target class " + std::to_string(target) + " is out of range (the model has "
                + std::to_string(classes) + " classes, 0 to " + std::to_string(classes - 1) + ")");

    Plan plan = makePlan(classifier.spec().input, image, saliency, options);
    plan.to(c10::Device(classifier.deviceName()));
    const Geometry &geometry = plan.geometry;
    const int points = geometry.steps + 1;
    const int total = 2 * points;

    torch::NoGradGuard noGrad;
    throwIfCancelled(cancel);
    // The clean pass picks the target; its score is the deletion curve's start point.
    const at::Tensor cleanProbabilities
        = torch::softmax(classifier.logits(plan.clean).to(torch::kFloat64), 1)[0].cpu();
    DeletionInsertionResult result;
    result.target = target == -1 ? int(cleanProbabilities.argmax().item<int64_t>()) : target;
    result.probability = cleanProbabilities[result.target].item<double>();
    result.label = classifier.spec().labels[size_t(result.target)];
    result.settings = plan.settings;

    std::vector<double> deletion(size_t(points), 0.0);
    std::vector<double> insertion(size_t(points), 0.0);
    deletion[0] = result.probability;
    std::vector<std::pair<MetricCurve, int>> items;
    for (int k = 1; k < points; ++k)
        items.emplace_back(MetricCurve::Deletion, k);
    for (int k = 0; k < points; ++k)
        items.emplace_back(MetricCurve::Insertion, k);

    int done = 1;
    if (progress)
        progress(Progress{done, total, nullptr});
    int maxBatch = options.maxBatch;
    forEachBatch(int(items.size()), maxBatch, cancel, [&](int begin, int end) {
        const std::vector<std::pair<MetricCurve, int>> slice(items.begin() + begin, items.begin() + end);
        const at::Tensor scores = torch::softmax(classifier.logits(plan.images(slice)).to(torch::kFloat64), 1)
                                      .select(1, result.target)
                                      .cpu()
                                      .contiguous();
        const double *values = scores.data_ptr<double>();
        for (size_t i = 0; i < slice.size(); ++i) {
            const auto &[curve, step] = slice[i];
            (curve == MetricCurve::Deletion ? deletion : insertion)[size_t(step)] = values[i];
        }
        done += end - begin;
        if (progress)
            progress(Progress{done, total, nullptr});
    });

    for (int k = 0; k < points; ++k) {
        const double x = double(geometry.changed(k)) / geometry.units;
        result.deletion.x.push_back(x);
        result.insertion.x.push_back(x);
    }
    result.deletion.score = std::move(deletion);
    result.insertion.score = std::move(insertion);
    const bool legacy = geometry.igos && options.legacyLastStep;
    result.deletionAuc = areaUnderCurve(result.deletion.score, geometry, legacy);
    result.insertionAuc = areaUnderCurve(result.insertion.score, geometry, legacy);
    result.forwardPasses = classifier.forwardCount() - forwardsBefore;
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

cv::Mat deletionInsertionStepImage(const InputSpec &input, const cv::Mat &image, const cv::Mat &saliency,
    const DeletionInsertionOptions &options, MetricCurve curve, int step)
{
    const Plan plan = makePlan(input, image, saliency, options);
    if (step < 0 || step > plan.geometry.steps)
        throw optionError("step " + std::to_string(step) + " is out of range (the curve has steps 0 to "
            + std::to_string(plan.geometry.steps) + ")");
    const at::Tensor normalised = plan.images({{curve, step}});
    // Back to model pixels in [0, 1]: undo (lo + (hi - lo) p - mean) / std.
    const auto mean = torch::tensor(input.mean).view({1, -1, 1, 1});
    const auto deviation = torch::tensor(input.std).view({1, -1, 1, 1});
    const at::Tensor pixels
        = ((normalised * deviation + mean - input.rangeLow) / (input.rangeHigh - input.rangeLow))
              .clamp(0.0, 1.0);
    const at::Tensor hwc = pixels[0].permute({1, 2, 0}).contiguous();
    const cv::Mat floats(input.height, input.width, CV_32FC(input.channels), hwc.data_ptr<float>());
    cv::Mat rgb;
    floats.convertTo(rgb, CV_8U, 255.0); // rounds and saturates
    if (input.channels == 1)
        cv::cvtColor(rgb, rgb, cv::COLOR_GRAY2RGB);
    return rgb;
}

DeletionInsertionOptions standardDeletionInsertionOptions(const InputSpec &input, int maxBatch)
{
    DeletionInsertionOptions options;
    options.maxBatch = maxBatch;
    options.resolution = std::min({options.resolution, input.width, input.height});
    return options;
}

} // namespace sg
