// sightglass-cli study validate / prepare / export / summary (issue 14).

#include "study/study_protocol.h"
#include "study/study_schedule.h"
#include "study/study_store.h"

#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace sg {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// A tiny study on a copy of the fashion model: two trials under every kind of condition, with a
// fast heatmap, gradient x input XNN maps and a 3 x 3 SAG, so preparation takes seconds.
std::string writeTinyStudy(const test::TempDir &dir)
{
    for (const char *file : {"fashion.pt", "fashion.json", "fashion-0.xnn"})
        fs::copy_file(test::sourcePath(std::string("models/demo/") + file), dir.file(file));
    fs::copy_file(test::sourcePath("resources/samples/fashion/0001_pullover.png"), dir.file("a.png"));
    fs::copy_file(test::sourcePath("resources/samples/fashion/0006_coat.png"), dir.file("b.png"));
    const json protocol
        = {{"id", "tiny"}, {"model", "fashion.pt"}, {"answers", {"T-shirt/top", "Pullover", "Coat", "Shirt"}},
            {"conditions",
                {{{"id", "none"}, {"kind", "none"}},
                    {{"id", "occ"}, {"kind", "heatmap"}, {"method", "occlusion"}},
                    {{"id", "xnn"}, {"kind", "xnn"}, {"xnn", {"fashion-0.xnn"}},
                        {"concept_maps", "gradient-input"}},
                    {{"id", "both"}, {"kind", "side-by-side"}, {"method", "occlusion"},
                        {"xnn", {"fashion-0.xnn"}}, {"concept_maps", "gradient-input"}},
                    {{"id", "sag"}, {"kind", "sag"}, {"grid", 3}}}},
            {"design", {{"assignment", "within"}}}, {"seed", 5},
            {"blocks",
                {{{"id", "train"}, {"kind", "training"},
                    {"trials",
                        {{{"id", "a"}, {"image", "a.png"}, {"truth", "Pullover"}},
                            {{"id", "b"}, {"image", "b.png"}, {"truth", "Coat"}}}}}}}};
    return dir.write("study.json", protocol.dump(2));
}

TEST(CliStudy, ValidateListsEveryProblemWithItsPath)
{
    test::TempDir dir;
    const std::string file = writeTinyStudy(dir);
    json protocol = test::readJson(file);
    protocol["blocks"][0]["trials"][1]["id"] = "a";
    protocol["blocks"][0]["trials"][1]["image"] = "nowhere.png";
    protocol["conditions"][0]["kind"] = "glow";
    dir.write("study.json", protocol.dump());
    const auto run = test::runCli("study validate --no-prepared " + file);
    EXPECT_EQ(run.exitCode, 1);
    EXPECT_THAT(run.err, HasSubstr("/blocks/0/trials/1/id: duplicate trial id \"a\""));
    EXPECT_THAT(run.err, HasSubstr("/blocks/0/trials/1/image: file not found: "));
    EXPECT_THAT(run.err, HasSubstr("/conditions/0/kind: unknown condition kind \"glow\""));
    EXPECT_THAT(run.err, HasSubstr("3 problems"));
}

TEST(CliStudy, PrepareIsResumableAndValidateNoticesChanges)
{
    test::TempDir dir;
    const std::string file = writeTinyStudy(dir);
    const auto before = test::runCli("study validate " + file);
    EXPECT_EQ(before.exitCode, 1);
    EXPECT_THAT(before.err, HasSubstr("/prepared: not prepared: 0 of 8 items ready"));

    const auto prepare = test::runCli("--threads 1 study prepare " + file);
    ASSERT_EQ(prepare.exitCode, 0) << prepare.err;
    EXPECT_THAT(prepare.err, HasSubstr("prepare: item 1 of 8: occ/a"));
    EXPECT_THAT(prepare.out, HasSubstr("8 computed, 0 already prepared"));
    EXPECT_TRUE(fs::exists(dir.file("tiny.prepared/occ/b/heatmap.png")));
    EXPECT_TRUE(fs::exists(dir.file("tiny.prepared/xnn/a/xnn.json")));
    EXPECT_TRUE(fs::exists(dir.file("tiny.prepared/both/a/heatmap.png")));
    EXPECT_TRUE(fs::exists(dir.file("tiny.prepared/both/a/xnn.json")));
    EXPECT_TRUE(fs::exists(dir.file("tiny.prepared/sag/b/sag.png")));
    EXPECT_FALSE(fs::exists(dir.file("tiny.prepared/none"))) << "condition none shows nothing to prepare";
    const auto valid = test::runCli("study validate " + file);
    EXPECT_EQ(valid.exitCode, 0) << valid.err;
    EXPECT_THAT(valid.out, HasSubstr("valid and prepared"));

    const auto again = test::runCli("--threads 1 study prepare " + file);
    ASSERT_EQ(again.exitCode, 0) << again.err;
    EXPECT_THAT(again.out, HasSubstr("0 computed, 8 already prepared"));

    // An image replaced after preparation: its four explanations are outdated, then redone.
    fs::copy_file(test::sourcePath("resources/samples/fashion/0004_shirt.png"), dir.file("b.png"),
        fs::copy_options::overwrite_existing);
    const auto changed = test::runCli("study validate " + file);
    EXPECT_EQ(changed.exitCode, 1);
    EXPECT_THAT(changed.err, HasSubstr("occ/b: its image changed since"));
    EXPECT_THAT(changed.err, HasSubstr("4 of 8 items ready"));
    const auto redo = test::runCli("--threads 1 study prepare " + file);
    ASSERT_EQ(redo.exitCode, 0) << redo.err;
    EXPECT_THAT(redo.out, HasSubstr("4 computed, 4 already prepared"));

    // A model changed after preparation (its sidecar here).
    json sidecar = test::readJson(dir.file("fashion.json"));
    sidecar["description"] = "retrained";
    dir.write("fashion.json", sidecar.dump(2));
    const auto model = test::runCli("study validate " + file);
    EXPECT_EQ(model.exitCode, 1);
    EXPECT_THAT(model.err, HasSubstr("the model changed since preparation"));
}

// A scripted set of answers: participant i answers right when a fixed hash of (i, position) is
// below a condition's rate, so the conditions differ; response times vary.
void answerEverything(StudyStore &store, const Study &study, int participants, bool fakePredictTruth)
{
    const std::map<std::string, int> rate
        = {{"none", 5}, {"igos", 6}, {"xnn", 8}, {"heatmap", 4}, {"sag", 7}};
    store.registerStudy(study, "scripted");
    const LeaseOwner me = currentProcessOwner();
    for (int i = 0; i < participants; ++i) {
        const std::string id = study.id + "-p" + std::to_string(i);
        store.registerParticipant(
            study.id, id, participantSeed(study.seed, id), [&](int index, std::uint64_t seed) {
                Schedule s = buildSchedule(study, index, seed);
                for (ScheduledTrial &t : s.trials)
                    if (fakePredictTruth && t.trialKind == TrialKind::PredictModel)
                        t.truth = study.answers[size_t(t.trialIndex) % study.answers.size()];
                return s;
            });
        store.claim(id, me);
        const std::int64_t session = store.startSession(id, me);
        for (const ScheduledTrial &t : store.schedule(id)) {
            const unsigned hash = unsigned(i * 7919 + t.position * 104729) % 10;
            std::string answer;
            if (t.trialKind == TrialKind::Likert)
                answer = std::to_string(1 + int(hash % 5));
            else if (t.trialKind == TrialKind::FreeText)
                answer = "by the collar, \"mostly\"";
            else if (int(hash) < rate.at(t.condition) || t.attentionCheck)
                answer = t.truth;
            else
                answer = t.truth == study.answers[0] ? study.answers[1] : study.answers[0];
            const std::int64_t shown = 1'700'000'000'000 + 10'000 * t.position;
            const std::int64_t took = 300 + (i * 37 + t.position * 53) % 900;
            store.recordAnswer(id, session,
                {t.position, answer, t.confidence ? 1 + int(hash % 5) : 0, shown, shown + took}, me);
        }
        store.release(id, me);
    }
}

TEST(CliStudy, ExportAndSummaryMatchAnIndependentComputation)
{
    test::TempDir dir;
    const std::string db = dir.file("answers.sqlite");
    int answered = 0;
    {
        StudyStore store(db);
        const Study fashion = loadStudy(test::sourcePath("resources/studies/fashion-upper-body/study.json"));
        const Study cues = loadStudy(test::sourcePath("resources/studies/cues-sag/study.json"));
        answerEverything(store, fashion, 6, false);
        answerEverything(store, cues, 4, true);
        for (const ParticipantRecord &p : store.participants())
            answered += store.answeredCount(p.id);
    }
    const std::string csv = dir.file("results.csv");
    const auto exported = test::runCli("study export " + db + " --out " + csv);
    ASSERT_EQ(exported.exitCode, 0) << exported.err;
    EXPECT_THAT(exported.out, HasSubstr(std::to_string(answered) + " answered trials"));
    std::ifstream in(csv);
    std::string line;
    int lines = 0;
    while (std::getline(in, line))
        ++lines;
    // One row per answered trial (the free-text answers hold a comma and quotes, no newline).
    EXPECT_EQ(lines, answered + 1);
    EXPECT_EQ(answered, 6 * 23 + 4 * 17);
    const auto refused = test::runCli("study export " + db + " --out " + csv);
    EXPECT_EQ(refused.exitCode, 1);
    EXPECT_THAT(refused.err, HasSubstr("pass --force"));

    const auto summary = test::runCli("study summary " + db + " --json");
    ASSERT_EQ(summary.exitCode, 0) << summary.err;
    const std::string summaryFile = dir.write("summary.json", summary.out);
    const std::string script = test::sourcePath("tests/e2e/study_summary_check.py");
    const std::string command = "/usr/bin/python3 " + script + " " + csv + " " + summaryFile + " 2>&1";
    FILE *pipe = popen(command.c_str(), "r");
    ASSERT_TRUE(pipe);
    std::string output;
    char buffer[512];
    while (fgets(buffer, sizeof buffer, pipe))
        output += buffer;
    const int status = pclose(pipe);
    EXPECT_EQ(status, 0) << output;
    EXPECT_THAT(output, HasSubstr("checked 4 blocks"));

    const auto text = test::runCli("study summary " + db);
    ASSERT_EQ(text.exitCode, 0) << text.err;
    EXPECT_THAT(text.out, HasSubstr("Pearson's chi-squared test of independence"));
    EXPECT_THAT(text.out, HasSubstr("Fisher's exact test (two-sided)"));
    EXPECT_THAT(text.out, HasSubstr("attention checks passed 6 of 6"));
    EXPECT_THAT(text.out, HasSubstr(db + ": WAL (local disk)")) << "the journal in use";
}

} // namespace
} // namespace sg
