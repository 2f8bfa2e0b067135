#pragma once
// The XNN service: explanations of images by a trained XNN (core/xnn) with the loaded model, run
// on the model worker's background lane and cached by content (model hash, image hash, XNN file
// and every field of the request). Training an XNN is a job of its own on the same lane (the
// long-job lane: the interactive lane, which predictions and what-if use, stays free). GUI thread.

#include "analysis_service.h"

#include "xnn/concept_map.h"
#include "xnn/xnn_explain.h"
#include "xnn/xnn_train.h"

#include <QImage>
#include <QObject>
#include <QStringList>

#include <vector>

namespace sg::ui {

// What to explain an image with.
struct XnnExplainRequest {
    std::string xnnPath; // the .xnn file (read for every job: a retrained file is picked up)
    std::string xnnHash; // its content hash (the cache key tells files apart by content)
    int classIndex = -1; // a class the file explains; -1 = the model's top class if explained, else the first
    sg::ConceptMapMethod method = sg::ConceptMapMethod::Igos;
    int resolution = sg::kDefaultResolution; // I-GOS's mask resolution

    bool operator==(const XnnExplainRequest &other) const;
};

// One x-feature of a finished explanation.
struct XnnFeatureRecord {
    int xFeature = 0;
    double activation = 0.0;
    double weight = 0.0;
    double contribution = 0.0; // activation x weight
    bool significant = false;
    cv::Mat saliency; // the concept map, model input size, CV_32FC1 in [0, 1]
    QStringList prototypes; // training images that activate it most, most first (may be missing on disk)
    QList<QImage> thumbnails; // the file's thumbnails of them (null where the file has none)
};

struct XnnRecord {
    QString modelHash;
    QString imagePath;
    XnnExplainRequest request;
    int classIndex = 0;
    QString classLabel;
    double xnnScore = 0.0;
    double modelScore = 0.0;
    double bias = 0.0;
    std::vector<XnnFeatureRecord> features; // in x-feature order
    cv::Mat image; // 8-bit RGB display pixels
};
using XnnRecordPtr = std::shared_ptr<const XnnRecord>;

struct XnnKind {
    using Request = XnnExplainRequest;
    using Record = XnnRecord;
    static std::string cacheKey(
        const std::string &modelHash, const std::string &imageHash, const Request &request);
    // Reads the file (refusing one of another model), embeds the image through the file's layer,
    // explains it and computes one concept map per x-feature.
    static std::shared_ptr<Record> compute(const ModelHandle &model, const QString &imagePath,
        const Request &request, const sg::ProgressFn &progress, const sg::CancelFlag &cancel);
};

// An XNN training: the labelled images, the request and where the file goes.
struct XnnTrainJob {
    QString data; // a folder of class folders or a file,label manifest
    QString out; // the .xnn file (written atomically: a cancelled training leaves none)
    QString cacheFolder; // embedding cache (empty: none)
    QString layer = QString::fromLatin1(sg::kXnnLayer);
    sg::XnnTrainRequest request;
};

class XnnService : public QObject {
    Q_OBJECT

public:
    static constexpr int kCachedExplanations = 64;

    // GUI thread. `worker` is not owned and must stop its lanes before this is destroyed.
    explicit XnnService(ModelWorker &worker, QObject *parent = nullptr);

    // Queues the explanation of the image at `path`. GUI thread; returns the job id at once.
    // Ends in explained() or explainFailed().
    sg::JobId explain(const QString &path, const XnnExplainRequest &request);
    XnnRecordPtr cached(const QString &path, const XnnExplainRequest &request) const;

    // Queues a training on the background lane. GUI thread; returns the job id at once. Each
    // epoch's losses come as epochTrained() (on the GUI thread); ends in trained() or
    // trainFailed() (cancelled = true after cancelJob(id)).
    sg::JobId train(const XnnTrainJob &job);

Q_SIGNALS:
    void explained(sg::JobId id, const sg::ui::XnnRecordPtr &record);
    void explainFailed(sg::JobId id, const QString &path, const QString &message, bool cancelled);
    void epochTrained(sg::JobId id, int classNumber, int classTotal, int round, int epoch, double total,
        double prediction, double reconstruction, double pullAway);
    void trained(sg::JobId id, const QString &out, const QString &summary);
    void trainFailed(sg::JobId id, const QString &message, bool cancelled);

private:
    ModelWorker &worker_;
    AnalysisRunner<XnnKind> runner_;
};

// The content hash of an XNN file (for XnnExplainRequest::xnnHash), empty when unreadable. Any thread.
std::string xnnFileHash(const QString &path);

// XNN files next to the model `modelPath` whose name starts with its base name ("cues.pt" ->
// "cues-0.xnn", ...), in natural order. Any thread.
QStringList xnnFilesBeside(const QString &modelPath);

} // namespace sg::ui

Q_DECLARE_METATYPE(sg::ui::XnnRecordPtr)
