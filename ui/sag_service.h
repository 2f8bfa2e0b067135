#pragma once
// The SAG service: Structured Attention Graph searches (core/sag) of images with the loaded
// model, run on the model worker's background lane (progress and cancel in the jobs panel) and
// cached by content (model hash, image hash, every field of the request). GUI thread.

#include "analysis_service.h"

#include "sag/sag_layout.h"
#include "sag/sag_request.h"
#include "sag/sag_result.h"

#include <QImage>
#include <QObject>

namespace sg::ui {

// A finished search with what it was computed for. Immutable once made; shared between the
// cache and the views.
struct SagRecord {
    QString modelHash;
    QString imagePath;
    sg::SagRequest request; // as submitted (target -1 = top-1; result.request has the class)
    sg::SagResult result;
    sg::SagLayout layout; // Graphviz dot positions of result.graph
    cv::Mat image; // 8-bit RGB display pixels of the image (node thumbnails: sagNodeImage)
    int inputWidth = 0; // the model input size the cells were laid over
    int inputHeight = 0;
};
using SagRecordPtr = std::shared_ptr<const SagRecord>;

// A search under way, after one of its beam steps: the roots found so far, in discovery order
// (before the diverse subset is chosen), with what their thumbnails need. Immutable once made.
struct SagProgressRecord {
    int step = 0; // 1-based beam step of the current round
    int maxSteps = 0; // one round's step limit (the cell count)
    int round = 1; // the search round (default mode may run more than one)
    std::vector<sg::SagRoot> roots;
    int gridRows = 0;
    int gridCols = 0;
    sg::SagUpsampling upsampling = sg::SagUpsampling::Bilinear;
    cv::Mat image; // 8-bit RGB display pixels (shared, never written)
    int inputWidth = 0;
    int inputHeight = 0;
};
using SagProgressPtr = std::shared_ptr<const SagProgressRecord>;

// The analysis kind (see analysis_service.h).
struct SagKind {
    using Request = sg::SagRequest;
    using Record = SagRecord;
    using Live = SagProgressPtr; // after each beam step
    static std::string cacheKey(
        const std::string &modelHash, const std::string &imageHash, const Request &request);
    // Searches (the roots so far to `live` after each beam step), then lays the graph out (a
    // Graphviz failure is the job's error).
    static std::shared_ptr<Record> compute(const ModelHandle &model, const QString &imagePath,
        const Request &request, const sg::ProgressFn &progress, const sg::CancelFlag &cancel,
        const std::function<void(Live)> &live);
};

class SagService : public QObject {
    Q_OBJECT

public:
    static constexpr int kCachedSearches = 64;

    // GUI thread. `worker` is not owned and must stop its lanes before this is destroyed.
    explicit SagService(ModelWorker &worker, QObject *parent = nullptr);

    // Queues a search of the image at `path` with the current model. GUI thread; returns the job
    // id at once. Ends in searched() or searchFailed().
    sg::JobId search(const QString &path, const sg::SagRequest &request);
    // The cached search of `request` for the image at `path`, or nullptr. GUI thread.
    SagRecordPtr cached(const QString &path, const sg::SagRequest &request) const;

Q_SIGNALS:
    void searched(sg::JobId id, const sg::ui::SagRecordPtr &record);
    // After each beam step of search `id` of the image at `path`: the roots found so far.
    void searchProgressed(sg::JobId id, const QString &path, const sg::ui::SagProgressPtr &progress);
    // The search failed (message) or was cancelled (cancelled = true).
    void searchFailed(sg::JobId id, const QString &path, const QString &message, bool cancelled);

private:
    AnalysisRunner<SagKind> runner_;
};

} // namespace sg::ui

Q_DECLARE_METATYPE(sg::ui::SagRecordPtr)
Q_DECLARE_METATYPE(sg::ui::SagProgressPtr)
