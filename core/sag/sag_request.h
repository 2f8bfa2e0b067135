#pragma once
// What a Structured Attention Graph (SAG) search is asked to do: the grid of cells over the model
// input, the sufficiency threshold, the beam search, the baseline and cell upsampling, the
// diversity rule and the graph's bounds. The search itself is in sag_search.h; the spec is
// research/sag.md and core/sag/README.md says which reference behaviour each mode follows.
// Torch-free header.

#include "common/params.h"
#include "model/model_spec.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sg {

// reference: the public reference code's choices, so results compare one to one with it (beam
// of beamWidth + 1, one pass per evaluation, the 2-iteration I-GOS ranking with its noise quirk,
// children that drop the first cells). default: the same definitions without the waste (each
// set scored once, duplicates dropped, batched passes, exactly beamWidth sets kept).
enum class SagMode { Default, Reference };
// What hidden cells show: the black image (zero pixels; the reference) or the I-GOS blur.
enum class SagBaseline { Black, Blur };
// How the cell mask reaches the input: bilinear with align_corners (the reference: each cell is
// a tent reaching the neighbouring cell centres), or hard blocks (pixel row y belongs to cell
// row floor(y * rows / height), the same for columns).
enum class SagUpsampling { Bilinear, Blocks };

// The CLI / JSON spellings: "default"/"reference", "black"/"blur", "bilinear"/"blocks". Pure.
const char *sagModeName(SagMode mode);
const char *sagBaselineName(SagBaseline baseline);
const char *sagUpsamplingName(SagUpsampling upsampling);
// The inverse; throws sg::Error naming `what` (e.g. "--mode") and the choices for other text.
SagMode sagModeFromName(const std::string &name, const std::string &what = "mode");
SagBaseline sagBaselineFromName(const std::string &name, const std::string &what = "baseline");
SagUpsampling sagUpsamplingFromName(const std::string &name, const std::string &what = "upsampling");

// Bounds of the request's fields (validateSagRequest).
constexpr int kSagMinGrid = 2;
constexpr int kSagMaxGrid = 14;
constexpr int kSagMaxCells = kSagMaxGrid * kSagMaxGrid;

struct SagRequest {
    int gridRows = 7; // cells down the model input, 2 to 14
    int gridCols = 7; // cells across, 2 to 14
    // A cell set S is sufficient when f(S) > threshold * f(all cells), f the target's softmax
    // probability on the image showing S's cells over the baseline. In (0, 1].
    double threshold = 0.9;
    int beamWidth = 3; // sets kept per beam step (reference mode keeps one more, as the reference)
    int successors = 15; // candidate cells per beam set: the best-ranked cells not yet shown
    int maxRoots = 10; // the search stops once more distinct roots than this were found
    SagMode mode = SagMode::Default;
    SagBaseline baseline = SagBaseline::Black;
    SagUpsampling upsampling = SagUpsampling::Bilinear;
    int maxSharedCells = 1; // diverse roots share at most this many cells pairwise
    int rootsShown = 3; // diverse roots that become the graph's roots
    // A graph node whose relative confidence is not above this is a leaf. In [0, 1].
    double expandThreshold = 0.4;
    int branching = 3; // children per expanded node
    int nodeLimit = 64; // most nodes in the graph; the graph says when it cut
    bool noCache = false; // score every set anew (shows that memoising never changes a result)
    int target = -1; // class to explain; -1 = the model's top-1 class on the image
    std::uint64_t seed = 0; // seeds the ranking's noise: equal requests give equal results
    int maxBatch = 32; // most images per model pass (default mode); halved on out-of-memory

    // Equal when every field that determines the result (statistics included) is equal;
    // maxBatch is not compared (it changes only how many images go through the model at once).
    bool operator==(const SagRequest &other) const;
    bool operator!=(const SagRequest &other) const { return !(*this == other); }
};

// Checks `request` against a model with `input` and `classCount` classes. Any thread. Throws
// sg::Error ("sag: ..." naming the field, its value and the allowed range) for a grid side
// outside 2..14 or larger than the input side, a threshold outside (0, 1], a target outside
// -1..classCount-1, and any other field out of its range.
void validateSagRequest(const SagRequest &request, const InputSpec &input, int classCount);

// The search's options as a typed parameter schema (common/params.h), for the GUI's panel and
// `--param`-style settings: grid_rows, grid_cols, threshold, beam_width, successors, max_roots,
// mode, baseline, upsampling, max_shared_cells, roots_shown, expand_threshold, branching,
// node_limit, no_cache, with SagRequest's defaults. The threshold's lower bound 0 is exclusive
// (validateSagRequest refuses 0). Any thread; the reference is to a static.
const std::vector<ParamSpec> &sagParameterSchema();

// `base` (target, seed, maxBatch kept) with the fields named in `values` replaced, after
// resolveParams("sag", sagParameterSchema(), values). Throws what resolveParams throws.
SagRequest sagRequestWithParams(const SagRequest &base, const ParamValues &values);

// The one cache key of a SAG search: the model and image content hashes with every field
// operator== compares, as one canonical line (equal requests give equal keys, different ones
// different keys). Pure; any thread.
std::string sagCacheKey(
    const std::string &modelHash, const std::string &imageHash, const SagRequest &request);

} // namespace sg
