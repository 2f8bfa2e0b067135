#include "what_if_view.h"

#include "explorer_document.h"
#include "mat_qimage.h"
#include "sag_view.h"

#include "image/image_io.h"
#include "image/preprocess.h"
#include "sag/sag_export.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <opencv2/imgproc.hpp>

namespace sg::ui {

namespace {

constexpr int kTopK = 5;

} // namespace

CellGrid::CellGrid(QWidget *parent) : QWidget(parent)
{
    setMinimumSize(224, 224);
    setMouseTracking(false);
    setCursor(Qt::PointingHandCursor);
}

void CellGrid::setImage(const QImage &image, int rows, int cols, const std::vector<bool> &shown)
{
    image_ = image;
    rows_ = rows;
    cols_ = cols;
    shown_ = shown;
    update();
}

QRectF CellGrid::imageRect() const
{
    const double side = std::min(width(), height());
    return QRectF((width() - side) / 2, (height() - side) / 2, side, side);
}

namespace {

// A cell is the pixels nearer its centre than any other: centres sit at c / (n - 1) of the side
// (aligned-corner bilinear tents, research/sag.md §2.2), so edge cells are half as wide.
double cellStart(int index, int count)
{
    return std::clamp((index - 0.5) / (count - 1), 0.0, 1.0);
}

} // namespace

QRectF CellGrid::cellRect(int cell) const
{
    const QRectF box = imageRect();
    const int row = cell / cols_, col = cell % cols_;
    const double x0 = cellStart(col, cols_), x1 = cellStart(col + 1, cols_);
    const double y0 = cellStart(row, rows_), y1 = cellStart(row + 1, rows_);
    return QRectF(box.left() + x0 * box.width(), box.top() + y0 * box.height(), (x1 - x0) * box.width(),
        (y1 - y0) * box.height());
}

int CellGrid::cellAt(const QPoint &point) const
{
    const QRectF box = imageRect();
    if (!box.contains(point))
        return -1;
    const int col = int(std::lround((point.x() - box.left()) / box.width() * (cols_ - 1)));
    const int row = int(std::lround((point.y() - box.top()) / box.height() * (rows_ - 1)));
    return std::clamp(row, 0, rows_ - 1) * cols_ + std::clamp(col, 0, cols_ - 1);
}

QPoint CellGrid::cellCentre(int cell) const
{
    return cellRect(cell).center().toPoint();
}

void CellGrid::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.fillRect(rect(), QColor(20, 20, 20));
    if (!image_.isNull())
        painter.drawImage(imageRect(), image_);
    for (int cell = 0; cell < rows_ * cols_ && cell < int(shown_.size()); ++cell) {
        painter.setPen(QPen(shown_[size_t(cell)] ? QColor(80, 170, 255) : QColor(90, 90, 90), 1));
        painter.drawRect(cellRect(cell).adjusted(0.5, 0.5, -0.5, -0.5));
    }
}

void CellGrid::mousePressEvent(QMouseEvent *event)
{
    lastCell_ = cellAt(event->position().toPoint());
    if (lastCell_ >= 0 && event->button() == Qt::LeftButton)
        Q_EMIT pressed(lastCell_);
}

void CellGrid::mouseMoveEvent(QMouseEvent *event)
{
    if (!(event->buttons() & Qt::LeftButton))
        return;
    const int cell = cellAt(event->position().toPoint());
    if (cell >= 0 && cell != lastCell_) {
        lastCell_ = cell;
        Q_EMIT dragged(cell);
    }
}

WhatIfView::WhatIfView(ExplorerDocument &document, ModelWorker &worker, SagView *sagView, QWidget *parent) :
    QWidget(parent),
    document_(document),
    worker_(worker),
    sagView_(sagView),
    grid_(new CellGrid(this)),
    rowsBox_(new QSpinBox(this)),
    colsBox_(new QSpinBox(this)),
    targetBox_(new QComboBox(this)),
    probabilityLabel_(new QLabel(this)),
    topLabel_(new QLabel(this)),
    undoButton_(new QPushButton(tr("Undo"), this)),
    redoButton_(new QPushButton(tr("Redo"), this))
{
    rowsBox_->setRange(2, 14);
    colsBox_->setRange(2, 14);
    rowsBox_->setValue(rows_);
    colsBox_->setValue(cols_);
    probabilityLabel_->setObjectName(QStringLiteral("whatIfProbability"));
    QFont big = probabilityLabel_->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    big.setBold(true);
    probabilityLabel_->setFont(big);
    topLabel_->setTextFormat(Qt::PlainText);
    topLabel_->setAlignment(Qt::AlignTop | Qt::AlignLeft);

    auto *allButton = new QPushButton(tr("Show all"), this);
    auto *noneButton = new QPushButton(tr("Hide all"), this);
    auto *sagButton = new QPushButton(tr("From SAG node"), this);
    sagButton->setToolTip(tr("The cells of the node hovered in the SAG tab (same image and grid)"));
    auto *saveButton = new QPushButton(tr("Save image…"), this);
    saveButton->setToolTip(tr("The masked image exactly as the model saw it"));

    auto *side = new QWidget(this);
    side->setMaximumWidth(340);
    auto *form = new QFormLayout;
    form->addRow(tr("Grid rows"), rowsBox_);
    form->addRow(tr("Grid columns"), colsBox_);
    form->addRow(tr("Class"), targetBox_);
    auto *edits = new QHBoxLayout;
    edits->addWidget(allButton);
    edits->addWidget(noneButton);
    auto *history = new QHBoxLayout;
    history->addWidget(undoButton_);
    history->addWidget(redoButton_);
    auto *sideLayout = new QVBoxLayout(side);
    sideLayout->addLayout(form);
    sideLayout->addLayout(edits);
    sideLayout->addWidget(sagButton);
    sideLayout->addLayout(history);
    sideLayout->addWidget(saveButton);
    sideLayout->addSpacing(12);
    sideLayout->addWidget(probabilityLabel_);
    sideLayout->addWidget(topLabel_, 1);
    sideLayout->addWidget(new QLabel(
        tr("Click a cell to show or hide it; drag to paint. Hidden cells are black, as in the SAG search."),
        side));
    static_cast<QLabel *>(sideLayout->itemAt(sideLayout->count() - 1)->widget())->setWordWrap(true);

    auto *layout = new QHBoxLayout(this);
    layout->addWidget(grid_, 1);
    layout->addWidget(side);

    connect(grid_, &CellGrid::pressed, this, [this](int cell) {
        strokeShows_ = !shown_[size_t(cell)];
        toggleCell(cell);
    });
    connect(grid_, &CellGrid::dragged, this, [this](int cell) {
        if (shown_[size_t(cell)] == strokeShows_)
            return;
        std::vector<bool> next = shown_;
        next[size_t(cell)] = strokeShows_;
        commit(next);
    });
    connect(allButton, &QPushButton::clicked, this, &WhatIfView::showAll);
    connect(noneButton, &QPushButton::clicked, this, &WhatIfView::hideAll);
    connect(sagButton, &QPushButton::clicked, this, [this] { startFromSagNode(); });
    connect(undoButton_, &QPushButton::clicked, this, &WhatIfView::undo);
    connect(redoButton_, &QPushButton::clicked, this, &WhatIfView::redo);
    connect(saveButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Save the masked image"), QString(), tr("PNG images (*.png)"));
        if (!path.isEmpty())
            saveMaskedImage(path);
    });
    const auto gridChanged = [this] { setGrid(rowsBox_->value(), colsBox_->value()); };
    connect(rowsBox_, &QSpinBox::valueChanged, this, gridChanged);
    connect(colsBox_, &QSpinBox::valueChanged, this, gridChanged);
    connect(targetBox_, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index >= 0 && index != target_) {
            target_ = index;
            showPrediction();
        }
    });
    connect(&document_, &ExplorerDocument::imageChanged, this, [this] {
        if (isShown())
            loadImage();
    });
    connect(&document_, &ExplorerDocument::modelChanged, this, [this] {
        targetBox_->blockSignals(true);
        targetBox_->clear();
        if (document_.hasModel())
            for (const std::string &label : document_.model().spec.labels)
                targetBox_->addItem(QString::fromStdString(label));
        targetBox_->blockSignals(false);
        target_ = -1;
        imagePath_.clear();
        if (isShown())
            loadImage();
    });
}

void WhatIfView::setShown(bool shown)
{
    ExplorerView::setShown(shown);
    if (shown && imagePath_ != document_.currentPath())
        loadImage();
}

void WhatIfView::loadImage()
{
    imagePath_ = document_.currentPath();
    pixels_.release();
    target_ = -1;
    if (imagePath_.isEmpty() || !document_.hasModel()) {
        probabilityLabel_->setText(tr("Open a model and an image."));
        grid_->setImage({}, rows_, cols_, {});
        return;
    }
    try {
        const InputSpec &spec = document_.model().spec.input;
        cv::Mat rgb = sg::toDisplayRgb8(sg::readImage(imagePath_.toStdString()));
        cv::resize(rgb, pixels_, cv::Size(spec.width, spec.height), 0, 0, cv::INTER_AREA);
    } catch (const std::exception &error) {
        probabilityLabel_->setText(QString::fromUtf8(error.what()));
        grid_->setImage({}, rows_, cols_, {});
        return;
    }
    setGrid(rows_, cols_);
}

void WhatIfView::setGrid(int rows, int cols)
{
    rows_ = rows;
    cols_ = cols;
    rowsBox_->blockSignals(true);
    colsBox_->blockSignals(true);
    rowsBox_->setValue(rows);
    colsBox_->setValue(cols);
    rowsBox_->blockSignals(false);
    colsBox_->blockSignals(false);
    shown_.assign(size_t(rows * cols), true);
    history_ = {shown_};
    historyAt_ = 0;
    changed();
}

void WhatIfView::commit(std::vector<bool> shown)
{
    if (shown.size() != size_t(rows_ * cols_) || shown == shown_)
        return;
    history_.resize(historyAt_ + 1);
    history_.push_back(std::move(shown));
    historyAt_ = history_.size() - 1;
    shown_ = history_[historyAt_];
    changed();
}

void WhatIfView::setCells(const std::vector<bool> &shown)
{
    commit(shown);
}

void WhatIfView::toggleCell(int cell)
{
    if (cell < 0 || cell >= int(shown_.size()))
        return;
    std::vector<bool> next = shown_;
    next[size_t(cell)] = !next[size_t(cell)];
    commit(next);
}

void WhatIfView::showAll()
{
    commit(std::vector<bool>(shown_.size(), true));
}

void WhatIfView::hideAll()
{
    commit(std::vector<bool>(shown_.size(), false));
}

bool WhatIfView::startFromSagNode()
{
    if (!sagView_ || !sagView_->record() || sagView_->hoveredNode() < 0)
        return false;
    const SagRecordPtr record = sagView_->record();
    if (record->imagePath != imagePath_ || record->result.gridRows != rows_
        || record->result.gridCols != cols_)
        return false;
    std::vector<bool> next(shown_.size(), false);
    for (int cell : record->result.graph.nodes[size_t(sagView_->hoveredNode())].cells)
        next[size_t(cell)] = true;
    commit(next);
    return true;
}

void WhatIfView::undo()
{
    if (historyAt_ == 0)
        return;
    shown_ = history_[--historyAt_];
    changed();
}

void WhatIfView::redo()
{
    if (historyAt_ + 1 >= history_.size())
        return;
    shown_ = history_[++historyAt_];
    changed();
}

std::vector<int> WhatIfView::shownCells() const
{
    std::vector<int> cells;
    for (size_t k = 0; k < shown_.size(); ++k)
        if (shown_[k])
            cells.push_back(int(k));
    return cells;
}

cv::Mat WhatIfView::maskedImage() const
{
    if (pixels_.empty())
        return {};
    return sg::sagShownImage(
        pixels_, shownCells(), rows_, cols_, sg::SagUpsampling::Bilinear, pixels_.cols, pixels_.rows);
}

QString WhatIfView::saveMaskedImage(const QString &path) const
{
    const cv::Mat masked = maskedImage();
    if (masked.empty())
        return tr("No image is shown.");
    const std::string bytes = sg::pngBytes(masked);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly)
        || file.write(bytes.data(), qint64(bytes.size())) != qint64(bytes.size()))
        return tr("%1: cannot write").arg(path);
    return {};
}

void WhatIfView::changed()
{
    ++version_;
    undoButton_->setEnabled(historyAt_ > 0);
    redoButton_->setEnabled(historyAt_ + 1 < history_.size());
    const cv::Mat masked = maskedImage();
    grid_->setImage(masked.empty() ? QImage() : toQImage(masked), rows_, cols_, shown_);
    requestPrediction();
}

void WhatIfView::requestPrediction()
{
    if (predicting_ || pixels_.empty())
        return; // the answer in flight asks again when it is stale
    predicting_ = true;
    const quint64 version = version_;
    const cv::Mat masked = maskedImage();
    worker_.submit(
        Lane::Interactive, QStringLiteral("what-if"),
        [this, version, masked](sg::JobContext &, const ModelHandle &model) {
            const sg::Prediction prediction = model.classifier->predict({masked}, kTopK).front();
            QMetaObject::invokeMethod(
                this,
                [this, version, prediction] {
                    predicting_ = false;
                    if (version == version_) {
                        prediction_ = prediction;
                        scoredVersion_ = version;
                        if (target_ < 0 && document_.topClass() >= 0)
                            target_ = document_.topClass();
                        if (target_ < 0)
                            target_ = prediction.top.front().index;
                        showPrediction();
                        Q_EMIT scored();
                    } else {
                        requestPrediction();
                    }
                },
                Qt::QueuedConnection);
        },
        [this](const sg::JobStatus &status) {
            if (status.state == sg::JobState::Failed) {
                predicting_ = false;
                probabilityLabel_->setText(QString::fromStdString(status.error));
            }
        });
}

void WhatIfView::showPrediction()
{
    if (prediction_.probabilities.empty() || target_ < 0 || target_ >= int(prediction_.probabilities.size()))
        return;
    probability_ = prediction_.probabilities[size_t(target_)];
    targetBox_->blockSignals(true);
    targetBox_->setCurrentIndex(target_);
    targetBox_->blockSignals(false);
    probabilityLabel_->setText(tr("p = %1").arg(probability_, 0, 'f', 4));
    QStringList lines;
    lines << tr("%1 of %2 cells shown").arg(shownCells().size()).arg(shown_.size());
    for (const sg::ClassScore &score : prediction_.top)
        lines << QStringLiteral("%1  %2")
                     .arg(score.probability, 0, 'f', 4)
                     .arg(QString::fromStdString(score.label));
    topLabel_->setText(lines.join(QLatin1Char('\n')));
}

} // namespace sg::ui
