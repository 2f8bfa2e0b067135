#pragma once
// The Explanation tab: the current image with the map of the explanation the method panel
// asks for, and (for the window's side dock) that map's deletion/insertion curves. Shows a
// cached result at once; with auto-explain on, each image shown starts a job (the map refreshes
// live while it runs) and a job started by stepping is cancelled when the user moves on.
// GUI thread only.

#include "explanation_service.h"
#include "explorer_document.h"
#include "explorer_view.h"

#include "metrics/deletion_insertion.h"

#include <QObject>

namespace sg::ui {

class CurvePlot;
class HeatmapCanvas;

class ExplanationView : public QObject, public ExplorerView {
    Q_OBJECT

public:
    // The widgets are children of `parent`; the document, service and worker are not owned
    // and outlive the view.
    ExplanationView(
        ExplorerDocument &document, ExplanationService &service, ModelWorker &worker, QWidget *parent);

    QString id() const override { return QStringLiteral("explanation"); }
    QString title() const override { return tr("Explanation"); }
    QWidget *widget() override;
    void cancel() override;

    HeatmapCanvas *canvas() const { return canvas_; }
    CurvePlot *curvePlot() const { return curves_; }

    // Explains the current image as the document asks: shows the cached result at once, else
    // queues a job and returns its id. Returns 0 when there is nothing to run (no model or
    // image, the method cannot run on this model: the reason is shown) or it was cached.
    sg::JobId explainNow();
    // The explanation on the canvas (nullptr: none yet for this image and request).
    ExplanationPtr shown() const { return shown_; }

    // Exports of what is on screen. Each returns an empty string on success, else why not
    // (nothing to export); writing is the caller's (file_choice.h).
    QString overlayPng(QByteArray *bytes) const;
    QString saliencyNpy(QByteArray *bytes) const;
    QString resultJson(QByteArray *bytes) const;

Q_SIGNALS:
    // A finished explanation of the current image is on the canvas (also from the cache).
    void explanationShown(const sg::ui::ExplanationPtr &result);
    // The live map of the running explanation of the current image was updated.
    void liveMapShown();
    // Something the user should read in the status bar (an explanation failed, ...).
    void failed(const QString &message);

private:
    void refresh(bool mayStartJobs);
    void dropJob();
    void show(const ExplanationPtr &result);
    void clear(const QString &curveMessage);
    void onDisplayChanged();
    void onProgress(sg::JobId id, const QString &path, const cv::Mat &liveMap);
    void onExplained(sg::JobId id, const ExplanationPtr &result);
    void onFailed(sg::JobId id, const QString &message, bool cancelled);
    void onJobChanged(const sg::JobStatus &status);
    void onCurveStep(sg::MetricCurve curve, int step);
    void applyViewSettings();

    ExplorerDocument &document_;
    ExplanationService &service_;
    ModelWorker &worker_;
    HeatmapCanvas *canvas_ = nullptr;
    CurvePlot *curves_ = nullptr;
    ExplanationPtr shown_;
    sg::JobId job_ = 0; // running or queued job for the canvas (0: none)
    bool jobAuto_ = false; // started by stepping (cancelled when the user moves on)
    QString jobPath_;
};

// "I-GOS 28×28": the method's title and the resolution when one was chosen.
QString explanationTitle(const sg::ExplanationRequest &request);

} // namespace sg::ui
