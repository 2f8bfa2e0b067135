#pragma once
// The Qt adapter around one sg::Classifier: every model task (loading a model, reading and
// predicting an image) runs on a single worker thread that owns the classifier, and results
// come back as signals. The GUI thread never waits on that thread except in the destructor.

#include <QImage>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QVector>

#include <memory>

namespace sg::ui {

// What the window shows about a loaded model (a value copy; no reference into the classifier).
struct ModelInfo {
    QString path;         // the .pt file
    QString name;         // from the sidecar; the file's base name when the sidecar has none
    QString description;
    QString device;       // "cpu", "cuda:0", ...
    int classCount = 0;
    int inputWidth = 0;
    int inputHeight = 0;
    int inputChannels = 0;
    bool hasSplit = false;  // features/head split available (Grad-CAM, XNN)
};

// One row of a top-k prediction, most probable first.
struct LabelScore {
    int index = 0;
    QString label;
    double probability = 0.0;  // softmax probability in [0, 1]
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

private:
    struct Worker;
    void runLoad(const QString &path, const QString &device);
    void runPredict();
    void finishTask();

    std::unique_ptr<Worker> worker_;
};

} // namespace sg::ui

Q_DECLARE_METATYPE(sg::ui::ModelInfo)
Q_DECLARE_METATYPE(sg::ui::LabelScore)
