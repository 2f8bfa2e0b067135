#pragma once
// The plan and the summary of a batch run (`sightglass-cli batch`): which images a shard takes,
// the summary CSV's rows, and joining the summaries of a run's shards into the one a single
// process writes. Torch-free: no model is needed to plan or to merge.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sg {

// Shard K of N (1 <= K <= N): the images whose 0-based position p in the run's list has
// p % N == K - 1. Round robin keeps the shards' sizes within one image of each other and the
// split depends only on the list, never on the machine.
struct Shard {
    int index = 1;
    int count = 1;
    bool operator==(const Shard &other) const { return index == other.index && count == other.count; }
};

// Parses "K/N". Pure. Throws sg::Error("", ...) for anything else (3/2, 0/0, 1/0, x/2).
Shard parseShard(const std::string &text);

// True when the image at 0-based `position` of the run's list belongs to `shard`. Pure.
bool inShard(std::size_t position, const Shard &shard);

// One image of a batch run.
struct BatchImage {
    std::string path; // absolute
    std::string name; // as the summary names it: relative to the folder or manifest it came from
    std::string folder; // its output folder's name: the file name (unique within a run)
};

// The images of `source`: a folder (listImages(), natural order) or a CSV manifest of one
// image a row (the first field; a first row `file` or `image` is a header; blank lines and
// lines starting with '#' skipped; fields may be double-quoted; relative paths resolve against
// the manifest's folder), in the manifest's order. Any thread. Throws sg::Error naming the
// source for: a missing source, a folder without images, a manifest without rows, or two
// images of the same file name (their output folders would clash); naming the image for a
// manifest row whose file does not exist.
std::vector<BatchImage> listBatchImages(const std::string &source);

// One line of the summary: one analysis (a method at a resolution, a SAG, an XNN) of one image.
struct BatchRow {
    std::string image; // BatchImage::name
    std::string method; // a method id, "sag" or "xnn"
    int resolution = 0; // the method's own (Grad-CAM: the feature map's; SAG: the grid's side)
    int target = -1; // explained class; -1 when unknown (an error before the model ran)
    std::string label;
    std::optional<double> probability; // of the target on the clean image
    std::optional<double> deletionAuc; // --evaluate
    std::optional<double> insertionAuc;
    std::optional<bool> pointingHit; // when truth.json has the image (the map's single maximum)
    double seconds = 0.0;
    std::int64_t forwardPasses = 0;
    std::int64_t backwardPasses = 0;
    std::string error; // empty when it succeeded
};

// The row as batch-row.json holds it (absent values as null), and back. Pure; any thread.
// batchRowFromJson throws sg::Error("", ...) when a key is missing or of the wrong type.
nlohmann::json batchRowJson(const BatchRow &row);
BatchRow batchRowFromJson(const nlohmann::json &json);

// The CSV's first line (with its newline; pure): image,method,resolution,target,label,probability,
// deletion_auc,insertion_auc,pointing_hit,seconds,forward_passes,backward_passes,error
std::string batchCsvHeader();
// One row as a CSV line (with its newline): fields quoted where they hold a comma or quote,
// empty for an absent value, newlines in an error replaced by spaces. Pure.
std::string batchCsvLine(const BatchRow &row);

// The file names of a shard's summary and description in the output folder: "summary.csv" and
// "summary.json" for 1/1, "summary-K-of-N.csv" and ".json" otherwise. Pure.
std::string batchSummaryName(const Shard &shard);
std::string batchDescriptionName(const Shard &shard);

// Joins the summaries of every shard of one run, each a summary CSV written by a batch run with
// its description (.json of the same name) beside it, into the text a single process writes
// (rows in the run's image order). Any thread. Throws sg::Error naming the file for: a missing
// or unreadable summary or description; shards of different splits, settings or image lists;
// a shard given twice; a shard missing; a shard that did not finish; a malformed CSV.
std::string mergeBatchSummaries(const std::vector<std::string> &summaryPaths);

} // namespace sg
