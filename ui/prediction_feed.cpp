#include "prediction_feed.h"

#include "explorer_document.h"
#include "prediction_service.h"

namespace sg::ui {

PredictionFeed::PredictionFeed(
    ExplorerDocument &document, PredictionService &service, int topk, QObject *parent) :
    QObject(parent), document_(document), service_(service), topk_(topk)
{
    connect(&document_, &ExplorerDocument::imageChanged, this, &PredictionFeed::onImageChanged);
    connect(
        &service_, &PredictionService::imageReady, this, [this](const QString &path, const QImage &display) {
            if (path == document_.currentPath()) // else the user has moved on
                document_.setDisplay(path, display);
        });
    connect(&service_, &PredictionService::predicted, this,
        [this](const QString &path, const QImage &display, const ClassScores &scores) {
            if (path != document_.currentPath())
                return;
            if (document_.displayedPath() != path)
                document_.setDisplay(path, display);
            document_.setPrediction(path, scores);
        });
    connect(&service_, &PredictionService::imageFailed, this,
        [this](const QString &path, const QString &message) {
            if (path != document_.currentPath())
                return;
            document_.setImageError(path, message);
            Q_EMIT failed(path, message);
        });
}

void PredictionFeed::onImageChanged()
{
    const QString path = document_.currentPath();
    if (path.isEmpty())
        return;
    QImage display;
    ClassScores scores;
    if (service_.cached(path, &display, &scores)) {
        if (document_.displayedPath() != path)
            document_.setDisplay(path, display);
        document_.setPrediction(path, scores);
        return;
    }
    Q_EMIT pending(path);
    service_.predict(path, topk_);
}

} // namespace sg::ui
