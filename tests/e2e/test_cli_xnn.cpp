// sightglass-cli xnn train and xnn explain end to end: a trained file explains an image into
// xnn.json and one PNG (and .npy) per x-feature; per-epoch loss lines when stderr is no
// terminal; bad inputs (a class the model lacks, a model without features, another model's XNN,
// an unreadable image) are clear errors that write nothing; no overwriting without --force;
// Ctrl-C cancels training with nothing written.

#include "image/npy.h"
#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sg {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

const std::string kModel = "models/demo/cues.pt";
const std::string kXnn = "models/demo/cues-3.xnn";
const std::string kImage = "resources/samples/cues/00000.png"; // class 3

// A manifest of 40 generated cue images, made once.
const std::string &cueManifest()
{
    static const test::TempDir dir;
    static const std::string manifest = [] {
        test::generateCueSamples(515, 40, dir.file("cues"));
        std::string rows = "file,label\n";
        for (const test::CueSample &sample : test::cueSamples(dir.file("cues")))
            rows += sample.file + "," + std::to_string(sample.label) + "\n";
        return dir.write("manifest.csv", rows);
    }();
    return manifest;
}

TEST(CliXnn, TrainsAFileThatExplainsAnImage)
{
    const test::TempDir dir;
    const std::string xnn = dir.file("cues.xnn");
    const auto train = test::runCli("xnn train --model " + kModel + " --data " + cueManifest()
        + " --class 3 --class red-disk\\|blue-square --features 4 --seed 2 --epochs 3 -p max_rounds=1 --out "
        + xnn);
    ASSERT_EQ(train.exitCode, 0) << train.err;
    EXPECT_TRUE(fs::exists(xnn));
    EXPECT_THAT(train.out, HasSubstr("class 3 (yellow-square|green-cross): held-out RMSE"));
    EXPECT_THAT(train.out, HasSubstr("xnn of 2 classes, 4 x-features, 32 training / 8 held-out images"));
    // Not a terminal: one loss line per epoch and class.
    EXPECT_THAT(train.err, HasSubstr("xnn: class 1/2 (yellow-square|green-cross) round 1 epoch 3/3: loss "));
    EXPECT_THAT(train.err, HasSubstr("xnn: class 2/2 (red-disk|blue-square) round 1 epoch 1/3: loss "));

    const auto again = test::runCli(
        "xnn train --model " + kModel + " --data " + cueManifest() + " --class 3 --epochs 1 --out " + xnn);
    EXPECT_EQ(again.exitCode, 1);
    EXPECT_THAT(again.err, HasSubstr("already exists; pass --force"));

    const std::string out = dir.file("explained");
    const auto explain = test::runCli("xnn explain --model " + kModel + " --xnn " + xnn + " --image " + kImage
        + " --map gradient-input --out " + out);
    ASSERT_EQ(explain.exitCode, 0) << explain.err;
    const json result = test::readJson(out + "/xnn.json");
    EXPECT_EQ(result.at("class").at("index"), 3); // the model's top class, which the XNN explains
    EXPECT_EQ(result.at("model_top").at("index"), 3);
    ASSERT_EQ(result.at("x_features").size(), 4u);
    ASSERT_EQ(result.at("contributions").size(), 4u);
    double sum = result.at("bias").get<double>();
    for (int j = 0; j < 4; ++j) {
        const json &feature = result.at("x_features")[size_t(j)];
        EXPECT_EQ(feature.at("index"), j);
        EXPECT_NEAR(feature.at("contribution").get<double>(),
            feature.at("activation").get<double>() * feature.at("weight").get<double>(), 1e-9);
        sum += feature.at("contribution").get<double>();
        EXPECT_TRUE(fs::exists(out + "/xfeature-" + std::to_string(j) + ".png"));
        EXPECT_EQ(readNpy(out + "/xfeature-" + std::to_string(j) + ".npy").size(), cv::Size(112, 112));
    }
    EXPECT_NEAR(result.at("xnn_score").get<double>(), sum, 1e-6);
    EXPECT_GT(result.at("model_score").get<double>(), 0.0);
    EXPECT_EQ(result.at("maps").at("method"), "gradient-input");
    EXPECT_EQ(result.at("class_scores").size(), 2u);
    EXPECT_FALSE(result.at("significant").empty());
    // Another class of the file, by label; one it does not explain is refused.
    const auto other = test::runCli("xnn explain -m " + kModel + " -x " + xnn + " -i " + kImage
        + " --class 0 --map gradient-input --out " + dir.file("class0"));
    ASSERT_EQ(other.exitCode, 0) << other.err;
    EXPECT_EQ(test::readJson(dir.file("class0/xnn.json")).at("class").at("index"), 0);
    const auto missing = test::runCli("xnn explain -m " + kModel + " -x " + xnn + " -i " + kImage
        + " --class 1 --out " + dir.file("class1"));
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_THAT(
        missing.err, HasSubstr("does not explain class 1; it explains 3 (yellow-square|green-cross), 0"));
    EXPECT_FALSE(fs::exists(dir.file("class1")));
}

TEST(CliXnn, ExplainsWithIgosMapsTitledWithTheirContribution)
{
    const test::TempDir dir;
    const std::string out = dir.file("igos");
    const auto run = test::runCli("xnn explain -m " + kModel + " -x " + kXnn + " -i " + kImage
        + " --resolution 7 --map-param iterations=2 --map-param steps=4 --out " + out);
    ASSERT_EQ(run.exitCode, 0) << run.err;
    const json result = test::readJson(out + "/xnn.json");
    EXPECT_EQ(result.at("maps").at("method"), "igos");
    EXPECT_EQ(result.at("maps").at("resolution"), 7);
    EXPECT_EQ(result.at("maps").at("params").at("iterations"), 2.0);
    int active = 0;
    for (const json &feature : result.at("x_features"))
        active += feature.at("activation").get<double>() > 0.0;
    EXPECT_EQ(result.at("maps").at("backward_passes"), active * 2 * 4);
    EXPECT_THAT(run.out, HasSubstr("xnn of \"yellow-square|green-cross\""));
    const cv::Mat panel = cv::imread(out + "/xfeature-0.png");
    EXPECT_EQ(panel.cols, 112 * 2); // enlarged to 224 px
    EXPECT_EQ(panel.rows, 112 * 2 + 28); // and a title strip
    const auto again = test::runCli(
        "xnn explain -m " + kModel + " -x " + kXnn + " -i " + kImage + " --map gradient-input --out " + out);
    EXPECT_EQ(again.exitCode, 1);
    EXPECT_THAT(again.err, HasSubstr("already exists; pass --force"));
    const auto forced = test::runCli("xnn explain -m " + kModel + " -x " + kXnn + " -i " + kImage
        + " --map gradient-input --force --out " + out);
    EXPECT_EQ(forced.exitCode, 0) << forced.err;
}

TEST(CliXnn, BadInputsAreClearErrorsAndWriteNothing)
{
    const test::TempDir dir;
    const std::string bad = dir.write("broken.png", "\x89PNG\r\n\x1a\n not really");
    struct Case {
        std::string arguments;
        std::string message;
    };
    const std::string train = "xnn train --data " + cueManifest() + " ";
    const std::string explain = "xnn explain -i " + kImage + " ";
    const std::vector<Case> cases = {
        {train + "-m " + kModel + " --class 9",
            "target class 9 is out of range (the model has 4 classes, 0 to 3)"},
        {train + "-m " + kModel + " --class cat",
            "target \"cat\" is neither top1, a class index, nor one of the model's labels"},
        {train + "-m " + kModel + " --class top1",
            "--class must name a class (an index or a label), not \"top1\""},
        {train + "-m tests/data/models/linear.pt --class 0", "has no features/head split"},
        {train + "-m " + kModel + " --class 0 --features 0", "xnn: x-features 0 is out of range (1 to 100)"},
        {"xnn train --data " + dir.file("nowhere") + " -m " + kModel + " --class 0", "nowhere"},
        {explain + "-m tests/data/models/linear.pt -x " + kXnn, "has no features/head split"},
        {explain + "-m models/demo/fashion.pt -x " + kXnn, "was trained for the model with hash"},
        {"xnn explain -i " + bad + " -m " + kModel + " -x " + kXnn, "broken.png"},
        {explain + "-m " + kModel + " -x " + dir.file("none.xnn"), "none.xnn"},
        {explain + "-m " + kModel + " -x " + kXnn + " --map lrp", "unknown concept map method \"lrp\""},
        {explain + "-m " + kModel + " -x " + kXnn + " --map gradient-input --map-param steps=3",
            "gradient-input takes none"},
        {explain + "-m " + kModel + " -x " + kXnn + " --map-param steps=-3",
            "igos: parameter \"steps\" is -3, must be in [1, 1000]"},
    };
    for (const Case &c : cases) {
        const std::string out = dir.file("never");
        const auto run = test::runCli(c.arguments + " --out " + out);
        EXPECT_EQ(run.exitCode, 1) << c.arguments << "\n" << run.err;
        EXPECT_THAT(run.err, HasSubstr(c.message)) << c.arguments;
        EXPECT_FALSE(fs::exists(out)) << c.arguments;
    }
}

TEST(CliXnn, InterruptCancelsTrainingAndWritesNothing)
{
    const test::TempDir dir;
    const std::string out = dir.file("interrupted.xnn");
    const std::string manifest = cueManifest();
    // Interrupted once the first epoch line is out: training is under way.
    const test::InterruptedRun run = test::interruptCli(
        {"xnn", "train", "-m", kModel, "--data", manifest, "--class", "0", "--epochs", "100000", "--out",
            out},
        [](const std::string &err) { return err.find("epoch 1/") != std::string::npos; },
        std::chrono::milliseconds(0));
    ASSERT_TRUE(run.started) << "training never started";
    ASSERT_TRUE(run.exited);
    EXPECT_EQ(run.exitCode, 130) << run.err;
    EXPECT_THAT(run.err, HasSubstr("cancelled; no files written"));
    EXPECT_LT(run.secondsAfterSignal, 5.0) << "the flag is checked before every batch";
    EXPECT_FALSE(fs::exists(out));
    for (const auto &entry : fs::directory_iterator(dir.path()))
        EXPECT_EQ(entry.path().filename().string().find("interrupted"), std::string::npos) << entry.path();
}

} // namespace
} // namespace sg
