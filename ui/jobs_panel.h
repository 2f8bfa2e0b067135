#pragma once
// The jobs panel: one row per background job (title, state, progress bar, elapsed and ETA, a
// Cancel button while it is queued or running, the error when it failed): the running job on
// top, then queued ones in the order they will run, then ended ones newest first; plus
// "Cancel all" and "Clear finished". Ended rows stay (at most kKeptEnded of them) so a failure
// can still be read. GUI thread only.

#include "core_metatypes.h"
#include "jobs/job_queue.h"

#include <QElapsedTimer>
#include <QMetaType>
#include <QString>
#include <QWidget>

#include <map>

class QProgressBar;
class QPushButton;
class QTimer;
class QToolButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace sg::ui {

class JobsPanel : public QWidget {
    Q_OBJECT

public:
    static constexpr int kKeptEnded = 50;

    explicit JobsPanel(QWidget *parent = nullptr);

    // Adds or updates the row of status.id.
    void updateJob(const sg::JobStatus &status);
    int rowCount() const;
    int activeCount() const; // queued or running rows
    // The row's state as last reported, or nullopt-like Queued with id 0 when unknown; for tests.
    sg::JobStatus status(sg::JobId id) const;
    void clearFinished();

    // "—" when unknown (< 0), "12 s", "1 min 05 s", "1 h 02 min". Pure.
    static QString formatSeconds(double seconds);

Q_SIGNALS:
    void cancelRequested(sg::JobId id);
    void cancelAllRequested();

private:
    struct Row {
        sg::JobStatus status;
        QTreeWidgetItem *item = nullptr;
        QProgressBar *bar = nullptr;
        QToolButton *cancel = nullptr; // only while queued or running
        QElapsedTimer sinceUpdate; // to tick elapsed and ETA between reports
    };

    void resizeEvent(QResizeEvent *event) override;
    enum class Place { Running, Queued, Ended }; // row groups, top to bottom
    static Place placeOf(const sg::JobStatus &status);
    static bool isActive(sg::JobState state);
    void insertRow(Row &row);
    void showRow(Row &row);
    void showTimes(Row &row);
    void tick();
    void dropExcessEnded();
    void removeRow(sg::JobId id);
    void updateButtons();

    QTreeWidget *tree_ = nullptr;
    QPushButton *cancelAllButton_ = nullptr;
    QPushButton *clearButton_ = nullptr;
    QTimer *ticker_ = nullptr;
    std::map<sg::JobId, Row> rows_;
};

} // namespace sg::ui
