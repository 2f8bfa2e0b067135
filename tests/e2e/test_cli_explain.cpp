// sightglass-cli explain and methods end to end: the files and their contents, every bad
// request's message, Ctrl-C leaving no partial files, and no overwriting without --force.

#include "image/npy.h"
#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sg {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

const std::string kModel = "models/demo/cues.pt";
const std::string kImage = "resources/samples/cues/00000.png"; // class 3, cue box [44,75,66,97)

TEST(CliExplain, WritesMapsOverlayAndResult)
{
    const test::TempDir dir;
    const std::string out = dir.file("igos");
    const auto run = test::runCli("explain --model " + kModel + " --image " + kImage
        + " --method igos --resolution 14 --seed 3 --param iterations=4 --evaluate --out " + out);
    ASSERT_EQ(run.exitCode, 0) << run.err;
    const json result = test::readJson(out + "/result.json");
    EXPECT_EQ(result.at("method"), "igos");
    EXPECT_EQ(result.at("resolution"), 14);
    EXPECT_EQ(result.at("params").at("iterations"), 4.0);
    EXPECT_EQ(result.at("params").at("steps"), 20.0);
    EXPECT_EQ(result.at("target").at("index"), 3);
    EXPECT_EQ(result.at("target").at("label"), "yellow-square|green-cross");
    EXPECT_GT(result.at("target").at("probability").get<double>(), 0.5);
    EXPECT_GT(result.at("forward_passes").get<int>(), 4 * 20);
    EXPECT_EQ(result.at("backward_passes"), 4 * 20);
    EXPECT_GT(result.at("seconds").get<double>(), 0.0);
    const json &metrics = result.at("metrics");
    EXPECT_LT(metrics.at("deletion_auc").get<double>(), metrics.at("insertion_auc").get<double>());
    EXPECT_EQ(metrics.at("deletion_curve").at("score").size(), metrics.at("deletion_curve").at("x").size());

    const cv::Mat saliency = readNpy(out + "/saliency.npy");
    EXPECT_EQ(saliency.size(), cv::Size(112, 112));
    EXPECT_EQ(readNpy(out + "/mask.npy").size(), cv::Size(14, 14));
    EXPECT_TRUE(fs::exists(out + "/overlay.png"));
    for (const auto &entry : fs::directory_iterator(out))
        EXPECT_EQ(entry.path().filename().string().find(".partial"), std::string::npos);

    // Same seed, same map; results are not overwritten without --force.
    const auto again = test::runCli("explain -m " + kModel + " -i " + kImage
        + " --method igos -r 14 --seed 3 -p iterations=4 --out " + out);
    EXPECT_EQ(again.exitCode, 1);
    EXPECT_THAT(again.err, HasSubstr("already exists; pass --force"));
    const auto forced = test::runCli("explain -m " + kModel + " -i " + kImage
        + " --method igos -r 14 --seed 3 -p iterations=4 --force --out " + out);
    ASSERT_EQ(forced.exitCode, 0) << forced.err;
    EXPECT_EQ(cv::norm(saliency, readNpy(out + "/saliency.npy"), cv::NORM_INF), 0.0);
}

TEST(CliExplain, MethodsWithoutAResolutionUseTheirOwn)
{
    const test::TempDir dir;
    const auto run = test::runCli(
        "explain -m " + kModel + " -i " + kImage + " --method gradcam --out " + dir.file("cam"));
    ASSERT_EQ(run.exitCode, 0) << run.err;
    EXPECT_EQ(test::readJson(dir.file("cam/result.json")).at("resolution"), 14); // the feature map
    const auto rejected = test::runCli("explain -m " + kModel + " -i " + kImage
        + " --method gradcam --resolution 7 --out " + dir.file("cam7"));
    EXPECT_EQ(rejected.exitCode, 1);
    EXPECT_THAT(rejected.err, HasSubstr("gradcam has no choosable resolution"));
    EXPECT_FALSE(fs::exists(dir.file("cam7")));
}

TEST(CliExplain, BadRequestsAreClearErrorsAndWriteNothing)
{
    const test::TempDir dir;
    struct Case {
        std::string arguments;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"--method igos --resolution 0",
            "igos: resolution 0 is not offered (choose one of 7, 14, 28, 56, 224)"},
        {"--method igos -p steps=-3", "igos: parameter \"steps\" is -3, must be in [1, 1000]"},
        {"--method igos -p steps", "--param \"steps\" must look like NAME=VALUE"},
        {"--method igos -p steps=many", "--param steps: \"many\" is not a number"},
        {"--method lime",
            "unknown saliency method \"lime\" (known: igos, igospp, gradcam, ig, rise, occlusion)"},
        {"--method igos --target 9", "target class 9 is out of range (the model has 4 classes, 0 to 3)"},
        {"--method igos --target cat",
            "target \"cat\" is neither top1, a class index, nor one of the model's labels"},
        {"--method rise --resolution 224", "rise: resolution 224 exceeds the model input (112x112)"},
    };
    for (const Case &c : cases) {
        const std::string out = dir.file("never");
        const auto run
            = test::runCli("explain -m " + kModel + " -i " + kImage + " " + c.arguments + " --out " + out);
        EXPECT_EQ(run.exitCode, 1) << c.arguments;
        EXPECT_THAT(run.err, HasSubstr(c.message)) << c.arguments;
        EXPECT_FALSE(fs::exists(out)) << c.arguments;
    }
    const auto noSplit = test::runCli("explain -m tests/data/models/linear.pt -i " + kImage
        + " --method gradcam --out " + dir.file("never"));
    EXPECT_EQ(noSplit.exitCode, 1);
    EXPECT_THAT(noSplit.err, HasSubstr("does not expose an inner layer"));
}

// Issue 9: a choice is given by its option's name; the old numeric spelling (the option's index)
// still reads as that option and gives the very same files; result.json names the option and
// writes booleans as booleans.
TEST(CliExplain, ChoicesTakeOptionNamesAndTheOldIndices)
{
    const test::TempDir dir;
    const auto explain = [&](const std::string &name, const std::string &arguments) {
        const auto run = test::runCli(
            "explain -m " + kModel + " -i " + kImage + " " + arguments + " --out " + dir.file(name));
        EXPECT_EQ(run.exitCode, 0) << arguments << ": " << run.err;
        return dir.file(name);
    };
    struct Case {
        std::string method;
        std::string param;
        std::string option; // not the default
        std::string index; // its old numeric spelling
    };
    for (const Case &c : {Case{"ig", "baseline", "blur", "1"}, Case{"occlusion", "fill", "black", "1"}}) {
        const std::string base = "--method " + c.method + " -p " + c.param + "=";
        const std::string byName = explain(c.method + "-name", base + c.option);
        const std::string byIndex = explain(c.method + "-index", base + c.index);
        const std::string byDefault = explain(c.method + "-default", "--method " + c.method);
        for (const std::string file : {"saliency.npy", "mask.npy"}) {
            EXPECT_EQ(test::readBytes(byName + "/" + file), test::readBytes(byIndex + "/" + file))
                << c.method << " " << file;
            // The option is not ignored: the default gives another map.
            EXPECT_NE(test::readBytes(byName + "/" + file), test::readBytes(byDefault + "/" + file))
                << c.method << " " << file;
        }
        EXPECT_EQ(test::readJson(byName + "/result.json").at("params").at(c.param), c.option);
        EXPECT_EQ(test::readJson(byIndex + "/result.json").at("params").at(c.param), c.option);
    }

    const json igos = test::readJson(
        explain("igos", "--method igos -r 7 -p iterations=1 -p steps=2 -p ties=no") + "/result.json");
    EXPECT_EQ(igos.at("params").at("ties"), false);
    EXPECT_EQ(igos.at("params").at("reference"), false);
    EXPECT_TRUE(igos.at("params").at("iterations").is_number_integer());
    EXPECT_TRUE(igos.at("params").at("l1").is_number_float());

    const auto unknown = test::runCli("explain -m " + kModel + " -i " + kImage
        + " --method ig -p baseline=grey --out " + dir.file("never"));
    EXPECT_EQ(unknown.exitCode, 1);
    EXPECT_THAT(unknown.err,
        HasSubstr("ig: parameter \"baseline\" has no option \"grey\" (choose one of black, blur)"));
    const auto notBoolean = test::runCli(
        "explain -m " + kModel + " -i " + kImage + " --method igos -p ties=maybe --out " + dir.file("never"));
    EXPECT_EQ(notBoolean.exitCode, 1);
    EXPECT_THAT(notBoolean.err, HasSubstr("igos: --param ties: \"maybe\" is not a boolean"));
    EXPECT_FALSE(fs::exists(dir.file("never")));
}

TEST(CliExplain, InterruptCancelsPromptlyAndLeavesNoFiles)
{
    const test::TempDir dir;
    const std::string out = dir.file("interrupted");
    // Far more iterations than can finish: the run is surely going when the interrupt comes.
    const test::InterruptedRun run = test::interruptCli(
        {"explain", "-m", kModel, "-i", kImage, "--method", "igospp", "-p", "iterations=1000", "--out", out},
        out);
    ASSERT_TRUE(run.started) << "the run never started";
    ASSERT_TRUE(run.exited);
    EXPECT_EQ(run.exitCode, 130);
    EXPECT_THAT(run.err, HasSubstr("cancelled; no files written"));
    // The cancel takes effect within one batch (a few hundredths of a second here) and the process
    // is gone about 0.3 s after the signal on an idle machine; 5 s covers a loaded one (3.6 s was
    // measured under ctest -j2 with two builds running), while 1000 iterations take minutes.
    EXPECT_LT(run.secondsAfterSignal, 5.0) << "cancel takes effect within one batch";
    EXPECT_FALSE(fs::exists(out));
}

TEST(CliMethods, ListsTheRegistryWithDefaultsPerResolution)
{
    const auto run = test::runCli("methods --json");
    ASSERT_EQ(run.exitCode, 0) << run.err;
    const json methods = json::parse(run.out);
    std::vector<std::string> ids;
    for (const auto &method : methods)
        ids.push_back(method.at("id"));
    EXPECT_THAT(ids, ::testing::ElementsAre("igos", "igospp", "gradcam", "ig", "rise", "occlusion"));
    const json &igos = methods[0];
    EXPECT_EQ(igos.at("default_resolution"), 28);
    double l1At224 = 0;
    for (const auto &entry : igos.at("resolutions"))
        if (entry.at("resolution") == 224)
            for (const auto &parameter : entry.at("parameters"))
                if (parameter.at("name") == "l1")
                    l1At224 = parameter.at("default");
    EXPECT_EQ(l1At224, 10.0);
    EXPECT_TRUE(methods[2].at("needs_split").get<bool>());
    EXPECT_TRUE(methods[2].at("resolutions").empty());
    EXPECT_THAT(test::runCli("methods").out, HasSubstr("igos  I-GOS"));
}

// Issue 9: every parameter has its kind; a choice lists its options with their descriptions.
TEST(CliMethods, ListsEachParametersKindAndAChoicesOptions)
{
    const auto run = test::runCli("methods --json");
    ASSERT_EQ(run.exitCode, 0) << run.err;
    std::map<std::string, json> parameters; // "method.name" -> its entry at the default resolution
    for (const auto &method : json::parse(run.out)) {
        const std::string id = method.at("id");
        json list = json::array();
        if (method.at("resolutions").empty())
            list = method.at("parameters");
        for (const auto &entry : method.at("resolutions"))
            if (entry.at("resolution") == method.at("default_resolution"))
                list = entry.at("parameters");
        for (const auto &parameter : list)
            parameters[id + "." + parameter.at("name").get<std::string>()] = parameter;
    }
    const json &baseline = parameters.at("ig.baseline");
    EXPECT_EQ(baseline.at("kind"), "choice");
    EXPECT_EQ(baseline.at("default"), "black");
    ASSERT_EQ(baseline.at("options").size(), 2u);
    EXPECT_EQ(baseline.at("options")[0].at("name"), "black");
    EXPECT_EQ(baseline.at("options")[1].at("name"), "blur");
    EXPECT_FALSE(baseline.at("options")[1].at("description").get<std::string>().empty());
    EXPECT_FALSE(baseline.contains("minimum"));
    EXPECT_EQ(parameters.at("occlusion.fill").at("default"), "blur");
    EXPECT_EQ(parameters.at("igos.ties").at("kind"), "boolean");
    EXPECT_EQ(parameters.at("igos.ties").at("default"), true);
    EXPECT_EQ(parameters.at("igos.steps").at("kind"), "integer");
    EXPECT_EQ(parameters.at("igos.steps").at("maximum"), 1000);
    EXPECT_EQ(parameters.at("igos.l1").at("kind"), "number");
    EXPECT_EQ(parameters.at("rise.p").at("kind"), "number");

    const std::string text = test::runCli("methods").out;
    EXPECT_THAT(text, HasSubstr("baseline = black  choice  "));
    EXPECT_THAT(text, HasSubstr("        blur  the blurred image"));
    EXPECT_THAT(text, HasSubstr("ties = true  boolean  "));
    EXPECT_THAT(text, HasSubstr("steps = 20  integer [1, 1000]  "));
}

} // namespace
} // namespace sg
