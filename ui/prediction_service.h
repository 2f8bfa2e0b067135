#pragma once
// Predictions of the image on screen, on the model worker's interactive lane (never behind a
// long job). Only the newest request waits: stepping quickly through a folder never builds a
// backlog. Results of recent images are kept (by path, for the model loaded now), so stepping
// back shows them at once. GUI thread.

#include "model_worker.h"

#include "model/classifier.h"

#include <QCache>
#include <QImage>
#include <QMetaType>
#include <QObject>
#include <QVector>

#include <memory>

namespace sg::ui {

// The top-k classes of one image, most probable first.
using ClassScores = QVector<sg::ClassScore>;

class PredictionService : public QObject {
    Q_OBJECT

public:
    // GUI thread. `worker` is not owned and must stop its lanes before this is destroyed.
    explicit PredictionService(ModelWorker &worker, QObject *parent = nullptr);
    ~PredictionService() override;

    // Queues: decode `path`, emit imageReady(), predict the top `topk` classes with the current
    // model, emit predicted(). Returns at once. A request still queued when a newer one
    // arrives is dropped without any signal; one already running is finished. Errors end in
    // imageFailed(); without a model, predicted() carries no scores.
    void predict(const QString &path, int topk);

    // The last prediction of `path` with the model loaded now (by content hash), if kept.
    // `display` and `scores` are set when it returns true.
    bool cached(const QString &path, QImage *display, ClassScores *scores) const;

Q_SIGNALS:
    // The decoded image as 8-bit RGB (or gray) for display, before the prediction runs.
    void imageReady(const QString &path, const QImage &display);
    void predicted(const QString &path, const QImage &display, const sg::ui::ClassScores &scores);
    void imageFailed(const QString &path, const QString &message);

private:
    struct State;
    void run(sg::JobContext &job, const ModelHandle &model);
    void keep(
        const QString &modelHash, const QString &path, const QImage &display, const ClassScores &scores);
    ModelWorker &worker_;
    std::shared_ptr<State> state_;
};

} // namespace sg::ui

Q_DECLARE_METATYPE(sg::ClassScore)
Q_DECLARE_METATYPE(sg::ui::ClassScores)
