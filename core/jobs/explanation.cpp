#include "jobs/explanation.h"

#include <algorithm>
#include <cmath>

namespace sg {

namespace {

constexpr int kProgressTotal = 1000;

int permille(double fraction)
{
    return static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * kProgressTotal));
}

} // namespace

bool ExplanationRequest::operator==(const ExplanationRequest &other) const
{
    return method == other.method && resolution == other.resolution && target == other.target
        && params == other.params && seed == other.seed && evaluate == other.evaluate;
}

std::string explanationCacheKey(
    const std::string &modelHash, const std::string &imageHash, const ExplanationRequest &request)
{
    ResultKey key;
    key.modelHash = modelHash;
    key.imageHash = imageHash;
    key.method = request.method;
    key.resolution = request.resolution;
    key.target = request.target;
    key.params = request.params;
    key.seed = request.seed;
    key.extra = request.evaluate ? "curves" : "map";
    return key.text();
}

Explanation computeExplanation(const Classifier &classifier, const cv::Mat &image,
    const ExplanationRequest &request, const ProgressFn &progress, const CancelFlag &cancel)
{
    const SaliencyMethod &method = MethodRegistry::builtin().get(request.method);
    const double mapShare = request.evaluate ? kMapProgressShare : 1.0;

    SaliencyRequest saliencyRequest;
    saliencyRequest.classifier = &classifier;
    saliencyRequest.image = image;
    saliencyRequest.target = request.target;
    saliencyRequest.resolution = request.resolution;
    saliencyRequest.params = request.params;
    saliencyRequest.seed = request.seed;
    saliencyRequest.maxBatch = request.maxBatch;

    const auto report = [&](double fraction, const cv::Mat *map) {
        if (progress)
            progress(Progress{permille(fraction), kProgressTotal, map});
    };

    Explanation explanation;
    explanation.heatmap = method.run(
        saliencyRequest,
        [&](const Progress &p) { report(p.total > 0 ? mapShare * p.done / p.total : 0.0, p.map); }, cancel);
    report(mapShare, nullptr);

    if (request.evaluate) {
        const auto options = standardDeletionInsertionOptions(classifier.spec().input, request.maxBatch);
        explanation.metrics = evaluateDeletionInsertion(classifier, image, explanation.heatmap.saliency,
            explanation.heatmap.target, options, cancel, [&](const Progress &p) {
                report(mapShare + (1.0 - mapShare) * (p.total > 0 ? double(p.done) / p.total : 0.0), nullptr);
            });
    }
    report(1.0, nullptr);
    return explanation;
}

} // namespace sg
