#pragma once
// The saliency-explanation service: explanations (a map from a registered method, with its
// deletion/insertion curves) of images with the loaded model, run on the model worker's
// background lane and cached by content (model hash, image hash, request). GUI thread.

#include "analysis_service.h"

#include "jobs/explanation.h"

#include <QImage>
#include <QObject>

namespace sg::ui {

// A finished explanation with what it was computed for. Immutable once made; shared between
// the cache and the views.
struct ExplanationResult {
    QString modelHash; // ModelInfo::hash of the model that made it
    QString imagePath;
    sg::ExplanationRequest request; // as submitted
    sg::Explanation explanation;
    cv::Mat image; // the decoded image the model saw (for curve step images)
    QImage display; // 8-bit display pixels of the image
};
using ExplanationPtr = std::shared_ptr<const ExplanationResult>;

// The analysis kind (see analysis_service.h).
struct ExplanationKind {
    using Request = sg::ExplanationRequest;
    using Record = ExplanationResult;
    static std::string cacheKey(
        const std::string &modelHash, const std::string &imageHash, const Request &request);
    static std::shared_ptr<Record> compute(const ModelHandle &model, const QString &imagePath,
        const Request &request, const sg::ProgressFn &progress, const sg::CancelFlag &cancel);
};

class ExplanationService : public QObject {
    Q_OBJECT

public:
    static constexpr int kCachedExplanations = 256;

    // GUI thread. `worker` is not owned and must stop its lanes before this is destroyed.
    explicit ExplanationService(ModelWorker &worker, QObject *parent = nullptr);

    // Queues an explanation of the image at `path` with the current model. GUI thread; returns
    // the job id at once. Ends in explained() or explainFailed(); the worker's jobChanged()
    // reports its queue state and progress, explanationProgress() the live map.
    sg::JobId explain(const QString &path, const sg::ExplanationRequest &request, const QString &title);
    // The cached result of `request` for the image at `path`, or nullptr. GUI thread.
    ExplanationPtr cached(const QString &path, const sg::ExplanationRequest &request) const;

Q_SIGNALS:
    // The map of a running explanation so far (I-GOS and iGOS++ after each iteration), at most
    // one every kLiveMapIntervalMs.
    void explanationProgress(sg::JobId id, const QString &path, const cv::Mat &liveMap);
    void explained(sg::JobId id, const sg::ui::ExplanationPtr &result);
    // The explanation failed (message) or was cancelled (cancelled = true).
    void explainFailed(sg::JobId id, const QString &path, const QString &message, bool cancelled);

private:
    AnalysisRunner<ExplanationKind> runner_;
};

} // namespace sg::ui

Q_DECLARE_METATYPE(sg::ui::ExplanationPtr)
