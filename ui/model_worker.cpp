#include "model_worker.h"

#include "common/error.h"
#include "common/file_hash.h"
#include "model/classifier.h"
#include "model/model_hash.h"
#include "model/runtime.h"

#include <QFileInfo>
#include <QSet>

#include <exception>

namespace sg::ui {

namespace {

// Background jobs run below the GUI thread's priority, so a long explanation on every core
// still leaves the event loop and the interactive lane room.
constexpr int kBackgroundNiceIncrement = 5;

// What identifies an image file's content without reading it again: its size and
// modification time when it was last hashed.
struct FileStamp {
    qint64 size = -1;
    QDateTime modified;
    std::string hash;
};

FileStamp stampOf(const QString &path)
{
    const QFileInfo info(path);
    return {info.size(), info.lastModified(), {}};
}

} // namespace

struct ModelWorker::State {
    // Shared between the GUI thread and both lanes.
    mutable std::mutex mutex;
    ModelHandle model;
    QHash<QString, FileStamp> imageStamps;

    // GUI thread only.
    QString device = QStringLiteral("auto");
    QHash<sg::JobId, StatusFn> observers; // job -> its submitter's status callback
    QSet<sg::JobId> backgroundJobs; // queued or running

    // Last: destroyed first, so both lanes stop before the state above goes away.
    std::unique_ptr<sg::JobQueue> interactive;
    std::unique_ptr<sg::JobQueue> background;
};

ModelWorker::ModelWorker(QObject *parent) : QObject(parent), state_(std::make_unique<State>())
{
    qRegisterMetaType<sg::JobStatus>();
    qRegisterMetaType<sg::JobId>("sg::JobId");
    qRegisterMetaType<cv::Mat>();
    qRegisterMetaType<ModelInfo>();
    // Statuses arrive on a lane (or a cancelling) thread; they are handled on the GUI thread.
    const sg::JobListener listener = [this](const sg::JobStatus &status) {
        QMetaObject::invokeMethod(
            this, [this, status] { onStatus(status); }, Qt::QueuedConnection);
    };
    sg::JobQueue::Options interactive;
    interactive.threadInit = [] { sg::initWorkerThread(); };
    sg::JobQueue::Options background = interactive;
    background.niceIncrement = kBackgroundNiceIncrement;
    state_->interactive = std::make_unique<sg::JobQueue>(listener, interactive);
    state_->background = std::make_unique<sg::JobQueue>(listener, background);
}

ModelWorker::~ModelWorker()
{
    // Receivers must not hear from a worker that is going away; disconnecting is thread-safe
    // while a lane may be emitting.
    disconnect(this, nullptr, nullptr, nullptr);
    state_->background.reset();
    state_->interactive.reset();
}

void ModelWorker::setDevice(const QString &device)
{
    state_->device = device.isEmpty() ? QStringLiteral("auto") : device;
}

QString ModelWorker::device() const
{
    return state_->device;
}

ModelHandle ModelWorker::model() const
{
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->model;
}

void ModelWorker::loadModel(const QString &path)
{
    const QString device = state_->device;
    // `this` outlives the job: the destructor joins the lanes. Loading needs no current model,
    // so it goes to the queue directly rather than through submit().
    state_->interactive->submit(
        "load " + path.toStdString(),
        [this, path, device](sg::JobContext &) {
            try {
                std::shared_ptr<sg::Classifier> classifier
                    = sg::Classifier::load(path.toStdString(), device.toStdString());
                const sg::ModelSpec &spec = classifier->spec();
                ModelInfo info;
                info.path = path;
                info.spec = spec;
                info.name = QString::fromStdString(spec.name);
                if (info.name.isEmpty())
                    info.name = QFileInfo(path).completeBaseName();
                info.device = QString::fromStdString(classifier->deviceName());
                // The device is part of the hash: CPU and CUDA maps of one model may differ.
                const std::string hash = sg::modelContentHash(*classifier);
                info.hash = QString::fromStdString(hash);
                {
                    std::lock_guard<std::mutex> lock(state_->mutex);
                    state_->model = {std::move(classifier), hash};
                }
                Q_EMIT modelLoaded(info);
            } catch (const std::exception &error) {
                Q_EMIT modelFailed(path, QString::fromStdString(error.what()));
            } catch (...) {
                Q_EMIT modelFailed(path, tr("unknown error while loading the model"));
            }
        },
        sg::JobPriority::Interactive);
}

sg::JobId ModelWorker::submit(
    Lane lane, const QString &title, Body body, StatusFn onStatus, bool requiresModel)
{
    sg::JobQueue &queue = lane == Lane::Interactive ? *state_->interactive : *state_->background;
    const sg::JobId id = queue.submit(
        title.toStdString(),
        [this, body = std::move(body), requiresModel](sg::JobContext &context) {
            const ModelHandle handle = model();
            if (requiresModel && !handle.classifier)
                throw sg::Error("", "No model is loaded: open a model first.");
            body(context, handle);
        },
        lane == Lane::Interactive ? sg::JobPriority::Interactive : sg::JobPriority::Normal);
    // The Queued status is still on its way to the GUI thread (queued call), so registering
    // here, after submit(), misses nothing.
    if (onStatus)
        state_->observers.insert(id, std::move(onStatus));
    if (lane == Lane::Background)
        state_->backgroundJobs.insert(id);
    return id;
}

void ModelWorker::cancelJob(sg::JobId id)
{
    if (state_->backgroundJobs.contains(id))
        state_->background->cancel(id);
}

void ModelWorker::cancelAllJobs()
{
    state_->background->cancelAll();
}

void ModelWorker::onStatus(const sg::JobStatus &status)
{
    const bool ended = status.state != sg::JobState::Queued && status.state != sg::JobState::Running;
    const bool background = state_->backgroundJobs.contains(status.id);
    if (background && ended)
        state_->backgroundJobs.remove(status.id);
    if (const auto observer = state_->observers.constFind(status.id);
        observer != state_->observers.constEnd()) {
        const StatusFn notify = *observer; // may submit or cancel, changing the table
        if (ended)
            state_->observers.remove(status.id);
        notify(status);
    }
    if (background)
        Q_EMIT jobChanged(status);
}

std::string ModelWorker::imageHash(const QString &path)
{
    FileStamp stamp = stampOf(path);
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        const auto known = state_->imageStamps.constFind(path);
        if (known != state_->imageStamps.constEnd() && known->size == stamp.size
            && known->modified == stamp.modified)
            return known->hash;
    }
    stamp.hash = sg::fileContentHash({path.toStdString()});
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->imageStamps.insert(path, stamp);
    return stamp.hash;
}

std::string ModelWorker::knownImageHash(const QString &path) const
{
    const FileStamp now = stampOf(path);
    std::lock_guard<std::mutex> lock(state_->mutex);
    const auto known = state_->imageStamps.constFind(path);
    if (known == state_->imageStamps.constEnd() || known->size != now.size || known->modified != now.modified)
        return {};
    return known->hash;
}

} // namespace sg::ui
