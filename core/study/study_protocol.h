#pragma once
// A user-study protocol (README.md in this folder, resources/schemas/study.schema.json): which
// model, which answers participants choose from, which explanation conditions, how participants
// are assigned to them, and the blocks of trials they see. Parsing collects every problem with
// its JSON path instead of stopping at the first. Pure data and JSON; no torch, no Qt.

#include <cstdint>
#include <string>
#include <vector>

namespace sg {

// One problem in a protocol: a JSON pointer ("/blocks/1/trials/3/image") and what is wrong.
struct StudyIssue {
    std::string path;
    std::string message;
};

// What a condition shows next to a stimulus.
enum class ConditionKind { None, Heatmap, Sag, Xnn, SideBySide };
const char *conditionKindName(ConditionKind kind); // "none", "heatmap", "sag", "xnn", "side-by-side"

struct StudyCondition {
    std::string id; // unique; what the store and the export record
    ConditionKind kind = ConditionKind::None;
    std::string method; // heatmap, side-by-side: saliency method id (registry)
    int resolution = 0; // heatmap, side-by-side: mask resolution; 0 = the method's default
    std::vector<std::string> xnnFiles; // xnn, side-by-side: resolved paths; the one explaining the
                                       // model's top class is shown
    std::string conceptMaps = "igos"; // xnn, side-by-side: "igos" or "gradient-input"
    int sagGrid = 7; // sag: cells a side
};

enum class BlockKind { Instructions, Training, Test, Questionnaire };
const char *blockKindName(BlockKind kind); // "instructions", "training", "test", "questionnaire"

enum class TrialKind {
    Classify, // the participant names the class of `image`; the answer key is `truth`
    PredictModel, // the participant predicts the model's top class on `image` with only the
                  // cells `keep` visible; the answer key is the model's prediction (prepare)
    Likert, // questionnaire: a rating min..max
    FreeText, // questionnaire: free text
};
const char *trialKindName(TrialKind kind); // "classify", "predict-model", "likert", "text"

struct StudyTrial {
    std::string id; // unique in the study
    TrialKind kind = TrialKind::Classify;
    std::string image; // resolved path (classify, predict-model)
    std::string imageRef; // as written in the protocol (for messages and the export)
    std::string truth; // classify: a label of the answer set
    int maskGrid = 0; // predict-model: cells a side
    std::vector<int> keep; // predict-model: row-major cells left visible
    std::string prompt; // question text (questionnaires, attention checks)
    int likertMin = 1;
    int likertMax = 5;
    bool attentionCheck = false; // scored apart; excluded from accuracies
};

struct StudyBlock {
    std::string id;
    BlockKind kind = BlockKind::Instructions;
    std::string text; // instructions, or the block's introduction
    bool feedback = false; // show the right answer after each trial (training)
    bool showExplanation = true; // show the participant's condition (false: stimulus only)
    bool shuffle = true; // trial order drawn from the participant's seed
    bool confidence = false; // ask a 1-5 confidence rating after each answer
    std::string condition; // a condition id every participant gets in this block; empty: theirs
    std::vector<StudyTrial> trials;
};

enum class Assignment { Between, Within };

struct Study {
    std::string path; // the protocol file
    std::string folder; // its directory; relative paths resolve against it
    std::string id;
    std::string title;
    std::string model; // resolved .pt path
    std::string modelRef; // as written
    std::vector<std::string> answers; // the classes participants choose from
    std::vector<StudyCondition> conditions;
    Assignment assignment = Assignment::Between;
    std::uint64_t seed = 0; // study seed; participant seeds derive from it unless given
    std::string preparedFolder; // resolved; default "<folder>/<id>.prepared"
    std::vector<StudyBlock> blocks;

    const StudyCondition *condition(const std::string &id) const; // null when absent
};

// Parses protocol JSON text. Every structural problem (invalid JSON, a missing or mistyped
// field, an unknown condition kind, block kind or trial kind, a value out of range) is appended
// to `issues` with its path, and parsing goes on with what it can read. Paths resolve against
// the directory of `studyPath`. Pure apart from path arithmetic; any thread.
Study parseStudy(const std::string &jsonText, const std::string &studyPath, std::vector<StudyIssue> &issues);

// Reads and parses `path`; an unreadable file is one issue at path "".
Study readStudy(const std::string &path, std::vector<StudyIssue> &issues);

// Reads, parses and checks the protocol without the model or the files (checkStudyReferences in
// study_validate.h does those); throws sg::Error naming `path` and listing every issue.
Study loadStudy(const std::string &path);

// "path: message" per issue, one a line.
std::string formatIssues(const std::vector<StudyIssue> &issues);

} // namespace sg
