#include "explorer_document.h"

#include <algorithm>

namespace sg::ui {

ExplorerDocument::ExplorerDocument(QObject *parent) : QObject(parent)
{ }

void ExplorerDocument::setModel(const ModelInfo &info)
{
    hasModel_ = true;
    model_ = info;
    scores_.clear();
    Q_EMIT modelChanged();
    Q_EMIT imageChanged();
}

QString ExplorerDocument::currentPath() const
{
    return current_ >= 0 && current_ < files_.size() ? files_[current_] : QString();
}

void ExplorerDocument::setFolder(const QString &folder, const QStringList &files, int index)
{
    folder_ = folder;
    files_ = files;
    current_ = index >= 0 && index < files_.size() ? index : -1;
    displayedPath_.clear();
    display_ = QImage();
    imageError_.clear();
    scores_.clear();
    Q_EMIT folderChanged();
    Q_EMIT imageChanged();
}

void ExplorerDocument::setCurrentIndex(int index)
{
    if (index < 0 || index >= files_.size() || index == current_)
        return;
    current_ = index;
    imageError_.clear();
    scores_.clear();
    Q_EMIT imageChanged();
}

void ExplorerDocument::setDisplay(const QString &path, const QImage &display)
{
    displayedPath_ = path;
    display_ = display;
    imageError_.clear();
    Q_EMIT displayChanged();
}

void ExplorerDocument::setImageError(const QString &path, const QString &message)
{
    if (path != currentPath())
        return;
    imageError_ = message;
    if (displayedPath_ != path) {
        displayedPath_.clear();
        display_ = QImage();
    }
    Q_EMIT displayChanged();
}

void ExplorerDocument::setPrediction(const QString &path, const ClassScores &scores)
{
    if (path != currentPath())
        return;
    scores_ = scores;
    Q_EMIT predictionChanged();
}

void ExplorerDocument::setExplanationRequest(
    const sg::ExplanationRequest &request, const QString &blockedReason)
{
    explanationBlocked_ = blockedReason;
    if (request == explanationRequest_)
        return;
    explanationRequest_ = request;
    Q_EMIT explanationRequestChanged();
}

void ExplorerDocument::setAutoExplain(bool on)
{
    if (on == autoExplain_)
        return;
    autoExplain_ = on;
    Q_EMIT autoExplainChanged(on);
}

void ExplorerDocument::setViewSettings(const ViewSettings &settings)
{
    ViewSettings clamped = settings;
    clamped.opacity = std::clamp(clamped.opacity, 0.0, 1.0);
    if (clamped == viewSettings_)
        return;
    viewSettings_ = clamped;
    Q_EMIT viewSettingsChanged();
}

} // namespace sg::ui
