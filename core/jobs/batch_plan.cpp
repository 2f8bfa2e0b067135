#include "jobs/batch_plan.h"

#include "common/csv.h"
#include "common/error.h"
#include "image/image_folder.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace sg {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool digitsOnly(const std::string &text)
{
    return !text.empty() && text.size() <= 6 && text.find_first_not_of("0123456789") == std::string::npos;
}

std::string number(std::optional<double> value, const char *format)
{
    if (!value)
        return "";
    char text[64];
    std::snprintf(text, sizeof text, format, *value);
    return text;
}

std::string readText(const std::string &path, const std::string &what)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path, "cannot read the " + what);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string shardText(const Shard &shard)
{
    return std::to_string(shard.index) + "/" + std::to_string(shard.count);
}

} // namespace

Shard parseShard(const std::string &text)
{
    const size_t slash = text.find('/');
    const std::string problem
        = "--shard \"" + text + "\" must be K/N with 1 <= K <= N (e.g. 1/4: the first of four)";
    if (slash == std::string::npos || !digitsOnly(text.substr(0, slash))
        || !digitsOnly(text.substr(slash + 1)))
        throw Error("", problem);
    Shard shard{std::stoi(text.substr(0, slash)), std::stoi(text.substr(slash + 1))};
    if (shard.count < 1 || shard.index < 1 || shard.index > shard.count)
        throw Error("", problem);
    return shard;
}

bool inShard(std::size_t position, const Shard &shard)
{
    return int(position % std::size_t(shard.count)) == shard.index - 1;
}

std::vector<BatchImage> listBatchImages(const std::string &source)
{
    std::error_code ec;
    if (!fs::exists(source, ec))
        throw Error(source, "does not exist (give a folder of images or a CSV manifest)");
    std::vector<BatchImage> images;
    if (fs::is_directory(source, ec)) {
        for (const std::string &path : listImages(source)) {
            const std::string name = fs::path(path).filename().string();
            images.push_back({path, name, name});
        }
        if (images.empty())
            throw Error(
                source, "holds no images (png, jpg, ... directly inside it; subfolders are not read)");
    } else {
        std::ifstream in(source);
        if (!in)
            throw Error(source, "cannot be read");
        const fs::path base = fs::absolute(source).parent_path();
        std::string line;
        int number = 0;
        while (std::getline(in, line)) {
            ++number;
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            if (line.find_first_not_of(" \t") == std::string::npos || line[0] == '#')
                continue;
            const std::string file = splitCsvLine(line).front();
            if (images.empty() && (file == "file" || file == "image"))
                continue;
            if (file.empty())
                throw Error(source, "line " + std::to_string(number) + " names no image");
            const fs::path path = fs::path(file).is_absolute() ? fs::path(file) : base / file;
            if (!fs::is_regular_file(path, ec))
                throw Error(
                    path.string(), "does not exist (" + source + ", line " + std::to_string(number) + ")");
            images.push_back({fs::weakly_canonical(path).string(), file, path.filename().string()});
        }
        if (images.empty())
            throw Error(source, "lists no images (one image path a row, an optional first row `file`)");
    }
    std::map<std::string, std::string> seen;
    for (const BatchImage &image : images) {
        const auto [at, fresh] = seen.emplace(image.folder, image.name);
        if (!fresh)
            throw Error(source,
                "lists two images of the file name " + image.folder + " (" + at->second + " and " + image.name
                    + "); their output folders would clash");
    }
    return images;
}

json batchRowJson(const BatchRow &row)
{
    json j = {{"image", row.image}, {"method", row.method}, {"resolution", row.resolution},
        {"target", row.target}, {"label", row.label}, {"seconds", row.seconds},
        {"forward_passes", row.forwardPasses}, {"backward_passes", row.backwardPasses}, {"error", row.error}};
    j["probability"] = row.probability ? json(*row.probability) : json();
    j["deletion_auc"] = row.deletionAuc ? json(*row.deletionAuc) : json();
    j["insertion_auc"] = row.insertionAuc ? json(*row.insertionAuc) : json();
    j["pointing_hit"] = row.pointingHit ? json(*row.pointingHit) : json();
    return j;
}

BatchRow batchRowFromJson(const json &j)
{
    try {
        BatchRow row;
        row.image = j.at("image").get<std::string>();
        row.method = j.at("method").get<std::string>();
        row.resolution = j.at("resolution").get<int>();
        row.target = j.at("target").get<int>();
        row.label = j.at("label").get<std::string>();
        row.seconds = j.at("seconds").get<double>();
        row.forwardPasses = j.at("forward_passes").get<std::int64_t>();
        row.backwardPasses = j.at("backward_passes").get<std::int64_t>();
        row.error = j.at("error").get<std::string>();
        if (!j.at("probability").is_null())
            row.probability = j.at("probability").get<double>();
        if (!j.at("deletion_auc").is_null())
            row.deletionAuc = j.at("deletion_auc").get<double>();
        if (!j.at("insertion_auc").is_null())
            row.insertionAuc = j.at("insertion_auc").get<double>();
        if (!j.at("pointing_hit").is_null())
            row.pointingHit = j.at("pointing_hit").get<bool>();
        return row;
    } catch (const json::exception &error) {
        throw Error("", std::string("malformed batch row (") + error.what() + ")");
    }
}

std::string batchCsvHeader()
{
    return "image,method,resolution,target,label,probability,deletion_auc,insertion_auc,pointing_hit,seconds,"
           "forward_passes,backward_passes,error\n";
}

std::string batchCsvLine(const BatchRow &row)
{
    std::string line = csvQuote(row.image) + "," + csvQuote(row.method) + "," + std::to_string(row.resolution)
        + "," + (row.target >= 0 ? std::to_string(row.target) : std::string()) + "," + csvQuote(row.label)
        + "," + number(row.probability, "%.6f") + "," + number(row.deletionAuc, "%.6f") + ","
        + number(row.insertionAuc, "%.6f") + ","
        + (row.pointingHit ? std::string(*row.pointingHit ? "1" : "0") : std::string()) + ","
        + number(row.seconds, "%.3f") + "," + std::to_string(row.forwardPasses) + ","
        + std::to_string(row.backwardPasses) + "," + csvQuote(row.error);
    return line + "\n";
}

std::string batchSummaryName(const Shard &shard)
{
    if (shard.count == 1)
        return "summary.csv";
    return "summary-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count) + ".csv";
}

std::string batchDescriptionName(const Shard &shard)
{
    const std::string summary = batchSummaryName(shard);
    return summary.substr(0, summary.size() - 4) + ".json";
}

std::string mergeBatchSummaries(const std::vector<std::string> &summaryPaths)
{
    if (summaryPaths.empty())
        throw Error("", "batch merge: give the summary CSVs of the shards (or the folder holding them)");
    struct Part {
        std::string path;
        Shard shard;
        json description;
        std::map<std::string, std::vector<std::string>> lines; // image name -> its rows, in order
    };
    std::vector<Part> parts;
    for (const std::string &path : summaryPaths) {
        Part part;
        part.path = path;
        const std::string describedBy = fs::path(path).replace_extension(".json").string();
        std::error_code ec;
        if (!fs::exists(path, ec))
            throw Error(path, "does not exist");
        if (!fs::exists(describedBy, ec))
            throw Error(path,
                "has no description " + fs::path(describedBy).filename().string()
                    + " beside it; is it a summary written by sightglass-cli batch?");
        try {
            part.description = json::parse(readText(describedBy, "batch description"));
            part.shard = {part.description.at("shard").at("index").get<int>(),
                part.description.at("shard").at("count").get<int>()};
            part.description.at("settings");
            part.description.at("images").get<std::vector<std::string>>();
        } catch (const json::exception &error) {
            throw Error(describedBy, std::string("is not a batch description (") + error.what() + ")");
        }
        std::istringstream text(readText(path, "summary"));
        std::string line;
        if (!std::getline(text, line) || line + "\n" != batchCsvHeader())
            throw Error(path,
                "does not start with the batch summary header (" + batchCsvHeader().substr(0, 24) + "...)");
        const std::set<std::string> images = [&] {
            const auto list = part.description.at("images").get<std::vector<std::string>>();
            return std::set<std::string>(list.begin(), list.end());
        }();
        int number = 1;
        while (std::getline(text, line)) {
            ++number;
            if (line.empty())
                continue;
            const std::string image = splitCsvLine(line).front();
            if (!images.count(image))
                throw Error(path,
                    "line " + std::to_string(number) + " is of an image the run does not list: " + image);
            part.lines[image].push_back(line + "\n");
        }
        parts.push_back(std::move(part));
    }

    const Part &first = parts.front();
    std::map<int, const Part *> byIndex;
    for (const Part &part : parts) {
        if (part.shard.count != first.shard.count)
            throw Error(part.path,
                "is shard " + shardText(part.shard) + " but " + first.path + " is shard "
                    + shardText(first.shard) + ": they belong to different splits");
        if (part.description.at("settings") != first.description.at("settings")) {
            std::string key;
            for (const auto &[name, value] : first.description.at("settings").items())
                if (!part.description.at("settings").contains(name)
                    || part.description.at("settings").at(name) != value)
                    key = key.empty() ? name : key;
            throw Error(part.path,
                "was made with other settings than " + first.path
                    + (key.empty() ? "" : " (" + key + " differs)"));
        }
        if (part.description.at("images") != first.description.at("images"))
            throw Error(part.path, "was run over other images than " + first.path);
        const auto [at, fresh] = byIndex.emplace(part.shard.index, &part);
        if (!fresh)
            throw Error(part.path, "and " + at->second->path + " are both shard " + shardText(part.shard));
        if (!part.description.value("complete", false))
            throw Error(part.path,
                "shard " + shardText(part.shard) + " did not finish; run it again with --resume, then merge");
    }
    for (int k = 1; k <= first.shard.count; ++k)
        if (!byIndex.count(k))
            throw Error("",
                "batch merge: shard " + std::to_string(k) + "/" + std::to_string(first.shard.count)
                    + " is missing (" + batchSummaryName({k, first.shard.count})
                    + "); give every shard's summary");

    std::string merged = batchCsvHeader();
    const auto images = first.description.at("images").get<std::vector<std::string>>();
    for (size_t p = 0; p < images.size(); ++p) {
        const Part &part = *byIndex.at(int(p % size_t(first.shard.count)) + 1);
        const auto rows = part.lines.find(images[p]);
        if (rows == part.lines.end())
            throw Error(part.path, "has no row for " + images[p] + " although its shard finished");
        for (const std::string &line : rows->second)
            merged += line;
    }
    return merged;
}

} // namespace sg
