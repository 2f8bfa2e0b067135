#pragma once
// The Compare tab: the current image explained by the method panel's method at every
// resolution that fits the model and by every other method at its default, side by side
// (the plan: sg::comparePlan). Cached cells fill at once. With auto-explain on, showing the tab
// or stepping to an image while it is shown fills the grid. GUI thread only.

#include "explanation_service.h"
#include "explorer_document.h"
#include "explorer_view.h"

#include <QHash>
#include <QObject>

namespace sg::ui {

class CompareGrid;

class CompareView : public QObject, public ExplorerView {
    Q_OBJECT

public:
    // The grid is a child of `parent`; the document, service and worker are not owned and
    // outlive the view.
    CompareView(
        ExplorerDocument &document, ExplanationService &service, ModelWorker &worker, QWidget *parent);

    QString id() const override { return QStringLiteral("compare"); }
    QString title() const override { return tr("Compare"); }
    QWidget *widget() override;
    void setShown(bool shown) override;
    void cancel() override;

    CompareGrid *grid() const { return grid_; }

    // Fills the grid for the current image; returns the number of jobs queued.
    int compareNow();
    // The grid as one PNG; empty string on success, else why not.
    QString comparisonPng(QByteArray *bytes) const;

Q_SIGNALS:
    // Every cell of the grid has its final map or an error.
    void comparisonFinished();

private:
    void onImageChanged();
    void checkFinished();
    void applyViewSettings();

    ExplorerDocument &document_;
    ExplanationService &service_;
    ModelWorker &worker_;
    CompareGrid *grid_ = nullptr;
    QHash<sg::JobId, int> jobs_; // job -> cell
    QString path_; // the image the grid is for
};

} // namespace sg::ui
