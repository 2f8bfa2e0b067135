#include "xnn/xnn_file.h"

#include "common/error.h"
#include "common/file_hash.h"
#include "xnn/srae.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace sg {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr char kMagic[8] = {'S', 'G', 'X', 'N', 'N', '0', '1', '\n'};
constexpr int kFormatVersion = 1;
constexpr std::uint64_t kMaxHeaderBytes = 1ULL << 30;

void appendFloats(std::string &blob, const std::vector<float> &values)
{
    blob.append(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(float));
}

json reportJson(const XnnClassReport &report)
{
    json epochs = json::array();
    for (const XnnEpochLoss &e : report.epochs)
        epochs.push_back({e.round, e.epoch, e.total, e.prediction, e.reconstruction, e.pullAway});
    return {{"epochs", epochs},
        {"epoch_columns", {"round", "epoch", "total", "prediction", "reconstruction", "pull_away"}},
        {"rounds", report.rounds}, {"balanced", report.balanced}, {"kept_round", report.keptRound},
        {"alpha_rec", report.alphaRec}, {"alpha_pt", report.alphaPt},
        {"mean_contributions", report.meanContributions}, {"train_rmse", report.trainRmse},
        {"held_out_rmse", report.heldOutRmse}, {"held_out_mean_rmse", report.heldOutMeanRmse},
        {"score_min", report.scoreMin}, {"score_max", report.scoreMax}};
}

XnnClassReport reportFromJson(const json &j)
{
    XnnClassReport report;
    for (const json &e : j.at("epochs"))
        report.epochs.push_back({e.at(0).get<int>(), e.at(1).get<int>(), e.at(2).get<double>(),
            e.at(3).get<double>(), e.at(4).get<double>(), e.at(5).get<double>()});
    report.rounds = j.at("rounds").get<int>();
    report.balanced = j.at("balanced").get<bool>();
    report.keptRound = j.value("kept_round", report.rounds); // files before the field kept the last
    report.alphaRec = j.at("alpha_rec").get<double>();
    report.alphaPt = j.at("alpha_pt").get<double>();
    report.meanContributions = j.at("mean_contributions").get<std::vector<double>>();
    report.trainRmse = j.at("train_rmse").get<double>();
    report.heldOutRmse = j.at("held_out_rmse").get<double>();
    report.heldOutMeanRmse = j.at("held_out_mean_rmse").get<double>();
    report.scoreMin = j.at("score_min").get<double>();
    report.scoreMax = j.at("score_max").get<double>();
    return report;
}

// Takes `count` floats from the blob at `offset` (in floats), or throws as corrupt.
std::vector<float> takeFloats(
    const std::string &blob, std::uint64_t &offset, std::uint64_t count, const std::string &path)
{
    if (count > blob.size() / sizeof(float) || offset > blob.size() / sizeof(float) - count)
        throw Error(path, "is corrupt: its weights are shorter than its header says");
    std::vector<float> values(count);
    std::memcpy(values.data(), blob.data() + offset * sizeof(float), count * sizeof(float));
    offset += count;
    return values;
}

fs::path folderOf(const std::string &file)
{
    const fs::path folder = fs::path(file).parent_path();
    return folder.empty() ? fs::path(".") : folder;
}

// Prototype paths are stored relative to the file's folder (so a file and its training images
// can move together, and committed files hold no machine's absolute paths) and read back as
// paths from the current folder: absolute when the file's path is.
std::vector<std::vector<std::string>> prototypesRelativeTo(
    const std::vector<std::vector<std::string>> &prototypes, const fs::path &folder)
{
    std::vector<std::vector<std::string>> stored = prototypes;
    const fs::path base = fs::weakly_canonical(fs::absolute(folder));
    for (auto &list : stored)
        for (std::string &image : list) {
            std::error_code error;
            const fs::path relative
                = fs::weakly_canonical(fs::absolute(image), error).lexically_relative(base);
            if (!error && !relative.empty())
                image = relative.generic_string();
        }
    return stored;
}

std::vector<std::vector<std::string>> prototypesFrom(
    std::vector<std::vector<std::string>> stored, const fs::path &folder)
{
    for (auto &list : stored)
        for (std::string &image : list)
            if (fs::path(image).is_relative())
                image = (folder == "." ? fs::path(image) : folder / image).lexically_normal().string();
    return stored;
}

// Thumbnails travel in the JSON header as base64 (RFC 4648, with padding).
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string toBase64(const std::string &bytes)
{
    std::string text;
    text.reserve((bytes.size() + 2) / 3 * 4);
    for (size_t i = 0; i < bytes.size(); i += 3) {
        const unsigned a = static_cast<unsigned char>(bytes[i]);
        const unsigned b = i + 1 < bytes.size() ? static_cast<unsigned char>(bytes[i + 1]) : 0;
        const unsigned c = i + 2 < bytes.size() ? static_cast<unsigned char>(bytes[i + 2]) : 0;
        const unsigned triple = (a << 16) | (b << 8) | c;
        text += kBase64[(triple >> 18) & 63];
        text += kBase64[(triple >> 12) & 63];
        text += i + 1 < bytes.size() ? kBase64[(triple >> 6) & 63] : '=';
        text += i + 2 < bytes.size() ? kBase64[triple & 63] : '=';
    }
    return text;
}

std::string fromBase64(const std::string &text, const std::string &path)
{
    if (text.size() % 4 != 0)
        throw Error(path, "is corrupt: a prototype thumbnail is not base64");
    std::string bytes;
    bytes.reserve(text.size() / 4 * 3);
    for (size_t i = 0; i < text.size(); i += 4) {
        unsigned triple = 0;
        int padding = 0;
        for (size_t k = 0; k < 4; ++k) {
            const char ch = text[i + k];
            const char *found = ch == '=' ? nullptr : std::strchr(kBase64, ch);
            if (ch == '=' && i + 4 == text.size() && k >= 2)
                ++padding;
            else if (!found || ch == '\0' || padding > 0)
                throw Error(path, "is corrupt: a prototype thumbnail is not base64");
            triple = (triple << 6) | unsigned(found ? found - kBase64 : 0);
        }
        bytes += char((triple >> 16) & 255);
        if (padding < 2)
            bytes += char((triple >> 8) & 255);
        if (padding < 1)
            bytes += char(triple & 255);
    }
    return bytes;
}

} // namespace

void writeXnnFile(const XnnModel &model, const std::string &path)
{
    std::string blob;
    json classes = json::array();
    for (const XnnClassModel &cls : model.classes) {
        json layers = json::array();
        appendFloats(blob, cls.inputScale);
        for (const XnnLayer &layer : cls.layers) {
            layers.push_back({{"name", layer.name}, {"inputs", layer.inputs}, {"outputs", layer.outputs}});
            appendFloats(blob, layer.weight);
            appendFloats(blob, layer.bias);
        }
        classes.push_back({{"index", cls.classIndex}, {"label", cls.label},
            {"input_scale", cls.inputScale.size()}, {"layers", layers}, {"report", reportJson(cls.report)},
            {"prototypes", prototypesRelativeTo(cls.prototypes, folderOf(path))},
            {"prototype_thumbnails", [&] {
                 json lists = json::array();
                 for (const auto &list : cls.prototypeThumbnails) {
                     json encoded = json::array();
                     for (const std::string &png : list)
                         encoded.push_back(toBase64(png));
                     lists.push_back(encoded);
                 }
                 return lists;
             }()}});
    }
    const json header = {{"format", "sightglass-xnn"}, {"version", kFormatVersion},
        {"model_hash", model.modelHash}, {"layer", model.layer}, {"dimension", model.dimension},
        {"x_features", model.xFeatures}, {"seed", model.seed}, {"train_images", model.trainImages},
        {"held_out_images", model.heldOutImages}, {"held_out_agreement", model.heldOutAgreement},
        {"classes", classes}, {"weights_bytes", blob.size()}, {"weights_hash", bytesHash(blob)}};
    const std::string text = header.dump();

    const fs::path target(path);
    const fs::path temporary
        = target.parent_path() / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()));
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        unsigned char length[8];
        for (int i = 0; i < 8; ++i)
            length[i] = static_cast<unsigned char>(std::uint64_t(text.size()) >> (8 * i));
        out.write(kMagic, 8);
        out.write(reinterpret_cast<const char *>(length), 8);
        out.write(text.data(), std::streamsize(text.size()));
        out.write(blob.data(), std::streamsize(blob.size()));
        out.close();
        if (!out) {
            std::error_code ignored;
            fs::remove(temporary, ignored);
            throw Error(path, "cannot be written");
        }
    }
    std::error_code error;
    fs::rename(temporary, target, error);
    if (error) {
        std::error_code ignored;
        fs::remove(temporary, ignored);
        throw Error(path, "cannot be written: " + error.message());
    }
}

XnnModel readXnnFile(const std::string &path, const std::string &expectedModelHash)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path, "cannot be read");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string bytes = buffer.str();
    if (bytes.size() < 16 || std::memcmp(bytes.data(), kMagic, 8) != 0)
        throw Error(path, "is not a Sightglass XNN file");
    std::uint64_t length = 0;
    for (int i = 0; i < 8; ++i)
        length |= std::uint64_t(static_cast<unsigned char>(bytes[size_t(8 + i)])) << (8 * i);
    if (length > kMaxHeaderBytes || length > bytes.size() - 16)
        throw Error(path, "is corrupt: truncated header");
    XnnModel model;
    try {
        const json header = json::parse(bytes.substr(16, size_t(length)));
        if (header.at("format").get<std::string>() != "sightglass-xnn")
            throw Error(path, "is not a Sightglass XNN file");
        if (header.at("version").get<int>() != kFormatVersion)
            throw Error(path,
                "has format version " + std::to_string(header.at("version").get<int>())
                    + "; this Sightglass reads version " + std::to_string(kFormatVersion));
        model.modelHash = header.at("model_hash").get<std::string>();
        if (!expectedModelHash.empty() && model.modelHash != expectedModelHash)
            throw Error(path,
                "was trained for the model with hash " + model.modelHash + ", not for the loaded model (hash "
                    + expectedModelHash + ")");
        const std::string blob = bytes.substr(size_t(16 + length));
        if (header.at("weights_bytes").get<std::uint64_t>() != blob.size()
            || header.at("weights_hash").get<std::string>() != bytesHash(blob))
            throw Error(path, "is corrupt: its weights do not match the checksum in its header");
        model.layer = header.at("layer").get<std::string>();
        try {
            parseXnnLayer(model.layer);
        } catch (const Error &error) {
            throw Error(path, std::string("is corrupt or from a newer Sightglass: ") + error.what());
        }
        model.dimension = header.at("dimension").get<int>();
        model.xFeatures = header.at("x_features").get<int>();
        model.seed = header.at("seed").get<std::uint64_t>();
        model.trainImages = header.at("train_images").get<int>();
        model.heldOutImages = header.at("held_out_images").get<int>();
        model.heldOutAgreement = header.at("held_out_agreement").get<double>();
        if (model.dimension < 1 || model.xFeatures < 1)
            throw Error(path, "is corrupt: dimension or x-feature count below 1");
        std::uint64_t offset = 0;
        for (const json &c : header.at("classes")) {
            XnnClassModel cls;
            cls.classIndex = c.at("index").get<int>();
            cls.label = c.at("label").get<std::string>();
            cls.layer = model.layer;
            cls.inputScale = takeFloats(blob, offset, c.at("input_scale").get<std::uint64_t>(), path);
            if (int(cls.inputScale.size()) != model.dimension)
                throw Error(path,
                    "is corrupt: input scaling of class " + std::to_string(cls.classIndex)
                        + " has the wrong size");
            for (const json &l : c.at("layers")) {
                XnnLayer layer;
                layer.name = l.at("name").get<std::string>();
                layer.inputs = l.at("inputs").get<int>();
                layer.outputs = l.at("outputs").get<int>();
                if (layer.inputs < 1 || layer.outputs < 1)
                    throw Error(path, "is corrupt: layer " + layer.name + " has no size");
                layer.weight = takeFloats(blob, offset, std::uint64_t(layer.inputs) * layer.outputs, path);
                layer.bias = takeFloats(blob, offset, std::uint64_t(layer.outputs), path);
                cls.layers.push_back(std::move(layer));
            }
            xnn::fromLayers(cls.layers, model.dimension, model.xFeatures, path); // checks the chain
            cls.report = reportFromJson(c.at("report"));
            if (c.contains("prototype_thumbnails"))
                for (const json &list : c.at("prototype_thumbnails")) {
                    std::vector<std::string> decoded;
                    for (const json &text : list)
                        decoded.push_back(fromBase64(text.get<std::string>(), path));
                    cls.prototypeThumbnails.push_back(std::move(decoded));
                }
            cls.prototypes = prototypesFrom(
                c.at("prototypes").get<std::vector<std::vector<std::string>>>(), folderOf(path));
            model.classes.push_back(std::move(cls));
        }
        if (offset * sizeof(float) != blob.size())
            throw Error(path, "is corrupt: it holds more weights than its header lists");
        if (model.classes.empty())
            throw Error(path, "is corrupt: it holds no class");
    } catch (const json::exception &error) {
        throw Error(path, std::string("is corrupt: ") + error.what());
    }
    return model;
}

XnnModel trainXnnToFile(const Embedding &embedding, const std::vector<std::string> &labels,
    const XnnTrainRequest &request, const std::string &path, const ProgressFn &progress,
    const CancelFlag &cancel, const XnnEpochFn &onEpoch)
{
    XnnModel model = trainXnn(embedding, labels, request, progress, cancel, onEpoch);
    writeXnnFile(model, path);
    return model;
}

} // namespace sg
