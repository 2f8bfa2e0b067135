#include "jobs_panel.h"

#include "theme.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QProgressBar>
#include <QPushButton>
#include <QStyle>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <memory>

namespace sg::ui {

namespace {

enum Column {
    kColumnJob,
    kColumnState,
    kColumnProgress,
    kColumnElapsed,
    kColumnLeft,
    kColumnCancel,
    kColumns
};

constexpr int kTickMs = 1000;
constexpr int kProgressWidth = 56;
// Below this panel width (a side dock) the Elapsed column gives its room to the job's title;
// the State column's tooltip still has it.
constexpr int kElapsedMinPanelWidth = 420;
// Beyond any real ETA; keeps the rounding below in range.
constexpr double kLongestSeconds = 1e12;

QString stateText(sg::JobState state)
{
    QString text = QString::fromLatin1(sg::jobStateName(state));
    if (!text.isEmpty())
        text[0] = text[0].toUpper();
    return text;
}

// An icon-only button (text "Cancel" for accessibility and tests), so the column stays narrow.
std::unique_ptr<QToolButton> makeCancelButton(const QString &title)
{
    auto button = std::make_unique<QToolButton>();
    button->setText(JobsPanel::tr("Cancel"));
    button->setIcon(button->style()->standardIcon(QStyle::SP_DialogCancelButton));
    button->setToolButtonStyle(Qt::ToolButtonIconOnly);
    button->setAutoRaise(true);
    button->setToolTip(title.isEmpty() ? JobsPanel::tr("Cancel") : JobsPanel::tr("Cancel “%1”").arg(title));
    return button;
}

} // namespace

JobsPanel::JobsPanel(QWidget *parent) : QWidget(parent)
{
    static const bool registered = [] {
        qRegisterMetaType<sg::JobStatus>();
        qRegisterMetaType<sg::JobId>("sg::JobId");
        return true;
    }();
    Q_UNUSED(registered);

    tree_ = new QTreeWidget;
    tree_->setObjectName(QStringLiteral("jobs"));
    tree_->setColumnCount(kColumns);
    tree_->setHeaderLabels({tr("Job"), tr("State"), tr("Progress"), tr("Elapsed"), tr("Left"), QString()});
    tree_->setRootIsDecorated(false);
    tree_->setUniformRowHeights(true);
    tree_->setSelectionMode(QAbstractItemView::SingleSelection);
    tree_->setTextElideMode(Qt::ElideMiddle);
    tree_->headerItem()->setToolTip(kColumnLeft, tr("Estimated time left"));
    QHeaderView *header = tree_->header();
    header->setStretchLastSection(false);
    header->setMinimumSectionSize(24);
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(kColumnJob, QHeaderView::Stretch);
    header->setSectionResizeMode(kColumnProgress, QHeaderView::Fixed);
    header->resizeSection(kColumnProgress, kProgressWidth);
    header->setSectionResizeMode(kColumnCancel, QHeaderView::Fixed);
    header->resizeSection(kColumnCancel, makeCancelButton(QString())->sizeHint().width());

    cancelAllButton_ = new QPushButton(tr("Cancel all"));
    cancelAllButton_->setObjectName(QStringLiteral("cancelAll"));
    cancelAllButton_->setAutoDefault(false);
    clearButton_ = new QPushButton(tr("Clear finished"));
    clearButton_->setObjectName(QStringLiteral("clearFinished"));
    clearButton_->setAutoDefault(false);
    clearButton_->setToolTip(tr("Remove the rows of jobs that have ended"));
    auto *buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(cancelAllButton_);
    buttons->addWidget(clearButton_);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(tree_);
    layout->addLayout(buttons);

    // Between progress reports, running rows' elapsed time and ETA keep moving.
    ticker_ = new QTimer(this);
    ticker_->setInterval(kTickMs);
    connect(ticker_, &QTimer::timeout, this, &JobsPanel::tick);
    connect(cancelAllButton_, &QPushButton::clicked, this, &JobsPanel::cancelAllRequested);
    connect(clearButton_, &QPushButton::clicked, this, &JobsPanel::clearFinished);
    updateButtons();
}

void JobsPanel::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    tree_->setColumnHidden(kColumnElapsed, width() < kElapsedMinPanelWidth);
}

JobsPanel::Place JobsPanel::placeOf(const sg::JobStatus &status)
{
    switch (status.state) {
    case sg::JobState::Running: return Place::Running;
    case sg::JobState::Queued: return Place::Queued;
    default: return Place::Ended;
    }
}

bool JobsPanel::isActive(sg::JobState state)
{
    return state == sg::JobState::Queued || state == sg::JobState::Running;
}

void JobsPanel::updateJob(const sg::JobStatus &status)
{
    auto found = rows_.find(status.id);
    if (found == rows_.end()) {
        found = rows_.emplace(status.id, Row{}).first;
        found->second.status = status;
        insertRow(found->second);
    } else if (placeOf(found->second.status) != placeOf(status)) {
        // Started or ended: the row moves to its new group. The item stays the same; taking it
        // out of the view deletes its widgets, which insertRow() and showRow() make again.
        Row &moving = found->second;
        tree_->takeTopLevelItem(tree_->indexOfTopLevelItem(moving.item));
        moving.bar = nullptr;
        moving.cancel = nullptr;
        moving.status = status;
        insertRow(moving);
    }
    Row &row = found->second;
    row.status = status;
    row.sinceUpdate.start();
    showRow(row);
    if (!isActive(status.state))
        dropExcessEnded();
    updateButtons();
}

void JobsPanel::insertRow(Row &row)
{
    // Running first, then queued in the order they will run, then ended ones newest first.
    const auto key = [](const sg::JobStatus &status) {
        const long long id = static_cast<long long>(status.id);
        return std::make_pair(placeOf(status), placeOf(status) == Place::Ended ? -id : id);
    };
    int position = 0;
    while (position < tree_->topLevelItemCount()) {
        const auto id = tree_->topLevelItem(position)->data(kColumnJob, Qt::UserRole).value<sg::JobId>();
        const auto other = rows_.find(id);
        if (other != rows_.end() && key(row.status) < key(other->second.status))
            break;
        ++position;
    }
    if (!row.item) {
        row.item = new QTreeWidgetItem;
        row.item->setData(kColumnJob, Qt::UserRole, QVariant::fromValue(row.status.id));
        for (int column : {kColumnElapsed, kColumnLeft})
            row.item->setTextAlignment(column, Qt::AlignRight | Qt::AlignVCenter);
    }
    tree_->insertTopLevelItem(position, row.item);

    row.bar = new QProgressBar;
    row.bar->setMaximumHeight(tree_->fontMetrics().height() + 4);
    row.bar->setAlignment(Qt::AlignCenter);
    tree_->setItemWidget(row.item, kColumnProgress, row.bar);
}

void JobsPanel::showRow(Row &row)
{
    const sg::JobStatus &status = row.status;
    QTreeWidgetItem *item = row.item;
    const QString title = QString::fromStdString(status.title);
    const bool failed = status.state == sg::JobState::Failed;
    const QString error = QString::fromStdString(status.error);

    item->setText(kColumnJob, title);
    item->setText(kColumnState, stateText(status.state));
    for (int column = 0; column < kColumns; ++column) {
        item->setToolTip(column, failed ? tr("%1 failed: %2").arg(title, error) : QString());
        if (failed)
            item->setForeground(column, theme::kErrorText);
        else if (status.state == sg::JobState::Cancelled)
            item->setForeground(column, theme::kDimText);
        else
            item->setData(column, Qt::ForegroundRole, QVariant());
    }
    if (failed)
        item->setToolTip(kColumnState, error);
    else if (item->toolTip(kColumnJob).isEmpty())
        item->setToolTip(kColumnJob, title);

    const int total = std::max(status.total, 0);
    const int done = std::clamp(status.done, 0, std::max(total, 0));
    if (status.state == sg::JobState::Running && total == 0) {
        row.bar->setRange(0, 0); // busy: the job has not said how much there is
    } else if (status.state == sg::JobState::Finished) {
        row.bar->setRange(0, std::max(total, 1));
        row.bar->setValue(std::max(total, 1));
    } else {
        row.bar->setRange(0, std::max(total, 1));
        row.bar->setValue(done);
    }
    row.bar->setTextVisible(status.state != sg::JobState::Queued && (total > 0 || !isActive(status.state)));
    row.bar->setToolTip(total > 0 ? tr("%1 of %2 done").arg(done).arg(total) : QString());
    row.bar->setEnabled(isActive(status.state) || status.state == sg::JobState::Finished);

    if (isActive(status.state) && !row.cancel) {
        row.cancel = makeCancelButton(title).release();
        const sg::JobId id = status.id;
        connect(row.cancel, &QToolButton::clicked, this, [this, id] { Q_EMIT cancelRequested(id); });
        tree_->setItemWidget(item, kColumnCancel, row.cancel);
        item->setSizeHint(kColumnCancel, row.cancel->sizeHint());
    } else if (!isActive(status.state) && row.cancel) {
        tree_->removeItemWidget(item, kColumnCancel); // deletes the button
        row.cancel = nullptr;
    }
    showTimes(row);
}

void JobsPanel::showTimes(Row &row)
{
    const sg::JobStatus &status = row.status;
    const bool running = status.state == sg::JobState::Running;
    const double since = running ? row.sinceUpdate.elapsed() / 1000.0 : 0.0;
    QString elapsed = status.state == sg::JobState::Queued ? formatSeconds(-1.0)
                                                           : formatSeconds(status.elapsedSeconds + since);
    QString left;
    if (status.state == sg::JobState::Queued)
        left = formatSeconds(-1.0);
    else if (running)
        left = formatSeconds(status.etaSeconds < 0.0 ? -1.0 : std::max(0.0, status.etaSeconds - since));
    row.item->setText(kColumnElapsed, elapsed);
    row.item->setText(kColumnLeft, left);
    if (status.state != sg::JobState::Failed)
        row.item->setToolTip(kColumnState,
            status.state == sg::JobState::Queued ? QString()
                : running                        ? tr("Running for %1").arg(elapsed)
                                                 : tr("%1 after %2").arg(stateText(status.state), elapsed));
}

void JobsPanel::tick()
{
    for (auto &[id, row] : rows_) {
        if (row.status.state == sg::JobState::Running)
            showTimes(row);
    }
}

void JobsPanel::dropExcessEnded()
{
    int ended = 0;
    for (const auto &[id, row] : rows_)
        ended += isActive(row.status.state) ? 0 : 1;
    // rows_ is ordered by id: the first ended rows are the oldest.
    for (auto it = rows_.begin(); it != rows_.end() && ended > kKeptEnded;) {
        if (isActive(it->second.status.state)) {
            ++it;
            continue;
        }
        delete it->second.item; // the view deletes its widgets
        it = rows_.erase(it);
        --ended;
    }
}

void JobsPanel::removeRow(sg::JobId id)
{
    const auto found = rows_.find(id);
    if (found == rows_.end())
        return;
    delete found->second.item;
    rows_.erase(found);
}

void JobsPanel::clearFinished()
{
    std::vector<sg::JobId> ended;
    for (const auto &[id, row] : rows_) {
        if (!isActive(row.status.state))
            ended.push_back(id);
    }
    for (sg::JobId id : ended)
        removeRow(id);
    updateButtons();
}

int JobsPanel::rowCount() const
{
    return int(rows_.size());
}

int JobsPanel::activeCount() const
{
    return int(std::count_if(
        rows_.begin(), rows_.end(), [](const auto &entry) { return isActive(entry.second.status.state); }));
}

sg::JobStatus JobsPanel::status(sg::JobId id) const
{
    const auto found = rows_.find(id);
    return found == rows_.end() ? sg::JobStatus{} : found->second.status;
}

void JobsPanel::updateButtons()
{
    const int active = activeCount();
    cancelAllButton_->setEnabled(active > 0);
    clearButton_->setEnabled(rowCount() > active);
    const bool anyRunning = std::any_of(rows_.begin(), rows_.end(),
        [](const auto &entry) { return entry.second.status.state == sg::JobState::Running; });
    if (anyRunning && !ticker_->isActive())
        ticker_->start();
    else if (!anyRunning)
        ticker_->stop();
}

QString JobsPanel::formatSeconds(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0.0)
        return QStringLiteral("—");
    seconds = std::min(seconds, kLongestSeconds);
    const long long whole = std::llround(seconds);
    if (whole < 60)
        return QStringLiteral("%1 s").arg(whole);
    if (whole < 3600)
        return QStringLiteral("%1 min %2 s").arg(whole / 60).arg(whole % 60, 2, 10, QLatin1Char('0'));
    const long long minutes = std::llround(seconds / 60.0);
    return QStringLiteral("%1 h %2 min").arg(minutes / 60).arg(minutes % 60, 2, 10, QLatin1Char('0'));
}

} // namespace sg::ui
