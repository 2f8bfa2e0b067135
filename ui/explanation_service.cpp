#include "explanation_service.h"

#include "mat_qimage.h"

#include "image/image_io.h"
#include "image/preprocess.h"
#include "model/classifier.h"

namespace sg::ui {

std::string ExplanationKind::cacheKey(
    const std::string &modelHash, const std::string &imageHash, const Request &request)
{
    return sg::explanationCacheKey(modelHash, imageHash, request);
}

std::shared_ptr<ExplanationResult> ExplanationKind::compute(const ModelHandle &model,
    const QString &imagePath, const Request &request, const sg::ProgressFn &progress,
    const sg::CancelFlag &cancel)
{
    auto made = std::make_shared<ExplanationResult>();
    made->image = sg::readImage(imagePath.toStdString());
    made->explanation = sg::computeExplanation(*model.classifier, made->image, request, progress, cancel);
    made->display = toQImage(sg::toDisplayRgb8(made->image));
    return made;
}

ExplanationService::ExplanationService(ModelWorker &worker, QObject *parent) :
    QObject(parent),
    runner_(worker, *this,
        {[this](sg::JobId id, const ExplanationPtr &result) { Q_EMIT explained(id, result); },
            [this](sg::JobId id, const QString &path, const cv::Mat &live) {
                Q_EMIT explanationProgress(id, path, live);
            },
            [this](sg::JobId id, const QString &path, const QString &message, bool cancelled) {
                Q_EMIT explainFailed(id, path, message, cancelled);
            },
            {}},
        kCachedExplanations)
{
    qRegisterMetaType<ExplanationPtr>();
}

sg::JobId ExplanationService::explain(
    const QString &path, const sg::ExplanationRequest &request, const QString &title)
{
    return runner_.run(path, request, title);
}

ExplanationPtr ExplanationService::cached(const QString &path, const sg::ExplanationRequest &request) const
{
    return runner_.cached(path, request);
}

} // namespace sg::ui
