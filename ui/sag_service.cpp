#include "sag_service.h"

#include "image/image_io.h"
#include "image/preprocess.h"
#include "model/classifier.h"
#include "sag/sag_search.h"

#include <QFileInfo>

namespace sg::ui {

std::string SagKind::cacheKey(
    const std::string &modelHash, const std::string &imageHash, const Request &request)
{
    return sg::sagCacheKey(modelHash, imageHash, request);
}

std::shared_ptr<SagRecord> SagKind::compute(const ModelHandle &model, const QString &imagePath,
    const Request &request, const sg::ProgressFn &progress, const sg::CancelFlag &cancel,
    const std::function<void(Live)> &live)
{
    auto made = std::make_shared<SagRecord>();
    const cv::Mat image = sg::readImage(imagePath.toStdString());
    made->image = sg::toDisplayRgb8(image);
    made->inputWidth = model.classifier->spec().input.width;
    made->inputHeight = model.classifier->spec().input.height;
    std::size_t rootsSent = 0;
    const sg::SagStepFn onStep = [&](const sg::SagStep &step) {
        // Only news: a step that found no root changes nothing the view shows.
        if (!live || !step.roots || (step.roots->size() == rootsSent && rootsSent > 0))
            return;
        rootsSent = step.roots->size();
        auto news = std::make_shared<SagProgressRecord>();
        news->step = step.step;
        news->maxSteps = step.maxSteps;
        news->roots = *step.roots;
        news->round = news->roots.empty() ? 1 : news->roots.back().round;
        news->gridRows = request.gridRows;
        news->gridCols = request.gridCols;
        news->upsampling = request.upsampling;
        news->image = made->image;
        news->inputWidth = made->inputWidth;
        news->inputHeight = made->inputHeight;
        live(std::move(news));
    };
    made->result = sg::searchSag(*model.classifier, image, request, progress, cancel, onStep);
    made->layout = sg::layoutSag(made->result);
    return made;
}

SagService::SagService(ModelWorker &worker, QObject *parent) :
    QObject(parent),
    runner_(worker, *this,
        {[this](sg::JobId id, const SagRecordPtr &record) { Q_EMIT searched(id, record); }, {},
            [this](sg::JobId id, const QString &path, const QString &message, bool cancelled) {
                Q_EMIT searchFailed(id, path, message, cancelled);
            },
            [this](sg::JobId id, const QString &path, const SagProgressPtr &progress) {
                Q_EMIT searchProgressed(id, path, progress);
            }},
        kCachedSearches)
{
    qRegisterMetaType<SagRecordPtr>();
    qRegisterMetaType<SagProgressPtr>();
}

sg::JobId SagService::search(const QString &path, const sg::SagRequest &request)
{
    return runner_.run(path, request,
        tr("SAG (%1) of %2")
            .arg(QString::fromLatin1(sg::sagModeName(request.mode)), QFileInfo(path).fileName()));
}

SagRecordPtr SagService::cached(const QString &path, const sg::SagRequest &request) const
{
    return runner_.cached(path, request);
}

} // namespace sg::ui
