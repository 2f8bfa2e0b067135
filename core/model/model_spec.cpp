#include "model/model_spec.h"

#include "common/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sg {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Largest side we accept for a model input; far beyond any classifier, small enough that a
// typo (224000) is caught before we try to allocate it.
constexpr int kMaxInputSide = 8192;

std::string readText(const std::string &path, const char *what)
{
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw Error(path, std::string(what) + " not found");
    if (fs::is_directory(path, ec))
        throw Error(path, std::string(what) + " is a directory, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path, std::string("cannot open ") + what);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Field access that names the field in its error message.
class Fields {
public:
    Fields(const json &object, std::string path, std::string prefix) :
        object_(object), path_(std::move(path)), prefix_(std::move(prefix))
    { }

    bool has(const char *key) const { return object_.contains(key); }

    const json &require(const char *key) const
    {
        if (!object_.contains(key))
            fail(key, "is missing");
        return object_.at(key);
    }

    int integer(const char *key, int low, int high) const
    {
        const json &value = require(key);
        if (!value.is_number_integer())
            fail(key, "must be an integer");
        const auto number = value.get<long long>();
        if (number < low || number > high)
            fail(key,
                "is " + std::to_string(number) + ", must be between " + std::to_string(low) + " and "
                    + std::to_string(high));
        return static_cast<int>(number);
    }

    std::string text(const char *key, const std::string &fallback) const
    {
        if (!object_.contains(key))
            return fallback;
        const json &value = object_.at(key);
        if (!value.is_string())
            fail(key, "must be a string");
        return value.get<std::string>();
    }

    std::vector<float> numbers(const char *key, size_t count) const
    {
        const json &value = require(key);
        if (!value.is_array() || value.size() != count)
            fail(key, "must be an array of " + std::to_string(count) + " numbers");
        std::vector<float> result;
        for (const json &item : value) {
            if (!item.is_number())
                fail(key, "must contain only numbers");
            const double number = item.get<double>();
            if (!std::isfinite(number))
                fail(key, "must contain only finite numbers");
            result.push_back(static_cast<float>(number));
        }
        return result;
    }

    [[noreturn]] void fail(const char *key, const std::string &problem) const
    {
        throw Error(path_, "field \"" + prefix_ + key + "\" " + problem);
    }

private:
    const json &object_;
    std::string path_;
    std::string prefix_;
};

std::vector<std::string> parseLabelList(const json &labels, const Fields &fields)
{
    if (!labels.is_array())
        fields.fail("labels", "must be an array of strings");
    std::vector<std::string> result;
    for (const json &label : labels) {
        if (!label.is_string())
            fields.fail("labels", "must contain only strings");
        result.push_back(label.get<std::string>());
    }
    return result;
}

std::vector<std::string> readLabelsFile(const std::string &path)
{
    std::istringstream lines(readText(path, "labels file"));
    std::vector<std::string> labels;
    std::string line;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (!line.empty())
            labels.push_back(line);
    }
    return labels;
}

InputSpec parseInput(const json &input, const std::string &path)
{
    if (!input.is_object())
        throw Error(path, "field \"input\" must be an object");
    const Fields fields(input, path, "input.");
    InputSpec spec;
    spec.width = fields.integer("width", 1, kMaxInputSide);
    spec.height = fields.integer("height", 1, kMaxInputSide);
    spec.channels = fields.integer("channels", 1, 3);
    if (spec.channels == 2)
        fields.fail("channels", "is 2; only 1 (gray) and 3 (RGB) are supported");
    if (fields.has("value_range")) {
        const auto range = fields.numbers("value_range", 2);
        if (!(range[1] > range[0]))
            fields.fail("value_range", "must be [low, high] with low < high");
        spec.rangeLow = range[0];
        spec.rangeHigh = range[1];
    }
    const auto channels = static_cast<size_t>(spec.channels);
    spec.mean = fields.has("mean") ? fields.numbers("mean", channels) : std::vector<float>(channels, 0.0f);
    spec.std = fields.has("std") ? fields.numbers("std", channels) : std::vector<float>(channels, 1.0f);
    for (float deviation : spec.std)
        if (!(deviation > 0.0f))
            fields.fail("std", "must contain only positive numbers");
    return spec;
}

} // namespace

std::string sidecarPathFor(const std::string &modelPath)
{
    return fs::path(modelPath).replace_extension(".json").string();
}

ModelSpec parseModelSpec(const std::string &jsonText, const std::string &sidecarPath)
{
    json root;
    try {
        root = json::parse(jsonText);
    } catch (const json::parse_error &error) {
        throw Error(sidecarPath, std::string("is not valid JSON (") + error.what() + ")");
    }
    if (!root.is_object())
        throw Error(sidecarPath, "must hold a JSON object");

    const Fields fields(root, sidecarPath, "");
    ModelSpec spec;
    spec.sidecarPath = sidecarPath;
    spec.name = fields.text("name", fs::path(sidecarPath).stem().string());
    spec.description = fields.text("description", "");
    spec.input = parseInput(fields.require("input"), sidecarPath);

    if (root.contains("labels") && root.contains("labels_file"))
        throw Error(sidecarPath, "has both \"labels\" and \"labels_file\"; give one");
    if (root.contains("labels")) {
        spec.labels = parseLabelList(root.at("labels"), fields);
    } else if (root.contains("labels_file")) {
        const fs::path labelsPath = fs::path(sidecarPath).parent_path() / fields.text("labels_file", "");
        spec.labels = readLabelsFile(labelsPath.string());
        if (spec.labels.empty())
            throw Error(labelsPath.string(), "labels file holds no labels");
    } else {
        throw Error(sidecarPath, "field \"labels\" (or \"labels_file\") is missing");
    }
    if (spec.labels.empty())
        fields.fail("labels", "is empty");

    if (root.contains("split")) {
        const json &split = root.at("split");
        if (!split.is_object())
            fields.fail("split", "must be an object {\"features\": ..., \"head\": ...}");
        const Fields splitFields(split, sidecarPath, "split.");
        spec.featuresMethod = splitFields.text("features", "");
        spec.headMethod = splitFields.text("head", "");
        if (spec.featuresMethod.empty() || spec.headMethod.empty())
            fields.fail("split", "must name both a \"features\" and a \"head\" method");
    }
    return spec;
}

ModelSpec readModelSpec(const std::string &sidecarPath)
{
    return parseModelSpec(readText(sidecarPath, "model sidecar"), sidecarPath);
}

} // namespace sg
