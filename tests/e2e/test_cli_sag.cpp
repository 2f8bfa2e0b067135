// sightglass-cli sag end to end (issue 10): the files and their contents, every bad input's
// message with nothing written, no overwriting without --force, and Ctrl-C cancelling promptly
// with nothing written.

#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>

namespace sg {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

const std::string kModel = "models/demo/cues.pt";
const std::string kImage = "resources/samples/cues/00004.png"; // class 1, both cues

TEST(CliSag, WritesTheGraphFilesAndResult)
{
    const test::TempDir dir;
    const std::string out = dir.file("sag");
    const auto run = test::runCli("sag --model " + kModel + " --image " + kImage + " --out " + out);
    ASSERT_EQ(run.exitCode, 0) << run.err;
    EXPECT_THAT(run.out, HasSubstr("sag (default, 7x7) of \"green-triangle|yellow-cross\""));

    const json result = test::readJson(out + "/result.json");
    EXPECT_EQ(result.at("target").at("index"), 1);
    EXPECT_EQ(result.at("grid").at("rows"), 7);
    EXPECT_EQ(result.at("request").at("mode"), "default");
    EXPECT_EQ(result.at("model"), kModel);
    ASSERT_GE(result.at("roots").size(), 2u);
    for (const json &root : result.at("roots")) {
        EXPECT_FALSE(root.at("cells").empty());
        EXPECT_GT(root.at("probability").get<double>(), result.at("threshold").at("absolute").get<double>());
    }
    EXPECT_GT(
        result.at("forward_passes").get<int>(), result.at("statistics").at("ranking_passes").get<int>());
    EXPECT_GT(result.at("seconds").get<double>(), 0.0);
    EXPECT_EQ(result.at("statistics").at("sets_scored").get<int>(),
        result.at("statistics").at("distinct_sets").get<int>()
            + result.at("statistics").at("cache_hits").get<int>());

    const json graph = test::readJson(out + "/sag.json");
    const size_t nodes = graph.at("graph").at("nodes").size();
    EXPECT_EQ(nodes, result.at("graph").at("nodes").get<size_t>());
    for (const json &node : graph.at("graph").at("nodes")) {
        EXPECT_GT(node.at("x").get<double>(), 0.0);
        EXPECT_GT(node.at("width").get<double>(), 0.0);
    }
    for (const json &edge : graph.at("graph").at("edges"))
        EXPECT_GE(edge.at("spline").size(), 4u);
    const std::string svg = test::readBytes(out + "/sag.svg");
    size_t thumbnails = 0;
    for (size_t at = svg.find("data:image/png;base64,"); at != std::string::npos;
         at = svg.find("data:image/png", at + 1))
        ++thumbnails;
    EXPECT_EQ(thumbnails, nodes);
    EXPECT_THAT(test::readBytes(out + "/sag.dot"), HasSubstr("strict digraph sag"));
    const cv::Mat png = cv::imread(out + "/sag.png");
    EXPECT_FALSE(png.empty());
    for (const auto &entry : fs::directory_iterator(out))
        EXPECT_EQ(entry.path().filename().string().find(".partial"), std::string::npos);

    const auto again = test::runCli("sag -m " + kModel + " -i " + kImage + " --out " + out);
    EXPECT_EQ(again.exitCode, 1);
    EXPECT_THAT(again.err, HasSubstr("already exists; pass --force"));
}

TEST(CliSag, BadInputIsAClearErrorAndWritesNothing)
{
    const test::TempDir dir;
    const std::string notAnImage = dir.write("broken.png", "this is not a PNG");
    struct Case {
        std::string arguments;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"-i " + kImage + " --grid 0", "sag: grid rows 0 is out of range (2 to 14)"},
        {"-i " + kImage + " --grid 100", "sag: grid rows 100 is out of range (2 to 14)"},
        {"-i " + kImage + " --grid 7x1", "sag: grid columns 1 is out of range (2 to 14)"},
        {"-i " + kImage + " --grid seven",
            "--grid \"seven\" must be a number of cells (7) or ROWSxCOLS (7x5)"},
        {"-i " + kImage + " --threshold 0", "sag: threshold 0 is out of range (above 0, at most 1"},
        {"-i " + kImage + " --threshold 1.5", "sag: threshold 1.5 is out of range"},
        {"-i " + kImage + " --target 9", "target class 9 is out of range (the model has 4 classes, 0 to 3)"},
        {"-i " + kImage + " --mode fast", "sag: --mode \"fast\" is not known (choose default or reference)"},
        {"-i " + kImage + " --beam 0", "sag: beam width 0 is out of range"},
        {"-i " + notAnImage, notAnImage},
        {"-i " + dir.file("missing.png"), dir.file("missing.png")},
    };
    for (const Case &c : cases) {
        const std::string out = dir.file("never");
        const auto run = test::runCli("sag -m " + kModel + " " + c.arguments + " --out " + out);
        EXPECT_EQ(run.exitCode, 1) << c.arguments << "\n" << run.err;
        EXPECT_THAT(run.err, HasSubstr(c.message)) << c.arguments;
        EXPECT_FALSE(fs::exists(out)) << c.arguments;
    }
}

TEST(CliSag, InterruptCancelsPromptlyAndLeavesNoFiles)
{
    const test::TempDir dir;
    const std::string out = dir.file("interrupted");
    // The reference search without its memo on sample 00000: about 8,600 passes, one at a
    // time, so the run is surely going when the interrupt comes.
    const test::InterruptedRun run
        = test::interruptCli({"sag", "-m", kModel, "-i", "resources/samples/cues/00000.png", "--mode",
                                 "reference", "--no-cache", "--out", out},
            out);
    ASSERT_TRUE(run.started) << "the run never started";
    ASSERT_TRUE(run.exited);
    EXPECT_EQ(run.exitCode, 130) << run.err;
    EXPECT_THAT(run.err, HasSubstr("cancelled; no files written"));
    // Reference mode checks the flag before every pass (about a millisecond here), and the
    // process is gone about 0.3 s after the signal on an idle machine; 5 s covers a loaded one
    // (up to 3.4 s measured with two builds running), while the search itself runs for more than
    // 10 s.
    EXPECT_LT(run.secondsAfterSignal, 5.0) << "cancel takes effect within one pass";
    EXPECT_FALSE(fs::exists(out));
}

} // namespace
} // namespace sg
