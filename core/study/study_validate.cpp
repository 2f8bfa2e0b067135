#include "study/study_validate.h"

#include "common/error.h"
#include "model/model_spec.h"
#include "saliency/method.h"
#include "study/study_prepare.h"

#include <algorithm>
#include <filesystem>
#include <map>

namespace sg {

namespace fs = std::filesystem;

namespace {

std::string blockPath(size_t b)
{
    return "/blocks/" + std::to_string(b);
}
std::string trialPath(size_t b, size_t t)
{
    return blockPath(b) + "/trials/" + std::to_string(t);
}

bool contains(const std::vector<std::string> &list, const std::string &item)
{
    return std::find(list.begin(), list.end(), item) != list.end();
}

} // namespace

void checkStudyReferences(
    const Study &study, const ValidationOptions &options, std::vector<StudyIssue> &issues)
{
    // Ids that must be unique.
    std::map<std::string, std::string> seen;
    for (size_t c = 0; c < study.conditions.size(); ++c) {
        const std::string path = "/conditions/" + std::to_string(c) + "/id";
        const std::string &id = study.conditions[c].id;
        if (!seen.emplace("c:" + id, path).second)
            issues.push_back(
                {path, "duplicate condition id \"" + id + "\" (first at " + seen["c:" + id] + ")"});
    }
    for (size_t a = 0; a < study.answers.size(); ++a) {
        const std::string path = "/answers/" + std::to_string(a);
        if (!seen.emplace("a:" + study.answers[a], path).second)
            issues.push_back({path, "duplicate answer \"" + study.answers[a] + "\""});
    }
    bool participantFacing = false;
    bool predictsModel = false;
    for (size_t b = 0; b < study.blocks.size(); ++b) {
        const StudyBlock &block = study.blocks[b];
        participantFacing
            = participantFacing || block.kind == BlockKind::Training || block.kind == BlockKind::Test;
        if (!block.id.empty() && !seen.emplace("b:" + block.id, blockPath(b) + "/id").second)
            issues.push_back({blockPath(b) + "/id",
                "duplicate block id \"" + block.id + "\" (first at " + seen["b:" + block.id] + ")"});
        for (size_t t = 0; t < block.trials.size(); ++t) {
            const StudyTrial &trial = block.trials[t];
            const std::string path = trialPath(b, t);
            if (!trial.id.empty() && !seen.emplace("t:" + trial.id, path + "/id").second)
                issues.push_back({path + "/id",
                    "duplicate trial id \"" + trial.id + "\" (first at " + seen["t:" + trial.id] + ")"});
            if (!trial.image.empty() && !fs::is_regular_file(trial.image))
                issues.push_back({path + "/image", "file not found: " + trial.image});
            if (trial.kind == TrialKind::Classify && !trial.truth.empty()
                && !contains(study.answers, trial.truth))
                issues.push_back({path + "/truth", "\"" + trial.truth + "\" is not in the answer set"});
            predictsModel = predictsModel || trial.kind == TrialKind::PredictModel;
        }
    }
    if (!participantFacing && !study.blocks.empty())
        issues.push_back({"/blocks", "no training or test block: participants would answer nothing"});

    for (size_t c = 0; c < study.conditions.size(); ++c) {
        const StudyCondition &condition = study.conditions[c];
        const std::string path = "/conditions/" + std::to_string(c);
        if (!condition.method.empty()) {
            try {
                MethodRegistry::builtin().get(condition.method);
            } catch (const Error &e) {
                issues.push_back({path + "/method", e.problem()});
            }
        }
        for (size_t f = 0; f < condition.xnnFiles.size(); ++f)
            if (!fs::is_regular_file(condition.xnnFiles[f]))
                issues.push_back(
                    {path + "/xnn/" + std::to_string(f), "file not found: " + condition.xnnFiles[f]});
    }

    // The answer set against the model's labels (its sidecar; the model itself is not loaded).
    bool modelOk = false;
    if (!study.model.empty()) {
        if (!fs::is_regular_file(study.model)) {
            issues.push_back({"/model", "file not found: " + study.model});
        } else {
            try {
                const ModelSpec spec = readModelSpec(sidecarPathFor(study.model));
                modelOk = true;
                for (size_t a = 0; a < study.answers.size(); ++a)
                    if (!contains(spec.labels, study.answers[a]))
                        issues.push_back({"/answers/" + std::to_string(a),
                            "\"" + study.answers[a] + "\" is not a label of the model (" + spec.sidecarPath
                                + ")"});
                if (predictsModel) {
                    std::string missing;
                    for (const std::string &label : spec.labels)
                        if (!contains(study.answers, label))
                            missing += (missing.empty() ? "\"" : ", \"") + label + "\"";
                    if (!missing.empty())
                        issues.push_back({"/answers",
                            "predict-model trials need every label of the model as an answer; missing "
                                + missing});
                }
            } catch (const Error &e) {
                issues.push_back({"/model", e.what()});
            }
        }
    }

    if (options.requirePrepared && modelOk) {
        const PreparationStatus status = checkPrepared(study);
        if (!status.ready) {
            std::string text = "not prepared: " + std::to_string(status.done) + " of "
                + std::to_string(status.total) + " items ready";
            for (const std::string &p : status.problems)
                text += "; " + p;
            issues.push_back({"/prepared", text});
        }
    }
}

std::vector<StudyIssue> validateStudyFile(const std::string &path, const ValidationOptions &options)
{
    std::vector<StudyIssue> issues;
    const Study study = readStudy(path, issues);
    if (!study.id.empty() || !study.blocks.empty())
        checkStudyReferences(study, options, issues);
    return issues;
}

} // namespace sg
