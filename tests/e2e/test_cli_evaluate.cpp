// sightglass-cli evaluate end to end: on the cues demo model, a map that marks the generator's
// true cue boxes must beat its inverse (lower deletion AUC, higher insertion AUC) in both metric
// variants; the JSON carries curves, target and settings; bad input is refused with a message.

#include "image/npy.h"
#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

namespace sg {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

const std::string kModel = "models/demo/cues.pt";
const std::string kSamples = "resources/samples/cues/";

json truthFor(const std::string &file)
{
    const json truth = test::readJson(test::sourcePath(kSamples + "truth.json"));
    for (const auto &image : truth.at("images"))
        if (image.at("file") == file)
            return image;
    throw std::runtime_error("no truth for " + file);
}

// 1 inside every cue box [x0, y0, x1, y1), 0 elsewhere, at the image's size.
cv::Mat boxMap(const json &truth, bool inverted)
{
    const json all = test::readJson(test::sourcePath(kSamples + "truth.json"));
    cv::Mat map(all.at("height").get<int>(), all.at("width").get<int>(), CV_32FC1, cv::Scalar(0));
    for (const auto &cue : truth.at("cues")) {
        const auto box = cue.at("box").get<std::vector<int>>();
        map(cv::Rect(box[0], box[1], box[2] - box[0], box[3] - box[1])).setTo(1.0f);
    }
    return inverted ? cv::Mat(1.0f - map) : map;
}

json evaluate(const std::string &arguments)
{
    const auto run = test::runCli("evaluate --model " + kModel + " " + arguments);
    EXPECT_EQ(run.exitCode, 0) << run.err;
    return run.exitCode == 0 ? json::parse(run.out) : json::object();
}

struct VariantCase {
    std::string variant;
    int steps; // cues input is 112 x 112: igos 28 -> 53 steps; rise 8 x 112 px per step -> 14
};

void PrintTo(const VariantCase &c, std::ostream *out)
{
    *out << c.variant;
}

class EvaluateCues : public ::testing::TestWithParam<VariantCase> { };

TEST_P(EvaluateCues, TrueBoxesBeatTheirInverse)
{
    const VariantCase &c = GetParam();
    const test::TempDir dir;
    for (const std::string file : {"00000.png", "00004.png"}) { // one cue; two cues
        const json truth = truthFor(file);
        writeNpy(dir.file("box.npy"), boxMap(truth, false));
        writeNpy(dir.file("inverse.npy"), boxMap(truth, true));
        const std::string common = "--image " + kSamples + file + " --variant " + c.variant + " --saliency ";
        const json box = evaluate(common + dir.file("box.npy"));
        const json inverse = evaluate(common + dir.file("inverse.npy"));
        ASSERT_FALSE(box.empty());
        ASSERT_FALSE(inverse.empty());

        const json &metrics = box.at("metrics");
        EXPECT_LT(
            metrics.at("deletion_auc").get<double>(), inverse.at("metrics").at("deletion_auc").get<double>())
            << file;
        EXPECT_GT(metrics.at("insertion_auc").get<double>(),
            inverse.at("metrics").at("insertion_auc").get<double>())
            << file;

        // The model gets every cues sample right, so top-1 is the true label.
        EXPECT_EQ(box.at("target").at("index").get<int>(), truth.at("label").get<int>()) << file;
        EXPECT_EQ(box.at("target").at("label"), truth.at("label_name")) << file;
        const double probability = box.at("target").at("probability").get<double>();
        EXPECT_GT(probability, 0.5);
        EXPECT_LE(probability, 1.0);

        for (const std::string curve : {"deletion_curve", "insertion_curve"}) {
            const auto x = metrics.at(curve).at("x").get<std::vector<double>>();
            const auto score = metrics.at(curve).at("score").get<std::vector<double>>();
            ASSERT_EQ(x.size(), size_t(c.steps + 1)) << curve;
            ASSERT_EQ(score.size(), x.size()) << curve;
            EXPECT_EQ(x.front(), 0.0);
            EXPECT_EQ(x.back(), 1.0);
            EXPECT_TRUE(std::is_sorted(x.begin(), x.end()));
            for (double s : score)
                EXPECT_TRUE(s >= 0.0 && s <= 1.0) << curve;
        }
        // Deletion starts from the clean image.
        EXPECT_NEAR(metrics.at("deletion_curve").at("score")[0].get<double>(), probability, 1e-9);
        EXPECT_EQ(metrics.at("settings").at("variant"), c.variant);
        EXPECT_EQ(metrics.at("settings").at("steps"), c.steps);
        EXPECT_EQ(box.at("settings"), metrics.at("settings"));
        EXPECT_EQ(box.at("forward_passes").get<int>(), 2 * (c.steps + 1));
        EXPECT_EQ(metrics.at("forward_passes"), box.at("forward_passes"));
        EXPECT_GE(box.at("seconds").get<double>(), 0.0);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Variants, EvaluateCues, ::testing::Values(VariantCase{"igos", 53}, VariantCase{"rise", 14}));

TEST(Evaluate, TargetByIndexOrLabelAndOptionsReported)
{
    const test::TempDir dir;
    const json truth = truthFor("00001.png");
    writeNpy(dir.file("box.npy"), boxMap(truth, false));
    const std::string common = "--image " + kSamples + "00001.png --saliency " + dir.file("box.npy");

    const json byLabel
        = evaluate(common + " --target 'yellow-square|green-cross' --resolution 7 --legacy-last-step");
    const json byIndex = evaluate(common + " --target 3 --resolution 7 --legacy-last-step");
    EXPECT_EQ(byLabel.at("target").at("index"), 3);
    EXPECT_EQ(byIndex.at("target"), byLabel.at("target"));
    EXPECT_EQ(byIndex.at("metrics").at("deletion_auc"), byLabel.at("metrics").at("deletion_auc"));
    const json &settings = byLabel.at("settings");
    EXPECT_EQ(settings.at("resolution"), 7);
    EXPECT_EQ(settings.at("steps"), 49);
    EXPECT_EQ(settings.at("legacy_last_step"), true);
    EXPECT_EQ(settings.at("saliency_size").at("width"), 112);
    // Not the top-1 class: a low probability.
    EXPECT_LT(byLabel.at("target").at("probability").get<double>(), 0.5);

    const json rise = evaluate(common + " --variant rise --pixels-per-step 1000 --deletion-fill blur");
    EXPECT_EQ(rise.at("settings").at("pixels_per_step"), 1000);
    EXPECT_EQ(rise.at("settings").at("steps"), 13); // ceil(12544 / 1000)
    EXPECT_EQ(rise.at("settings").at("deletion_fill"), "blur");
}

TEST(Evaluate, AnyMapSizeIsAccepted)
{
    const test::TempDir dir;
    cv::Mat small(5, 9, CV_32FC1);
    for (int i = 0; i < 45; ++i)
        small.at<float>(i / 9, i % 9) = float(i % 7);
    writeNpy(dir.file("small.npy"), small);
    const json result = evaluate("--image " + kSamples + "00002.png --saliency " + dir.file("small.npy"));
    EXPECT_EQ(result.at("settings").at("saliency_size").at("width"), 9);
    EXPECT_EQ(result.at("settings").at("saliency_size").at("height"), 5);
}

TEST(Evaluate, OutWritesMetricsJsonAndNeverOverwritesWithoutForce)
{
    const test::TempDir dir;
    writeNpy(dir.file("box.npy"), boxMap(truthFor("00003.png"), false));
    const std::string out = (dir.path() / "result").string();
    const std::string arguments = "evaluate --model " + kModel + " --image " + kSamples
        + "00003.png --saliency " + dir.file("box.npy");
    const auto first = test::runCli(arguments + " --out " + out);
    ASSERT_EQ(first.exitCode, 0) << first.err;
    const json written = test::readJson(out + "/metrics.json");
    EXPECT_EQ(written, json::parse(first.out));

    const auto again = test::runCli(arguments + " --out " + out);
    EXPECT_EQ(again.exitCode, 1);
    EXPECT_THAT(again.err, HasSubstr("metrics.json: already exists; pass --force"));
    EXPECT_EQ(test::readJson(out + "/metrics.json"), written);

    const auto forced = test::runCli(arguments + " --variant rise --out " + out + " --force");
    ASSERT_EQ(forced.exitCode, 0) << forced.err;
    EXPECT_EQ(test::readJson(out + "/metrics.json").at("metrics").at("variant"), "rise");
    for (const auto &entry : fs::directory_iterator(out))
        EXPECT_EQ(entry.path().filename(), "metrics.json"); // no temporary left behind
}

// The pointing game by the usual rule against truth.json: a map marking the cue boxes has its
// first maximum at a box's top-left pixel (a hit, all its mass inside); its inverse peaks at
// (0, 0), outside every box; a constant map points nowhere.
TEST(Evaluate, TruthAddsThePointingGame)
{
    const test::TempDir dir;
    const std::string truthFile = kSamples + "truth.json";
    const json truth = truthFor("00000.png");
    writeNpy(dir.file("box.npy"), boxMap(truth, false));
    writeNpy(dir.file("inverse.npy"), boxMap(truth, true));
    writeNpy(dir.file("flat.npy"), cv::Mat(112, 112, CV_32FC1, cv::Scalar(0.5)));
    const std::string common = "--truth " + truthFile + " --image " + kSamples + "00000.png --saliency ";

    const json box = evaluate(common + dir.file("box.npy")).at("pointing");
    const auto firstBox = truth.at("cues").at(0).at("box").get<std::vector<int>>();
    EXPECT_EQ(box.at("rule"), "first maximum");
    EXPECT_TRUE(box.at("hit").get<bool>());
    EXPECT_FALSE(box.at("flat").get<bool>());
    EXPECT_EQ(box.at("peak"), json::array({firstBox[0], firstBox[1]}));
    EXPECT_EQ(box.at("peak_count").get<int>(), (firstBox[2] - firstBox[0]) * (firstBox[3] - firstBox[1]));
    EXPECT_NEAR(box.at("energy").get<double>(), 1.0, 1e-9);
    EXPECT_EQ(box.at("boxes").get<size_t>(), truth.at("cues").size());

    const json inverse = evaluate(common + dir.file("inverse.npy")).at("pointing");
    EXPECT_FALSE(inverse.at("hit").get<bool>());
    EXPECT_EQ(inverse.at("peak"), json::array({0, 0}));
    EXPECT_NEAR(inverse.at("energy").get<double>(), 0.0, 1e-9);
    // The tolerance reaches the box from (0, 0) only when it covers the distance.
    const double distance = std::hypot(firstBox[0], firstBox[1]);
    EXPECT_TRUE(
        evaluate("--tolerance " + std::to_string(distance + 0.01) + " " + common + dir.file("inverse.npy"))
            .at("pointing")
            .at("hit")
            .get<bool>());

    const json flat = evaluate(common + dir.file("flat.npy")).at("pointing");
    EXPECT_FALSE(flat.at("hit").get<bool>());
    EXPECT_TRUE(flat.at("flat").get<bool>());
    EXPECT_EQ(flat.at("peak_count").get<int>(), 112 * 112);

    // Without --truth there is no pointing entry.
    EXPECT_FALSE(
        evaluate("--image " + kSamples + "00000.png --saliency " + dir.file("box.npy")).contains("pointing"));
    // An image the truth file does not list is named.
    const std::string other = dir.write("other.json", R"({"width": 112, "height": 112, "images": []})");
    const auto run = test::runCli("evaluate --model " + kModel + " --truth " + other + " --image " + kSamples
        + "00000.png --saliency " + dir.file("box.npy"));
    EXPECT_NE(run.exitCode, 0);
    EXPECT_THAT(run.err, HasSubstr(other + ": has no entry for the image 00000.png"));
}

// A 3-D float32 .npy of shape (3, 8, 8), which no saliency map can be.
std::string threeDimensionalNpy()
{
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 8, 8), }";
    header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    std::string bytes("\x93NUMPY\x01\x00", 8);
    bytes += char(header.size() & 0xFF);
    bytes += char(header.size() >> 8);
    bytes += header;
    bytes += std::string(3 * 8 * 8 * 4, '\0');
    return bytes;
}

TEST(EvaluateErrors, BadInputIsRefusedWithAMessage)
{
    const test::TempDir dir;
    writeNpy(dir.file("box.npy"), boxMap(truthFor("00000.png"), false));
    const std::string image = " --image " + kSamples + "00000.png";
    const std::string good = image + " --saliency " + dir.file("box.npy");
    auto fails = [](const std::string &arguments, const std::string &message) {
        const auto run = test::runCli("evaluate --model " + kModel + " " + arguments);
        EXPECT_EQ(run.exitCode, 1) << arguments << "\n" << run.err;
        EXPECT_THAT(run.err, HasSubstr(message)) << arguments;
        EXPECT_EQ(run.out, "") << arguments;
    };

    fails(image + " --saliency " + dir.file("absent.npy"), dir.file("absent.npy") + ": file not found");
    const std::string cube = dir.write("cube.npy", threeDimensionalNpy());
    fails(image + " --saliency " + cube,
        cube + ": saliency map must be a 2-D array (height, width), got shape (3, 8, 8)");
    fails(good + " --variant lime", "deletion/insertion: unknown variant \"lime\" (choose igos or rise)");
    fails(good + " --resolution 113",
        "deletion/insertion: resolution 113 is out of range for the model's 112x112 input (1 to 112)");
    fails(good + " --variant rise --resolution 7", "--resolution applies to the igos variant only");
    fails(good + " --variant rise --legacy-last-step", "--legacy-last-step applies to the igos variant only");
    fails(good + " --pixels-per-step 10", "--pixels-per-step applies to the rise variant only");
    fails(good + " --variant rise --pixels-per-step 0", "pixels per step must be at least 1, not 0");
    fails(good + " --variant rise --deletion-fill noise", "unknown deletion fill \"noise\"");
    fails(good + " --batch 0", "batch size must be at least 1, not 0");
    fails(good + " --target 9", "target class 9 is out of range (the model has 4 classes, 0 to 3)");
    fails(good + " --target heron",
        "target \"heron\" is neither top1, a class index, nor one of the model's labels");
}

} // namespace
} // namespace sg
