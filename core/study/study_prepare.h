#pragma once
// Preparation: every explanation a study can show, computed before any participant comes, into
// the study's prepared folder (README.md, "Prepared folder"), so no participant ever waits. It
// is resumable: an item whose item.json records the current model hash, image hash and settings
// is kept. checkPrepared() lets a runner refuse a study whose preparation is incomplete or whose
// model or images changed since. Torch-free header.

#include "common/cancel.h"
#include "study/study_protocol.h"
#include "study/study_schedule.h"

#include <functional>
#include <string>
#include <vector>

namespace sg {

// One thing `prepare` computes.
struct PreparationItem {
    enum class Kind { Explanation, MaskedStimulus } kind = Kind::Explanation;
    std::string key; // relative to the prepared folder: "<condition>/<trial>" or "masked/<trial>.png"
    std::string conditionId; // explanations
    std::string trialId;
    std::string image; // resolved source image
    std::string settings; // one line naming what determines the result (part of the resume check)
};

// Every item the study needs, in a fixed order (blocks, then trials, then conditions). Pure.
std::vector<PreparationItem> preparationItems(const Study &study);

// The model's identity for preparation: fileContentHash of the model and its sidecar. Throws
// sg::Error naming a file that cannot be read.
std::string studyModelHash(const Study &study);

struct PreparationStatus {
    bool ready = false; // every item is present and matches the model and its image
    int total = 0;
    int done = 0;
    std::string modelHash; // the model's hash now (empty when the model cannot be read)
    std::string preparedModelHash; // recorded by prepare (empty when never prepared)
    std::vector<std::string> problems; // one line per reason it is not ready (at most ~10 items named)
};

// Checks the prepared folder against the study without loading the model (hashes files only).
// Any thread. Never throws for a missing or corrupt folder: that is a problem in the status.
PreparationStatus checkPrepared(const Study &study);

// Throws sg::Error naming the study when checkPrepared() is not ready, with its problems.
void requirePrepared(const Study &study);

// Fills the answer key of predict-model trials (the model's prediction on the masked image,
// recorded by prepare) into `schedule`. Throws sg::Error naming the missing item file.
void applyPreparation(const Study &study, Schedule &schedule);

struct PrepareProgress {
    int item = 0; // 0-based index of the item being computed, in preparationItems order
    int items = 0;
    int itemDone = 0; // progress inside the item, of itemTotal
    int itemTotal = 0;
    const PreparationItem *current = nullptr;
    bool skipped = false; // the item was already prepared (reported once, itemDone == itemTotal)
};
using PrepareProgressFn = std::function<void(const PrepareProgress &)>;

struct PrepareReport {
    int computed = 0;
    int skipped = 0;
};

// Computes every missing or outdated item into study.preparedFolder, on the calling thread
// (which does all model work), on `device` ("auto", "cpu", ...). Each item is written to a
// temporary folder and renamed into place, its item.json last, so a kill leaves no half item
// that counts as done. `cancel` is checked between passes (throws Cancelled; finished items stay).
// Throws sg::Error for a protocol with issues, a model or file that cannot be read, a method
// the model cannot run.
PrepareReport prepareStudy(const Study &study, const std::string &device, const PrepareProgressFn &progress,
    const CancelFlag &cancel);

} // namespace sg
