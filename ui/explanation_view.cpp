#include "explanation_view.h"

#include "curve_plot.h"
#include "heatmap_canvas.h"
#include "mat_qimage.h"

#include "image/npy.h"
#include "jobs/compare_plan.h" // requestTitle
#include "jobs/explanation_json.h"

#include <QBuffer>
#include <QDir>
#include <QFileInfo>

namespace sg::ui {

QString explanationTitle(const sg::ExplanationRequest &request)
{
    return QString::fromStdString(sg::requestTitle(request));
}

ExplanationView::ExplanationView(
    ExplorerDocument &document, ExplanationService &service, ModelWorker &worker, QWidget *parent) :
    QObject(parent), document_(document), service_(service), worker_(worker)
{
    canvas_ = new HeatmapCanvas(parent);
    canvas_->setMessage(
        tr("Open an image folder (Ctrl+Shift+O)\nor drop images, a folder or a model (.pt) here"));
    curves_ = new CurvePlot(parent);
    curves_->clear(tr("No map yet."));
    applyViewSettings();

    connect(&document_, &ExplorerDocument::modelChanged, this, [this] {
        shown_.reset();
        dropJob(); // jobs queued for the old model would run on the new one under old titles
    });
    connect(&document_, &ExplorerDocument::folderChanged, this, [this] {
        if (!document_.files().isEmpty())
            return;
        canvas_->setImage(QImage());
        canvas_->setMessage(tr("No images in %1").arg(QDir::toNativeSeparators(document_.folder())));
        clear(tr("No image."));
    });
    connect(&document_, &ExplorerDocument::imageChanged, this, [this] { refresh(true); });
    // New settings show what is known for them at once; computing waits for Explain.
    connect(&document_, &ExplorerDocument::explanationRequestChanged, this, [this] { refresh(false); });
    connect(&document_, &ExplorerDocument::displayChanged, this, &ExplanationView::onDisplayChanged);
    connect(&document_, &ExplorerDocument::viewSettingsChanged, this, &ExplanationView::applyViewSettings);
    connect(&service_, &ExplanationService::explanationProgress, this, &ExplanationView::onProgress);
    connect(&service_, &ExplanationService::explained, this, &ExplanationView::onExplained);
    connect(&service_, &ExplanationService::explainFailed, this,
        [this](sg::JobId id, const QString &, const QString &message, bool cancelled) {
            onFailed(id, message, cancelled);
        });
    connect(&worker_, &ModelWorker::jobChanged, this, &ExplanationView::onJobChanged);
    connect(curves_, &CurvePlot::stepHovered, this, &ExplanationView::onCurveStep);
    connect(curves_, &CurvePlot::stepLeft, canvas_, &HeatmapCanvas::clearStepImage);
}

QWidget *ExplanationView::widget()
{
    return canvas_;
}

void ExplanationView::cancel()
{
    // The job's Cancelled state comes back through onFailed(), which clears the canvas.
    if (job_ != 0)
        worker_.cancelJob(job_);
}

void ExplanationView::dropJob()
{
    cancel();
    job_ = 0; // whatever it still reports is no longer for the canvas
}

void ExplanationView::clear(const QString &curveMessage)
{
    shown_.reset();
    canvas_->clearMap();
    canvas_->clearStepImage();
    canvas_->setCaption(QString());
    curves_->clear(curveMessage);
}

void ExplanationView::onDisplayChanged()
{
    if (document_.displayedPath() != document_.currentPath() && !document_.imageError().isEmpty()) {
        canvas_->setImage(QImage());
        canvas_->setMessage(document_.imageError(), true);
        return;
    }
    if (document_.display().isNull())
        return;
    canvas_->setMessage(QString());
    if (canvas_->image().cacheKey() != document_.display().cacheKey())
        canvas_->setImage(document_.display());
}

void ExplanationView::refresh(bool mayStartJobs)
{
    const bool start = mayStartJobs && document_.autoExplain();
    const QString path = document_.currentPath();
    // A job started by stepping is for an image the user has left: drop it.
    if (job_ != 0 && jobAuto_ && jobPath_ != path)
        dropJob();
    if (path.isEmpty() || !document_.hasModel()) {
        clear(document_.hasModel() ? tr("No image.") : tr("Open a model to explain images."));
        return;
    }
    if (ExplanationPtr cached = service_.cached(path, document_.explanationRequest())) {
        show(cached);
        return;
    }
    clear(start ? tr("Computing\u2026") : tr("Press Explain (E) for curves."));
    if (start) {
        explainNow();
        jobAuto_ = true;
    }
}

sg::JobId ExplanationView::explainNow()
{
    const QString path = document_.currentPath();
    QString reason;
    if (!document_.hasModel())
        reason = tr("Open a model first.");
    else if (path.isEmpty())
        reason = tr("Open an image folder first.");
    else
        reason = document_.explanationBlockedReason();
    if (!reason.isEmpty()) {
        if (document_.hasModel() && !path.isEmpty())
            clear(reason);
        Q_EMIT failed(reason);
        return 0;
    }
    const sg::ExplanationRequest &request = document_.explanationRequest();
    if (ExplanationPtr cached = service_.cached(path, request)) {
        show(cached);
        return 0;
    }
    dropJob(); // the canvas shows one explanation at a time
    const QString title = explanationTitle(request);
    job_ = service_.explain(path, request, title + QStringLiteral(" \u00b7 ") + QFileInfo(path).fileName());
    jobAuto_ = false;
    jobPath_ = path;
    shown_.reset();
    canvas_->setCaption(title + tr(" \u00b7 queued"));
    curves_->clear(tr("Computing\u2026"));
    return job_;
}

void ExplanationView::show(const ExplanationPtr &result)
{
    shown_ = result;
    const sg::Heatmap &heatmap = result->explanation.heatmap;
    if (canvas_->image().isNull() || document_.displayedPath() != result->imagePath) {
        document_.setDisplay(result->imagePath, result->display);
    }
    canvas_->setMessage(QString());
    canvas_->clearStepImage();
    canvas_->setMap(heatmap.saliency);
    QString caption = tr("%1 \u00b7 %2 (%3%)")
                          .arg(explanationTitle(result->request), QString::fromStdString(heatmap.label))
                          .arg(heatmap.probability * 100.0, 0, 'f', 1);
    if (const auto &metrics = result->explanation.metrics) {
        caption += tr(" \u00b7 deletion %1 \u00b7 insertion %2")
                       .arg(metrics->deletionAuc, 0, 'f', 3)
                       .arg(metrics->insertionAuc, 0, 'f', 3);
        curves_->setResult(*metrics);
    } else {
        curves_->clear(tr("Not scored."));
    }
    canvas_->setCaption(caption);
    Q_EMIT explanationShown(result);
}

void ExplanationView::onProgress(sg::JobId id, const QString &path, const cv::Mat &liveMap)
{
    if (id != job_ || path != document_.currentPath())
        return;
    canvas_->setMap(liveMap);
    Q_EMIT liveMapShown();
}

void ExplanationView::onExplained(sg::JobId id, const ExplanationPtr &result)
{
    if (id == job_)
        job_ = 0;
    // Shown when it is what the canvas asks for now (the user may have moved on meanwhile).
    if (document_.hasModel() && result->modelHash == document_.model().hash
        && result->imagePath == document_.currentPath() && result->request == document_.explanationRequest())
        show(result);
}

void ExplanationView::onFailed(sg::JobId id, const QString &message, bool cancelled)
{
    if (id != job_)
        return;
    job_ = 0;
    canvas_->clearMap();
    canvas_->setCaption(cancelled ? tr("Explanation cancelled") : tr("Explanation failed"));
    curves_->clear(cancelled ? tr("Cancelled.") : message);
    Q_EMIT failed(cancelled ? tr("Explanation cancelled.") : tr("Explanation failed: %1").arg(message));
}

void ExplanationView::onJobChanged(const sg::JobStatus &status)
{
    if (status.id != job_ || shown_ || status.state != sg::JobState::Running)
        return;
    const int percent = status.total > 0 ? int(100.0 * status.done / status.total) : 0;
    canvas_->setCaption(tr("%1 \u00b7 %2%").arg(QString::fromStdString(status.title)).arg(percent));
}

void ExplanationView::onCurveStep(sg::MetricCurve curve, int step)
{
    if (!shown_ || !shown_->explanation.metrics || shown_->imagePath != document_.currentPath()
        || !document_.hasModel())
        return;
    try {
        const sg::InputSpec &input = document_.model().spec.input;
        const cv::Mat stepImage = sg::deletionInsertionStepImage(input, shown_->image,
            shown_->explanation.heatmap.saliency, sg::standardDeletionInsertionOptions(input), curve, step);
        canvas_->setStepImage(toQImage(stepImage));
    } catch (const std::exception &error) {
        Q_EMIT failed(QString::fromStdString(error.what()));
    }
}

void ExplanationView::applyViewSettings()
{
    const ViewSettings &settings = document_.viewSettings();
    canvas_->setOpacity(settings.opacity);
    canvas_->setColormap(settings.colormap);
    canvas_->setThreshold(settings.threshold);
    canvas_->setContourVisible(settings.contour);
}

namespace {

QString nothingShown()
{
    return QObject::tr("Nothing to export: no explanation on screen.");
}

} // namespace

QString ExplanationView::overlayPng(QByteArray *bytes) const
{
    const QImage overlay = canvas_->renderOverlay();
    if (overlay.isNull() || !shown_)
        return nothingShown();
    QBuffer buffer(bytes);
    buffer.open(QIODevice::WriteOnly);
    overlay.save(&buffer, "PNG");
    return {};
}

QString ExplanationView::saliencyNpy(QByteArray *bytes) const
{
    if (!shown_)
        return nothingShown();
    *bytes = QByteArray::fromStdString(sg::npyBytes(shown_->explanation.heatmap.saliency));
    return {};
}

QString ExplanationView::resultJson(QByteArray *bytes) const
{
    if (!shown_ || !document_.hasModel())
        return nothingShown();
    const ModelInfo &model = document_.model();
    const nlohmann::json json = sg::explanationJson(shown_->explanation,
        {model.path.toStdString(), shown_->imagePath.toStdString(), model.device.toStdString(),
            shown_->request.seed});
    *bytes = QByteArray::fromStdString(json.dump(2) + "\n");
    return {};
}

} // namespace sg::ui
