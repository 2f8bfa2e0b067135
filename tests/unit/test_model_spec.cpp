// Sidecar parsing: every field's validation names the sidecar and the field.

#include "common/error.h"
#include "model/model_spec.h"
#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sg {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json validSidecar()
{
    return json::parse(R"({
        "name": "demo", "description": "a test model",
        "input": {"width": 32, "height": 24, "channels": 3,
                  "value_range": [0, 255], "mean": [1, 2, 3], "std": [4, 5, 6]},
        "labels": ["cat", "dog"],
        "split": {"features": "features", "head": "head"}})");
}

// Parses `sidecar` and returns the error message, or "" when it parsed.
std::string errorFor(const json &sidecar)
{
    try {
        parseModelSpec(sidecar.dump(), "/models/demo.json");
    } catch (const Error &error) {
        return error.what();
    }
    return "";
}

TEST(ModelSpec, ParsesEveryField)
{
    const ModelSpec spec = parseModelSpec(validSidecar().dump(), "/models/demo.json");
    EXPECT_EQ(spec.name, "demo");
    EXPECT_EQ(spec.description, "a test model");
    EXPECT_EQ(spec.input.width, 32);
    EXPECT_EQ(spec.input.height, 24);
    EXPECT_EQ(spec.input.channels, 3);
    EXPECT_FLOAT_EQ(spec.input.rangeLow, 0.0f);
    EXPECT_FLOAT_EQ(spec.input.rangeHigh, 255.0f);
    EXPECT_THAT(spec.input.mean, ::testing::ElementsAre(1.0f, 2.0f, 3.0f));
    EXPECT_THAT(spec.input.std, ::testing::ElementsAre(4.0f, 5.0f, 6.0f));
    EXPECT_THAT(spec.labels, ::testing::ElementsAre("cat", "dog"));
    EXPECT_TRUE(spec.hasSplit());
    EXPECT_EQ(spec.featuresMethod, "features");
}

TEST(ModelSpec, DefaultsForOptionalFields)
{
    json sidecar = validSidecar();
    sidecar.erase("name");
    sidecar.erase("split");
    sidecar["input"].erase("mean");
    sidecar["input"].erase("std");
    sidecar["input"].erase("value_range");
    const ModelSpec spec = parseModelSpec(sidecar.dump(), "/models/demo.json");
    EXPECT_EQ(spec.name, "demo"); // from the file name
    EXPECT_FALSE(spec.hasSplit());
    EXPECT_THAT(spec.input.mean, ::testing::ElementsAre(0.0f, 0.0f, 0.0f));
    EXPECT_THAT(spec.input.std, ::testing::ElementsAre(1.0f, 1.0f, 1.0f));
    EXPECT_FLOAT_EQ(spec.input.rangeHigh, 1.0f);
}

TEST(ModelSpec, InvalidJsonNamesTheFile)
{
    try {
        parseModelSpec("{\"input\": ", "/models/broken.json");
        FAIL() << "expected an error";
    } catch (const Error &error) {
        EXPECT_EQ(error.subject(), "/models/broken.json");
        EXPECT_THAT(error.problem(), HasSubstr("not valid JSON"));
    }
}

TEST(ModelSpec, NamesTheBadField)
{
    struct Case {
        const char *pointer;
        json value;
        const char *expected;
    };
    const std::vector<Case> cases = {
        {"/input/width", 0, "field \"input.width\" is 0, must be between 1 and 8192"},
        {"/input/height", "tall", "field \"input.height\" must be an integer"},
        {"/input/channels", 4, "field \"input.channels\" is 4"},
        {"/input/channels", 2, "only 1 (gray) and 3 (RGB)"},
        {"/input/mean", json::array({0.5, 0.5}), "field \"input.mean\" must be an array of 3 numbers"},
        {"/input/std", json::array({1, 0, 1}), "field \"input.std\" must contain only positive numbers"},
        {"/input/value_range", json::array({1, 0}), "low < high"},
        {"/labels", json::array(), "field \"labels\" is empty"},
        {"/labels", json::array({"a", 3}), "field \"labels\" must contain only strings"},
        {"/split", json{{"features", "f"}}, "must name both"},
    };
    for (const Case &c : cases) {
        json sidecar = validSidecar();
        sidecar[json::json_pointer(c.pointer)] = c.value;
        const std::string message = errorFor(sidecar);
        EXPECT_THAT(message, HasSubstr("/models/demo.json: ")) << c.pointer;
        EXPECT_THAT(message, HasSubstr(c.expected)) << c.pointer;
    }
}

TEST(ModelSpec, MissingFields)
{
    json noInput = validSidecar();
    noInput.erase("input");
    EXPECT_THAT(errorFor(noInput), HasSubstr("field \"input\" is missing"));
    json noLabels = validSidecar();
    noLabels.erase("labels");
    EXPECT_THAT(errorFor(noLabels), HasSubstr("field \"labels\" (or \"labels_file\") is missing"));
    json noWidth = validSidecar();
    noWidth["input"].erase("width");
    EXPECT_THAT(errorFor(noWidth), HasSubstr("field \"input.width\" is missing"));
    EXPECT_THAT(errorFor(json::array()), HasSubstr("must hold a JSON object"));
}

TEST(ModelSpec, LabelsFileIsReadRelativeToTheSidecar)
{
    const test::TempDir dir;
    dir.write("labels.txt", "first\r\nsecond\n\nthird\n");
    json sidecar = validSidecar();
    sidecar.erase("labels");
    sidecar["labels_file"] = "labels.txt";
    const std::string path = dir.write("model.json", sidecar.dump());
    EXPECT_THAT(readModelSpec(path).labels, ::testing::ElementsAre("first", "second", "third"));

    sidecar["labels_file"] = "absent.txt";
    dir.write("model.json", sidecar.dump());
    try {
        readModelSpec(path);
        FAIL() << "expected an error";
    } catch (const Error &error) {
        EXPECT_EQ(error.subject(), dir.file("absent.txt"));
        EXPECT_THAT(error.problem(), HasSubstr("labels file not found"));
    }
}

TEST(ModelSpec, MissingSidecarFile)
{
    try {
        readModelSpec("/nonexistent/model.json");
        FAIL() << "expected an error";
    } catch (const Error &error) {
        EXPECT_EQ(std::string(error.what()), "/nonexistent/model.json: model sidecar not found");
    }
}

TEST(ModelSpec, SidecarPathReplacesTheExtension)
{
    EXPECT_EQ(sidecarPathFor("/a/b/net.pt"), "/a/b/net.json");
    EXPECT_EQ(sidecarPathFor("net.v2.pt"), "net.v2.json");
}

} // namespace
} // namespace sg
