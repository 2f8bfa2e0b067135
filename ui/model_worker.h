#pragma once
// The model worker: owns the loaded classifier and runs every model task on one of two lanes,
// each a sg::JobQueue with its own thread.
//   Interactive: loading a model, predicting the image on screen, what-if probes. Short tasks
//                that the user waits for.
//   Background:  explanations, comparisons, searches, training, batch runs. Long tasks, run at
//                a lower thread priority and listed in the jobs panel.
// Both lanes share the loaded model: a job takes a ModelHandle (a shared pointer to the
// classifier and its hash) when it starts, so a model loaded meanwhile never pulls the
// classifier from under a running job, and the interactive lane never waits behind a long job
// (design notes: docs/architecture.md, "Two lanes"). Kinds of work are added by services
// (prediction_service.h, analysis_service.h) that submit jobs here; the worker knows no kind.

#include "core_metatypes.h"
#include "jobs/job_queue.h"
#include "model/model_spec.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace sg {
class Classifier;
}

namespace sg::ui {

// What the window shows about a loaded model (a value copy; no reference into the classifier).
struct ModelInfo {
    QString path; // the .pt file
    QString name; // the sidecar's name, or the file's base name when it has none
    QString device; // "cpu", "cuda:0", ...
    QString hash; // content hash of the model and sidecar, with the device
    sg::ModelSpec spec; // the sidecar: input, labels, description, split (checked at load)
};

// The model a job runs with: taken when the job starts, kept until it ends.
struct ModelHandle {
    std::shared_ptr<const sg::Classifier> classifier;
    std::string hash; // ModelInfo::hash
};

enum class Lane { Interactive, Background };

class ModelWorker : public QObject {
    Q_OBJECT

public:
    // The body of a job: runs on the lane's thread with the model current when it started.
    // Its classifier is never null for a job that requires a model (submitted without one, it
    // fails with a clear message instead).
    using Body = std::function<void(sg::JobContext &, const ModelHandle &)>;
    // Hears every state change of one job, on the GUI thread.
    using StatusFn = std::function<void(const sg::JobStatus &)>;

    // GUI thread. Starts both lane threads.
    explicit ModelWorker(QObject *parent = nullptr);
    // GUI thread. Disconnects every receiver, cancels every job and joins both lanes (a model
    // load or a prediction cannot be interrupted); then the classifier is released.
    ~ModelWorker() override;

    // Device for the next loadModel(): "auto" (default), "cpu", "cuda" or "cuda:N".
    void setDevice(const QString &device);
    QString device() const;

    // Queues a load of `path` (TorchScript .pt with its .json sidecar) on the interactive lane.
    // GUI thread; returns at once. Ends in exactly one of modelLoaded() or modelFailed(); on
    // failure the previous model stays in use.
    void loadModel(const QString &path);
    // The model loaded now (null classifier before the first load). Any thread.
    ModelHandle model() const;

    // Queues `body` on `lane`. GUI thread; returns the job id at once. `onStatus` (may be
    // empty) hears the job's states on the GUI thread: Failed carries the message (also "no
    // model is loaded"), Cancelled a cancel before or while it ran. Background jobs are also
    // reported by jobChanged() and can be cancelled with cancelJob()/cancelAllJobs();
    // interactive ones always run (the window waits for them).
    sg::JobId submit(
        Lane lane, const QString &title, Body body, StatusFn onStatus = {}, bool requiresModel = true);
    // Cancels one / every background job. GUI thread.
    void cancelJob(sg::JobId id);
    void cancelAllJobs();

    // The content hash of the image file at `path`, hashed once per change of its size or
    // modification time. Any thread; reads the file (worker threads only, in practice).
    std::string imageHash(const QString &path);
    // The hash recorded for `path` when it has not changed since, else empty. GUI thread
    // friendly: never reads the file's content.
    std::string knownImageHash(const QString &path) const;

Q_SIGNALS:
    void modelLoaded(const sg::ui::ModelInfo &info);
    void modelFailed(const QString &path, const QString &message);
    // A background job's state or progress changed.
    void jobChanged(const sg::JobStatus &status);

private:
    struct State;
    void onStatus(const sg::JobStatus &status);
    std::unique_ptr<State> state_;
};

} // namespace sg::ui

Q_DECLARE_METATYPE(sg::ui::ModelInfo)
