#include "model_session.h"

#include "mat_qimage.h"

#include "common/error.h"
#include "common/file_hash.h"
#include "image/image_io.h"
#include "image/preprocess.h"
#include "jobs/result_cache.h"
#include "model/classifier.h"
#include "model/runtime.h"

#include <QDateTime>
#include <QFileInfo>
#include <QHash>

#include <chrono>
#include <exception>
#include <mutex>
#include <optional>

namespace sg::ui {

namespace {

// The worker runs below the GUI thread's priority, so a long explanation on every core still
// leaves the event loop room to paint and answer input.
constexpr int kWorkerNiceIncrement = 5;

struct PredictRequest {
    QString path;
    int topk = 5;
};

// What identifies an image file's content without reading it again: its size and modification
// time when the worker last hashed it.
struct FileStamp {
    qint64 size = -1;
    QDateTime modified;
    std::string hash;
};

QString messageOf(const std::exception &error)
{
    return QString::fromStdString(error.what());
}

FileStamp stampOf(const QString &path)
{
    const QFileInfo info(path);
    return {info.size(), info.lastModified(), {}};
}

sg::ResultKey keyOf(
    const std::string &modelHash, const std::string &imageHash, const sg::ExplanationRequest &request)
{
    sg::ResultKey key;
    key.modelHash = modelHash;
    key.imageHash = imageHash;
    key.method = request.method;
    key.resolution = request.resolution;
    key.target = request.target;
    key.params = request.params;
    key.seed = request.seed;
    key.extra = request.evaluate ? "curves" : "map";
    return key;
}

} // namespace

struct ModelSession::Worker {
    // Worker thread only (jobs run one at a time on the queue's thread).
    std::shared_ptr<sg::Classifier> classifier;

    // Shared between the GUI thread and the worker.
    mutable std::mutex mutex;
    std::optional<PredictRequest> pendingPredict;
    std::string modelHash; // of the loaded model; written by the worker
    QHash<QString, FileStamp> imageStamps; // path -> content hash, written by the worker
    sg::ResultCache<ExplanationResult> cache{kCachedExplanations};

    // GUI thread only.
    QString device = QStringLiteral("auto");
    int outstanding = 0;
    QHash<sg::JobId, QString> explainJobs; // running or queued explanation -> image path

    // Last: destroyed first, so the worker stops before the state above goes away.
    std::unique_ptr<sg::JobQueue> queue;
};

ModelSession::ModelSession(QObject *parent) : QObject(parent), worker_(std::make_unique<Worker>())
{
    qRegisterMetaType<sg::JobStatus>();
    qRegisterMetaType<sg::JobId>("sg::JobId");
    qRegisterMetaType<cv::Mat>();
    qRegisterMetaType<ExplanationPtr>();
    sg::JobQueue::Options options;
    options.threadInit = [] { sg::initWorkerThread(); };
    options.niceIncrement = kWorkerNiceIncrement;
    // Statuses arrive on the worker (or a cancelling) thread; they are handled on the GUI thread.
    worker_->queue = std::make_unique<sg::JobQueue>(
        [this](const sg::JobStatus &status) {
            QMetaObject::invokeMethod(
                this, [this, status] { onJobStatus(status); }, Qt::QueuedConnection);
        },
        options);
}

ModelSession::~ModelSession()
{
    // Receivers must not hear from a session that is going away; disconnecting is thread-safe
    // while the worker may be emitting.
    disconnect(this, nullptr, nullptr, nullptr);
    // Cancels queued and running jobs and joins the worker; the classifier is released after.
    worker_->queue.reset();
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
    // `this` outlives the job: the destructor joins the worker.
    worker_->queue->submit(
        "load " + path.toStdString(),
        [this, path, device](sg::JobContext &) {
            runLoad(path, device);
            QMetaObject::invokeMethod(
                this, [this] { finishTask(); }, Qt::QueuedConnection);
        },
        sg::JobPriority::Interactive);
}

void ModelSession::predictImage(const QString &path, int topk)
{
    {
        std::lock_guard<std::mutex> lock(worker_->mutex);
        const bool queued = worker_->pendingPredict.has_value();
        worker_->pendingPredict = PredictRequest{path, topk};
        if (queued)
            return; // the queued job will pick up this newer request instead
    }
    ++worker_->outstanding;
    if (worker_->outstanding == 1)
        Q_EMIT busyChanged(true);
    worker_->queue->submit(
        "predict",
        [this](sg::JobContext &) {
            runPredict();
            QMetaObject::invokeMethod(
                this, [this] { finishTask(); }, Qt::QueuedConnection);
        },
        sg::JobPriority::Interactive);
}

sg::JobId ModelSession::explain(
    const QString &path, const sg::ExplanationRequest &request, const QString &title)
{
    const sg::JobId id = worker_->queue->submit(
        title.toStdString(),
        [this, path, request](sg::JobContext &context) { runExplain(context, path, request); },
        sg::JobPriority::Normal);
    worker_->explainJobs.insert(id, path);
    return id;
}

ExplanationPtr ModelSession::cachedExplanation(
    const QString &path, const sg::ExplanationRequest &request) const
{
    const FileStamp now = stampOf(path);
    std::lock_guard<std::mutex> lock(worker_->mutex);
    const auto stamp = worker_->imageStamps.constFind(path);
    if (worker_->modelHash.empty() || stamp == worker_->imageStamps.constEnd() || stamp->size != now.size
        || stamp->modified != now.modified)
        return nullptr;
    return worker_->cache.find(keyOf(worker_->modelHash, stamp->hash, request));
}

void ModelSession::cancelJob(sg::JobId id)
{
    // Loads and predictions must run: the window waits for their signals.
    if (worker_->explainJobs.contains(id))
        worker_->queue->cancel(id);
}

void ModelSession::cancelAllJobs()
{
    const QList<sg::JobId> jobs = worker_->explainJobs.keys(); // cancel() may report at once
    for (const sg::JobId id : jobs)
        worker_->queue->cancel(id);
}

void ModelSession::finishTask()
{
    --worker_->outstanding;
    if (worker_->outstanding == 0)
        Q_EMIT busyChanged(false);
}

void ModelSession::onJobStatus(const sg::JobStatus &status)
{
    const auto job = worker_->explainJobs.constFind(status.id);
    if (job == worker_->explainJobs.constEnd())
        return; // loads and predictions report through their own signals
    const QString path = *job;
    // An ended job's state is its outcome: a failure or a cancel (before or while it ran) is
    // reported here; success was reported by the job itself with its result.
    if (status.state != sg::JobState::Queued && status.state != sg::JobState::Running)
        worker_->explainJobs.erase(job);
    Q_EMIT jobChanged(status);
    if (status.state == sg::JobState::Failed)
        Q_EMIT explainFailed(status.id, path, QString::fromStdString(status.error), false);
    else if (status.state == sg::JobState::Cancelled)
        Q_EMIT explainFailed(status.id, path, tr("cancelled"), true);
}

void ModelSession::runLoad(const QString &path, const QString &device)
{
    try {
        auto classifier = sg::Classifier::load(path.toStdString(), device.toStdString());
        const sg::ModelSpec &spec = classifier->spec();
        const std::string modelPath = path.toStdString();
        // The device is part of the key: CPU and CUDA maps of one model may differ slightly.
        const std::string hash
            = sg::fileContentHash({modelPath, spec.sidecarPath}) + "@" + classifier->deviceName();
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
        for (const std::string &label : spec.labels)
            info.labels << QString::fromStdString(label);
        info.input = spec.input;
        info.hash = QString::fromStdString(hash);
        worker_->classifier = std::move(classifier);
        {
            std::lock_guard<std::mutex> lock(worker_->mutex);
            worker_->modelHash = hash;
        }
        Q_EMIT modelLoaded(info);
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
            const auto predictions
                = worker_->classifier->predict({image}, request.topk, {request.path.toStdString()});
            if (!predictions.empty()) {
                for (const sg::ClassScore &score : predictions.front().top)
                    scores.push_back({score.index, QString::fromStdString(score.label), score.probability});
            }
        }
        Q_EMIT predicted(request.path, display, scores);
    } catch (const std::exception &error) {
        Q_EMIT imageFailed(request.path, messageOf(error));
    } catch (...) {
        Q_EMIT imageFailed(request.path, tr("unknown error while predicting"));
    }
}

void ModelSession::runExplain(
    sg::JobContext &context, const QString &path, const sg::ExplanationRequest &request)
{
    // Failures and cancels end the job and are reported from its state (onJobStatus).
    if (!worker_->classifier)
        throw sg::Error("", "No model is loaded: open a model first.");
    const sg::JobId id = context.id();
    // Hash before decoding: a cached result needs neither the decode nor the model.
    FileStamp stamp = stampOf(path);
    stamp.hash = sg::fileContentHash({path.toStdString()});
    std::string modelHash;
    {
        std::lock_guard<std::mutex> lock(worker_->mutex);
        worker_->imageStamps.insert(path, stamp);
        modelHash = worker_->modelHash;
    }
    const sg::ResultKey key = keyOf(modelHash, stamp.hash, request);
    ExplanationPtr result = worker_->cache.find(key);
    if (!result) {
        const cv::Mat image = sg::readImage(path.toStdString());
        auto lastLive = std::chrono::steady_clock::now() - std::chrono::hours(1);
        const sg::ProgressFn progress = [&](const sg::Progress &p) {
            context.reportProgress(p.done, p.total);
            if (!p.map || p.map->empty())
                return;
            const auto now = std::chrono::steady_clock::now();
            if (now - lastLive < std::chrono::milliseconds(kLiveMapIntervalMs))
                return;
            lastLive = now;
            const cv::Mat live = p.map->clone();
            QMetaObject::invokeMethod(
                this, [this, id, path, live] { Q_EMIT explanationProgress(id, path, live); },
                Qt::QueuedConnection);
        };
        auto made = std::make_shared<ExplanationResult>();
        made->modelHash = QString::fromStdString(modelHash);
        made->imagePath = path;
        made->request = request;
        made->explanation
            = sg::computeExplanation(*worker_->classifier, image, request, progress, context.cancelFlag());
        made->image = image;
        made->display = toQImage(sg::toDisplayRgb8(image));
        worker_->cache.insert(key, made);
        result = std::move(made);
    }
    QMetaObject::invokeMethod(
        this, [this, id, result] { Q_EMIT explained(id, result); }, Qt::QueuedConnection);
}

} // namespace sg::ui
