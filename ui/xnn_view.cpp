#include "xnn_view.h"

#include "explorer_document.h"
#include "xnn_panel.h"
#include "xnn_train_dialog.h"

#include "xnn/xnn_file.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace sg::ui {

XnnView::XnnView(ExplorerDocument &document, XnnService &service, ModelWorker &worker, QWidget *parent) :
    QWidget(parent),
    document_(document),
    service_(service),
    worker_(worker),
    files_(new QComboBox(this)),
    classes_(new QComboBox(this)),
    method_(new QComboBox(this)),
    explainButton_(new QPushButton(tr("Explain"), this)),
    cancelButton_(new QPushButton(tr("Cancel"), this)),
    status_(new QLabel(this)),
    panel_(new XnnPanel(this))
{
    files_->setObjectName(QStringLiteral("xnnFiles"));
    files_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    method_->addItem(tr("I-GOS maps"), int(sg::ConceptMapMethod::Igos));
    method_->addItem(tr("Gradient × input (fast)"), int(sg::ConceptMapMethod::GradientInput));
    cancelButton_->setEnabled(false);
    status_->setWordWrap(true);
    auto *open = new QPushButton(tr("Open XNN…"), this);
    auto *train = new QPushButton(tr("Train…"), this);
    // Two short rows, so that the tab's minimum width stays below the other views' (a wide tab
    // would widen the whole centre area).
    classes_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    classes_->setMinimumContentsLength(12);
    method_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    method_->setMinimumContentsLength(10);
    files_->setMinimumContentsLength(12);
    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(new QLabel(tr("XNN"), this));
    fileRow->addWidget(files_, 1);
    fileRow->addWidget(open);
    fileRow->addWidget(train);
    auto *explainRow = new QHBoxLayout;
    explainRow->addWidget(new QLabel(tr("Class"), this));
    explainRow->addWidget(classes_, 1);
    explainRow->addWidget(method_, 1);
    explainRow->addWidget(explainButton_);
    explainRow->addWidget(cancelButton_);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(fileRow);
    layout->addLayout(explainRow);
    layout->addWidget(status_);
    layout->addWidget(panel_, 1);

    connect(open, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open an XNN file"),
            document_.hasModel() ? QFileInfo(document_.model().path).absolutePath() : QString(),
            tr("XNN files (*.xnn)"));
        if (!path.isEmpty())
            setXnnFile(path);
    });
    connect(train, &QPushButton::clicked, this, [this] {
        trainDialog()->show();
        trainDialog()->raise();
    });
    connect(files_, &QComboBox::currentIndexChanged, this, [this] {
        // Hashed once per choice (setXnnFile re-chooses a retrained file), not per request.
        xnnHash_ = xnnFileHash(xnnFile());
        classes_->clear();
        classes_->addItem(tr("model's top class"), -1);
        try {
            if (!xnnFile().isEmpty() && document_.hasModel()) {
                const sg::XnnModel xnn
                    = sg::readXnnFile(xnnFile().toStdString(), document_.model().hash.toStdString());
                for (const sg::XnnClassModel &cls : xnn.classes)
                    classes_->addItem(
                        QStringLiteral("%1 %2").arg(cls.classIndex).arg(QString::fromStdString(cls.label)),
                        cls.classIndex);
                status_->setText(tr("%1: %2 x-features over %3 (%4 training images).")
                                     .arg(QFileInfo(xnnFile()).fileName())
                                     .arg(xnn.xFeatures)
                                     .arg(QString::fromStdString(xnn.layer))
                                     .arg(xnn.trainImages));
            }
        } catch (const std::exception &error) {
            status_->setText(QString::fromUtf8(error.what()));
        }
        refresh();
    });
    connect(classes_, &QComboBox::currentIndexChanged, this, &XnnView::refresh);
    connect(method_, &QComboBox::currentIndexChanged, this, &XnnView::refresh);
    connect(explainButton_, &QPushButton::clicked, this, &XnnView::explain);
    connect(cancelButton_, &QPushButton::clicked, this, &XnnView::cancel);
    connect(&document_, &ExplorerDocument::modelChanged, this, &XnnView::refreshFiles);
    connect(&document_, &ExplorerDocument::imageChanged, this, &XnnView::refresh);
    connect(&service_, &XnnService::explained, this, [this](sg::JobId id, const XnnRecordPtr &record) {
        if (id == job_) {
            job_ = 0;
            explainButton_->setEnabled(true);
            cancelButton_->setEnabled(false);
        }
        if (record->imagePath == document_.currentPath() && record->request == request())
            show(record);
    });
    connect(&service_, &XnnService::explainFailed, this,
        [this](sg::JobId id, const QString &path, const QString &message, bool cancelled) {
            if (id != job_)
                return;
            job_ = 0;
            explainButton_->setEnabled(true);
            cancelButton_->setEnabled(false);
            panel_->clear(cancelled ? tr("Cancelled.") : tr("XNN explanation failed: %1").arg(message));
            if (!cancelled)
                Q_EMIT failed(tr("XNN of %1: %2").arg(path, message));
        });
    panel_->clear(tr("Open a model with an XNN file (or train one), then press Explain."));
}

void XnnView::setShown(bool shown)
{
    ExplorerView::setShown(shown);
    refresh();
}

void XnnView::cancel()
{
    if (job_)
        worker_.cancelJob(job_);
}

XnnTrainDialog *XnnView::trainDialog()
{
    if (!dialog_) {
        dialog_ = new XnnTrainDialog(document_, service_, worker_, this);
        connect(dialog_, &XnnTrainDialog::finished, this, &XnnView::setXnnFile);
    }
    return dialog_;
}

void XnnView::setXnnFile(const QString &path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    int index = files_->findData(absolute);
    if (index < 0) {
        files_->addItem(QFileInfo(absolute).fileName(), absolute);
        index = files_->count() - 1;
    }
    if (files_->currentIndex() == index)
        Q_EMIT files_->currentIndexChanged(index); // re-read a retrained file
    else
        files_->setCurrentIndex(index);
}

QString XnnView::xnnFile() const
{
    return files_->currentData().toString();
}

void XnnView::setMapMethod(sg::ConceptMapMethod method)
{
    method_->setCurrentIndex(method_->findData(int(method)));
}

void XnnView::refreshFiles()
{
    QSignalBlocker blocker(files_);
    files_->clear();
    if (document_.hasModel())
        for (const QString &file : xnnFilesBeside(document_.model().path))
            files_->addItem(QFileInfo(file).fileName(), file);
    blocker.unblock();
    Q_EMIT files_->currentIndexChanged(files_->currentIndex());
}

XnnExplainRequest XnnView::request() const
{
    XnnExplainRequest r;
    r.xnnPath = xnnFile().toStdString();
    r.xnnHash = xnnHash_;
    r.classIndex = classes_->currentData().isValid() ? classes_->currentData().toInt() : -1;
    r.method = sg::ConceptMapMethod(method_->currentData().toInt());
    return r;
}

void XnnView::refresh()
{
    if (!isShown())
        return;
    const QString path = document_.currentPath();
    if (!document_.hasModel() || path.isEmpty() || xnnFile().isEmpty()) {
        record_.reset();
        panel_->clear(tr("Open a model with an XNN file (or train one), then press Explain."));
        return;
    }
    const XnnExplainRequest wanted = request();
    if (record_ && record_->imagePath == path && record_->request == wanted)
        return;
    if (const XnnRecordPtr cached = service_.cached(path, wanted)) {
        show(cached);
        return;
    }
    record_.reset();
    panel_->clear(
        job_ ? tr("Explaining…") : tr("Press Explain to split this image's class score into concepts."));
}

void XnnView::explain()
{
    const QString path = document_.currentPath();
    if (!document_.hasModel() || path.isEmpty() || xnnFile().isEmpty()) {
        Q_EMIT failed(tr("Open a model, an image and an XNN file first."));
        return;
    }
    const XnnExplainRequest wanted = request();
    if (const XnnRecordPtr cached = service_.cached(path, wanted)) {
        show(cached);
        return;
    }
    if (job_)
        worker_.cancelJob(job_);
    job_ = service_.explain(path, wanted);
    explainButton_->setEnabled(false);
    cancelButton_->setEnabled(true);
    panel_->clear(tr("Explaining…"));
}

void XnnView::show(const XnnRecordPtr &record)
{
    record_ = record;
    panel_->setRecord(record, document_.viewSettings().opacity);
    Q_EMIT explanationShown(record->imagePath);
}

} // namespace sg::ui
