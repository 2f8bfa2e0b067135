#include "compare_view.h"

#include "compare_grid.h"

#include "jobs/compare_plan.h"

#include <QBuffer>
#include <QFileInfo>

namespace sg::ui {

CompareView::CompareView(
    ExplorerDocument &document, ExplanationService &service, ModelWorker &worker, QWidget *parent) :
    QObject(parent), document_(document), service_(service), worker_(worker)
{
    grid_ = new CompareGrid(parent);
    applyViewSettings();
    connect(&document_, &ExplorerDocument::modelChanged, this, [this] {
        cancel();
        path_.clear();
        grid_->clear(tr("Compare methods on the current image: choose Compare in the method panel."));
    });
    connect(&document_, &ExplorerDocument::imageChanged, this, &CompareView::onImageChanged);
    connect(&document_, &ExplorerDocument::viewSettingsChanged, this, &CompareView::applyViewSettings);
    connect(&service_, &ExplanationService::explanationProgress, this,
        [this](sg::JobId id, const QString &, const cv::Mat &liveMap) {
            if (const auto cell = jobs_.constFind(id); cell != jobs_.constEnd())
                grid_->setCellMap(*cell, liveMap);
        });
    connect(
        &service_, &ExplanationService::explained, this, [this](sg::JobId id, const ExplanationPtr &result) {
            if (const auto cell = jobs_.constFind(id); cell != jobs_.constEnd()) {
                grid_->setCellResult(*cell, result->explanation);
                jobs_.erase(cell);
                checkFinished();
            }
        });
    connect(&service_, &ExplanationService::explainFailed, this,
        [this](sg::JobId id, const QString &, const QString &message, bool cancelled) {
            if (const auto cell = jobs_.constFind(id); cell != jobs_.constEnd()) {
                grid_->setCellMessage(*cell, cancelled ? tr("Cancelled") : message, !cancelled);
                jobs_.erase(cell);
                checkFinished();
            }
        });
}

QWidget *CompareView::widget()
{
    return grid_;
}

void CompareView::setShown(bool shown)
{
    ExplorerView::setShown(shown);
    if (shown && document_.autoExplain() && path_ != document_.currentPath())
        compareNow();
}

void CompareView::cancel()
{
    for (auto it = jobs_.cbegin(); it != jobs_.cend(); ++it)
        worker_.cancelJob(it.key());
    jobs_.clear();
}

void CompareView::onImageChanged()
{
    if (!isShown() || path_ == document_.currentPath())
        return;
    if (document_.autoExplain()) {
        compareNow();
        return;
    }
    cancel();
    grid_->clear(tr("Press Compare (Ctrl+K) to compare methods on this image."));
}

int CompareView::compareNow()
{
    const QString path = document_.currentPath();
    if (!document_.hasModel() || path.isEmpty()) {
        grid_->clear(document_.hasModel() ? tr("Open an image folder first.") : tr("Open a model first."));
        return 0;
    }
    cancel();
    path_ = path;
    const std::vector<sg::CompareEntry> plan
        = sg::comparePlan(document_.explanationRequest(), sg::compareModel(document_.model().spec));
    QVector<CompareCell> cells;
    for (const sg::CompareEntry &entry : plan)
        cells.push_back({QString::fromStdString(entry.request.method), entry.request.resolution,
            QString::fromStdString(entry.title)});
    grid_->setCells(cells, document_.display());
    int queued = 0;
    for (int i = 0; i < int(plan.size()); ++i) {
        if (ExplanationPtr cached = service_.cached(path, plan[size_t(i)].request)) {
            grid_->setCellResult(i, cached->explanation);
            continue;
        }
        const sg::JobId id = service_.explain(path, plan[size_t(i)].request,
            tr("Compare: %1 \u00b7 %2").arg(cells[i].title, QFileInfo(path).fileName()));
        jobs_.insert(id, i);
        ++queued;
    }
    checkFinished();
    return queued;
}

void CompareView::checkFinished()
{
    // Every cell has its result or an error once no job of the comparison is left.
    if (grid_->cellCount() > 0 && jobs_.isEmpty())
        Q_EMIT comparisonFinished();
}

void CompareView::applyViewSettings()
{
    const ViewSettings &settings = document_.viewSettings();
    grid_->setOpacity(settings.opacity);
    grid_->setColormap(settings.colormap);
    grid_->setThreshold(settings.threshold);
    grid_->setContourVisible(settings.contour);
}

QString CompareView::comparisonPng(QByteArray *bytes) const
{
    if (grid_->cellCount() == 0)
        return tr("Nothing to export: the compare grid is empty.");
    QBuffer buffer(bytes);
    buffer.open(QIODevice::WriteOnly);
    grid_->renderComparison().save(&buffer, "PNG");
    return {};
}

} // namespace sg::ui
