#pragma once
// What the explorer window is about: the model, the folder and the image on screen, its
// prediction, the analysis requests the panels ask for, and how maps are drawn. Views and
// panels read it and listen to its signals; the window and the panels change it. It runs
// nothing: services compute, views show. GUI thread only.

#include "model_worker.h"
#include "prediction_service.h"

#include "image/colormap.h"
#include "jobs/explanation.h"

#include <QImage>
#include <QObject>
#include <QString>
#include <QStringList>

#include <optional>

namespace sg::ui {

// How maps are drawn, the same in every view. Changes no job.
struct ViewSettings {
    double opacity = 0.5; // of the map over the image, 0..1
    sg::Colormap colormap = sg::Colormap::Jet;
    std::optional<double> threshold; // hide map values below it
    bool contour = false; // outline the region above the threshold (0.5 when none is set)

    bool operator==(const ViewSettings &other) const
    {
        return opacity == other.opacity && colormap == other.colormap && threshold == other.threshold
            && contour == other.contour;
    }
    bool operator!=(const ViewSettings &other) const { return !(*this == other); }
};

class ExplorerDocument : public QObject {
    Q_OBJECT

public:
    explicit ExplorerDocument(QObject *parent = nullptr);

    // --- model -----------------------------------------------------------------------------
    bool hasModel() const { return hasModel_; }
    const ModelInfo &model() const { return model_; } // valid when hasModel()
    // The loaded model changed (emits modelChanged(), then imageChanged() for the image on
    // screen, whose prediction and results are now stale).
    void setModel(const ModelInfo &info);

    // --- folder and image -------------------------------------------------------------------
    const QString &folder() const { return folder_; }
    const QStringList &files() const { return files_; }
    int currentIndex() const { return current_; }
    QString currentPath() const; // empty when no image is selected
    // A new folder and its images (absolute paths, in display order); selects `index` (-1:
    // none). Emits folderChanged(), then imageChanged().
    void setFolder(const QString &folder, const QStringList &files, int index);
    // Selects image `index`; out of range or the current one: no change. Emits imageChanged().
    void setCurrentIndex(int index);

    // The pixels on screen and the image they are of (may lag the current path while it
    // decodes). Emits displayChanged().
    const QString &displayedPath() const { return displayedPath_; }
    const QImage &display() const { return display_; }
    void setDisplay(const QString &path, const QImage &display);
    // Why the current image cannot be shown (empty: it can). Emits displayChanged().
    const QString &imageError() const { return imageError_; }
    void setImageError(const QString &path, const QString &message);

    // The prediction of the current image (empty while pending or without a model).
    const ClassScores &scores() const { return scores_; }
    int topClass() const { return scores_.isEmpty() ? -1 : scores_.front().index; }
    // Ignored unless `path` is the current image. Emits predictionChanged().
    void setPrediction(const QString &path, const ClassScores &scores);

    // --- requests ---------------------------------------------------------------------------
    // The explanation the method panel asks for, and why it cannot run on this model (empty:
    // it can). Emits explanationRequestChanged() when the request differs.
    const sg::ExplanationRequest &explanationRequest() const { return explanationRequest_; }
    const QString &explanationBlockedReason() const { return explanationBlocked_; }
    void setExplanationRequest(const sg::ExplanationRequest &request, const QString &blockedReason = {});
    // When on (default), views start their analysis for each image shown.
    bool autoExplain() const { return autoExplain_; }
    void setAutoExplain(bool on);

    // --- drawing ----------------------------------------------------------------------------
    const ViewSettings &viewSettings() const { return viewSettings_; }
    void setViewSettings(const ViewSettings &settings); // emits viewSettingsChanged() on change

Q_SIGNALS:
    void modelChanged();
    void folderChanged();
    void imageChanged();
    void displayChanged();
    void predictionChanged();
    void explanationRequestChanged();
    void autoExplainChanged(bool on);
    void viewSettingsChanged();

private:
    bool hasModel_ = false;
    ModelInfo model_;
    QString folder_;
    QStringList files_;
    int current_ = -1;
    QString displayedPath_;
    QImage display_;
    QString imageError_;
    ClassScores scores_;
    sg::ExplanationRequest explanationRequest_;
    QString explanationBlocked_;
    bool autoExplain_ = true;
    ViewSettings viewSettings_;
};

} // namespace sg::ui
