#pragma once
// The What-if tab: a grid over the current image where the user shows or hides cells (click
// toggles one, dragging paints the same change over several; start from all shown, none, a
// SAG node or the top cells of the current heatmap), and the model's probability of the target
// class and its top five on the image showing only those cells over black, updated live from
// a forward pass on the interactive lane. Undo/redo of every edit; the masked image can be
// saved (it is exactly what the model saw: sagShownImage). GUI thread only.

#include "explorer_view.h"
#include "model_worker.h"

#include "model/classifier.h"

#include <QWidget>

#include <opencv2/core.hpp>

#include <vector>

class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace sg::ui {

class ExplorerDocument;
class SagView;
class ExplanationService;

// The clickable grid: the masked image scaled up with the cell outlines over it (shown cells
// blue); a cell's outline is where its tent weighs most.
class CellGrid : public QWidget {
    Q_OBJECT

public:
    explicit CellGrid(QWidget *parent = nullptr);
    void setImage(const QImage &image, int rows, int cols, const std::vector<bool> &shown);
    // The cell under `point` (widget coordinates), or -1.
    int cellAt(const QPoint &point) const;
    // The centre of `cell` in widget coordinates.
    QPoint cellCentre(int cell) const;

Q_SIGNALS:
    void pressed(int cell); // a press on a cell: starts a stroke
    void dragged(int cell); // the stroke entered another cell

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    QSize sizeHint() const override { return {448, 448}; }

private:
    QRectF imageRect() const;
    QRectF cellRect(int cell) const; // widget coordinates
    QImage image_;
    int rows_ = 7;
    int cols_ = 7;
    std::vector<bool> shown_;
    int lastCell_ = -1;
};

class WhatIfView : public QWidget, public ExplorerView {
    Q_OBJECT

public:
    // Not owned, outlive the view. `sagView` (may be null) offers its hovered node as a start.
    WhatIfView(ExplorerDocument &document, ModelWorker &worker, SagView *sagView, QWidget *parent = nullptr);

    QString id() const override { return QStringLiteral("whatif"); }
    QString title() const override { return tr("What-if"); }
    QWidget *widget() override { return this; }
    void setShown(bool shown) override;

    // Edits (each one undoable).
    void setCells(const std::vector<bool> &shown); // one entry per cell, row-major
    void toggleCell(int cell);
    void showAll();
    void hideAll();
    bool startFromSagNode(); // the SAG view's hovered node on the same image and grid
    void undo();
    void redo();
    void setGrid(int rows, int cols); // resets the cells to all shown (not undoable)

    // The shown state and the last probabilities (of the state now shown, when current()).
    const std::vector<bool> &cells() const { return shown_; }
    std::vector<int> shownCells() const;
    int rows() const { return rows_; }
    int cols() const { return cols_; }
    bool current() const { return scoredVersion_ == version_ && version_ > 0; }
    double probability() const { return probability_; } // of target()
    int target() const { return target_; }
    const sg::Prediction &prediction() const { return prediction_; }
    cv::Mat maskedImage() const; // 8-bit RGB at the model input size, as the model saw it
    QString saveMaskedImage(const QString &path) const; // empty or the error
    CellGrid *grid() const { return grid_; }

Q_SIGNALS:
    void scored(); // a prediction of the state now shown arrived (current() is true)

private:
    void loadImage();
    void commit(std::vector<bool> shown); // a new state, onto the undo history
    void changed(); // redraw, and ask for a prediction
    void requestPrediction();
    void showPrediction();

    ExplorerDocument &document_;
    ModelWorker &worker_;
    SagView *sagView_;
    CellGrid *grid_;
    QSpinBox *rowsBox_;
    QSpinBox *colsBox_;
    QComboBox *targetBox_;
    QLabel *probabilityLabel_;
    QLabel *topLabel_;
    QPushButton *undoButton_;
    QPushButton *redoButton_;
    QString imagePath_;
    cv::Mat pixels_; // the image at the model input size, 8-bit RGB
    int rows_ = 7;
    int cols_ = 7;
    std::vector<bool> shown_;
    std::vector<std::vector<bool>> history_;
    size_t historyAt_ = 0;
    bool strokeShows_ = true;
    int target_ = -1; // the class shown; -1 until the first prediction (then the full image's top-1)
    quint64 version_ = 0; // of shown_
    quint64 scoredVersion_ = 0; // of the last prediction shown
    bool predicting_ = false;
    double probability_ = 0.0;
    sg::Prediction prediction_;
};

} // namespace sg::ui
