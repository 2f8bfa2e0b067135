// core/study (issue 14): protocol validation with JSON paths, the seeded schedule and its Latin
// square, the SQLite store (commit per answer, resume, leases, migrations), and the statistics.

#include "study/study_analysis.h"
#include "study/study_filesystem.h"
#include "study/study_prepare.h"
#include "study/study_protocol.h"
#include "study/study_run.h"
#include "study/study_schedule.h"
#include "study/study_store.h"
#include "study/study_validate.h"

#include "test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace sg {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kFashionStudy = test::sourcePath("resources/studies/fashion-upper-body/study.json");

Study fashionStudy()
{
    return loadStudy(kFashionStudy);
}

// A small valid protocol in a temporary folder (images copied next to it), as JSON to alter.
json smallProtocol()
{
    return json::parse(R"({
      "id": "small", "model": "MODEL", "answers": ["T-shirt/top", "Pullover", "Coat", "Shirt"],
      "conditions": [{"id": "none", "kind": "none"}, {"id": "occ", "kind": "heatmap", "method": "occlusion"}],
      "design": {"assignment": "between", "counterbalance": "latin-square"},
      "seed": 3,
      "blocks": [
        {"id": "intro", "kind": "instructions", "text": "Hello"},
        {"id": "train", "kind": "training", "trials": [
          {"id": "a", "image": "pullover.png", "truth": "Pullover"},
          {"id": "b", "image": "shirt.png", "truth": "Shirt"}]},
        {"id": "test", "kind": "test", "show_explanation": false, "trials": [
          {"id": "c", "image": "coat.png", "truth": "Coat"},
          {"id": "d", "image": "tshirt.png", "truth": "T-shirt/top"}]}
      ]})");
}

std::string writeProtocol(const test::TempDir &dir, json protocol)
{
    const std::string samples = test::sourcePath("resources/samples/fashion/");
    for (const auto &[from, to] : std::vector<std::pair<std::string, std::string>>{
             {"0001_pullover.png", "pullover.png"}, {"0004_shirt.png", "shirt.png"},
             {"0006_coat.png", "coat.png"}, {"0019_t-shirt-top.png", "tshirt.png"}})
        if (!fs::exists(dir.file(to)))
            fs::copy_file(samples + from, dir.file(to));
    if (protocol["model"] == "MODEL")
        protocol["model"] = test::sourcePath("models/demo/fashion.pt");
    return dir.write("study.json", protocol.dump(2));
}

bool hasIssue(const std::vector<StudyIssue> &issues, const std::string &path, const std::string &fragment)
{
    for (const StudyIssue &issue : issues)
        if (issue.path == path && issue.message.find(fragment) != std::string::npos)
            return true;
    return false;
}

// --- validation ----------------------------------------------------------------------------

TEST(StudyValidation, DemoStudiesAreValidApartFromPreparation)
{
    for (const std::string &file :
        {"resources/studies/fashion-upper-body/study.json", "resources/studies/cues-sag/study.json"}) {
        const auto issues = validateStudyFile(test::sourcePath(file), ValidationOptions{false});
        EXPECT_TRUE(issues.empty()) << file << ":\n" << formatIssues(issues);
    }
}

TEST(StudyValidation, ReportsEveryProblemWithItsPath)
{
    test::TempDir dir;
    json p = smallProtocol();
    p["conditions"].push_back({{"id", "gc"}, {"kind", "gradcam-overlay"}}); // unknown kind
    p["blocks"][2]["condition"] = "nonexistent"; // unknown condition id
    p["blocks"][1]["trials"][1]["image"] = "missing.png"; // missing image
    p["blocks"][2]["trials"][1]["id"] = "a"; // duplicate trial id
    p["answers"][3] = "Blouse"; // not a label of the model
    p["blocks"][1]["trials"][0]["truth"] = "Sneaker"; // a label, but not in the answer set
    const auto issues = validateStudyFile(writeProtocol(dir, p), ValidationOptions{false});
    const std::string all = formatIssues(issues);
    EXPECT_TRUE(hasIssue(issues, "/conditions/2/kind", "unknown condition kind \"gradcam-overlay\"")) << all;
    EXPECT_TRUE(hasIssue(issues, "/blocks/2/condition", "unknown condition \"nonexistent\"")) << all;
    EXPECT_TRUE(hasIssue(issues, "/blocks/1/trials/1/image", "file not found: ")) << all;
    EXPECT_TRUE(hasIssue(
        issues, "/blocks/2/trials/1/id", "duplicate trial id \"a\" (first at /blocks/1/trials/0/id)"))
        << all;
    EXPECT_TRUE(hasIssue(issues, "/answers/3", "\"Blouse\" is not a label of the model")) << all;
    EXPECT_TRUE(hasIssue(issues, "/blocks/1/trials/0/truth", "\"Sneaker\" is not in the answer set")) << all;
    // "Shirt" left the answer set with it.
    EXPECT_TRUE(hasIssue(issues, "/blocks/1/trials/1/truth", "\"Shirt\" is not in the answer set")) << all;
    EXPECT_EQ(issues.size(), 7u) << all;
}

TEST(StudyValidation, StructuralProblemsKeepParsing)
{
    test::TempDir dir;
    json p = smallProtocol();
    p["design"]["assignment"] = "sideways";
    p["blocks"][1]["trials"][0].erase("truth");
    p["blocks"][2]["trials"][0]["kind"] = "guess";
    p["blocks"][2]["trials"][1]["colour"] = "red";
    const auto issues = validateStudyFile(writeProtocol(dir, p), ValidationOptions{false});
    const std::string all = formatIssues(issues);
    EXPECT_TRUE(hasIssue(issues, "/design/assignment", "between")) << all;
    EXPECT_TRUE(hasIssue(issues, "/blocks/1/trials/0/truth", "missing")) << all;
    EXPECT_TRUE(hasIssue(issues, "/blocks/2/trials/0/kind", "unknown trial kind \"guess\"")) << all;
    EXPECT_TRUE(hasIssue(issues, "/blocks/2/trials/1/colour", "unknown field")) << all;
}

TEST(StudyValidation, AnUnpreparedStudyIsReported)
{
    test::TempDir dir;
    const std::string file = writeProtocol(dir, smallProtocol());
    const auto issues = validateStudyFile(file);
    ASSERT_EQ(issues.size(), 1u) << formatIssues(issues);
    EXPECT_EQ(issues[0].path, "/prepared");
    EXPECT_NE(issues[0].message.find("0 of 2 items ready"), std::string::npos) << issues[0].message;
    EXPECT_NE(issues[0].message.find("never prepared"), std::string::npos) << issues[0].message;
    const Study study = loadStudy(file);
    EXPECT_FALSE(checkPrepared(study).ready);
    EXPECT_THROW(requirePrepared(study), Error);
}

TEST(StudyValidation, PublishedSchemaNamesWhatTheParserReads)
{
    // No JSON Schema validator is installed here; this keeps the schema's names in step with the
    // parser's (a kind added to one and not the other fails).
    const json schema = test::readJson(test::sourcePath("resources/schemas/study.schema.json"));
    EXPECT_EQ(schema.at("$schema"), "https://json-schema.org/draft/2020-12/schema");
    std::vector<std::string> conditions, blocks, trials;
    for (ConditionKind k : {ConditionKind::None, ConditionKind::Heatmap, ConditionKind::Sag,
             ConditionKind::Xnn, ConditionKind::SideBySide})
        conditions.push_back(conditionKindName(k));
    for (BlockKind k :
        {BlockKind::Instructions, BlockKind::Training, BlockKind::Test, BlockKind::Questionnaire})
        blocks.push_back(blockKindName(k));
    for (TrialKind k : {TrialKind::Classify, TrialKind::PredictModel, TrialKind::Likert, TrialKind::FreeText})
        trials.push_back(trialKindName(k));
    const json &defs = schema.at("$defs");
    EXPECT_EQ(defs.at("condition").at("properties").at("kind").at("enum").get<std::vector<std::string>>(),
        conditions);
    EXPECT_EQ(
        defs.at("block").at("properties").at("kind").at("enum").get<std::vector<std::string>>(), blocks);
    EXPECT_EQ(
        defs.at("trial").at("properties").at("kind").at("enum").get<std::vector<std::string>>(), trials);
    // Every field the demo protocols use is one the schema lists.
    for (const char *file :
        {"resources/studies/fashion-upper-body/study.json", "resources/studies/cues-sag/study.json"}) {
        const json study = test::readJson(test::sourcePath(file));
        for (const auto &item : study.items())
            EXPECT_TRUE(schema.at("properties").contains(item.key())) << file << ": " << item.key();
        for (const json &c : study.at("conditions"))
            for (const auto &item : c.items())
                EXPECT_TRUE(defs.at("condition").at("properties").contains(item.key()))
                    << file << ": " << item.key();
        for (const json &b : study.at("blocks")) {
            for (const auto &item : b.items())
                EXPECT_TRUE(defs.at("block").at("properties").contains(item.key()))
                    << file << ": " << item.key();
            for (const json &t : b.value("trials", json::array()))
                for (const auto &item : t.items())
                    EXPECT_TRUE(defs.at("trial").at("properties").contains(item.key()))
                        << file << ": " << item.key();
        }
    }
}

// --- schedule ------------------------------------------------------------------------------

TEST(StudySchedule, Mt19937_64IsTheStandardEngine)
{
    // The C++ standard fixes the 10000th output of a default-constructed mt19937_64.
    std::mt19937_64 rng;
    rng.discard(9999);
    EXPECT_EQ(rng(), 9981545732273789042ull);
}

TEST(StudySchedule, ShuffleIsTheDocumentedFisherYates)
{
    // An independent rendering of README.md's algorithm, on the raw engine words.
    std::vector<int> items(20);
    for (int i = 0; i < 20; ++i)
        items[size_t(i)] = i;
    std::vector<int> expected = items;
    std::mt19937_64 reference(12345);
    for (size_t i = expected.size(); i > 1; --i) {
        const unsigned long long limit = (~0ull / i) * i;
        unsigned long long word = reference();
        while (word >= limit)
            word = reference();
        std::swap(expected[i - 1], expected[size_t(word % i)]);
    }
    std::mt19937_64 rng(12345);
    shuffleInPlace(items, rng);
    EXPECT_EQ(items, expected);
}

TEST(StudySchedule, ReproducibleFromTheSeed)
{
    const Study study = fashionStudy();
    const Schedule a = buildSchedule(study, 4, 99);
    const Schedule b = buildSchedule(study, 4, 99);
    ASSERT_EQ(a.trials.size(), b.trials.size());
    for (size_t i = 0; i < a.trials.size(); ++i) {
        EXPECT_EQ(a.trials[i].trialId, b.trials[i].trialId);
        EXPECT_EQ(a.trials[i].condition, b.trials[i].condition);
    }
    const Schedule c = buildSchedule(study, 4, 100);
    std::vector<std::string> orderA, orderC;
    for (size_t i = 0; i < a.trials.size(); ++i) {
        orderA.push_back(a.trials[i].trialId);
        orderC.push_back(c.trials[i].trialId);
    }
    EXPECT_NE(orderA, orderC) << "another seed gives another order";
    // Every trial once; blocks in protocol order; positions 0..n-1.
    EXPECT_EQ(a.trials.size(), 8u + 13u + 2u);
    std::set<std::string> ids(orderA.begin(), orderA.end());
    EXPECT_EQ(ids.size(), a.trials.size());
    for (size_t i = 0; i < a.trials.size(); ++i) {
        EXPECT_EQ(a.trials[i].position, int(i));
        if (i > 0)
            EXPECT_LE(a.trials[i - 1].blockIndex, a.trials[i].blockIndex);
    }
    // Questionnaires are not shuffled; the participant seed is recorded from the study seed.
    EXPECT_EQ(a.trials[a.trials.size() - 2].trialId, "q-helpful");
    EXPECT_EQ(participantSeed(study.seed, "p1"), participantSeed(study.seed, "p1"));
    EXPECT_NE(participantSeed(study.seed, "p1"), participantSeed(study.seed, "p2"));
}

TEST(StudySchedule, LatinSquareIsOne)
{
    for (int k = 1; k <= 5; ++k) {
        const auto square = latinSquare(k);
        for (int r = 0; r < k; ++r) {
            std::set<int> row(square[size_t(r)].begin(), square[size_t(r)].end());
            std::set<int> column;
            for (int c = 0; c < k; ++c)
                column.insert(square[size_t(c)][size_t(r)]);
            EXPECT_EQ(int(row.size()), k);
            EXPECT_EQ(int(column.size()), k);
        }
    }
}

TEST(StudySchedule, BetweenSubjectsBalancesParticipants)
{
    const Study study = fashionStudy();
    std::map<std::string, int> count;
    for (int index = 0; index < 9; ++index) {
        const Schedule s = buildSchedule(study, index, participantSeed(study.seed, std::to_string(index)));
        std::set<std::string> seen;
        for (const ScheduledTrial &t : s.trials)
            seen.insert(t.condition);
        ASSERT_EQ(seen.size(), 1u) << "one condition per participant";
        EXPECT_EQ(*seen.begin(), study.conditions[size_t(index % 3)].id);
        ++count[*seen.begin()];
        // Explanations only in the training block, and only for conditions that show one.
        for (const ScheduledTrial &t : s.trials)
            EXPECT_EQ(!t.explanation.empty(), t.blockId == "training" && t.condition != "none") << t.trialId;
    }
    for (const auto &[condition, n] : count)
        EXPECT_EQ(n, 3) << condition;
}

TEST(StudySchedule, WithinSubjectsEachTrialSeesEachConditionOnce)
{
    Study study = fashionStudy();
    study.assignment = Assignment::Within;
    const int k = int(study.conditions.size());
    for (int start = 0; start < 6; start += k) {
        std::map<std::string, std::multiset<std::string>>
            conditionsOf; // trial -> conditions over k participants
        for (int index = start; index < start + k; ++index) {
            const Schedule s = buildSchedule(study, index, 1000 + index);
            std::map<std::string, std::map<std::string, int>> perBlock;
            for (const ScheduledTrial &t : s.trials) {
                conditionsOf[t.trialId].insert(t.condition);
                ++perBlock[t.blockId][t.condition];
            }
            for (const auto &[block, counts] : perBlock) {
                int lo = 1 << 30, hi = 0;
                for (const StudyCondition &c : study.conditions) {
                    lo = std::min(lo, counts.count(c.id) ? counts.at(c.id) : 0);
                    hi = std::max(hi, counts.count(c.id) ? counts.at(c.id) : 0);
                }
                if (block != "questions")
                    EXPECT_LE(hi - lo, 1) << "participant " << index << ", block " << block;
            }
        }
        for (const auto &[trial, conditions] : conditionsOf) {
            EXPECT_EQ(int(conditions.size()), k) << trial;
            for (const StudyCondition &c : study.conditions)
                EXPECT_EQ(conditions.count(c.id), 1u) << trial << " under " << c.id;
        }
    }
}

// --- store ---------------------------------------------------------------------------------

Schedule smallSchedule(const Study &study, int index, std::uint64_t seed)
{
    return buildSchedule(study, index, seed);
}

struct StoreFixture {
    test::TempDir dir;
    Study study;
    std::string db;
    LeaseOwner me = currentProcessOwner();
    StoreFixture()
    {
        study = loadStudy(writeProtocol(dir, smallProtocol()));
        db = dir.file("answers.sqlite");
    }
    ParticipantRecord add(StudyStore &store, const std::string &id)
    {
        store.registerStudy(study, "hash");
        return store.registerParticipant(study.id, id, participantSeed(study.seed, id),
            [&](int i, std::uint64_t s) { return smallSchedule(study, i, s); });
    }
};

int countRows(const std::string &db, const std::string &sql)
{
    // A connection of its own, as another process would read the file.
    sqlite3 *raw = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt *stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(raw, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
    int n = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
    return n;
}

TEST(StudyStore, UsesWalAndTheCurrentSchema)
{
    StoreFixture f;
    StudyStore store(f.db);
    EXPECT_EQ(store.schemaVersion(), StudyStore::kSchemaVersion);
    sqlite3 *raw = nullptr;
    ASSERT_EQ(sqlite3_open(f.db.c_str(), &raw), SQLITE_OK);
    sqlite3_stmt *stmt = nullptr;
    sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &stmt, nullptr);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0)), "wal");
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
}

TEST(StudyStore, EachAnswerIsCommittedBeforeTheCallReturnsAndStoredOnce)
{
    StoreFixture f;
    StudyStore store(f.db);
    const ParticipantRecord p = f.add(store, "p1");
    store.claim("p1", f.me);
    const std::int64_t session = store.startSession("p1", f.me);
    const auto schedule = store.schedule("p1");
    ASSERT_EQ(schedule.size(), 4u);
    for (int i = 0; i < 3; ++i) {
        store.recordAnswer("p1", session, {i, schedule[size_t(i)].truth, 0, 1000 * i, 1000 * i + 700}, f.me);
        EXPECT_EQ(countRows(f.db, "SELECT COUNT(*) FROM answers"), i + 1)
            << "answer " << i << " visible to another reader";
    }
    EXPECT_THROW(store.recordAnswer("p1", session, {1, "Coat", 0, 0, 1}, f.me), Error);
    EXPECT_EQ(countRows(f.db, "SELECT COUNT(*) FROM answers WHERE position = 1"), 1);
    EXPECT_EQ(countRows(f.db, "SELECT COUNT(*) FROM answers WHERE correct = 1"), 3);
    EXPECT_EQ(countRows(f.db, "SELECT MIN(response_ms) FROM answers"), 700);
    EXPECT_THROW(store.recordAnswer("p1", session, {17, "Coat", 0, 0, 1}, f.me), Error) << "no such position";
    EXPECT_THROW(store.recordAnswer("p1", session, {3, "Coat", 6, 0, 1}, f.me), Error) << "confidence 6";
    EXPECT_THROW(store.recordAnswer("p1", session, {3, "Coat", 0, 10, 5}, f.me), Error)
        << "answered before shown";
    EXPECT_EQ(countRows(f.db, "SELECT COUNT(*) FROM answers"), 3);
}

TEST(StudyStore, ResumesAtTheFirstUnansweredTrialWithTheSameSchedule)
{
    StoreFixture f;
    std::vector<ScheduledTrial> before;
    {
        StudyStore store(f.db);
        f.add(store, "p0");
        f.add(store, "p1");
        store.claim("p1", f.me);
        const std::int64_t session = store.startSession("p1", f.me);
        before = store.schedule("p1");
        store.recordAnswer("p1", session, {0, "Coat", 0, 0, 5}, f.me);
        store.recordAnswer("p1", session, {1, "Coat", 0, 0, 5}, f.me);
        EXPECT_EQ(store.nextUnanswered("p1"), 2);
    }
    StudyStore reopened(f.db);
    EXPECT_EQ(reopened.nextUnanswered("p1"), 2);
    EXPECT_EQ(reopened.answeredCount("p1"), 2);
    const auto p = reopened.participant("p1");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->index, 1);
    EXPECT_EQ(p->seed, participantSeed(f.study.seed, "p1"));
    const Schedule expected = buildSchedule(f.study, p->index, p->seed);
    const auto stored = reopened.schedule("p1");
    ASSERT_EQ(stored.size(), expected.trials.size());
    for (size_t i = 0; i < stored.size(); ++i) {
        EXPECT_EQ(stored[i].trialId, expected.trials[i].trialId);
        EXPECT_EQ(stored[i].condition, expected.trials[i].condition);
        EXPECT_EQ(stored[i].trialId, before[i].trialId);
    }
    // Registering again returns the stored participant unchanged.
    EXPECT_EQ(f.add(reopened, "p1").index, 1);
    EXPECT_EQ(reopened.nextParticipantIndex(f.study.id), 2);
}

TEST(StudyStore, ASecondClaimantIsRefusedWhileTheHolderLives)
{
    StoreFixture f;
    StudyStore a(f.db);
    StudyStore b(f.db);
    f.add(a, "p1");
    const LeaseOwner first{"runner-a", f.me.host, long(getpid())};
    const LeaseOwner second{"runner-b", f.me.host, long(getpid())};
    a.claim("p1", first);
    try {
        b.claim("p1", second);
        FAIL() << "the second runner got the participant";
    } catch (const ParticipantBusy &busy) {
        EXPECT_EQ(busy.holder().id, "runner-a");
        EXPECT_NE(std::string(busy.what()).find("already running"), std::string::npos) << busy.what();
    }
    EXPECT_THROW(b.recordAnswer("p1", 0, {0, "Coat", 0, 0, 1}, second), Error);
    EXPECT_EQ(countRows(f.db, "SELECT COUNT(*) FROM answers"), 0);
    a.claim("p1", first); // the holder may claim again (a restart with the same id)
    a.release("p1", first);
    b.claim("p1", second); // released: free
}

TEST(StudyStore, ALeaseOfAKilledRunnerIsTakenOver)
{
    StoreFixture f;
    // A process that is gone: a child that has exited and been reaped.
    const pid_t child = fork();
    if (child == 0)
        _exit(0);
    ASSERT_GT(child, 0);
    waitpid(child, nullptr, 0);
    StudyStore store(f.db);
    f.add(store, "p1");
    const LeaseOwner dead{"killed-runner", f.me.host, long(child)};
    store.claim("p1", dead);
    const LeaseOwner restarted{"restarted", f.me.host, long(getpid())};
    const std::int64_t session = store.startSession("p1", dead);
    store.claim("p1", restarted); // at once: the holder's pid is gone on this host
    EXPECT_THROW(store.recordAnswer("p1", session, {0, "Coat", 0, 0, 1}, dead), Error)
        << "the old owner lost it";
    EXPECT_THROW(store.heartbeat("p1", dead), Error);
    store.recordAnswer("p1", store.startSession("p1", restarted), {0, "Coat", 0, 0, 1}, restarted);
    EXPECT_EQ(countRows(f.db, "SELECT COUNT(*) FROM answers"), 1);
}

TEST(StudyStore, ALeaseFromAnotherHostExpiresWithoutHeartbeat)
{
    StoreFixture f;
    std::int64_t clock = 1'000'000;
    StoreOptions options;
    options.leaseTimeoutSeconds = 30;
    options.nowMs = [&] { return clock; };
    StudyStore store(f.db, options);
    f.add(store, "p1");
    const LeaseOwner remote{"lab-2", "another-host", 4242};
    const LeaseOwner local{"lab-1", f.me.host, long(getpid())};
    store.claim("p1", remote);
    clock += 20'000;
    EXPECT_THROW(store.claim("p1", local), ParticipantBusy) << "20 s without heartbeat is not stale";
    store.heartbeat("p1", remote);
    clock += 29'000;
    EXPECT_THROW(store.claim("p1", local), ParticipantBusy) << "the heartbeat renewed it";
    clock += 2'000;
    store.claim("p1", local);
}

// The first schema (version 1), written here independently of the store's migration list.
const char *kSchemaV1 = R"sql(
CREATE TABLE studies (id TEXT PRIMARY KEY, title TEXT NOT NULL, protocol_path TEXT NOT NULL,
  model_hash TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE participants (id TEXT PRIMARY KEY, study_id TEXT NOT NULL REFERENCES studies(id),
  participant_index INTEGER NOT NULL, seed TEXT NOT NULL, created_ms INTEGER NOT NULL,
  UNIQUE (study_id, participant_index));
CREATE TABLE sessions (id INTEGER PRIMARY KEY AUTOINCREMENT, participant_id TEXT NOT NULL,
  owner TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, started_ms INTEGER NOT NULL, ended_ms INTEGER);
CREATE TABLE trials (participant_id TEXT NOT NULL, position INTEGER NOT NULL, block_index INTEGER NOT NULL,
  block_id TEXT NOT NULL, block_kind TEXT NOT NULL, trial_index INTEGER NOT NULL, trial_id TEXT NOT NULL,
  trial_kind TEXT NOT NULL, condition TEXT NOT NULL, stimulus TEXT NOT NULL, explanation TEXT NOT NULL,
  truth TEXT NOT NULL, feedback INTEGER NOT NULL, ask_confidence INTEGER NOT NULL, attention_check INTEGER NOT NULL,
  PRIMARY KEY (participant_id, position));
CREATE TABLE answers (participant_id TEXT NOT NULL, position INTEGER NOT NULL, session_id INTEGER,
  answer TEXT NOT NULL, correct INTEGER, shown_ms INTEGER NOT NULL, answered_ms INTEGER NOT NULL,
  response_ms INTEGER NOT NULL, PRIMARY KEY (participant_id, position));
INSERT INTO studies VALUES ('small', 'Small', 'study.json', 'hash', 1);
INSERT INTO participants VALUES ('old', 'small', 0, '77', 2);
INSERT INTO sessions (participant_id, owner, host, pid, started_ms) VALUES ('old', 'r', 'h', 1, 3);
INSERT INTO trials VALUES ('old', 0, 1, 'train', 'training', 0, 'a', 'classify', 'none', 'pullover.png', '',
  'Pullover', 1, 0, 0);
INSERT INTO trials VALUES ('old', 1, 1, 'train', 'training', 1, 'b', 'classify', 'none', 'shirt.png', '',
  'Shirt', 1, 0, 0);
INSERT INTO answers VALUES ('old', 0, 1, 'Pullover', 1, 10, 460, 450);
PRAGMA user_version = 1;
)sql";

TEST(StudyStore, MigratesAVersion1Database)
{
    StoreFixture f;
    sqlite3 *raw = nullptr;
    ASSERT_EQ(sqlite3_open(f.db.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, kSchemaV1, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
    sqlite3_close(raw);

    StudyStore store(f.db);
    EXPECT_EQ(store.schemaVersion(), 2);
    const auto rows = store.responses();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].answer, "Pullover");
    EXPECT_EQ(rows[0].confidence, 0) << "answers from version 1 have no confidence";
    EXPECT_EQ(rows[0].responseMs, 450);
    EXPECT_EQ(store.nextUnanswered("old"), 1);
    // Version 2's additions work on the migrated file.
    store.claim("old", f.me);
    store.recordAnswer("old", 1, {1, "Shirt", 4, 500, 900}, f.me);
    EXPECT_EQ(countRows(f.db, "SELECT confidence FROM answers WHERE position = 1"), 4);
}

TEST(StudyStore, RefusesANewerSchema)
{
    StoreFixture f;
    sqlite3 *raw = nullptr;
    ASSERT_EQ(sqlite3_open(f.db.c_str(), &raw), SQLITE_OK);
    sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    EXPECT_THROW(StudyStore store(f.db), Error);
}

// --- journal: WAL on local disks, a rollback journal on shared folders --------------------

// Byte `offset` of the database file's header, read as another program would (-1: no such byte).
int headerByte(const std::string &db, int offset)
{
    std::ifstream in(db, std::ios::binary);
    in.seekg(offset);
    const int c = in.get();
    return in ? c : -1;
}

// The file's header says rollback journal (format versions 1, 1) and no WAL file is beside it.
void expectRollbackFile(const std::string &db)
{
    EXPECT_EQ(headerByte(db, 18), 1);
    EXPECT_EQ(headerByte(db, 19), 1);
    EXPECT_FALSE(fs::exists(db + "-wal"));
}

// statfs(2) magic numbers from the kernel's linux/magic.h and the filesystems' sources, typed in
// here independently of the list in study_filesystem.cpp.
TEST(StudyFilesystem, NetworkFilesystemsByTheirMagicNumbers)
{
    for (const unsigned long network : {0x6969ul /* NFS */, 0x517Bul /* SMB */, 0xFF534D42ul /* CIFS */,
             0xFE534D42ul /* SMB2 */, 0x5346414Ful /* AFS */, 0x73757245ul /* Coda */, 0x01021997ul /* 9P */,
             0x00C36400ul /* Ceph */, 0x01161970ul /* GFS2 */, 0x7461636Ful /* OCFS2 */,
             0x0BD00BD0ul /* Lustre */, 0x65735546ul /* FUSE */})
        EXPECT_TRUE(isNetworkFilesystemType(long(network))) << std::hex << network;
    // A 32-bit f_type sign-extends the magic numbers with the top bit set.
    EXPECT_TRUE(isNetworkFilesystemType(long(std::int32_t(0xFF534D42u))));
    EXPECT_TRUE(isNetworkFilesystemType(long(std::int32_t(0xFE534D42u))));
    for (const unsigned long local : {0xEF53ul /* ext2/3/4 */, 0x01021994ul /* tmpfs */,
             0x58465342ul /* XFS */, 0x9123683Eul /* Btrfs */, 0x794C7630ul /* overlayfs */, 0ul})
        EXPECT_FALSE(isNetworkFilesystemType(long(local))) << std::hex << local;
    test::TempDir dir;
    EXPECT_TRUE(filesystemTypeOf(dir.path().string()).has_value()) << "statfs of an existing folder";
    EXPECT_FALSE(filesystemTypeOf(dir.file("no/such/folder")).has_value());
}

TEST(StudyStore, ANewStoreOnALocalDiskUsesWal)
{
    StoreFixture f;
    if (onNetworkFilesystem(f.dir.path().string()))
        GTEST_SKIP() << "the temporary folder is on a network filesystem";
    StudyStore store(f.db);
    EXPECT_EQ(store.journal(), StoreJournal::Wal);
    EXPECT_NE(store.journalDescription().find("WAL"), std::string::npos) << store.journalDescription();
    EXPECT_EQ(headerByte(f.db, 18), 2);
    EXPECT_EQ(headerByte(f.db, 19), 2);
}

TEST(StudyStore, ANewStoreOnANetworkFilesystemUsesARollbackJournal)
{
    StoreFixture f;
    StoreOptions share;
    std::string askedFolder;
    share.networkFolder = [&](const std::string &folder) {
        askedFolder = folder;
        return true;
    };
    {
        StudyStore store(f.db, share);
        EXPECT_EQ(store.journal(), StoreJournal::Rollback);
        EXPECT_NE(store.journalDescription().find("network"), std::string::npos)
            << store.journalDescription();
        f.add(store, "p1");
    }
    EXPECT_EQ(fs::path(askedFolder), fs::path(f.db).parent_path()) << "the database's folder is asked about";
    expectRollbackFile(f.db);
    StoreOptions wal = share;
    wal.journal = StoreJournal::Wal;
    try {
        StudyStore store(f.db, wal);
        FAIL() << "WAL forced on a network filesystem";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find(f.db), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("network filesystem"), std::string::npos) << e.what();
    }
    EXPECT_EQ(headerByte(f.db, 18), 1) << "the refused open changed nothing";
}

TEST(StudyStore, ARollbackStoreStaysInRollbackMode)
{
    StoreFixture f;
    StoreOptions rollback;
    rollback.journal = StoreJournal::Rollback;
    {
        StudyStore store(f.db, rollback);
        EXPECT_EQ(store.journal(), StoreJournal::Rollback);
        f.add(store, "p1");
    }
    expectRollbackFile(f.db);
    // Auto on a local disk keeps it: this may be the machine whose disk holds a shared folder.
    {
        StoreOptions local;
        local.networkFolder = [](const std::string &) { return false; };
        StudyStore store(f.db, local);
        EXPECT_EQ(store.journal(), StoreJournal::Rollback);
        EXPECT_NE(store.journalDescription().find("rollback"), std::string::npos)
            << store.journalDescription();
        f.add(store, "p2");
        EXPECT_EQ(store.participants().size(), 2u);
    }
    EXPECT_EQ(headerByte(f.db, 18), 1);
    EXPECT_FALSE(fs::exists(f.db + "-wal"));
    EXPECT_FALSE(fs::exists(f.db + "-shm"));
}

// Two processes on one rollback-journal database: the second claimant is told the participant is
// already running; the answers of both runners are stored once each.
TEST(StudyStore, TwoProcessesShareARollbackStore)
{
    StoreFixture f;
    StoreOptions rollback;
    rollback.journal = StoreJournal::Rollback;
    {
        StudyStore store(f.db, rollback);
        f.add(store, "p1");
    }
    int toParent[2];
    int toChild[2];
    ASSERT_EQ(pipe(toParent), 0);
    ASSERT_EQ(pipe(toChild), 0);
    const pid_t child = fork();
    if (child == 0) {
        close(toParent[0]);
        close(toChild[1]);
        int code = 0;
        try {
            StudyStore store(f.db); // Auto: the header says rollback
            const LeaseOwner owner = currentProcessOwner();
            code = store.journal() == StoreJournal::Rollback ? 0 : 4;
            store.claim("p1", owner);
            const std::int64_t session = store.startSession("p1", owner);
            store.recordAnswer("p1", session, {0, "Coat", 0, 0, 5}, owner);
            char c = 'h';
            if (write(toParent[1], &c, 1) != 1 || read(toChild[0], &c, 1) != 1)
                _exit(3);
            store.heartbeat("p1", owner);
            store.recordAnswer("p1", session, {1, "Coat", 0, 0, 5}, owner);
            store.endSession(session);
        } catch (...) {
            _exit(2);
        }
        _exit(code);
    }
    ASSERT_GT(child, 0);
    close(toParent[1]);
    close(toChild[0]);
    char c = 0;
    ASSERT_EQ(read(toParent[0], &c, 1), 1) << "the child claimed the participant";
    StudyStore store(f.db);
    EXPECT_EQ(store.journal(), StoreJournal::Rollback);
    const LeaseOwner me{"parent-runner", f.me.host, long(getpid())};
    try {
        store.claim("p1", me);
        FAIL() << "the second process got the participant";
    } catch (const ParticipantBusy &busy) {
        EXPECT_EQ(busy.holder().pid, long(child));
        EXPECT_NE(std::string(busy.what()).find("already running"), std::string::npos) << busy.what();
    }
    EXPECT_THROW(store.recordAnswer("p1", 0, {1, "Coat", 0, 0, 5}, me), Error) << "not the holder";
    ASSERT_EQ(write(toChild[1], &c, 1), 1);
    int status = 0;
    waitpid(child, &status, 0);
    close(toParent[0]);
    close(toChild[1]);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0) << "the child's store failed (2) or was not in rollback mode (4)";
    EXPECT_EQ(countRows(f.db, "SELECT COUNT(*) FROM answers"), 2);
    store.claim("p1", me); // the child is gone: taken over at once
    const std::int64_t session = store.startSession("p1", me);
    EXPECT_THROW(store.recordAnswer("p1", session, {1, "Shirt", 0, 0, 5}, me), Error)
        << "answered by the child";
    store.recordAnswer("p1", session, {2, "Coat", 0, 0, 5}, me);
    EXPECT_EQ(countRows(f.db, "SELECT COUNT(*) FROM answers"), 3);
    EXPECT_EQ(countRows(f.db, "SELECT COUNT(DISTINCT position) FROM answers"), 3);
    EXPECT_EQ(countRows(f.db, "SELECT COUNT(*) FROM sessions"), 2);
    EXPECT_EQ(headerByte(f.db, 18), 1);
}

// A rollback journal makes readers block writers: two processes writing at once (claims,
// heartbeats and answers of their own participants) all succeed within the busy timeout.
TEST(StudyStore, ConcurrentWritersUnderARollbackJournalWaitForEachOther)
{
    StoreFixture f;
    json protocol = smallProtocol();
    for (int i = 0; i < 16; ++i)
        protocol["blocks"][2]["trials"].push_back(
            {{"id", "extra" + std::to_string(i)}, {"image", "coat.png"}, {"truth", "Coat"}});
    f.study = loadStudy(writeProtocol(f.dir, protocol));
    StoreOptions rollback;
    rollback.journal = StoreJournal::Rollback;
    {
        StudyStore store(f.db, rollback);
        f.add(store, "parent");
        f.add(store, "child");
    }
    // Both sides run the same loop on their own participant.
    const auto work = [&](const std::string &participant) {
        StudyStore store(f.db, rollback);
        const LeaseOwner owner = currentProcessOwner();
        store.claim(participant, owner);
        const std::int64_t session = store.startSession(participant, owner);
        const auto schedule = store.schedule(participant);
        for (const ScheduledTrial &t : schedule) {
            store.heartbeat(participant, owner);
            if (store.nextUnanswered(participant) != t.position) // the child has no EXPECT
                throw Error(participant, "resumes at the wrong position");
            store.recordAnswer(participant, session, {t.position, t.truth, 0, 0, 5}, owner);
        }
        store.endSession(session);
        return int(schedule.size());
    };
    const pid_t child = fork();
    if (child == 0) {
        try {
            work("child");
        } catch (...) {
            _exit(2);
        }
        _exit(0);
    }
    ASSERT_GT(child, 0);
    int trials = 0;
    EXPECT_NO_THROW(trials = work("parent"));
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "a store call of the child failed";
    EXPECT_GT(trials, 16);
    EXPECT_EQ(countRows(f.db, "SELECT COUNT(*) FROM answers"), 2 * trials);
    EXPECT_EQ(countRows(f.db, "SELECT COUNT(*) FROM answers WHERE correct = 1"), 2 * trials);
}

TEST(StudyStore, AWalStoreIsConvertedToARollbackJournalWhenNoOneHasItOpen)
{
    StoreFixture f;
    StoreOptions wal;
    wal.journal = StoreJournal::Wal;
    {
        StudyStore store(f.db, wal);
        f.add(store, "p1");
        store.claim("p1", f.me);
        store.recordAnswer("p1", store.startSession("p1", f.me), {0, "Coat", 0, 0, 5}, f.me);
    }
    ASSERT_EQ(headerByte(f.db, 18), 2);
    StoreOptions rollback;
    rollback.journal = StoreJournal::Rollback;
    {
        StudyStore store(f.db, rollback);
        EXPECT_EQ(store.journal(), StoreJournal::Rollback);
        EXPECT_EQ(store.answeredCount("p1"), 1) << "the answer survived the conversion";
    }
    expectRollbackFile(f.db);
    // Auto on a network filesystem converts too.
    {
        StudyStore store(f.db, wal);
    }
    ASSERT_EQ(headerByte(f.db, 18), 2);
    StoreOptions share;
    share.networkFolder = [](const std::string &) { return true; };
    {
        StudyStore store(f.db, share);
        EXPECT_EQ(store.journal(), StoreJournal::Rollback);
        EXPECT_NE(store.journalDescription().find("converted from WAL"), std::string::npos)
            << store.journalDescription();
    }
    EXPECT_EQ(headerByte(f.db, 18), 1);
}

TEST(StudyStore, AWalStoreOpenElsewhereIsNotConverted)
{
    StoreFixture f;
    StoreOptions wal;
    wal.journal = StoreJournal::Wal;
    StudyStore other(f.db, wal); // another runner, kept open in WAL mode
    f.add(other, "p1");
    ASSERT_EQ(headerByte(f.db, 18), 2);
    // Forced rollback, and Auto on a share.
    StoreOptions rollback;
    rollback.journal = StoreJournal::Rollback;
    rollback.busyTimeoutMs = 100;
    StoreOptions share;
    share.networkFolder = [](const std::string &) { return true; };
    share.busyTimeoutMs = 100;
    for (const StoreOptions &options : {rollback, share}) {
        try {
            StudyStore store(f.db, options);
            FAIL() << "converted a WAL database that another connection holds open";
        } catch (const Error &e) {
            const std::string what = e.what();
            EXPECT_NE(what.find(f.db), std::string::npos) << what;
            EXPECT_NE(what.find("another process, perhaps on another machine"), std::string::npos) << what;
            EXPECT_NE(what.find("WAL cannot be shared across machines"), std::string::npos) << what;
        }
    }
    EXPECT_EQ(headerByte(f.db, 18), 2) << "still WAL";
    // What the store relies on: SQLite refuses to leave WAL at once (SQLITE_BUSY) while another
    // connection has the file open, and keeps it in WAL.
    sqlite3 *raw = nullptr;
    ASSERT_EQ(sqlite3_open(f.db.c_str(), &raw), SQLITE_OK);
    sqlite3_busy_timeout(raw, 100);
    EXPECT_EQ(sqlite3_exec(raw, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr), SQLITE_BUSY)
        << sqlite3_errmsg(raw);
    sqlite3_stmt *stmt = nullptr;
    sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &stmt, nullptr);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0)), "wal");
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
    // The other runner is undisturbed.
    other.claim("p1", f.me);
    other.recordAnswer("p1", other.startSession("p1", f.me), {0, "Coat", 0, 0, 5}, f.me);
    EXPECT_EQ(countRows(f.db, "SELECT COUNT(*) FROM answers"), 1);
}

// A runner killed with SIGKILL mid-study (a real child process) and restarted at once.
TEST(StudyRun, ResumesAfterSigkillWithEveryAnswerOnce)
{
    StoreFixture f;
    json protocol = smallProtocol();
    for (int i = 0; i < 6; ++i) // a longer test block
        protocol["blocks"][2]["trials"].push_back(
            {{"id", "extra" + std::to_string(i)}, {"image", "coat.png"}, {"truth", "Coat"}});
    const std::string file = writeProtocol(f.dir, protocol);
    StudyRunOptions options;
    options.requirePrepared = false;

    int pipeFds[2];
    ASSERT_EQ(pipe(pipeFds), 0);
    const pid_t child = fork();
    if (child == 0) {
        close(pipeFds[0]);
        try {
            StudyRunOptions childOptions;
            childOptions.requirePrepared = false; // the owner is the child's own pid
            StudyRun run(file, f.db, "p7", childOptions);
            while (auto trial = run.nextTrial()) {
                run.answer(trial->position, trial->truth, 0, 1000, 1500);
                const char done = 'a';
                if (write(pipeFds[1], &done, 1) != 1)
                    _exit(3);
                std::this_thread::sleep_for(std::chrono::milliseconds(30));
            }
        } catch (...) {
            _exit(2);
        }
        _exit(0);
    }
    close(pipeFds[1]);
    char c = 0;
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(read(pipeFds[0], &c, 1), 1) << "the child answered " << i << " trials";
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    close(pipeFds[0]);
    ASSERT_TRUE(WIFSIGNALED(status));

    StudyRun run(file, f.db, "p7", options); // the lease of the dead pid is taken at once
    const int before = run.answeredCount();
    EXPECT_GE(before, 3);
    EXPECT_LT(before, run.trialCount()) << "killed midway";
    EXPECT_EQ(countRows(f.db, "SELECT COUNT(*) FROM answers"), before);
    EXPECT_EQ(countRows(f.db, "SELECT COUNT(DISTINCT position) FROM answers"), before);
    EXPECT_EQ(countRows(f.db, "SELECT MAX(position) + 1 FROM answers"), before) << "answered in order";
    const Schedule expected
        = buildSchedule(run.study(), run.participant().index, participantSeed(run.study().seed, "p7"));
    EXPECT_TRUE(sameSchedule(run.schedule(), expected.trials));
    ASSERT_TRUE(run.nextTrial());
    EXPECT_EQ(run.nextTrial()->position, before);
    while (auto trial = run.nextTrial())
        run.answer(trial->position, trial->truth, 0, 2000, 2600);
    EXPECT_EQ(run.answeredCount(), run.trialCount());
    EXPECT_EQ(countRows(f.db, "SELECT COUNT(*) FROM answers"), run.trialCount());
    EXPECT_EQ(countRows(f.db, "SELECT COUNT(*) FROM sessions"), 2);
    // A second runner for the same participant is refused while this one lives.
    StudyRunOptions other = options;
    other.owner = LeaseOwner{"other-runner", f.me.host, long(getpid())};
    EXPECT_THROW(StudyRun(file, f.db, "p7", other), ParticipantBusy);
}

TEST(StudyRun, RefusesAnUnpreparedStudy)
{
    StoreFixture f;
    const std::string file = writeProtocol(f.dir, smallProtocol());
    try {
        StudyRun run(file, f.db, "p1");
        FAIL() << "ran an unprepared study";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("/prepared: not prepared"), std::string::npos) << e.what();
    }
}

// --- statistics ----------------------------------------------------------------------------

TEST(StudyStatistics, WilsonIntervalMatchesClosedForm)
{
    // 8 of 10 at z = 1.96: centre (0.8 + 1.9208/10) / 1.38416, half-width as in Wilson (1927).
    const Interval w = wilsonInterval(8, 10);
    EXPECT_NEAR(w.low, 0.4901625, 1e-6);
    EXPECT_NEAR(w.high, 0.9433178, 1e-6);
    const Interval zero = wilsonInterval(0, 5);
    EXPECT_NEAR(zero.low, 0.0, 1e-12);
    EXPECT_NEAR(zero.high, 0.4344825, 1e-6);
}

TEST(StudyStatistics, FisherExactKnownTables)
{
    // Fisher's tea-tasting table [[3, 1], [1, 3]]: two-sided p = 34/70.
    EXPECT_NEAR(fisherExactTwoSided(3, 1, 1, 3), 34.0 / 70.0, 1e-12);
    // [[1, 9], [11, 3]]: p = 0.002759 (a textbook example).
    EXPECT_NEAR(fisherExactTwoSided(1, 9, 11, 3), 0.0027594, 1e-6);
    EXPECT_NEAR(fisherExactTwoSided(5, 5, 5, 5), 1.0, 1e-12);
}

TEST(StudyStatistics, ChiSquaredTail)
{
    EXPECT_NEAR(chiSquaredSurvival(3.841458820694124, 1), 0.05, 1e-9);
    EXPECT_NEAR(chiSquaredSurvival(5.0, 2), std::exp(-2.5), 1e-12);
    EXPECT_NEAR(chiSquaredSurvival(20.0, 4), std::exp(-10.0) * (1 + 10.0), 1e-12);
    EXPECT_NEAR(median({3, 1, 2, 10}), 2.5, 1e-12);
}

} // namespace
} // namespace sg
