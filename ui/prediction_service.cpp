#include "prediction_service.h"

#include "mat_qimage.h"

#include "common/error.h"
#include "image/image_io.h"
#include "image/preprocess.h"

#include <algorithm>
#include <mutex>
#include <optional>

namespace sg::ui {

namespace {

// Kept predictions cost the KiB of their display image.
constexpr int kKeptKiB = 256 * 1024;

struct PredictRequest {
    QString path;
    int topk = 5;
};

struct Kept {
    QImage display;
    ClassScores scores;
};

} // namespace

struct PredictionService::State {
    std::mutex mutex;
    std::optional<PredictRequest> pending; // shared with the lane
    QCache<QString, Kept> kept{kKeptKiB}; // GUI thread only
    QString keptModel; // the model hash the kept predictions are for
};

PredictionService::PredictionService(ModelWorker &worker, QObject *parent) :
    QObject(parent), worker_(worker), state_(std::make_shared<State>())
{
    qRegisterMetaType<ClassScores>();
}

PredictionService::~PredictionService() = default;

void PredictionService::predict(const QString &path, int topk)
{
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        const bool queued = state_->pending.has_value();
        state_->pending = PredictRequest{path, topk};
        if (queued)
            return; // the queued job will pick up this newer request instead
    }
    // Without a model the job still decodes and shows the image: it runs with an empty handle.
    worker_.submit(
        Lane::Interactive, QStringLiteral("predict"),
        [this](sg::JobContext &job, const ModelHandle &model) { run(job, model); },
        [this, path](const sg::JobStatus &status) {
            if (status.state == sg::JobState::Failed)
                Q_EMIT imageFailed(path, QString::fromStdString(status.error));
        },
        /*requiresModel=*/false);
}

void PredictionService::run(sg::JobContext &, const ModelHandle &model)
{
    PredictRequest request;
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        if (!state_->pending)
            return;
        request = *state_->pending;
        state_->pending.reset();
    }
    try {
        const cv::Mat image = sg::readImage(request.path.toStdString());
        const QImage display = toQImage(sg::toDisplayRgb8(image));
        if (display.isNull())
            throw sg::Error(request.path.toStdString(), "cannot be converted for display");
        Q_EMIT imageReady(request.path, display);
        ClassScores scores;
        if (model.classifier) {
            const auto predictions
                = model.classifier->predict({image}, request.topk, {request.path.toStdString()});
            if (!predictions.empty())
                scores = ClassScores(predictions.front().top.begin(), predictions.front().top.end());
        }
        const QString modelHash = QString::fromStdString(model.hash);
        QMetaObject::invokeMethod(
            this,
            [this, path = request.path, display, scores, modelHash] {
                if (!scores.isEmpty())
                    keep(modelHash, path, display, scores);
            },
            Qt::QueuedConnection);
        Q_EMIT predicted(request.path, display, scores);
    } catch (const std::exception &error) {
        Q_EMIT imageFailed(request.path, QString::fromStdString(error.what()));
    }
}

void PredictionService::keep(
    const QString &modelHash, const QString &path, const QImage &display, const ClassScores &scores)
{
    if (modelHash != QString::fromStdString(worker_.model().hash))
        return; // made by a model no longer loaded
    if (modelHash != state_->keptModel) {
        state_->kept.clear();
        state_->keptModel = modelHash;
    }
    const qsizetype kib = std::max<qsizetype>(1, display.sizeInBytes() / 1024);
    state_->kept.insert(path, new Kept{display, scores}, int(std::min<qsizetype>(kib, kKeptKiB)));
}

bool PredictionService::cached(const QString &path, QImage *display, ClassScores *scores) const
{
    if (state_->keptModel != QString::fromStdString(worker_.model().hash))
        return false;
    const Kept *kept = state_->kept.object(path);
    if (!kept)
        return false;
    *display = kept->display;
    *scores = kept->scores;
    return true;
}

} // namespace sg::ui
