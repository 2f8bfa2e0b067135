#pragma once
// The status bar's permanent fields: the image shown (name, size, position in the folder), the
// model and its device, and the running background job with its progress and time left. Bound
// to the document and to the worker's job states. GUI thread only.

#include <QObject>

class QLabel;
class QProgressBar;
class QStatusBar;

namespace sg {
struct JobStatus;
}

namespace sg::ui {

class ExplorerDocument;
class JobsPanel;

class StatusFields : public QObject {
    Q_OBJECT

public:
    // Adds the fields to `statusBar` (not owned). `jobs` counts the active jobs.
    StatusFields(ExplorerDocument &document, const JobsPanel &jobs, QStatusBar *statusBar);

    // A background job's state or progress changed.
    void showJob(const sg::JobStatus &status);

private:
    void showDocument();

    ExplorerDocument &document_;
    const JobsPanel &jobs_;
    QLabel *file_ = nullptr;
    QLabel *position_ = nullptr;
    QLabel *model_ = nullptr;
    QLabel *device_ = nullptr;
    QLabel *job_ = nullptr;
    QProgressBar *progress_ = nullptr;
};

} // namespace sg::ui
