#include "xnn_train_dialog.h"

#include "explorer_document.h"
#include "param_form.h"
#include "qcustomplot_wrapper.h"

#include "xnn/embedding.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

namespace sg::ui {

namespace {

// A line edit with a "…" button that opens a file or folder dialog.
QWidget *pathRow(QLineEdit *edit, QWidget *parent, const std::function<QString()> &choose)
{
    auto *row = new QWidget(parent);
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *button = new QPushButton(QStringLiteral("…"), row);
    layout->addWidget(edit, 1);
    layout->addWidget(button);
    QObject::connect(button, &QPushButton::clicked, edit, [edit, choose] {
        const QString path = choose();
        if (!path.isEmpty())
            edit->setText(path);
    });
    return row;
}

} // namespace

XnnTrainDialog::XnnTrainDialog(
    ExplorerDocument &document, XnnService &service, ModelWorker &worker, QWidget *parent) :
    QDialog(parent),
    document_(document),
    service_(service),
    worker_(worker),
    data_(new QLineEdit(this)),
    out_(new QLineEdit(this)),
    classes_(new QListWidget(this)),
    seed_(new QSpinBox(this)),
    layer_(new QComboBox(this)),
    form_(new ParamForm(this)),
    trainButton_(new QPushButton(tr("Train"), this)),
    cancelButton_(new QPushButton(tr("Cancel training"), this)),
    progress_(new QProgressBar(this)),
    status_(new QLabel(this)),
    plot_(new QCustomPlot(this))
{
    setWindowTitle(tr("Train an XNN"));
    setModal(false);
    data_->setPlaceholderText(tr("a folder of class folders, or a file,label CSV manifest"));
    out_->setPlaceholderText(tr("the .xnn file to write"));
    classes_->setSelectionMode(QAbstractItemView::MultiSelection);
    classes_->setMaximumHeight(110);
    seed_->setRange(0, 1 << 30);
    seed_->setValue(1);
    layer_->setEditable(true);
    for (const char *layer : {"features:global-average", "features:global-max", "features:max-2x2",
             "features:average-2x2", "features:max-7x7"})
        layer_->addItem(QString::fromLatin1(layer));
    form_->setSchema(sg::xnnTrainParameterSchema());
    status_->setWordWrap(true);
    status_->setObjectName(QStringLiteral("xnnTrainStatus"));
    cancelButton_->setEnabled(false);
    progress_->setRange(0, 1000);
    progress_->setValue(0);

    plot_->setMinimumSize(420, 220);
    plot_->addGraph();
    plot_->graph(0)->setName(tr("total loss"));
    plot_->graph(0)->setPen(QPen(QColor(40, 110, 200), 2));
    plot_->addGraph();
    plot_->graph(1)->setName(tr("faithfulness (MSE)"));
    plot_->graph(1)->setPen(QPen(QColor(220, 120, 30), 2));
    plot_->xAxis->setLabel(tr("epoch (all rounds and classes)"));
    plot_->yAxis->setLabel(tr("loss"));
    plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    plot_->legend->setVisible(true);

    auto *fields = new QFormLayout;
    fields->addRow(tr("Images"), pathRow(data_, this, [this] {
        return QFileDialog::getExistingDirectory(this, tr("Folder of class folders"));
    }));
    fields->addRow(tr("Classes"), classes_);
    fields->addRow(tr("Layer"), layer_);
    fields->addRow(tr("Seed"), seed_);
    fields->addRow(tr("Output"), pathRow(out_, this, [this] {
        return QFileDialog::getSaveFileName(this, tr("XNN file"), out_->text(), tr("XNN files (*.xnn)"));
    }));
    auto *formScroll = new QScrollArea(this);
    formScroll->setWidget(form_);
    formScroll->setWidgetResizable(true);
    formScroll->setMinimumWidth(320);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(trainButton_);
    buttons->addWidget(cancelButton_);
    buttons->addStretch(1);
    auto *close = new QPushButton(tr("Close"), this);
    buttons->addWidget(close);

    auto *left = new QVBoxLayout;
    left->addLayout(fields);
    left->addWidget(formScroll, 1);
    auto *right = new QVBoxLayout;
    right->addWidget(plot_, 1);
    right->addWidget(progress_);
    right->addWidget(status_);
    auto *columns = new QHBoxLayout;
    columns->addLayout(left, 1);
    columns->addLayout(right, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(columns, 1);
    layout->addLayout(buttons);

    connect(trainButton_, &QPushButton::clicked, this, &XnnTrainDialog::start);
    connect(cancelButton_, &QPushButton::clicked, this, &XnnTrainDialog::cancelTraining);
    connect(close, &QPushButton::clicked, this, &QDialog::hide);
    connect(&document_, &ExplorerDocument::modelChanged, this, &XnnTrainDialog::refreshModel);
    connect(&worker_, &ModelWorker::jobChanged, this, [this](const sg::JobStatus &status) {
        if (status.id == job_ && status.total > 0)
            progress_->setValue(status.done * 1000 / status.total);
    });
    connect(&service_, &XnnService::epochTrained, this,
        [this](sg::JobId id, int classNumber, int classTotal, int round, int epoch, double total,
            double prediction, double, double) {
            if (id != job_)
                return;
            ++points_;
            plot_->graph(0)->addData(points_, total);
            plot_->graph(1)->addData(points_, std::max(prediction, 1e-6));
            plot_->rescaleAxes();
            plot_->replot(QCustomPlot::rpQueuedReplot);
            status_->setText(tr("Class %1 of %2, round %3, epoch %4: loss %5 (faithfulness %6)")
                                 .arg(classNumber)
                                 .arg(classTotal)
                                 .arg(round)
                                 .arg(epoch)
                                 .arg(total, 0, 'g', 4)
                                 .arg(prediction, 0, 'g', 4));
        });
    connect(&service_, &XnnService::trained, this,
        [this](sg::JobId id, const QString &out, const QString &summary) {
            if (id != job_)
                return;
            job_ = 0;
            trainButton_->setEnabled(true);
            cancelButton_->setEnabled(false);
            progress_->setValue(1000);
            status_->setText(tr("Wrote %1\n%2").arg(out, summary));
            Q_EMIT finished(out);
        });
    connect(&service_, &XnnService::trainFailed, this, [this](sg::JobId id, const QString &message, bool) {
        if (id != job_)
            return;
        job_ = 0;
        trainButton_->setEnabled(true);
        cancelButton_->setEnabled(false);
        status_->setText(tr("Training stopped: %1").arg(message));
    });
    refreshModel();
}

void XnnTrainDialog::refreshModel()
{
    classes_->clear();
    if (!document_.hasModel())
        return;
    const auto &labels = document_.model().spec.labels;
    for (size_t i = 0; i < labels.size(); ++i)
        classes_->addItem(QStringLiteral("%1  %2").arg(i).arg(QString::fromStdString(labels[i])));
    if (out_->text().isEmpty()) {
        const QFileInfo model(document_.model().path);
        out_->setText(
            model.absoluteDir().filePath(model.completeBaseName() + QStringLiteral("-trained.xnn")));
    }
}

void XnnTrainDialog::setData(const QString &dataPath)
{
    data_->setText(dataPath);
}

void XnnTrainDialog::setOutput(const QString &path)
{
    out_->setText(path);
}

void XnnTrainDialog::setClasses(const QList<int> &classes)
{
    for (int i = 0; i < classes_->count(); ++i)
        classes_->item(i)->setSelected(classes.contains(i));
}

void XnnTrainDialog::setEpochs(int epochs)
{
    form_->setValue("epochs", sg::ParamValue(epochs));
}

bool XnnTrainDialog::start()
{
    if (job_)
        return false;
    if (!document_.hasModel()) {
        status_->setText(tr("Open a model first."));
        return false;
    }
    XnnTrainJob job;
    job.data = data_->text().trimmed();
    job.out = out_->text().trimmed();
    job.layer = layer_->currentText().trimmed();
    if (job.data.isEmpty() || job.out.isEmpty()) {
        status_->setText(tr("Choose the images and the output file."));
        return false;
    }
    sg::XnnTrainRequest base;
    for (int i = 0; i < classes_->count(); ++i)
        if (classes_->item(i)->isSelected())
            base.classes.push_back(i);
    if (base.classes.empty()) {
        status_->setText(tr("Choose at least one class to explain."));
        return false;
    }
    base.seed = std::uint64_t(seed_->value());
    try {
        sg::parseXnnLayer(job.layer.toStdString());
        job.request = sg::xnnTrainRequestWithParams(base, form_->values());
    } catch (const std::exception &error) {
        status_->setText(QString::fromUtf8(error.what()));
        return false;
    }
    points_ = 0;
    plot_->graph(0)->data()->clear();
    plot_->graph(1)->data()->clear();
    plot_->replot();
    progress_->setValue(0);
    status_->setText(tr("Embedding the images…"));
    trainButton_->setEnabled(false);
    cancelButton_->setEnabled(true);
    job_ = service_.train(job);
    return true;
}

void XnnTrainDialog::cancelTraining()
{
    if (job_)
        worker_.cancelJob(job_);
}

int XnnTrainDialog::epochPoints() const
{
    return points_;
}

QString XnnTrainDialog::statusText() const
{
    return status_->text();
}

} // namespace sg::ui
