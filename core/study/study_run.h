#pragma once
// What a participant runner (GUI or scripted) drives: one participant of one study on one
// database. Construction refuses an unprepared study (or one whose model changed), registers the
// participant (Latin-square index, seed, schedule) or finds them again, claims their lease and
// opens a session; answers go to the store one committed transaction each. The destructor ends
// the session and releases the lease. Torch-free; no Qt.

#include "study/study_prepare.h"
#include "study/study_protocol.h"
#include "study/study_schedule.h"
#include "study/study_store.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sg {

struct StudyRunOptions {
    std::optional<std::uint64_t> seed; // for a new participant; default participantSeed(study seed, id)
    bool requirePrepared = true; // false only for tests of the store that show no explanation
    StoreOptions store;
    LeaseOwner owner = currentProcessOwner();
};

class StudyRun {
public:
    // Throws sg::Error: the protocol has issues (all listed), preparation is incomplete or
    // outdated (requirePrepared), the database cannot be opened, the stored schedule differs
    // from the one the participant's seed gives (the protocol changed since they started);
    // ParticipantBusy when another live runner holds the participant. The thread that
    // constructs it must make every later call.
    StudyRun(const std::string &studyPath, const std::string &databasePath, const std::string &participantId,
        StudyRunOptions options = {});
    ~StudyRun();
    StudyRun(const StudyRun &) = delete;
    StudyRun &operator=(const StudyRun &) = delete;

    const Study &study() const { return study_; }
    const ParticipantRecord &participant() const { return participant_; }
    std::int64_t sessionId() const { return session_; }
    // The whole schedule, in order (the store's copy; equal to buildSchedule from the seed).
    const std::vector<ScheduledTrial> &schedule() const { return schedule_; }

    // The first unanswered trial (a copy); empty when the participant is done. Reads the store.
    std::optional<ScheduledTrial> nextTrial() const;
    int answeredCount() const;
    int trialCount() const { return int(schedule_.size()); }

    // Records the answer to the trial at `position` and returns once it is committed. Throws
    // sg::Error when the trial was answered already, is not in the schedule, or the lease was
    // taken over by another runner (then nothing is stored).
    void answer(int position, const std::string &answer, int confidence, std::int64_t shownMs,
        std::int64_t answeredMs);
    // Renews the lease; call every few seconds while a trial is on screen (well inside
    // StoreOptions::leaseTimeoutSeconds). Throws sg::Error when the lease was lost.
    void heartbeat();

    // Absolute paths of what a trial shows: the stimulus image, and the prepared explanation's
    // folder (empty when none is shown).
    std::string stimulusPath(const ScheduledTrial &trial) const;
    std::string explanationFolder(const ScheduledTrial &trial) const;

    StudyStore &store() { return *store_; }

private:
    Study study_;
    LeaseOwner owner_;
    std::unique_ptr<StudyStore> store_;
    ParticipantRecord participant_;
    std::vector<ScheduledTrial> schedule_;
    std::int64_t session_ = 0;
    bool claimed_ = false;
};

// Whether two schedules show the same trials in the same order under the same conditions.
bool sameSchedule(const std::vector<ScheduledTrial> &a, const std::vector<ScheduledTrial> &b);

} // namespace sg
