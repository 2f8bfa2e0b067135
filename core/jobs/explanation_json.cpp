#include "jobs/explanation_json.h"

#include <algorithm>

namespace sg {

namespace {

nlohmann::json curveJson(const CurvePoints &curve)
{
    return {{"x", curve.x}, {"score", curve.score}};
}

} // namespace

nlohmann::json metricsSettingsJson(const DeletionInsertionSettings &settings)
{
    const bool igos = settings.variant == "igos";
    nlohmann::json json = {
        {"variant", settings.variant},
        {"unit", igos ? "cell" : "pixel"},
        {"grid", {{"width", settings.gridWidth}, {"height", settings.gridHeight}}},
        {igos ? "cells_per_step" : "pixels_per_step", settings.unitsPerStep},
        {"steps", settings.steps},
        {"ranking", "descending saliency, ties by index (row-major)"},
        {"deletion_fill", settings.deletionFill},
        {"insertion_start", settings.insertionStart},
        {"blur", {{"kernel", settings.blurKernel}, {"sigma", settings.blurSigma}}},
        {"auc",
            igos ? "right Riemann sum over the steps / cells (start point excluded)"
                 : "trapezoid over all points / steps"},
        {"saliency_size", {{"width", settings.saliencyWidth}, {"height", settings.saliencyHeight}}},
        {"max_batch", settings.maxBatch},
    };
    if (igos) {
        json["resolution"] = settings.gridWidth;
        json["legacy_last_step"] = settings.legacyLastStep;
    }
    return json;
}

nlohmann::json metricsTargetJson(const DeletionInsertionResult &result)
{
    return {{"index", result.target}, {"label", result.label}, {"probability", result.probability}};
}

nlohmann::json metricsJson(const DeletionInsertionResult &result)
{
    return {
        {"variant", result.settings.variant},
        {"deletion_auc", result.deletionAuc},
        {"insertion_auc", result.insertionAuc},
        {"deletion_curve", curveJson(result.deletion)},
        {"insertion_curve", curveJson(result.insertion)},
        {"settings", metricsSettingsJson(result.settings)},
        {"forward_passes", result.forwardPasses},
        {"seconds", result.seconds},
    };
}

nlohmann::json paramValueJson(const ParamValue &value)
{
    if (value.isNumber())
        return value.number();
    if (value.isInteger())
        return value.integer();
    if (value.isBoolean())
        return value.boolean();
    return value.text();
}

nlohmann::json paramValuesJson(const ParamValues &values)
{
    nlohmann::json json = nlohmann::json::object();
    for (const auto &[name, value] : values)
        json[name] = paramValueJson(value);
    return json;
}

nlohmann::json explanationJson(const Explanation &explanation, const ExplanationSource &source)
{
    const Heatmap &heatmap = explanation.heatmap;
    nlohmann::json json = {
        {"method", heatmap.method},
        {"resolution", heatmap.resolution},
        {"params", paramValuesJson(heatmap.params)},
        {"target",
            {{"index", heatmap.target}, {"label", heatmap.label}, {"probability", heatmap.probability}}},
        {"seconds", heatmap.seconds},
        {"forward_passes", heatmap.forwardPasses},
        {"backward_passes", heatmap.backwardPasses},
        {"seed", source.seed},
        {"model", source.model},
        {"image", source.image},
        {"device", source.device},
    };
    if (explanation.metrics)
        json["metrics"] = metricsJson(*explanation.metrics);
    return json;
}

nlohmann::json pointingJson(const PointingResult &result, std::size_t boxes, double tolerance)
{
    return {
        {"rule", "first maximum"},
        {"hit", result.hit},
        {"flat", result.flat},
        {"peak", {result.peak.x, result.peak.y}},
        {"peak_count", result.peakCount},
        {"hit_box", result.hitBox},
        {"energy", result.energy},
        {"boxes", boxes},
        {"tolerance", tolerance},
    };
}

} // namespace sg
