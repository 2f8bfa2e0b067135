#include "study/study_store.h"

#include "study/study_filesystem.h"

#include <sqlite3.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

namespace sg {

namespace {

// The schema, as migration steps: step i turns version i into version i + 1. A new database
// runs them all. Never edit a step that has shipped; add one (README.md, "Store").
const char *const kMigrations[] = {
    // 0 -> 1: the first schema.
    R"sql(
CREATE TABLE studies (
  id TEXT PRIMARY KEY, title TEXT NOT NULL, protocol_path TEXT NOT NULL,
  model_hash TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE participants (
  id TEXT PRIMARY KEY, study_id TEXT NOT NULL REFERENCES studies(id),
  participant_index INTEGER NOT NULL, seed TEXT NOT NULL, created_ms INTEGER NOT NULL,
  UNIQUE (study_id, participant_index));
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT, participant_id TEXT NOT NULL REFERENCES participants(id),
  owner TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
  started_ms INTEGER NOT NULL, ended_ms INTEGER);
CREATE TABLE trials (
  participant_id TEXT NOT NULL REFERENCES participants(id), position INTEGER NOT NULL,
  block_index INTEGER NOT NULL, block_id TEXT NOT NULL, block_kind TEXT NOT NULL,
  trial_index INTEGER NOT NULL, trial_id TEXT NOT NULL, trial_kind TEXT NOT NULL,
  condition TEXT NOT NULL, stimulus TEXT NOT NULL, explanation TEXT NOT NULL, truth TEXT NOT NULL,
  feedback INTEGER NOT NULL, ask_confidence INTEGER NOT NULL, attention_check INTEGER NOT NULL,
  PRIMARY KEY (participant_id, position));
CREATE TABLE answers (
  participant_id TEXT NOT NULL, position INTEGER NOT NULL,
  session_id INTEGER REFERENCES sessions(id), answer TEXT NOT NULL, correct INTEGER,
  shown_ms INTEGER NOT NULL, answered_ms INTEGER NOT NULL, response_ms INTEGER NOT NULL,
  PRIMARY KEY (participant_id, position),
  FOREIGN KEY (participant_id, position) REFERENCES trials(participant_id, position));
)sql",
    // 1 -> 2: confidence ratings; leases for runners sharing one database.
    R"sql(
ALTER TABLE answers ADD COLUMN confidence INTEGER;
CREATE TABLE leases (
  participant_id TEXT PRIMARY KEY REFERENCES participants(id), owner TEXT NOT NULL,
  host TEXT NOT NULL, pid INTEGER NOT NULL, heartbeat_ms INTEGER NOT NULL);
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == StudyStore::kSchemaVersion);

// A prepared statement, finalised on scope exit.
class Statement {
public:
    Statement(sqlite3 *db, const std::string &path, const char *sql) : db_(db), path_(path)
    {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
            throw Error(path, std::string("database: ") + sqlite3_errmsg(db));
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    Statement &bind(int i, const std::string &v)
    {
        sqlite3_bind_text(stmt_, i, v.c_str(), int(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Statement &bind(int i, std::int64_t v)
    {
        sqlite3_bind_int64(stmt_, i, v);
        return *this;
    }
    Statement &bind(int i, int v) { return bind(i, std::int64_t(v)); }
    Statement &bind(int i, bool v) { return bind(i, std::int64_t(v ? 1 : 0)); }
    Statement &bindNull(int i)
    {
        sqlite3_bind_null(stmt_, i);
        return *this;
    }
    // True while a row is available.
    bool step()
    {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW)
            return true;
        if (rc == SQLITE_DONE)
            return false;
        throw Error(path_, std::string("database: ") + sqlite3_errmsg(db_));
    }
    void reset()
    {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    void run()
    {
        while (step()) { }
    }
    std::string text(int c) const
    {
        const unsigned char *v = sqlite3_column_text(stmt_, c);
        return v ? reinterpret_cast<const char *>(v) : "";
    }
    std::int64_t integer(int c) const { return sqlite3_column_int64(stmt_, c); }
    bool isNull(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }

private:
    sqlite3 *db_;
    const std::string &path_;
    sqlite3_stmt *stmt_ = nullptr;
};

void exec(sqlite3 *db, const std::string &path, const char *sql)
{
    char *message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string text = message ? message : sqlite3_errmsg(db);
        sqlite3_free(message);
        throw Error(path, "database: " + text);
    }
}

// BEGIN IMMEDIATE ... COMMIT; rolled back unless commit() ran.
class Transaction {
public:
    Transaction(sqlite3 *db, const std::string &path) : db_(db), path_(path)
    {
        exec(db_, path_, "BEGIN IMMEDIATE");
    }
    ~Transaction()
    {
        if (open_)
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit()
    {
        // A statement that still has a row to give holds a read; values are copied by then.
        for (sqlite3_stmt *s = sqlite3_next_stmt(db_, nullptr); s; s = sqlite3_next_stmt(db_, s))
            if (sqlite3_stmt_busy(s))
                sqlite3_reset(s);
        exec(db_, path_, "COMMIT");
        open_ = false;
    }

private:
    sqlite3 *db_;
    const std::string &path_;
    bool open_ = true;
};

bool processAlive(long pid)
{
    if (pid <= 0)
        return false;
    return ::kill(pid_t(pid), 0) == 0 || errno == EPERM;
}

std::string hostName()
{
    char buffer[256] = {};
    if (gethostname(buffer, sizeof buffer - 1) != 0)
        return "unknown";
    return buffer;
}

// The journal a database file's header records: bytes 18 and 19 (file format write and read
// versions) are 1 for a rollback journal, 2 for WAL (sqlite.org/fileformat.html). Empty for a new
// file (absent, or shorter than the 100-byte header: SQLite writes it with the first page) and
// for anything else, whose problem SQLite reports when it opens it.
std::optional<StoreJournal> journalInHeader(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    char header[100] = {};
    if (!in || !in.read(header, sizeof header))
        return std::nullopt;
    if (std::memcmp(header, "SQLite format 3", 16) != 0)
        return std::nullopt;
    if (header[18] == 1 && header[19] == 1)
        return StoreJournal::Rollback;
    if (header[18] == 2 && header[19] == 2)
        return StoreJournal::Wal;
    return std::nullopt;
}

std::string folderOf(const std::string &path)
{
    const std::string folder = std::filesystem::path(path).parent_path().string();
    return folder.empty() ? "." : folder;
}

const char *kTrialColumns
    = "position, block_index, block_id, block_kind, trial_index, trial_id, trial_kind, "
      "condition, stimulus, explanation, truth, feedback, ask_confidence, attention_check";

BlockKind blockKindFrom(const std::string &name)
{
    for (BlockKind k :
        {BlockKind::Instructions, BlockKind::Training, BlockKind::Test, BlockKind::Questionnaire})
        if (name == blockKindName(k))
            return k;
    return BlockKind::Test;
}

TrialKind trialKindFrom(const std::string &name)
{
    for (TrialKind k : {TrialKind::Classify, TrialKind::PredictModel, TrialKind::Likert, TrialKind::FreeText})
        if (name == trialKindName(k))
            return k;
    return TrialKind::Classify;
}

// Reads kTrialColumns starting at column `c`.
ScheduledTrial readTrial(const Statement &s, int c)
{
    ScheduledTrial t;
    t.position = int(s.integer(c + 0));
    t.blockIndex = int(s.integer(c + 1));
    t.blockId = s.text(c + 2);
    t.blockKind = blockKindFrom(s.text(c + 3));
    t.trialIndex = int(s.integer(c + 4));
    t.trialId = s.text(c + 5);
    t.trialKind = trialKindFrom(s.text(c + 6));
    t.condition = s.text(c + 7);
    t.stimulus = s.text(c + 8);
    t.explanation = s.text(c + 9);
    t.truth = s.text(c + 10);
    t.feedback = s.integer(c + 11) != 0;
    t.confidence = s.integer(c + 12) != 0;
    t.attentionCheck = s.integer(c + 13) != 0;
    return t;
}

} // namespace

const char *storeJournalName(StoreJournal journal)
{
    switch (journal) {
    case StoreJournal::Auto: return "auto";
    case StoreJournal::Wal: return "WAL";
    case StoreJournal::Rollback: return "rollback journal";
    }
    return "auto";
}

LeaseOwner currentProcessOwner()
{
    LeaseOwner owner;
    owner.host = hostName();
    owner.pid = long(getpid());
    std::random_device device;
    owner.id = owner.host + ":" + std::to_string(owner.pid) + ":" + std::to_string(device());
    return owner;
}

ParticipantBusy::ParticipantBusy(
    const std::string &participant, const LeaseOwner &holder, std::int64_t heartbeatAgeMs) :
    Error(participant,
        "participant is already running on " + holder.host + " (pid " + std::to_string(holder.pid)
            + ", last heartbeat " + std::to_string(heartbeatAgeMs / 1000) + " s ago)"),
    holder_(holder)
{ }

StudyStore::StudyStore(const std::string &path, StoreOptions options) :
    path_(path), options_(std::move(options))
{
    // Decided before SQLite opens the file: reading a WAL file opens its -shm index, which is
    // what must not happen across machines.
    const std::string folder = folderOf(path);
    const bool network
        = options_.networkFolder ? options_.networkFolder(folder) : onNetworkFilesystem(folder);
    const std::optional<StoreJournal> found = journalInHeader(path);
    switch (options_.journal) {
    case StoreJournal::Wal:
        if (network)
            throw Error(path,
                "WAL was asked for, but the database is on a network filesystem, where SQLite's WAL "
                "cannot be shared across machines; use the rollback journal");
        journal_ = StoreJournal::Wal;
        journalDescription_ = "asked for";
        break;
    case StoreJournal::Rollback:
        journal_ = StoreJournal::Rollback;
        journalDescription_ = "asked for";
        break;
    case StoreJournal::Auto:
        if (network) {
            journal_ = StoreJournal::Rollback;
            journalDescription_ = "network filesystem";
        } else if (found == StoreJournal::Rollback) {
            // Never switched to WAL: this may be the machine whose local disk holds a shared folder.
            journal_ = StoreJournal::Rollback;
            journalDescription_ = "the file is in rollback mode";
        } else {
            journal_ = StoreJournal::Wal;
            journalDescription_ = "local disk";
        }
        break;
    }

    if (sqlite3_open_v2(
            path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr)
        != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw Error(path, "cannot open the study database: " + message);
    }
    try {
        sqlite3_busy_timeout(db_, options_.busyTimeoutMs);
        if (journal_ == StoreJournal::Wal) {
            Statement mode(db_, path_, "PRAGMA journal_mode=WAL");
            if (!mode.step() || mode.text(0) != "wal")
                throw Error(
                    path_, "the database cannot use WAL mode (journal mode is \"" + mode.text(0) + "\")");
        } else {
            // Leaving WAL needs the only connection to the file: SQLite checkpoints and deletes the
            // -wal file under an exclusive lock. While another connection has the file open (it
            // holds a shared lock), the pragma fails at once with SQLITE_BUSY, busy timeout or not,
            // and the file stays in WAL (SQLite 3.40; tests/unit/test_study.cpp checks it).
            std::string answer;
            try {
                Statement mode(db_, path_, "PRAGMA journal_mode=DELETE");
                if (mode.step())
                    answer = mode.text(0);
            } catch (const Error &) {
                Statement mode(db_, path_, "PRAGMA journal_mode");
                if (!mode.step() || mode.text(0) != "wal")
                    throw;
                answer = "wal";
            }
            if (answer == "wal")
                throw Error(path_,
                    "is in WAL mode and open in another process, perhaps on another machine; WAL cannot "
                    "be shared across machines, so the file must be converted to a rollback journal "
                    "while no one else has it open (close the other runners and consoles, then open it "
                    "again)");
            if (answer != "delete")
                throw Error(
                    path_, "the database cannot use a rollback journal (journal mode is \"" + answer + "\")");
        }
        if (found == StoreJournal::Wal && journal_ == StoreJournal::Rollback)
            journalDescription_ += ", converted from WAL";
        journalDescription_ = std::string(storeJournalName(journal_)) + " (" + journalDescription_ + ")";
        // FULL: a committed answer survives a power cut, not only a crash.
        exec(db_, path_, "PRAGMA synchronous=FULL");
        exec(db_, path_, "PRAGMA foreign_keys=ON");
        migrate();
    } catch (...) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
}

StudyStore::~StudyStore()
{
    sqlite3_close(db_);
}

std::int64_t StudyStore::now() const
{
    if (options_.nowMs)
        return options_.nowMs();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch())
        .count();
}

int StudyStore::schemaVersion() const
{
    Statement s(db_, path_, "PRAGMA user_version");
    s.step();
    return int(s.integer(0));
}

void StudyStore::migrate()
{
    // IMMEDIATE: two runners opening a new file at once migrate it once.
    Transaction transaction(db_, path_);
    const int version = schemaVersion();
    if (version > kSchemaVersion)
        throw Error(path_,
            "the study database has schema version " + std::to_string(version)
                + ", newer than this Sightglass reads (" + std::to_string(kSchemaVersion) + ")");
    for (int v = version; v < kSchemaVersion; ++v)
        exec(db_, path_, kMigrations[v]);
    if (version != kSchemaVersion)
        exec(db_, path_, ("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
    transaction.commit();
}

void StudyStore::registerStudy(const Study &study, const std::string &modelHash)
{
    Transaction transaction(db_, path_);
    Statement find(db_, path_, "SELECT model_hash FROM studies WHERE id = ?");
    find.bind(1, study.id);
    if (find.step()) {
        if (find.text(0) != modelHash) {
            Statement count(db_, path_, "SELECT COUNT(*) FROM participants WHERE study_id = ?");
            count.bind(1, study.id);
            count.step();
            if (count.integer(0) > 0)
                throw Error(path_,
                    "holds participants of study \"" + study.id + "\" run with another model (hash "
                        + find.text(0) + ", now " + modelHash + ")");
            Statement update(db_, path_, "UPDATE studies SET model_hash = ? WHERE id = ?");
            update.bind(1, modelHash).bind(2, study.id).run();
        }
    } else {
        Statement insert(db_, path_,
            "INSERT INTO studies (id, title, protocol_path, model_hash, created_ms) VALUES (?, ?, ?, ?, ?)");
        insert.bind(1, study.id)
            .bind(2, study.title)
            .bind(3, study.path)
            .bind(4, modelHash)
            .bind(5, now())
            .run();
    }
    transaction.commit();
}

int StudyStore::nextParticipantIndex(const std::string &studyId) const
{
    Statement s(
        db_, path_, "SELECT COALESCE(MAX(participant_index) + 1, 0) FROM participants WHERE study_id = ?");
    s.bind(1, studyId);
    s.step();
    return int(s.integer(0));
}

ParticipantRecord StudyStore::registerParticipant(const std::string &studyId,
    const std::string &participantId, std::uint64_t seed,
    const std::function<Schedule(int index, std::uint64_t seed)> &build)
{
    Transaction transaction(db_, path_);
    if (auto existing = participant(participantId)) {
        if (existing->studyId != studyId)
            throw Error(path_,
                "participant \"" + participantId + "\" belongs to study \"" + existing->studyId + "\"");
        return *existing;
    }
    ParticipantRecord record;
    record.id = participantId;
    record.studyId = studyId;
    record.index = nextParticipantIndex(studyId);
    record.seed = seed;
    record.createdMs = now();
    const Schedule schedule = build(record.index, seed);
    Statement insert(db_, path_,
        "INSERT INTO participants (id, study_id, participant_index, seed, created_ms) VALUES (?, ?, ?, ?, "
        "?)");
    insert.bind(1, participantId)
        .bind(2, studyId)
        .bind(3, record.index)
        .bind(4, std::to_string(seed))
        .bind(5, record.createdMs);
    insert.run();
    Statement row(db_, path_,
        "INSERT INTO trials (participant_id, position, block_index, block_id, block_kind, trial_index, "
        "trial_id, "
        "trial_kind, condition, stimulus, explanation, truth, feedback, ask_confidence, attention_check) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const ScheduledTrial &t : schedule.trials) {
        row.reset();
        row.bind(1, participantId)
            .bind(2, t.position)
            .bind(3, t.blockIndex)
            .bind(4, t.blockId)
            .bind(5, std::string(blockKindName(t.blockKind)))
            .bind(6, t.trialIndex)
            .bind(7, t.trialId)
            .bind(8, std::string(trialKindName(t.trialKind)))
            .bind(9, t.condition)
            .bind(10, t.stimulus)
            .bind(11, t.explanation)
            .bind(12, t.truth)
            .bind(13, t.feedback)
            .bind(14, t.confidence)
            .bind(15, t.attentionCheck);
        row.run();
    }
    transaction.commit();
    return record;
}

std::optional<ParticipantRecord> StudyStore::participant(const std::string &participantId) const
{
    Statement s(db_, path_,
        "SELECT id, study_id, participant_index, seed, created_ms FROM participants WHERE id = ?");
    s.bind(1, participantId);
    if (!s.step())
        return std::nullopt;
    return ParticipantRecord{s.text(0), s.text(1), int(s.integer(2)), std::stoull(s.text(3)), s.integer(4)};
}

std::vector<ParticipantRecord> StudyStore::participants() const
{
    Statement s(db_, path_,
        "SELECT id, study_id, participant_index, seed, created_ms FROM participants ORDER BY study_id, "
        "participant_index");
    std::vector<ParticipantRecord> out;
    while (s.step())
        out.push_back({s.text(0), s.text(1), int(s.integer(2)), std::stoull(s.text(3)), s.integer(4)});
    return out;
}

std::vector<ScheduledTrial> StudyStore::schedule(const std::string &participantId) const
{
    const std::string sql
        = std::string("SELECT ") + kTrialColumns + " FROM trials WHERE participant_id = ? ORDER BY position";
    Statement s(db_, path_, sql.c_str());
    s.bind(1, participantId);
    std::vector<ScheduledTrial> out;
    while (s.step())
        out.push_back(readTrial(s, 0));
    return out;
}

std::optional<int> StudyStore::nextUnanswered(const std::string &participantId) const
{
    Statement s(db_, path_,
        "SELECT MIN(t.position) FROM trials t LEFT JOIN answers a "
        "ON a.participant_id = t.participant_id AND a.position = t.position "
        "WHERE t.participant_id = ? AND a.position IS NULL");
    s.bind(1, participantId);
    if (!s.step() || s.isNull(0))
        return std::nullopt;
    return int(s.integer(0));
}

int StudyStore::answeredCount(const std::string &participantId) const
{
    Statement s(db_, path_, "SELECT COUNT(*) FROM answers WHERE participant_id = ?");
    s.bind(1, participantId);
    s.step();
    return int(s.integer(0));
}

void StudyStore::claim(const std::string &participantId, const LeaseOwner &owner)
{
    Transaction transaction(db_, path_);
    const std::int64_t t = now();
    Statement find(db_, path_, "SELECT owner, host, pid, heartbeat_ms FROM leases WHERE participant_id = ?");
    find.bind(1, participantId);
    if (find.step()) {
        const LeaseOwner holder{find.text(0), find.text(1), long(find.integer(2))};
        const std::int64_t age = t - find.integer(3);
        const bool expired = age > std::int64_t(options_.leaseTimeoutSeconds) * 1000;
        const bool gone = holder.host == owner.host && !processAlive(holder.pid);
        if (holder.id != owner.id && !expired && !gone)
            throw ParticipantBusy(participantId, holder, age);
    }
    Statement upsert(db_, path_,
        "INSERT OR REPLACE INTO leases (participant_id, owner, host, pid, heartbeat_ms) VALUES (?, ?, ?, ?, "
        "?)");
    upsert.bind(1, participantId)
        .bind(2, owner.id)
        .bind(3, owner.host)
        .bind(4, std::int64_t(owner.pid))
        .bind(5, t);
    upsert.run();
    transaction.commit();
}

void StudyStore::heartbeat(const std::string &participantId, const LeaseOwner &owner)
{
    Transaction transaction(db_, path_);
    Statement update(db_, path_, "UPDATE leases SET heartbeat_ms = ? WHERE participant_id = ? AND owner = ?");
    update.bind(1, now()).bind(2, participantId).bind(3, owner.id).run();
    if (sqlite3_changes(db_) != 1)
        throw Error(participantId, "this runner no longer holds the participant (another runner took over)");
    transaction.commit();
}

void StudyStore::release(const std::string &participantId, const LeaseOwner &owner)
{
    Transaction transaction(db_, path_);
    Statement drop(db_, path_, "DELETE FROM leases WHERE participant_id = ? AND owner = ?");
    drop.bind(1, participantId).bind(2, owner.id).run();
    transaction.commit();
}

std::int64_t StudyStore::startSession(const std::string &participantId, const LeaseOwner &owner)
{
    Transaction transaction(db_, path_);
    Statement insert(db_, path_,
        "INSERT INTO sessions (participant_id, owner, host, pid, started_ms) VALUES (?, ?, ?, ?, ?)");
    insert.bind(1, participantId)
        .bind(2, owner.id)
        .bind(3, owner.host)
        .bind(4, std::int64_t(owner.pid))
        .bind(5, now());
    insert.run();
    const std::int64_t id = sqlite3_last_insert_rowid(db_);
    transaction.commit();
    return id;
}

void StudyStore::endSession(std::int64_t sessionId)
{
    Transaction transaction(db_, path_);
    Statement update(db_, path_, "UPDATE sessions SET ended_ms = ? WHERE id = ?");
    update.bind(1, now()).bind(2, sessionId).run();
    transaction.commit();
}

void StudyStore::recordAnswer(const std::string &participantId, std::int64_t sessionId,
    const AnswerRecord &answer, const LeaseOwner &owner)
{
    Transaction transaction(db_, path_);
    Statement lease(db_, path_, "SELECT owner FROM leases WHERE participant_id = ?");
    lease.bind(1, participantId);
    if (!lease.step() || lease.text(0) != owner.id)
        throw Error(participantId, "this runner does not hold the participant; the answer was not stored");
    Statement trial(
        db_, path_, "SELECT trial_kind, truth FROM trials WHERE participant_id = ? AND position = ?");
    trial.bind(1, participantId).bind(2, answer.position);
    if (!trial.step())
        throw Error(participantId, "has no trial at position " + std::to_string(answer.position));
    const TrialKind kind = trialKindFrom(trial.text(0));
    Statement done(db_, path_, "SELECT 1 FROM answers WHERE participant_id = ? AND position = ?");
    done.bind(1, participantId).bind(2, answer.position);
    if (done.step())
        throw Error(participantId, "trial " + std::to_string(answer.position) + " is already answered");
    if (answer.confidence < 0 || answer.confidence > 5)
        throw Error(participantId,
            "confidence " + std::to_string(answer.confidence) + " is not 1 to 5 (0: not asked)");
    if (answer.answeredMs < answer.shownMs)
        throw Error(participantId, "an answer given before its stimulus was shown");
    Statement insert(db_, path_,
        "INSERT INTO answers (participant_id, position, session_id, answer, correct, confidence, shown_ms, "
        "answered_ms, response_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, participantId).bind(2, answer.position).bind(3, sessionId).bind(4, answer.answer);
    if (kind == TrialKind::Classify || kind == TrialKind::PredictModel)
        insert.bind(5, answer.answer == trial.text(1));
    else
        insert.bindNull(5);
    if (answer.confidence > 0)
        insert.bind(6, answer.confidence);
    else
        insert.bindNull(6);
    insert.bind(7, answer.shownMs).bind(8, answer.answeredMs).bind(9, answer.answeredMs - answer.shownMs);
    insert.run();
    Statement beat(db_, path_, "UPDATE leases SET heartbeat_ms = ? WHERE participant_id = ?");
    beat.bind(1, now()).bind(2, participantId).run();
    transaction.commit();
}

std::vector<ResponseRow> StudyStore::responses() const
{
    const std::string sql
        = std::string("SELECT p.study_id, p.id, p.participant_index, p.seed, p.created_ms, "
                      "a.session_id, a.answer, a.correct, a.confidence, a.shown_ms, a.answered_ms, "
                      "a.response_ms, ")
        + "t.position, t.block_index, t.block_id, t.block_kind, t.trial_index, t.trial_id, t.trial_kind, "
          "t.condition, t.stimulus, t.explanation, t.truth, t.feedback, t.ask_confidence, t.attention_check "
          "FROM answers a JOIN trials t ON t.participant_id = a.participant_id AND t.position = a.position "
          "JOIN participants p ON p.id = a.participant_id "
          "ORDER BY p.study_id, p.participant_index, t.position";
    Statement s(db_, path_, sql.c_str());
    std::vector<ResponseRow> out;
    while (s.step()) {
        ResponseRow r;
        r.studyId = s.text(0);
        r.participant = {s.text(1), s.text(0), int(s.integer(2)), std::stoull(s.text(3)), s.integer(4)};
        r.sessionId = s.integer(5);
        r.answer = s.text(6);
        if (!s.isNull(7))
            r.correct = s.integer(7) != 0;
        r.confidence = s.isNull(8) ? 0 : int(s.integer(8));
        r.shownMs = s.integer(9);
        r.answeredMs = s.integer(10);
        r.responseMs = s.integer(11);
        r.trial = readTrial(s, 12);
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace sg
