#pragma once
// The side panel: which model is loaded (name, device, input), and the top-k prediction for the
// current image as labelled horizontal bars with percentages. GUI thread only.

#include "model_worker.h"
#include "prediction_service.h"

#include <QWidget>

class QLabel;

namespace sg::ui {

class ScoreBars;

class PredictionPanel : public QWidget {
    Q_OBJECT

public:
    explicit PredictionPanel(QWidget *parent = nullptr);

    // Model section.
    void setModel(const ModelInfo &info);
    void setModelLoading(const QString &path);
    // Shows `message` (error colour) under the model section; the name line keeps showing the
    // model still in use, if any.
    void setModelError(const QString &message);

    // Prediction section. `imageName` is shown above the bars (a file name, not a path).
    void setScores(const QString &imageName, const ClassScores &scores);
    // Keeps the bars but greys them out until the next setScores(): a new image is on its way.
    void setPending(const QString &imageName);
    // Replaces the bars by `message` (error colour when `isError`).
    void setPredictionMessage(const QString &imageName, const QString &message, bool isError);

private:
    QLabel *modelName_ = nullptr;
    QLabel *modelDetails_ = nullptr;
    QLabel *modelDescription_ = nullptr;
    QLabel *modelMessage_ = nullptr;
    QLabel *imageName_ = nullptr;
    QLabel *predictionMessage_ = nullptr;
    ScoreBars *bars_ = nullptr;
    bool hasModel_ = false;
};

} // namespace sg::ui
