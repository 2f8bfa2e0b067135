#pragma once
// The response store of a study: one SQLite file (synchronous=FULL, busy timeout) with
// participants, sessions, the trials each participant is shown (their schedule) and the answers.
// The schema and its versions are in README.md ("Store"); opening an older file migrates it.
// Every answer is one IMMEDIATE transaction, committed (durably) before recordAnswer returns.
// Journal: WAL on a local disk; a rollback journal (journal_mode=DELETE) on a network
// filesystem, whose machines cannot share WAL's shared-memory index. The mode is kept in the
// file's header, so a file found in rollback mode stays in it (a runner on the machine whose
// local disk holds a shared folder must not turn it to WAL), and a WAL file found on a network
// filesystem is converted when no one else has it open (refused while someone does).
// Two runners on one database: a participant is claimed with a lease row (owner, host, pid,
// heartbeat); a second claimant is refused with ParticipantBusy unless the lease is stale (no
// heartbeat for leaseTimeoutSeconds, or its pid is gone on this host: a runner killed with
// SIGKILL is taken over at once by its restart). Torch-free; no Qt.

#include "common/error.h"
#include "study/study_schedule.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace sg {

// Who holds a participant: a runner instance.
struct LeaseOwner {
    std::string id; // unique per runner instance
    std::string host;
    long pid = 0;
};
// This process: host name, pid, and an id made of both plus a random part. Any thread.
LeaseOwner currentProcessOwner();

// Claiming a participant that another live runner holds.
class ParticipantBusy : public Error {
public:
    ParticipantBusy(const std::string &participant, const LeaseOwner &holder, std::int64_t heartbeatAgeMs);
    const LeaseOwner &holder() const { return holder_; }

private:
    LeaseOwner holder_;
};

// SQLite's journal of a store. Auto (README.md, "Store"): the mode the file's header says, WAL
// for a new file on a local disk, a rollback journal on a network filesystem (converting a WAL
// file there). Wal and Rollback force the mode (tests, a flag); forcing WAL on a network
// filesystem is refused.
enum class StoreJournal { Auto, Wal, Rollback };
// "auto", "WAL" or "rollback journal". Any thread; a static string.
const char *storeJournalName(StoreJournal journal);

struct StoreOptions {
    int busyTimeoutMs = 10000; // how long a statement waits for another connection's lock
    int leaseTimeoutSeconds = 30; // a lease without heartbeat for this long may be taken
    std::function<std::int64_t()> nowMs; // wall clock in ms since the epoch; empty = system clock
    StoreJournal journal = StoreJournal::Auto;
    // Whether the database's folder is on a network filesystem; empty = onNetworkFilesystem
    // (statfs). Tests stand in a share with it.
    std::function<bool(const std::string &folder)> networkFolder;
};

struct ParticipantRecord {
    std::string id;
    std::string studyId;
    int index = 0; // registration order within the study: the Latin-square row is index mod k
    std::uint64_t seed = 0;
    std::int64_t createdMs = 0;
};

struct AnswerRecord {
    int position = 0; // of the scheduled trial
    std::string answer; // a label, a rating as text, or free text
    int confidence = 0; // 1-5; 0 = not asked
    std::int64_t shownMs = 0; // when the stimulus appeared (epoch ms)
    std::int64_t answeredMs = 0; // when the answer was given (epoch ms)
};

// One answered trial, joined with what was shown (the export's row).
struct ResponseRow {
    std::string studyId;
    ParticipantRecord participant;
    std::int64_t sessionId = 0;
    ScheduledTrial trial;
    std::string answer;
    std::optional<bool> correct; // empty for questionnaire items
    int confidence = 0;
    std::int64_t shownMs = 0;
    std::int64_t answeredMs = 0;
    std::int64_t responseMs = 0;
};

class StudyStore {
public:
    static constexpr int kSchemaVersion = 2;

    // Opens or creates `path`, chooses its journal (options.journal; the file's header is read
    // before SQLite opens it), sets synchronous=FULL, foreign keys and the busy timeout, and
    // migrates an older schema (PRAGMA user_version) step by step in transactions. Throws
    // sg::Error naming `path`: cannot open, not a database, a schema newer than kSchemaVersion,
    // WAL forced on a network filesystem, or a WAL file to be converted to a rollback journal (on
    // a network filesystem, or forced) that another connection, perhaps on another machine, holds
    // open.
    // One object per thread; open one per runner (several processes may open the same file).
    explicit StudyStore(const std::string &path, StoreOptions options = {});
    ~StudyStore();
    StudyStore(const StudyStore &) = delete;
    StudyStore &operator=(const StudyStore &) = delete;

    const std::string &path() const { return path_; }
    int schemaVersion() const; // PRAGMA user_version
    // The journal in use: Wal or Rollback, never Auto. Any thread that may use the object.
    StoreJournal journal() const { return journal_; }
    // For messages: the journal and why, e.g. "rollback journal (network filesystem)" or
    // "WAL (local disk)". Any thread that may use the object; valid while the object lives.
    const std::string &journalDescription() const { return journalDescription_; }

    // Records the study (id, title, protocol path, model hash) once; later calls with the same id
    // keep the first row. Throws sg::Error when the database holds another study's participants
    // under this id with a different model hash.
    void registerStudy(const Study &study, const std::string &modelHash);

    // The participant, registering them if new: the next index of `studyId`, `seed` (or
    // participantSeed(study seed, id) when empty, computed by `build`'s caller) and the schedule
    // `build(index, seed)` stored as their trials, all in one transaction. An existing participant
    // is returned unchanged (their stored schedule stays). Throws sg::Error for a participant of
    // another study.
    ParticipantRecord registerParticipant(const std::string &studyId, const std::string &participantId,
        std::uint64_t seed, const std::function<Schedule(int index, std::uint64_t seed)> &build);
    // The next index registerParticipant would give in `studyId`.
    int nextParticipantIndex(const std::string &studyId) const;
    std::optional<ParticipantRecord> participant(const std::string &participantId) const;
    std::vector<ParticipantRecord> participants() const;

    // The stored schedule, in position order (truth included).
    std::vector<ScheduledTrial> schedule(const std::string &participantId) const;
    // The first position without an answer; empty when every trial is answered.
    std::optional<int> nextUnanswered(const std::string &participantId) const;
    int answeredCount(const std::string &participantId) const;

    // Takes the participant's lease for `owner` (BEGIN IMMEDIATE: two claimants never both win).
    // Throws ParticipantBusy when another owner's lease is live; takes over a stale one.
    void claim(const std::string &participantId, const LeaseOwner &owner);
    // Renews the lease; throws sg::Error when `owner` no longer holds it (taken over as stale).
    void heartbeat(const std::string &participantId, const LeaseOwner &owner);
    // Drops the lease when `owner` holds it; no-op otherwise.
    void release(const std::string &participantId, const LeaseOwner &owner);

    // A session row (one runner run for the participant); returns its id.
    std::int64_t startSession(const std::string &participantId, const LeaseOwner &owner);
    void endSession(std::int64_t sessionId);

    // Stores one answer in its own IMMEDIATE transaction and commits it before returning (the
    // lease's heartbeat is renewed in the same transaction). `correct` is computed from the
    // stored truth (classify, predict-model). Throws sg::Error when `owner` does not hold the
    // lease, the position is not in the schedule, it was already answered (an answer is stored
    // exactly once), the confidence is outside 0-5 or the answer time precedes the shown time.
    void recordAnswer(const std::string &participantId, std::int64_t sessionId, const AnswerRecord &answer,
        const LeaseOwner &owner);

    // Every answer, by participant index then position.
    std::vector<ResponseRow> responses() const;

private:
    void migrate();
    std::int64_t now() const;

    std::string path_;
    StoreOptions options_;
    sqlite3 *db_ = nullptr;
    StoreJournal journal_ = StoreJournal::Wal;
    std::string journalDescription_;
};

} // namespace sg
