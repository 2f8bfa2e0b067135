#include "model_session.h"

#include "mat_qimage.h"

#include "common/error.h"
#include "image/image_io.h"
#include "image/preprocess.h"
#include "model/classifier.h"
#include "model/runtime.h"

#include <QFileInfo>
#include <QThreadPool>

#include <exception>
#include <mutex>
#include <optional>

namespace sg::ui {

namespace {

struct PredictRequest {
    QString path;
    int topk = 5;
};

QString messageOf(const std::exception &error)
{
    return QString::fromStdString(error.what());
}

} // namespace

struct ModelSession::Worker {
    // One thread that never expires, so the classifier and torch's per-thread state (grad
    // mode, thread-pool settings) always live on the same thread.
    QThreadPool pool;

    // Worker thread only (tasks run one at a time on the pool's single thread).
    std::shared_ptr<sg::Classifier> classifier;

    // Shared between the GUI thread (writes) and the worker (takes).
    std::mutex mutex;
    std::optional<PredictRequest> pendingPredict;

    // GUI thread only.
    QString device = QStringLiteral("auto");
    int outstanding = 0;

    Worker()
    {
        pool.setMaxThreadCount(1);
        pool.setExpiryTimeout(-1);
    }
};

ModelSession::ModelSession(QObject *parent)
    : QObject(parent), worker_(std::make_unique<Worker>())
{
}

ModelSession::~ModelSession()
{
    // Receivers must not hear from a session that is going away; disconnecting is thread-safe
    // while the worker may be emitting.
    disconnect(this, nullptr, nullptr, nullptr);
    worker_->pool.clear();
    worker_->pool.waitForDone();
    // The worker thread is idle now; the classifier is released here, on the owning thread.
}

void ModelSession::setDevice(const QString &device)
{
    worker_->device = device.isEmpty() ? QStringLiteral("auto") : device;
}

QString ModelSession::device() const
{
    return worker_->device;
}

bool ModelSession::isBusy() const
{
    return worker_->outstanding > 0;
}

void ModelSession::loadModel(const QString &path)
{
    const QString device = worker_->device;
    ++worker_->outstanding;
    if (worker_->outstanding == 1)
        Q_EMIT busyChanged(true);
    // `this` outlives the task: the destructor waits for the pool.
    worker_->pool.start([this, path, device] {
        sg::initWorkerThread();
        runLoad(path, device);
        QMetaObject::invokeMethod(this, [this] { finishTask(); }, Qt::QueuedConnection);
    });
}

void ModelSession::predictImage(const QString &path, int topk)
{
    {
        std::lock_guard<std::mutex> lock(worker_->mutex);
        const bool queued = worker_->pendingPredict.has_value();
        worker_->pendingPredict = PredictRequest{path, topk};
        if (queued)
            return;  // the queued task will pick up this newer request instead
    }
    ++worker_->outstanding;
    if (worker_->outstanding == 1)
        Q_EMIT busyChanged(true);
    worker_->pool.start([this] {
        sg::initWorkerThread();
        runPredict();
        QMetaObject::invokeMethod(this, [this] { finishTask(); }, Qt::QueuedConnection);
    });
}

void ModelSession::finishTask()
{
    --worker_->outstanding;
    if (worker_->outstanding == 0)
        Q_EMIT busyChanged(false);
}

void ModelSession::runLoad(const QString &path, const QString &device)
{
    try {
        auto classifier = sg::Classifier::load(path.toStdString(), device.toStdString());
        const sg::ModelSpec &spec = classifier->spec();
        ModelInfo info;
        info.path = path;
        info.name = QString::fromStdString(spec.name);
        if (info.name.isEmpty())
            info.name = QFileInfo(path).completeBaseName();
        info.description = QString::fromStdString(spec.description);
        info.device = QString::fromStdString(classifier->deviceName());
        info.classCount = classifier->classCount();
        info.inputWidth = spec.input.width;
        info.inputHeight = spec.input.height;
        info.inputChannels = spec.input.channels;
        info.hasSplit = classifier->hasSplit();
        worker_->classifier = std::move(classifier);
        Q_EMIT modelLoaded(info);
    } catch (const sg::Error &error) {
        Q_EMIT modelFailed(path, messageOf(error));
    } catch (const std::exception &error) {
        Q_EMIT modelFailed(path, messageOf(error));
    } catch (...) {
        Q_EMIT modelFailed(path, tr("unknown error while loading the model"));
    }
}

void ModelSession::runPredict()
{
    PredictRequest request;
    {
        std::lock_guard<std::mutex> lock(worker_->mutex);
        if (!worker_->pendingPredict)
            return;
        request = *worker_->pendingPredict;
        worker_->pendingPredict.reset();
    }
    try {
        const cv::Mat image = sg::readImage(request.path.toStdString());
        const QImage display = toQImage(sg::toDisplayRgb8(image));
        if (display.isNull())
            throw sg::Error(request.path.toStdString(), "cannot be converted for display");
        Q_EMIT imageReady(request.path, display);

        LabelScores scores;
        if (worker_->classifier) {
            const auto predictions =
                worker_->classifier->predict({image}, request.topk, {request.path.toStdString()});
            if (!predictions.empty()) {
                for (const sg::ClassScore &score : predictions.front().top)
                    scores.push_back({score.index, QString::fromStdString(score.label),
                                      score.probability});
            }
        }
        Q_EMIT predicted(request.path, display, scores);
    } catch (const sg::Error &error) {
        Q_EMIT imageFailed(request.path, messageOf(error));
    } catch (const std::exception &error) {
        Q_EMIT imageFailed(request.path, messageOf(error));
    } catch (...) {
        Q_EMIT imageFailed(request.path, tr("unknown error while predicting"));
    }
}

} // namespace sg::ui
