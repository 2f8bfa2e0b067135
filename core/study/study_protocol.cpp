#include "study/study_protocol.h"

#include "common/error.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sg {

namespace fs = std::filesystem;
using nlohmann::json;

const char *conditionKindName(ConditionKind kind)
{
    switch (kind) {
    case ConditionKind::None: return "none";
    case ConditionKind::Heatmap: return "heatmap";
    case ConditionKind::Sag: return "sag";
    case ConditionKind::Xnn: return "xnn";
    case ConditionKind::SideBySide: return "side-by-side";
    }
    return "?";
}

const char *blockKindName(BlockKind kind)
{
    switch (kind) {
    case BlockKind::Instructions: return "instructions";
    case BlockKind::Training: return "training";
    case BlockKind::Test: return "test";
    case BlockKind::Questionnaire: return "questionnaire";
    }
    return "?";
}

const char *trialKindName(TrialKind kind)
{
    switch (kind) {
    case TrialKind::Classify: return "classify";
    case TrialKind::PredictModel: return "predict-model";
    case TrialKind::Likert: return "likert";
    case TrialKind::FreeText: return "text";
    }
    return "?";
}

const StudyCondition *Study::condition(const std::string &wanted) const
{
    for (const StudyCondition &c : conditions)
        if (c.id == wanted)
            return &c;
    return nullptr;
}

namespace {

// Reads fields of one JSON object, appending a problem per missing or mistyped field.
class Fields {
public:
    Fields(const json &object, std::string path, std::vector<StudyIssue> &issues) :
        object_(object), path_(std::move(path)), issues_(issues)
    {
        ok_ = object.is_object();
        if (!ok_)
            issues_.push_back({path_, "must be an object"});
    }
    bool ok() const { return ok_; }
    std::string at(const std::string &key) const { return path_ + "/" + key; }
    bool has(const std::string &key) const { return ok_ && object_.contains(key); }
    const json *get(const std::string &key) const { return has(key) ? &object_.at(key) : nullptr; }

    std::string text(const std::string &key, bool required, const std::string &fallback = {}) const
    {
        const json *v = get(key);
        if (!v) {
            if (required && ok_)
                issues_.push_back({at(key), "missing (a string)"});
            return fallback;
        }
        if (!v->is_string()) {
            issues_.push_back({at(key), "must be a string"});
            return fallback;
        }
        return v->get<std::string>();
    }
    bool flag(const std::string &key, bool fallback) const
    {
        const json *v = get(key);
        if (!v)
            return fallback;
        if (!v->is_boolean()) {
            issues_.push_back({at(key), "must be true or false"});
            return fallback;
        }
        return v->get<bool>();
    }
    long long integer(
        const std::string &key, bool required, long long fallback, long long lo, long long hi) const
    {
        const json *v = get(key);
        if (!v) {
            if (required && ok_)
                issues_.push_back({at(key), "missing (an integer)"});
            return fallback;
        }
        if (!v->is_number_integer()) {
            issues_.push_back({at(key), "must be an integer"});
            return fallback;
        }
        const long long value = v->get<long long>();
        if (value < lo || value > hi) {
            issues_.push_back({at(key),
                "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], not "
                    + std::to_string(value)});
            return fallback;
        }
        return value;
    }
    // An array (required or not); null when absent or not an array.
    const json *array(const std::string &key, bool required) const
    {
        const json *v = get(key);
        if (!v) {
            if (required && ok_)
                issues_.push_back({at(key), "missing (an array)"});
            return nullptr;
        }
        if (!v->is_array()) {
            issues_.push_back({at(key), "must be an array"});
            return nullptr;
        }
        return v;
    }
    void onlyKnown(std::initializer_list<const char *> known) const
    {
        if (!ok_)
            return;
        for (const auto &item : object_.items()) {
            bool found = false;
            for (const char *k : known)
                found = found || item.key() == k;
            if (!found)
                issues_.push_back({at(item.key()), "unknown field"});
        }
    }

private:
    const json &object_;
    std::string path_;
    std::vector<StudyIssue> &issues_;
    bool ok_ = false;
};

std::string resolve(const std::string &folder, const std::string &ref)
{
    if (ref.empty())
        return ref;
    const fs::path p(ref);
    return (p.is_absolute() ? p : fs::path(folder) / p).lexically_normal().string();
}

StudyCondition parseCondition(
    const json &node, const std::string &path, const std::string &folder, std::vector<StudyIssue> &issues)
{
    StudyCondition c;
    Fields f(node, path, issues);
    f.onlyKnown({"id", "kind", "method", "resolution", "xnn", "concept_maps", "grid", "description"});
    c.id = f.text("id", true);
    const std::string kind = f.text("kind", true);
    if (kind == "none")
        c.kind = ConditionKind::None;
    else if (kind == "heatmap")
        c.kind = ConditionKind::Heatmap;
    else if (kind == "sag")
        c.kind = ConditionKind::Sag;
    else if (kind == "xnn")
        c.kind = ConditionKind::Xnn;
    else if (kind == "side-by-side")
        c.kind = ConditionKind::SideBySide;
    else if (f.has("kind"))
        issues.push_back({f.at("kind"),
            "unknown condition kind \"" + kind + "\" (none, heatmap, sag, xnn, side-by-side)"});
    const bool wantsHeatmap = c.kind == ConditionKind::Heatmap || c.kind == ConditionKind::SideBySide;
    const bool wantsXnn = c.kind == ConditionKind::Xnn || c.kind == ConditionKind::SideBySide;
    c.method = f.text("method", wantsHeatmap);
    c.resolution = int(f.integer("resolution", false, 0, 1, 64));
    if (!wantsHeatmap && (f.has("method") || f.has("resolution")))
        issues.push_back({f.at("method"), "only heatmap and side-by-side conditions take a method"});
    if (const json *files = f.array("xnn", wantsXnn)) {
        for (size_t i = 0; i < files->size(); ++i) {
            if (!(*files)[i].is_string())
                issues.push_back({f.at("xnn") + "/" + std::to_string(i), "must be a string"});
            else
                c.xnnFiles.push_back(resolve(folder, (*files)[i].get<std::string>()));
        }
        if (files->empty())
            issues.push_back({f.at("xnn"), "names no XNN file"});
    }
    c.conceptMaps = f.text("concept_maps", false, "igos");
    if (c.conceptMaps != "igos" && c.conceptMaps != "gradient-input")
        issues.push_back({f.at("concept_maps"), "must be \"igos\" or \"gradient-input\""});
    c.sagGrid = int(f.integer("grid", false, 7, 2, 14));
    return c;
}

StudyTrial parseTrial(const json &node, const std::string &path, const std::string &folder, BlockKind block,
    std::vector<StudyIssue> &issues)
{
    StudyTrial t;
    Fields f(node, path, issues);
    f.onlyKnown({"id", "kind", "image", "truth", "mask", "prompt", "min", "max", "attention_check"});
    t.id = f.text("id", true);
    const std::string defaultKind = block == BlockKind::Questionnaire ? "likert" : "classify";
    const std::string kind = f.text("kind", false, defaultKind);
    if (kind == "classify")
        t.kind = TrialKind::Classify;
    else if (kind == "predict-model")
        t.kind = TrialKind::PredictModel;
    else if (kind == "likert")
        t.kind = TrialKind::Likert;
    else if (kind == "text")
        t.kind = TrialKind::FreeText;
    else
        issues.push_back(
            {f.at("kind"), "unknown trial kind \"" + kind + "\" (classify, predict-model, likert, text)"});
    const bool question = t.kind == TrialKind::Likert || t.kind == TrialKind::FreeText;
    if (question != (block == BlockKind::Questionnaire))
        issues.push_back({f.at("kind"),
            question ? "likert and text trials belong in questionnaire blocks"
                     : "questionnaire blocks hold likert and text trials only"});
    t.prompt = f.text("prompt", question);
    if (!question) {
        t.imageRef = f.text("image", true);
        t.image = resolve(folder, t.imageRef);
    }
    if (t.kind == TrialKind::Classify)
        t.truth = f.text("truth", true);
    else if (f.has("truth"))
        issues.push_back({f.at("truth"),
            t.kind == TrialKind::PredictModel
                ? "predict-model trials take the model's answer as truth (prepare)"
                : "questionnaire trials have no truth"});
    if (t.kind == TrialKind::PredictModel) {
        if (const json *mask = f.get("mask")) {
            Fields m(*mask, f.at("mask"), issues);
            m.onlyKnown({"grid", "keep"});
            t.maskGrid = int(m.integer("grid", true, 7, 2, 14));
            if (const json *keep = m.array("keep", true)) {
                for (size_t i = 0; i < keep->size(); ++i) {
                    const json &cell = (*keep)[i];
                    const std::string at = m.at("keep") + "/" + std::to_string(i);
                    if (!cell.is_number_integer() || cell.get<long long>() < 0
                        || cell.get<long long>() >= t.maskGrid * t.maskGrid)
                        issues.push_back({at, "must be a cell index in [0, grid*grid)"});
                    else
                        t.keep.push_back(cell.get<int>());
                }
                if (keep->empty())
                    issues.push_back({m.at("keep"), "keeps no cell"});
            }
        } else {
            issues.push_back({f.at("mask"), "missing (predict-model trials need {grid, keep})"});
        }
    } else if (f.has("mask")) {
        issues.push_back({f.at("mask"), "only predict-model trials take a mask"});
    }
    if (t.kind == TrialKind::Likert) {
        t.likertMin = int(f.integer("min", false, 1, -100, 100));
        t.likertMax = int(f.integer("max", false, 5, -100, 100));
        if (t.likertMax <= t.likertMin)
            issues.push_back({f.at("max"), "must be above min"});
    }
    t.attentionCheck = f.flag("attention_check", false);
    if (t.attentionCheck && question)
        issues.push_back({f.at("attention_check"), "attention checks are classify or predict-model trials"});
    return t;
}

StudyBlock parseBlock(const json &node, const std::string &path, const std::string &folder,
    std::vector<StudyIssue> &issues, std::vector<std::pair<std::string, std::string>> &conditionRefs)
{
    StudyBlock b;
    Fields f(node, path, issues);
    f.onlyKnown({"id", "kind", "text", "feedback", "show_explanation", "shuffle", "confidence", "trials",
        "condition"});
    b.id = f.text("id", true);
    const std::string kind = f.text("kind", true);
    if (kind == "instructions")
        b.kind = BlockKind::Instructions;
    else if (kind == "training")
        b.kind = BlockKind::Training;
    else if (kind == "test")
        b.kind = BlockKind::Test;
    else if (kind == "questionnaire")
        b.kind = BlockKind::Questionnaire;
    else if (f.has("kind"))
        issues.push_back({f.at("kind"),
            "unknown block kind \"" + kind + "\" (instructions, training, test, questionnaire)"});
    b.text = f.text("text", b.kind == BlockKind::Instructions);
    b.feedback = f.flag("feedback", b.kind == BlockKind::Training);
    if (b.feedback && b.kind == BlockKind::Test)
        issues.push_back({f.at("feedback"), "test blocks give no feedback"});
    b.showExplanation = f.flag("show_explanation", true);
    b.shuffle = f.flag("shuffle", b.kind != BlockKind::Questionnaire);
    b.confidence = f.flag("confidence", false);
    b.condition = f.text("condition", false);
    if (!b.condition.empty())
        conditionRefs.emplace_back(f.at("condition"), b.condition);
    const json *trials = f.array("trials", b.kind != BlockKind::Instructions);
    if (trials) {
        if (b.kind == BlockKind::Instructions && !trials->empty())
            issues.push_back({f.at("trials"), "instructions blocks have no trials"});
        for (size_t i = 0; i < trials->size(); ++i)
            b.trials.push_back(
                parseTrial((*trials)[i], f.at("trials") + "/" + std::to_string(i), folder, b.kind, issues));
        if (trials->empty() && b.kind != BlockKind::Instructions)
            issues.push_back({f.at("trials"), "holds no trial"});
    }
    return b;
}

} // namespace

Study parseStudy(const std::string &jsonText, const std::string &studyPath, std::vector<StudyIssue> &issues)
{
    Study s;
    s.path = studyPath;
    s.folder = fs::path(studyPath).parent_path().string();
    if (s.folder.empty())
        s.folder = ".";
    json root;
    try {
        root = json::parse(jsonText);
    } catch (const json::parse_error &e) {
        issues.push_back({"", std::string("invalid JSON: ") + e.what()});
        return s;
    }
    Fields f(root, "", issues);
    if (!f.ok())
        return s;
    f.onlyKnown(
        {"$schema", "id", "title", "model", "answers", "conditions", "design", "seed", "prepared", "blocks"});
    s.id = f.text("id", true);
    if (!s.id.empty()
        && s.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
        issues.push_back({"/id", "must be lowercase letters, digits, '-' and '_'"});
    s.title = f.text("title", false, s.id);
    s.modelRef = f.text("model", true);
    s.model = resolve(s.folder, s.modelRef);
    if (const json *answers = f.array("answers", true)) {
        for (size_t i = 0; i < answers->size(); ++i) {
            if (!(*answers)[i].is_string())
                issues.push_back({"/answers/" + std::to_string(i), "must be a string"});
            else
                s.answers.push_back((*answers)[i].get<std::string>());
        }
        if (s.answers.size() < 2)
            issues.push_back({"/answers", "needs at least two classes"});
    }
    if (const json *conditions = f.array("conditions", true)) {
        for (size_t i = 0; i < conditions->size(); ++i)
            s.conditions.push_back(
                parseCondition((*conditions)[i], "/conditions/" + std::to_string(i), s.folder, issues));
        if (conditions->empty())
            issues.push_back({"/conditions", "holds no condition"});
    }
    if (const json *design = f.get("design")) {
        Fields d(*design, "/design", issues);
        d.onlyKnown({"assignment", "counterbalance"});
        const std::string assignment = d.text("assignment", true, "between");
        if (assignment == "between")
            s.assignment = Assignment::Between;
        else if (assignment == "within")
            s.assignment = Assignment::Within;
        else
            issues.push_back({"/design/assignment", "must be \"between\" or \"within\""});
        const std::string balance = d.text("counterbalance", false, "latin-square");
        if (balance != "latin-square")
            issues.push_back({"/design/counterbalance", "must be \"latin-square\" (the only scheme)"});
    } else {
        issues.push_back({"/design", "missing ({assignment, counterbalance})"});
    }
    if (const json *seed = f.get("seed")) {
        if (!seed->is_number_unsigned())
            issues.push_back({"/seed", "must be a non-negative integer"});
        else
            s.seed = seed->get<std::uint64_t>();
    }
    const std::string prepared = f.text("prepared", false, s.id + ".prepared");
    s.preparedFolder = resolve(s.folder, prepared);
    std::vector<std::pair<std::string, std::string>> conditionRefs;
    if (const json *blocks = f.array("blocks", true)) {
        for (size_t i = 0; i < blocks->size(); ++i)
            s.blocks.push_back(
                parseBlock((*blocks)[i], "/blocks/" + std::to_string(i), s.folder, issues, conditionRefs));
    }
    for (const auto &[path, id] : conditionRefs)
        if (!s.condition(id))
            issues.push_back({path, "unknown condition \"" + id + "\""});
    return s;
}

Study readStudy(const std::string &path, std::vector<StudyIssue> &issues)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        issues.push_back({"", "cannot read " + path});
        Study s;
        s.path = path;
        return s;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parseStudy(text.str(), path, issues);
}

Study loadStudy(const std::string &path)
{
    std::vector<StudyIssue> issues;
    Study s = readStudy(path, issues);
    if (!issues.empty())
        throw Error(path, "invalid study protocol:\n" + formatIssues(issues));
    return s;
}

std::string formatIssues(const std::vector<StudyIssue> &issues)
{
    std::string out;
    for (const StudyIssue &issue : issues)
        out += (issue.path.empty() ? std::string("/") : issue.path) + ": " + issue.message + "\n";
    return out;
}

} // namespace sg
