#include "status_fields.h"

#include "explorer_document.h"
#include "jobs_panel.h"

#include <QFileInfo>
#include <QLabel>
#include <QProgressBar>
#include <QStatusBar>

namespace sg::ui {

namespace {

QLabel *field(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setContentsMargins(8, 0, 8, 0);
    return label;
}

} // namespace

StatusFields::StatusFields(ExplorerDocument &document, const JobsPanel &jobs, QStatusBar *statusBar) :
    QObject(statusBar), document_(document), jobs_(jobs)
{
    file_ = field(statusBar);
    file_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    position_ = field(statusBar);
    model_ = field(statusBar);
    device_ = field(statusBar);
    job_ = field(statusBar);
    progress_ = new QProgressBar(statusBar);
    progress_->setRange(0, 1000);
    progress_->setFixedWidth(140);
    progress_->setMaximumHeight(14);
    progress_->setTextVisible(false);
    progress_->hide();
    job_->hide();
    statusBar->addWidget(file_, 1);
    statusBar->addPermanentWidget(job_);
    statusBar->addPermanentWidget(progress_);
    statusBar->addPermanentWidget(position_);
    statusBar->addPermanentWidget(model_);
    statusBar->addPermanentWidget(device_);
    for (const auto signal : {&ExplorerDocument::imageChanged, &ExplorerDocument::displayChanged,
             &ExplorerDocument::modelChanged, &ExplorerDocument::folderChanged})
        connect(&document_, signal, this, &StatusFields::showDocument);
    showDocument();
}

void StatusFields::showDocument()
{
    const QString path = document_.currentPath();
    if (path.isEmpty()) {
        file_->clear();
        position_->setText(document_.files().isEmpty() ? tr("no images") : QString());
    } else {
        QString text = QFileInfo(path).fileName();
        const QImage &display = document_.display();
        if (document_.displayedPath() == path && !display.isNull())
            text += QStringLiteral("   %1\u00d7%2").arg(display.width()).arg(display.height());
        file_->setText(text);
        file_->setToolTip(path);
        position_->setText(
            tr("image %1 of %2").arg(document_.currentIndex() + 1).arg(document_.files().size()));
    }
    const bool hasModel = document_.hasModel();
    model_->setText(hasModel ? document_.model().name : tr("no model"));
    model_->setToolTip(hasModel ? document_.model().path : QString());
    device_->setText(hasModel ? document_.model().device.toUpper() : QString());
    device_->setVisible(hasModel);
}

void StatusFields::showJob(const sg::JobStatus &status)
{
    if (status.state == sg::JobState::Running) {
        progress_->setValue(status.total > 0 ? int(1000.0 * status.done / status.total) : 0);
        QString text = QString::fromStdString(status.title);
        if (status.etaSeconds >= 0)
            text += tr(" \u00b7 %1 left").arg(JobsPanel::formatSeconds(status.etaSeconds));
        job_->setText(text);
    }
    const bool anyActive = jobs_.activeCount() > 0;
    progress_->setVisible(anyActive);
    job_->setVisible(anyActive);
}

} // namespace sg::ui
