#pragma once
// Keeps the document's prediction current: for each image shown, the kept prediction at once
// or a request to the PredictionService (interactive lane); the decoded pixels, the scores or
// the error go into the document as they arrive (for the image still shown). GUI thread only.

#include <QObject>
#include <QString>

namespace sg::ui {

class ExplorerDocument;
class PredictionService;

class PredictionFeed : public QObject {
    Q_OBJECT

public:
    // Neither is owned; both outlive the feed. `topk`: how many classes to predict.
    PredictionFeed(
        ExplorerDocument &document, PredictionService &service, int topk, QObject *parent = nullptr);

Q_SIGNALS:
    // A prediction of `path` was requested (nothing kept for it).
    void pending(const QString &path);
    // The image on screen could not be read or predicted (also in the document).
    void failed(const QString &path, const QString &message);

private:
    void onImageChanged();

    ExplorerDocument &document_;
    PredictionService &service_;
    const int topk_;
};

} // namespace sg::ui
