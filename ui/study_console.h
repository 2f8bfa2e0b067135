#pragma once
// The researcher console of the study mode (issue 14): for one study database, the participants
// and their progress, accuracy per block and condition with Wilson 95% intervals and the test
// between conditions (core/study/study_analysis.h: Fisher's exact for two conditions, Pearson's
// chi-squared for more, named on screen), median response times, learning curves (accuracy over
// the scored-trial index per condition, QCustomPlot) and a CSV export. It reads the database only
// (a runner may be writing it at the same time: WAL readers do not block it) and refreshes every
// few seconds. GUI thread only.

#include "study/study_analysis.h"

#include <QString>
#include <QWidget>

class QCustomPlot;
class QLabel;
class QTableWidget;
class QTimer;

namespace sg::ui {

// One learning curve: condition, and for each scored-trial index (0-based, per participant, in
// the order shown) the fraction of that condition's participants who answered it right.
struct LearningCurve {
    QString condition;
    std::vector<double> accuracy; // index i: over the participants with an i-th scored answer
    std::vector<int> counts; // how many answers each point averages
};
// Learning curves from export rows (attention checks and questionnaires left out). Pure.
std::vector<LearningCurve> learningCurves(const std::vector<ResponseRow> &rows);

class StudyConsole : public QWidget {
    Q_OBJECT

public:
    // Opens nothing yet; refresh() reads `databasePath`.
    explicit StudyConsole(const QString &databasePath, QWidget *parent = nullptr);

    // Rereads the database. Errors (a missing or foreign file) show in the status line and are
    // emitted by failed(); the last good view stays.
    void refresh();
    // Writes the tidy CSV (core responsesCsv) to `path`, replacing it (the dialog asked). Returns
    // false and emits failed() when it cannot be written.
    bool exportCsv(const QString &path);

    const StudySummary &summary() const { return summary_; }
    const std::vector<ResponseRow> &rows() const { return rows_; }
    QCustomPlot *plot() const { return plot_; }
    QTableWidget *participantsTable() const { return participants_; }
    QTableWidget *summaryTable() const { return table_; }
    QString statusText() const; // the line above the tables: the file, its journal, the counts

Q_SIGNALS:
    void refreshed();
    void failed(const QString &message);

private:
    void chooseExport();
    void fillParticipants(const std::vector<ParticipantRecord> &participants,
        const std::vector<std::pair<int, int>> &progress, const std::vector<QString> &conditions);
    void fillSummary();
    void fillPlot();

    QString databasePath_;
    std::vector<ResponseRow> rows_;
    StudySummary summary_;
    QLabel *status_ = nullptr;
    QLabel *tests_ = nullptr;
    QTableWidget *participants_ = nullptr;
    QTableWidget *table_ = nullptr;
    QCustomPlot *plot_ = nullptr;
    QTimer *timer_ = nullptr;
};

} // namespace sg::ui
