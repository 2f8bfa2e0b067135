#include "study/study_prepare.h"

#include "common/error.h"
#include "common/file_hash.h"
#include "image/colormap.h"
#include "image/image_io.h"
#include "image/npy.h"
#include "image/preprocess.h"
#include "jobs/explanation.h"
#include "model/classifier.h"
#include "model/model_hash.h"
#include "model/model_spec.h"
#include "sag/sag_export.h"
#include "sag/sag_layout.h"
#include "sag/sag_search.h"
#include "xnn/concept_map.h"
#include "xnn/embedding.h"
#include "xnn/xnn_explain.h"
#include "xnn/xnn_file.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace sg {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string conditionSettings(const StudyCondition &c)
{
    std::string s = conditionKindName(c.kind);
    if (c.kind == ConditionKind::Heatmap || c.kind == ConditionKind::SideBySide)
        s += " method=" + c.method + " resolution=" + std::to_string(c.resolution);
    if (c.kind == ConditionKind::Sag)
        s += " grid=" + std::to_string(c.sagGrid);
    if (c.kind == ConditionKind::Xnn || c.kind == ConditionKind::SideBySide) {
        s += " maps=" + c.conceptMaps + " xnn=";
        try {
            s += fileContentHash(c.xnnFiles);
        } catch (const Error &) {
            s += "unreadable";
        }
    }
    return s;
}

std::string maskSettings(const StudyTrial &t)
{
    std::string s = "masked grid=" + std::to_string(t.maskGrid) + " keep=";
    for (size_t i = 0; i < t.keep.size(); ++i)
        s += (i ? "," : "") + std::to_string(t.keep[i]);
    return s;
}

// The file whose presence marks an item as done.
fs::path markerPath(const Study &study, const PreparationItem &item)
{
    const fs::path root(study.preparedFolder);
    if (item.kind == PreparationItem::Kind::MaskedStimulus)
        return root / "masked" / (item.trialId + ".json");
    return root / item.key / "item.json";
}

bool readJsonFile(const fs::path &path, json &out)
{
    std::ifstream in(path);
    if (!in)
        return false;
    try {
        in >> out;
        return out.is_object();
    } catch (const json::exception &) {
        return false;
    }
}

void writeFile(const fs::path &path, const std::string &bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    out.close();
    if (!out)
        throw Error(path.string(), "cannot write");
}

// Small model inputs (28 x 28) are enlarged to at least 224 px on the longer side (nearest
// neighbour, so pixels stay sharp) before the map is drawn over them: participants see them large.
cv::Mat panelBase(const cv::Mat &display)
{
    const int longer = std::max(display.cols, display.rows);
    if (longer >= 224)
        return display;
    cv::Mat out;
    const double zoom = 224.0 / longer;
    cv::resize(display, out, cv::Size(), zoom, zoom, cv::INTER_NEAREST);
    return out;
}

void writePng(const fs::path &path, const cv::Mat &rgb)
{
    writeFile(path, pngBytes(rgb));
}

} // namespace

std::vector<PreparationItem> preparationItems(const Study &study)
{
    std::vector<PreparationItem> items;
    for (const StudyBlock &block : study.blocks) {
        if (block.kind != BlockKind::Training && block.kind != BlockKind::Test)
            continue;
        for (const StudyTrial &trial : block.trials) {
            if (trial.kind == TrialKind::PredictModel) {
                PreparationItem item;
                item.kind = PreparationItem::Kind::MaskedStimulus;
                item.key = maskedStimulusKey(trial.id);
                item.trialId = trial.id;
                item.image = trial.image;
                item.settings = maskSettings(trial);
                items.push_back(item);
            }
            if (!block.showExplanation)
                continue;
            for (const StudyCondition &c : study.conditions) {
                if (c.kind == ConditionKind::None || (!block.condition.empty() && block.condition != c.id))
                    continue;
                PreparationItem item;
                item.key = explanationKey(c.id, trial.id);
                item.conditionId = c.id;
                item.trialId = trial.id;
                item.image = trial.image;
                item.settings = conditionSettings(c);
                items.push_back(item);
            }
        }
    }
    return items;
}

std::string studyModelHash(const Study &study)
{
    return fileContentHash({study.model, sidecarPathFor(study.model)});
}

PreparationStatus checkPrepared(const Study &study)
{
    PreparationStatus status;
    const std::vector<PreparationItem> items = preparationItems(study);
    status.total = int(items.size());
    try {
        status.modelHash = studyModelHash(study);
    } catch (const Error &e) {
        status.problems.push_back(std::string("model: ") + e.what());
    }
    json manifest;
    if (readJsonFile(fs::path(study.preparedFolder) / "manifest.json", manifest))
        status.preparedModelHash = manifest.value("model_hash", std::string());
    if (status.preparedModelHash.empty())
        status.problems.push_back("never prepared (no "
            + (fs::path(study.preparedFolder) / "manifest.json").string()
            + "); run `sightglass-cli study prepare " + study.path + "`");
    else if (!status.modelHash.empty() && status.preparedModelHash != status.modelHash)
        status.problems.push_back("the model changed since preparation (prepared for "
            + status.preparedModelHash + ", the model is now " + status.modelHash + ")");
    int named = 0;
    for (const PreparationItem &item : items) {
        json marker;
        std::string why;
        if (!readJsonFile(markerPath(study, item), marker)) {
            why = "missing";
        } else if (marker.value("settings", std::string()) != item.settings) {
            why = "prepared with other settings";
        } else if (marker.value("model_hash", std::string()) != status.modelHash) {
            why = "prepared for another model";
        } else {
            std::string imageHash;
            try {
                imageHash = fileContentHash({item.image});
            } catch (const Error &) {
                imageHash = "unreadable";
            }
            if (marker.value("image_hash", std::string()) != imageHash)
                why = "its image changed since";
        }
        if (why.empty()) {
            ++status.done;
        } else if (named++ < 10) {
            status.problems.push_back(item.key + ": " + why);
        }
    }
    if (named > 10)
        status.problems.push_back("... and " + std::to_string(named - 10) + " more items not prepared");
    status.ready = status.problems.empty() && status.done == status.total;
    return status;
}

void requirePrepared(const Study &study)
{
    const PreparationStatus status = checkPrepared(study);
    if (status.ready)
        return;
    std::string text = "not prepared (" + std::to_string(status.done) + " of " + std::to_string(status.total)
        + " items ready):";
    for (const std::string &p : status.problems)
        text += "\n  " + p;
    throw Error(study.path, text);
}

void applyPreparation(const Study &study, Schedule &schedule)
{
    for (ScheduledTrial &t : schedule.trials) {
        if (t.trialKind != TrialKind::PredictModel)
            continue;
        const fs::path marker = fs::path(study.preparedFolder) / "masked" / (t.trialId + ".json");
        json j;
        if (!readJsonFile(marker, j) || !j.contains("model_answer"))
            throw Error(marker.string(), "missing or unreadable: run `sightglass-cli study prepare` first");
        t.truth = j.at("model_answer").get<std::string>();
    }
}

PrepareReport prepareStudy(const Study &study, const std::string &device, const PrepareProgressFn &progress,
    const CancelFlag &cancel)
{
    const std::vector<PreparationItem> items = preparationItems(study);
    PrepareReport report;
    const fs::path root(study.preparedFolder);
    std::error_code ec;
    fs::create_directories(root, ec);
    if (ec)
        throw Error(root.string(), "cannot create the prepared folder: " + ec.message());
    const std::string modelHash = studyModelHash(study);
    {
        json manifest = {{"study", study.id}, {"model", study.modelRef}, {"model_hash", modelHash},
            {"items", items.size()}};
        writeFile(root / "manifest.json.tmp", manifest.dump(2) + "\n");
        fs::rename(root / "manifest.json.tmp", root / "manifest.json");
    }

    std::shared_ptr<Classifier> classifier;
    std::map<std::string, XnnModel> xnns;
    const auto model = [&]() -> const Classifier & {
        if (!classifier)
            classifier = Classifier::load(study.model, device);
        return *classifier;
    };

    for (size_t index = 0; index < items.size(); ++index) {
        const PreparationItem &item = items[index];
        PrepareProgress p;
        p.item = int(index);
        p.items = int(items.size());
        p.current = &item;
        const std::string imageHash = fileContentHash({item.image});
        json marker;
        if (readJsonFile(markerPath(study, item), marker)
            && marker.value("settings", std::string()) == item.settings
            && marker.value("model_hash", std::string()) == modelHash
            && marker.value("image_hash", std::string()) == imageHash) {
            ++report.skipped;
            p.skipped = true;
            p.itemDone = p.itemTotal = 1;
            if (progress)
                progress(p);
            continue;
        }
        throwIfCancelled(cancel);
        const Classifier &cls = model();
        const cv::Mat image = readImage(item.image);
        const cv::Mat display = toDisplayRgb8(image);
        const InputSpec &input = cls.spec().input;
        const std::vector<std::string> &labels = cls.spec().labels;
        const Prediction prediction = cls.predict({image}, 1, {item.image}).front();
        const ProgressFn inner = [&](const Progress &q) {
            p.itemDone = q.done;
            p.itemTotal = q.total;
            if (progress)
                progress(p);
        };
        marker = json{{"settings", item.settings}, {"model_hash", modelHash}, {"image_hash", imageHash},
            {"trial", item.trialId}, {"model_top", prediction.top.front().label}};

        if (item.kind == PreparationItem::Kind::MaskedStimulus) {
            const StudyTrial *trial = nullptr;
            for (const StudyBlock &b : study.blocks)
                for (const StudyTrial &t : b.trials)
                    if (t.id == item.trialId)
                        trial = &t;
            const cv::Mat masked = sagShownImage(display, trial->keep, trial->maskGrid, trial->maskGrid,
                SagUpsampling::Blocks, input.width, input.height);
            const Prediction answer = cls.predict({masked}, 1, {item.key}).front();
            fs::create_directories(root / "masked");
            writePng(root / (item.key + ".tmp"), masked);
            fs::rename(root / (item.key + ".tmp"), root / item.key);
            marker["model_answer"] = answer.top.front().label;
            marker["model_answer_probability"] = answer.top.front().probability;
            writeFile(markerPath(study, item).string() + ".tmp", marker.dump(2) + "\n");
            fs::rename(markerPath(study, item).string() + ".tmp", markerPath(study, item));
            ++report.computed;
            continue;
        }

        const StudyCondition &c = *study.condition(item.conditionId);
        const fs::path finalDir = root / item.key;
        fs::path tmp = finalDir;
        tmp += ".tmp";
        fs::remove_all(tmp);
        fs::create_directories(tmp);
        json files = json::array();
        if (c.kind == ConditionKind::Heatmap || c.kind == ConditionKind::SideBySide) {
            ExplanationRequest request;
            request.method = c.method;
            request.resolution = c.resolution > 0 ? c.resolution : kDefaultResolution;
            request.seed = study.seed;
            request.evaluate = false;
            const Explanation e = computeExplanation(cls, image, request, inner, cancel);
            writeNpy((tmp / "saliency.npy").string(), e.heatmap.saliency);
            writePng(tmp / "heatmap.png",
                overlayHeatmap(panelBase(display), e.heatmap.saliency, 0.5, Colormap::Jet));
            files.push_back("heatmap.png");
            files.push_back("saliency.npy");
            marker["heatmap"] = {{"method", e.heatmap.method}, {"resolution", e.heatmap.resolution},
                {"label", e.heatmap.label}};
        }
        if (c.kind == ConditionKind::Sag) {
            SagRequest request;
            request.gridRows = request.gridCols = c.sagGrid;
            // The search's default candidates per beam set, at most every cell of a small grid.
            request.successors = std::min(request.successors, c.sagGrid * c.sagGrid);
            request.seed = study.seed;
            validateSagRequest(request, input, cls.classCount());
            const SagResult result = searchSag(cls, image, request, inner, cancel);
            const SagLayout layout = layoutSag(result);
            writeFile(tmp / "sag.json", sagGraphJson(result, layout).dump(2) + "\n");
            writeFile(tmp / "result.json", sagResultJson(result).dump(2) + "\n");
            writePng(tmp / "sag.png", sagRaster(result, layout, display, input.width, input.height, 2.0));
            files.push_back("sag.png");
            files.push_back("sag.json");
        }
        if (c.kind == ConditionKind::Xnn || c.kind == ConditionKind::SideBySide) {
            // The scores do not depend on the layer; the chosen XNN's row does (below).
            Embedding embedding = embedImages(cls, {item.image}, {}, {}, cancel);
            const int top = embedding.topClass(0);
            std::vector<int> explained;
            std::vector<std::pair<const XnnClassModel *, std::string>> models; // with their files
            for (const std::string &file : c.xnnFiles) {
                auto it = xnns.find(file);
                if (it == xnns.end())
                    it = xnns.emplace(file, readXnnFile(file, modelContentHash(cls))).first;
                for (const XnnClassModel &m : it->second.classes) {
                    explained.push_back(m.classIndex);
                    models.emplace_back(&m, file);
                }
            }
            const int position = chooseXnnClass(explained, -1, top);
            const XnnClassModel *chosen = position < 0 ? nullptr : models[size_t(position)].first;
            const std::string chosenFile = position < 0 ? std::string() : models[size_t(position)].second;
            if (!chosen)
                throw Error(c.xnnFiles.front(), "explains no class");
            if (chosen->layer != embedding.layer) {
                EmbeddingRequest layered;
                layered.layer = chosen->layer;
                embedding = embedImages(cls, {item.image}, layered, {}, cancel);
            }
            const XnnExplanation x = explainXnn(*chosen, embedding.featureRow(0), embedding.dimension,
                embedding.score(0, chosen->classIndex));
            ConceptMapRequest request;
            request.method = conceptMapMethodFromName(c.conceptMaps);
            request.seed = study.seed;
            const std::vector<ConceptMap> maps = conceptMaps(cls, *chosen, image, request, inner, cancel);
            json features = json::array();
            for (const ConceptMap &m : maps) {
                const std::string name = "concept-" + std::to_string(m.xFeature);
                // The file's prototype thumbnails travel with the study (its training images need
                // not be on the lab machines).
                json thumbnails = json::array();
                const size_t j = size_t(m.xFeature);
                if (j < chosen->prototypeThumbnails.size())
                    for (size_t k = 0; k < chosen->prototypeThumbnails[j].size(); ++k) {
                        const std::string &png = chosen->prototypeThumbnails[j][k];
                        if (png.empty())
                            continue;
                        const std::string thumbnail = name + "-prototype-" + std::to_string(k) + ".png";
                        writeFile(tmp / thumbnail, png);
                        files.push_back(thumbnail);
                        thumbnails.push_back(thumbnail);
                    }
                writeNpy((tmp / (name + ".npy")).string(), m.saliency);
                writePng(tmp / (name + ".png"),
                    overlayHeatmap(panelBase(display), m.saliency, 0.5, Colormap::Jet));
                files.push_back(name + ".png");
                features.push_back({{"index", m.xFeature}, {"activation", x.activations[size_t(m.xFeature)]},
                    {"weight", x.weights[size_t(m.xFeature)]},
                    {"contribution", x.contributions[size_t(m.xFeature)]}, {"map", name + ".png"},
                    {"saliency", name + ".npy"},
                    {"significant",
                        std::find(x.significant.begin(), x.significant.end(), m.xFeature)
                            != x.significant.end()},
                    {"prototypes",
                        size_t(m.xFeature) < chosen->prototypes.size()
                            ? chosen->prototypes[size_t(m.xFeature)]
                            : std::vector<std::string>{}},
                    {"prototype_thumbnails", thumbnails}});
            }
            // The fields ui's xnnRecordFromFolder reads, as `xnn explain` writes them.
            json xj = {{"xnn", fs::path(chosenFile).filename().string()},
                {"image", fs::absolute(item.image).string()},
                {"class", {{"index", chosen->classIndex}, {"label", chosen->label}}},
                {"model_top", {{"index", top}, {"label", labels[size_t(top)]}}}, {"xnn_score", x.xnnScore},
                {"model_score", x.modelScore}, {"bias", x.bias}, {"significant", x.significant},
                {"x_features", features}};
            writeFile(tmp / "xnn.json", xj.dump(2) + "\n");
            files.push_back("xnn.json");
        }
        marker["files"] = files;
        writeFile(tmp / "item.json", marker.dump(2) + "\n");
        fs::remove_all(finalDir);
        fs::rename(tmp, finalDir);
        ++report.computed;
    }
    return report;
}

} // namespace sg
