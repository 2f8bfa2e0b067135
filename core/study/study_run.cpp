#include "study/study_run.h"

#include "common/error.h"
#include "study/study_validate.h"

#include <chrono>
#include <filesystem>

namespace sg {

namespace fs = std::filesystem;

bool sameSchedule(const std::vector<ScheduledTrial> &a, const std::vector<ScheduledTrial> &b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        const ScheduledTrial &x = a[i], &y = b[i];
        if (x.position != y.position || x.blockId != y.blockId || x.trialId != y.trialId
            || x.condition != y.condition || x.stimulus != y.stimulus || x.explanation != y.explanation
            || x.truth != y.truth)
            return false;
    }
    return true;
}

StudyRun::StudyRun(const std::string &studyPath, const std::string &databasePath,
    const std::string &participantId, StudyRunOptions options) :
    owner_(options.owner)
{
    std::vector<StudyIssue> issues;
    study_ = readStudy(studyPath, issues);
    if (issues.empty())
        checkStudyReferences(study_, ValidationOptions{options.requirePrepared}, issues);
    if (!issues.empty())
        throw Error(studyPath, "cannot run this study:\n" + formatIssues(issues));
    if (participantId.empty())
        throw Error(studyPath, "a participant id is needed");
    const std::string modelHash = studyModelHash(study_);

    store_ = std::make_unique<StudyStore>(databasePath, options.store);
    store_->registerStudy(study_, modelHash);
    const std::uint64_t seed = options.seed ? *options.seed : participantSeed(study_.seed, participantId);
    const bool prepared = options.requirePrepared;
    const Study &study = study_;
    participant_
        = store_->registerParticipant(study_.id, participantId, seed, [&](int index, std::uint64_t s) {
              Schedule schedule = buildSchedule(study, index, s);
              if (prepared)
                  applyPreparation(study, schedule);
              return schedule;
          });
    schedule_ = store_->schedule(participantId);
    Schedule expected = buildSchedule(study_, participant_.index, participant_.seed);
    if (prepared)
        applyPreparation(study_, expected);
    if (!sameSchedule(schedule_, expected.trials))
        throw Error(databasePath,
            "participant \"" + participantId
                + "\" started with another version of the protocol (their stored schedule differs from the "
                  "one their seed "
                  "gives now)");
    store_->claim(participantId, owner_);
    claimed_ = true;
    session_ = store_->startSession(participantId, owner_);
}

StudyRun::~StudyRun()
{
    if (!claimed_)
        return;
    try {
        store_->endSession(session_);
        store_->release(participant_.id, owner_);
    } catch (const std::exception &) {
        // A lost lease or a busy database at exit: the lease goes stale and is taken over.
    }
}

std::optional<ScheduledTrial> StudyRun::nextTrial() const
{
    const std::optional<int> next = store_->nextUnanswered(participant_.id);
    if (!next)
        return std::nullopt;
    return schedule_[size_t(*next)];
}

int StudyRun::answeredCount() const
{
    return store_->answeredCount(participant_.id);
}

void StudyRun::answer(
    int position, const std::string &answer, int confidence, std::int64_t shownMs, std::int64_t answeredMs)
{
    AnswerRecord record;
    record.position = position;
    record.answer = answer;
    record.confidence = confidence;
    record.shownMs = shownMs;
    record.answeredMs = answeredMs;
    store_->recordAnswer(participant_.id, session_, record, owner_);
}

void StudyRun::heartbeat()
{
    store_->heartbeat(participant_.id, owner_);
}

std::string StudyRun::stimulusPath(const ScheduledTrial &trial) const
{
    if (trial.stimulus.empty())
        return {};
    const fs::path base(trial.trialKind == TrialKind::PredictModel ? study_.preparedFolder : study_.folder);
    return (base / trial.stimulus).lexically_normal().string();
}

std::string StudyRun::explanationFolder(const ScheduledTrial &trial) const
{
    if (trial.explanation.empty())
        return {};
    return (fs::path(study_.preparedFolder) / trial.explanation).lexically_normal().string();
}

} // namespace sg
