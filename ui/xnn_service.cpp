#include "xnn_service.h"

#include "common/error.h"
#include "common/file_hash.h"
#include "image/image_io.h"
#include "image/preprocess.h"
#include "model/classifier.h"
#include "xnn/embedding.h"
#include "xnn/labelled_set.h"
#include "xnn/xnn_file.h"

#include <QCollator>
#include <QDir>
#include <QFileInfo>
#include <QPointer>

#include <algorithm>

namespace sg::ui {

bool XnnExplainRequest::operator==(const XnnExplainRequest &other) const
{
    return xnnPath == other.xnnPath && xnnHash == other.xnnHash && classIndex == other.classIndex
        && method == other.method && resolution == other.resolution;
}

std::string XnnKind::cacheKey(
    const std::string &modelHash, const std::string &imageHash, const Request &request)
{
    // The file by content (a retrained file is another key) and every field operator== compares.
    return "xnn-explain|" + modelHash + "|" + imageHash + "|" + request.xnnHash + "|" + request.xnnPath + "|"
        + std::to_string(request.classIndex) + "|" + sg::conceptMapMethodName(request.method) + "|"
        + std::to_string(request.resolution);
}

std::shared_ptr<XnnRecord> XnnKind::compute(const ModelHandle &model, const QString &imagePath,
    const Request &request, const sg::ProgressFn &progress, const sg::CancelFlag &cancel)
{
    const sg::Classifier &classifier = *model.classifier;
    const sg::XnnModel xnn = sg::readXnnFile(request.xnnPath, model.hash);
    sg::EmbeddingRequest embeddingRequest;
    embeddingRequest.layer = xnn.layer;
    const sg::Embedding embedding
        = sg::embedImages(classifier, {imagePath.toStdString()}, embeddingRequest, {}, cancel);
    if (embedding.dimension != xnn.dimension)
        throw sg::Error(request.xnnPath,
            "reads " + std::to_string(xnn.dimension) + " values, the model's layer has "
                + std::to_string(embedding.dimension));
    std::vector<int> explained;
    for (const sg::XnnClassModel &cls : xnn.classes)
        explained.push_back(cls.classIndex);
    const int chosen = sg::chooseXnnClass(explained, request.classIndex, embedding.topClass(0));
    if (chosen < 0)
        throw sg::Error(request.xnnPath, "does not explain class " + std::to_string(request.classIndex));
    const sg::XnnClassModel *cls = &xnn.classes[size_t(chosen)];

    const sg::XnnExplanation explanation = sg::explainXnn(
        *cls, embedding.featureRow(0), embedding.dimension, embedding.score(0, cls->classIndex));
    const cv::Mat image = sg::readImage(imagePath.toStdString());
    sg::ConceptMapRequest mapRequest;
    mapRequest.method = request.method;
    mapRequest.resolution = request.resolution;
    const std::vector<sg::ConceptMap> maps
        = sg::conceptMaps(classifier, *cls, image, mapRequest, progress, cancel);

    auto made = std::make_shared<XnnRecord>();
    made->classIndex = cls->classIndex;
    made->classLabel = QString::fromStdString(cls->label);
    made->xnnScore = explanation.xnnScore;
    made->modelScore = explanation.modelScore;
    made->bias = explanation.bias;
    made->image = sg::toDisplayRgb8(image);
    for (const sg::ConceptMap &map : maps) {
        const size_t j = size_t(map.xFeature);
        XnnFeatureRecord feature;
        feature.xFeature = map.xFeature;
        feature.activation = explanation.activations[j];
        feature.weight = explanation.weights[j];
        feature.contribution = explanation.contributions[j];
        feature.significant
            = std::find(explanation.significant.begin(), explanation.significant.end(), map.xFeature)
            != explanation.significant.end();
        feature.saliency = map.saliency;
        if (j < cls->prototypes.size())
            for (size_t k = 0; k < cls->prototypes[j].size(); ++k) {
                feature.prototypes << QString::fromStdString(cls->prototypes[j][k]);
                QImage thumbnail;
                if (j < cls->prototypeThumbnails.size() && k < cls->prototypeThumbnails[j].size()) {
                    const std::string &png = cls->prototypeThumbnails[j][k];
                    thumbnail.loadFromData(
                        reinterpret_cast<const uchar *>(png.data()), int(png.size()), "PNG");
                }
                feature.thumbnails << thumbnail;
            }
        made->features.push_back(std::move(feature));
    }
    return made;
}

XnnService::XnnService(ModelWorker &worker, QObject *parent) :
    QObject(parent),
    worker_(worker),
    runner_(worker, *this,
        {[this](sg::JobId id, const XnnRecordPtr &record) { Q_EMIT explained(id, record); }, {},
            [this](sg::JobId id, const QString &path, const QString &message, bool cancelled) {
                Q_EMIT explainFailed(id, path, message, cancelled);
            },
            {}},
        kCachedExplanations)
{
    qRegisterMetaType<XnnRecordPtr>();
}

sg::JobId XnnService::explain(const QString &path, const XnnExplainRequest &request)
{
    return runner_.run(path, request,
        tr("XNN concepts (%1) of %2")
            .arg(QString::fromLatin1(sg::conceptMapMethodName(request.method)), QFileInfo(path).fileName()));
}

XnnRecordPtr XnnService::cached(const QString &path, const XnnExplainRequest &request) const
{
    return runner_.cached(path, request);
}

sg::JobId XnnService::train(const XnnTrainJob &job)
{
    QPointer<XnnService> self(this);
    return worker_.submit(
        Lane::Background, tr("XNN training → %1").arg(QFileInfo(job.out).fileName()),
        [self, job](sg::JobContext &context, const ModelHandle &model) {
            const sg::Classifier &classifier = *model.classifier;
            const sg::LabelledSet set = sg::readLabelledSet(job.data.toStdString(), classifier.spec().labels);
            std::vector<std::string> paths;
            for (const sg::LabelledImage &image : set.images)
                paths.push_back(image.path);
            sg::EmbeddingRequest embeddingRequest;
            embeddingRequest.cacheFolder = job.cacheFolder.toStdString();
            embeddingRequest.layer = job.layer.toStdString();
            // Embedding is the first tenth of the bar, training the rest.
            const sg::Embedding embedding = sg::embedImages(
                classifier, paths, embeddingRequest,
                [&](const sg::Progress &p) {
                    context.reportProgress(p.done * 100 / std::max(1, p.total), 1000);
                },
                context.cancelFlag());
            const sg::ProgressFn progress = [&](const sg::Progress &p) {
                context.reportProgress(100 + p.done * 900 / std::max(1, p.total), 1000);
            };
            const sg::JobId jobId = context.id();
            const sg::XnnEpochFn onEpoch = [self, jobId](const sg::XnnEpochReport &r) {
                QMetaObject::invokeMethod(
                    self.data(),
                    [self, jobId, r] {
                        if (self)
                            Q_EMIT self->epochTrained(jobId, r.classNumber, r.classTotal, r.loss.round,
                                r.loss.epoch, r.loss.total, r.loss.prediction, r.loss.reconstruction,
                                r.loss.pullAway);
                    },
                    Qt::QueuedConnection);
            };
            const sg::XnnModel trainedModel = sg::trainXnnToFile(embedding, classifier.spec().labels,
                job.request, job.out.toStdString(), progress, context.cancelFlag(), onEpoch);
            QString summary;
            for (const sg::XnnClassModel &cls : trainedModel.classes)
                summary += tr("%1: held-out RMSE %2 (a constant: %3) on scores %4 .. %5\n")
                               .arg(QString::fromStdString(cls.label))
                               .arg(cls.report.heldOutRmse, 0, 'g', 3)
                               .arg(cls.report.heldOutMeanRmse, 0, 'g', 3)
                               .arg(cls.report.scoreMin, 0, 'f', 1)
                               .arg(cls.report.scoreMax, 0, 'f', 1);
            const QString out = job.out;
            QMetaObject::invokeMethod(
                self.data(),
                [self, jobId, out, summary] {
                    if (self)
                        Q_EMIT self->trained(jobId, out, summary.trimmed());
                },
                Qt::QueuedConnection);
        },
        [self](const sg::JobStatus &status) {
            if (!self)
                return;
            if (status.state == sg::JobState::Failed)
                Q_EMIT self->trainFailed(status.id, QString::fromStdString(status.error), false);
            else if (status.state == sg::JobState::Cancelled)
                Q_EMIT self->trainFailed(status.id, tr("cancelled; no file written"), true);
        });
}

std::string xnnFileHash(const QString &path)
{
    try {
        return sg::fileContentHash({path.toStdString()});
    } catch (const std::exception &) {
        return {};
    }
}

QStringList xnnFilesBeside(const QString &modelPath)
{
    const QFileInfo model(modelPath);
    QStringList files;
    for (const QFileInfo &file :
        QDir(model.absolutePath())
            .entryInfoList({model.completeBaseName() + QStringLiteral("*.xnn")}, QDir::Files))
        files << file.absoluteFilePath();
    QCollator collator;
    collator.setNumericMode(true);
    std::sort(files.begin(), files.end(), collator);
    return files;
}

} // namespace sg::ui
