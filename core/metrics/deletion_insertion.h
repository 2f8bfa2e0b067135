#pragma once
// Deletion and insertion curves and their areas (AUC), the causal metrics that score a saliency
// map by how fast the class probability falls when the most salient parts are removed
// (deletion, lower is better) or rises when they are put back (insertion, higher is better).
// Two variants, kept apart because their numbers differ (research/igos.md §4):
//   "igos"  the IGOS_pp reference `metric`: cells of an s x s grid, blurred baseline for both
//           games, bilinear (align_corners) soft cell borders, right Riemann sum over s^2;
//   "rise"  the RISE `CausalMetric`: model-input pixels, zeros (the mean colour) as the deletion
//           fill, an 11 x 11 blur as the insertion start, trapezoid AUC.
// Torch-free header: decoded images and maps in, plain structs out.

#include "common/cancel.h"
#include "common/progress.h"
#include "model/classifier.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sg {

// The variant ids, in the order a user is offered them ("igos" first: the default).
const std::vector<std::string> &deletionInsertionVariants();

struct DeletionInsertionOptions {
    std::string variant = "igos";
    // igos: side s of the cell grid. The same for every method, so that AUCs compare across
    // methods and resolutions. 1 to the model input's shorter side.
    int resolution = 28;
    // igos: reproduce the reference's last-step bug (the last step adds the remaining cell
    // count instead of score x count), for comparison with published IGOS_pp numbers.
    bool legacyLastStep = false;
    // rise: pixels changed per step; unset = 8 x input width (1792 at 224, 28 steps).
    std::optional<int> pixelsPerStep;
    // rise: what deleted pixels become, "zeros" (0 after normalisation: the mean colour, as the
    // reference) or "blur" (the 11 x 11 blur that insertion starts from).
    std::string riseDeletionFill = "zeros";
    // Most images per model pass; halved for the rest of the run on out-of-memory.
    int maxBatch = 32;
};

// The settings every map is scored with when the user picks none (explain --evaluate, the GUI,
// benchmarks): the igos variant at 28 x 28 cells, or one cell per pixel for a model input
// smaller than that. Any thread.
DeletionInsertionOptions standardDeletionInsertionOptions(const InputSpec &input, int maxBatch = 32);

enum class MetricCurve { Deletion, Insertion };

// One curve: x = fraction of cells (igos) or pixels (rise) changed, score = softmax probability
// of the target. Point 0 is the unchanged start (the clean image for deletion, the baseline for
// insertion); point k follows step k.
struct CurvePoints {
    std::vector<double> x;
    std::vector<double> score;
};

// What the run actually used, defaults filled in.
struct DeletionInsertionSettings {
    std::string variant;
    int gridWidth = 0; // igos: s; rise: the model input width (one unit = one pixel)
    int gridHeight = 0; // igos: s; rise: the model input height
    int unitsPerStep = 0; // cells (igos) or pixels (rise) changed per step
    int steps = 0; // steps after the start point; each curve has steps + 1 points
    bool legacyLastStep = false; // igos only
    std::string deletionFill; // "blur" or "zeros"
    std::string insertionStart = "blur";
    int blurKernel = 0; // side of the Gaussian kernel of the blur (igos 51/151/201, rise 11)
    double blurSigma = 0.0;
    int saliencyWidth = 0; // the map as given, before any resampling
    int saliencyHeight = 0;
    int maxBatch = 0; // as requested (the run may have halved it on out-of-memory)
};

struct DeletionInsertionResult {
    CurvePoints deletion;
    CurvePoints insertion;
    double deletionAuc = 0.0; // lower = better map
    double insertionAuc = 0.0; // higher = better map
    int target = 0;
    std::string label;
    double probability = 0.0; // softmax probability of the target on the clean image
    DeletionInsertionSettings settings;
    std::int64_t forwardPasses = 0; // images pushed through the model, the clean pass included
    double seconds = 0.0;
};

// Scores `saliency` (single channel, any size, any depth converted to float; high = salient) as
// an explanation of `target` (-1 = the model's top-1 class on the clean image) for `image` (a
// decoded image as from readImage). A map not at the model's input size is resized bilinearly
// to it first; igos then reduces it to s x s by area averaging (a map already s x s is used as
// it is). Units are ranked by descending saliency, ties by index (row-major), so equal input
// gives an equal curve on every device. Every step image of both curves is scored in batches of
// at most options.maxBatch; `progress` (may be empty) is called after each batch with images
// done/total (map = nullptr), `cancel` is checked before each batch.
// Runs on the calling thread (the job worker), which does all model work; the classifier must
// not be used by another thread meanwhile. Throws sg::Error for a bad option (unknown variant
// or deletion fill, resolution out of range, pixels per step or batch size < 1), an empty,
// multi-channel or non-finite map, an empty image, or a target out of range; Cancelled when
// `cancel` was set.
DeletionInsertionResult evaluateDeletionInsertion(const Classifier &classifier, const cv::Mat &image,
    const cv::Mat &saliency, int target, const DeletionInsertionOptions &options, const CancelFlag &cancel,
    const ProgressFn &progress = {});

// The number of steps after the start point that a curve of `options` has for a model with
// input `input` (each curve has steps + 1 points). Any thread. Throws sg::Error for bad options
// as evaluateDeletionInsertion.
int deletionInsertionSteps(const InputSpec &input, const DeletionInsertionOptions &options);

// The image the model saw at point `step` (0 = start, up to deletionInsertionSteps) of `curve`,
// for display while the user moves along a plotted curve: 8-bit RGB (a gray model's input
// repeated to three channels), model input size, a new matrix owned by the caller. Same
// inputs as evaluateDeletionInsertion (the target plays no part). Any thread; needs no model
// (CPU only, one blur). Throws sg::Error as evaluateDeletionInsertion, and for a step out of
// range.
cv::Mat deletionInsertionStepImage(const InputSpec &input, const cv::Mat &image, const cv::Mat &saliency,
    const DeletionInsertionOptions &options, MetricCurve curve, int step);

} // namespace sg
