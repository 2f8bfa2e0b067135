#pragma once
// The Qt adapter around core/jobs and one sg::Classifier: every model task (loading a model,
// predicting an image, computing an explanation) is a job of one sg::JobQueue, whose single
// worker thread owns the classifier and its device. Results, progress and job states come back
// as signals on the GUI thread. The GUI thread never waits on the worker except in the
// destructor. Finished explanations are cached by content (model hash, image hash, method,
// resolution, target, parameters, seed), so going back to an image shows its maps at once.

#include "core_metatypes.h"
#include "jobs/explanation.h"
#include "jobs/job_queue.h"

#include <QImage>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <opencv2/core.hpp>

#include <memory>

namespace sg::ui {

// What the window shows about a loaded model (a value copy; no reference into the classifier).
struct ModelInfo {
    QString path; // the .pt file
    QString name; // from the sidecar; the file's base name when the sidecar has none
    QString description;
    QString device; // "cpu", "cuda:0", ...
    int classCount = 0;
    int inputWidth = 0;
    int inputHeight = 0;
    int inputChannels = 0;
    bool hasSplit = false; // features/head split available (Grad-CAM, XNN)
    QString hash; // content hash of the model and sidecar, with the device
    QStringList labels; // class labels, index order
    sg::InputSpec input; // the sidecar's input spec (for metric step images)
};

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

// One row of a top-k prediction, most probable first.
struct LabelScore {
    int index = 0;
    QString label;
    double probability = 0.0; // softmax probability in [0, 1]
};

using LabelScores = QVector<LabelScore>;

class ModelSession : public QObject {
    Q_OBJECT

public:
    // GUI thread. Starts no thread until the first request.
    explicit ModelSession(QObject *parent = nullptr);

    // GUI thread. Disconnects all receivers (so no further signal reaches them), drops the
    // requests still queued and waits for the running one (a model load or a prediction cannot
    // be interrupted); then the classifier is released.
    ~ModelSession() override;

    // Device for the next loadModel(): "auto" (default), "cpu", "cuda" or "cuda:N". GUI thread.
    void setDevice(const QString &device);
    QString device() const;

    // Queues a load of `path` (TorchScript .pt with its .json sidecar) on the worker. GUI
    // thread; returns at once. Ends in exactly one of modelLoaded() or modelFailed(). On
    // failure the previously loaded model (if any) stays in use.
    void loadModel(const QString &path);

    // Queues: decode `path`, emit imageReady(), predict the top `topk` classes with the current
    // model, emit predicted(). GUI thread; returns at once. Only the newest predict request
    // waits in the queue: a request still queued when a newer one arrives is dropped without
    // any signal, so stepping quickly through a folder never builds a backlog. Requests already
    // running are finished. Errors end in imageFailed(); without a model, predicted() carries
    // no scores.
    void predictImage(const QString &path, int topk);

    // Queues an explanation of the image at `path` with the current model (priority Normal,
    // behind any prediction). GUI thread; returns the job id at once. Ends in explained() (also
    // at once from the cache when the same request was computed before) or explainFailed();
    // jobChanged() reports its queue state and progress, explanationProgress() the live map.
    sg::JobId explain(const QString &path, const sg::ExplanationRequest &request, const QString &title);
    // The cached result of `request` for the image at `path`, or nullptr. GUI thread; does not
    // read the image (a path the worker has not read since it last changed is a miss).
    ExplanationPtr cachedExplanation(const QString &path, const sg::ExplanationRequest &request) const;

    // Cancels one explanation job / every explanation job (queued ones never run; loads and
    // predictions are not affected). GUI thread.
    void cancelJob(sg::JobId id);
    void cancelAllJobs();

    // True while a load or predict request is queued or running. GUI thread.
    bool isBusy() const;

Q_SIGNALS:
    // All signals are emitted from the worker thread and delivered queued to receivers on the
    // GUI thread; arguments are owning copies.
    void modelLoaded(const sg::ui::ModelInfo &info);
    void modelFailed(const QString &path, const QString &message);
    // The decoded image as 8-bit RGB (or gray) for display, before the prediction runs.
    void imageReady(const QString &path, const QImage &display);
    void predicted(const QString &path, const QImage &display, const sg::ui::LabelScores &scores);
    void imageFailed(const QString &path, const QString &message);
    // Busy state changed (a request queued, or the queue ran empty).
    void busyChanged(bool busy);

    // An explanation job's state or progress changed (not emitted for loads and predictions).
    void jobChanged(const sg::JobStatus &status);
    // The map of a running explanation so far (I-GOS and iGOS++ after each iteration), at most
    // one every kLiveMapIntervalMs.
    void explanationProgress(sg::JobId id, const QString &path, const cv::Mat &liveMap);
    void explained(sg::JobId id, const sg::ui::ExplanationPtr &result);
    // The explanation failed (message) or was cancelled (cancelled = true).
    void explainFailed(sg::JobId id, const QString &path, const QString &message, bool cancelled);

public:
    static constexpr int kLiveMapIntervalMs = 40;
    static constexpr int kCachedExplanations = 256;

private:
    struct Worker;
    void runLoad(const QString &path, const QString &device);
    void runPredict();
    void runExplain(sg::JobContext &context, const QString &path, const sg::ExplanationRequest &request);
    void finishTask();
    void onJobStatus(const sg::JobStatus &status);

    std::unique_ptr<Worker> worker_;
};

} // namespace sg::ui

Q_DECLARE_METATYPE(sg::ui::ModelInfo)
Q_DECLARE_METATYPE(sg::ui::LabelScore)
Q_DECLARE_METATYPE(sg::ui::ExplanationPtr)
