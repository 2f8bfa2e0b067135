#include "study_console.h"

#include "qcustomplot_wrapper.h"

#include "common/error.h"
#include "study/study_store.h"

#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <map>
#include <set>

namespace sg::ui {
namespace {

constexpr int kRefreshMs = 5000;

bool scored(const ResponseRow &row)
{
    return row.correct.has_value() && !row.trial.attentionCheck
        && (row.trial.trialKind == TrialKind::Classify || row.trial.trialKind == TrialKind::PredictModel);
}

QTableWidgetItem *cell(const QString &text)
{
    auto *item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    return item;
}

QString percent(double value)
{
    return QString::number(value * 100.0, 'f', 1) + QLatin1Char('%');
}

const QColor kCurveColors[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xd6, 0x27, 0x28), QColor(0x2c, 0xa0, 0x2c),
    QColor(0xff, 0x7f, 0x0e), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b)};

} // namespace

std::vector<LearningCurve> learningCurves(const std::vector<ResponseRow> &rows)
{
    // Per participant, their scored answers in position order (rows come by participant, then
    // position), each with the condition shown.
    std::map<std::string, std::vector<const ResponseRow *>> byParticipant;
    for (const ResponseRow &row : rows)
        if (scored(row))
            byParticipant[row.participant.id].push_back(&row);
    std::vector<LearningCurve> curves;
    std::map<std::string, size_t> curveOf;
    std::vector<std::vector<int>> right;
    for (const ResponseRow &row : rows)
        if (scored(row) && !curveOf.count(row.trial.condition)) {
            curveOf[row.trial.condition] = curves.size();
            curves.push_back({QString::fromStdString(row.trial.condition), {}, {}});
            right.emplace_back();
        }
    for (auto &[participant, answers] : byParticipant) {
        std::sort(answers.begin(), answers.end(),
            [](const ResponseRow *a, const ResponseRow *b) { return a->trial.position < b->trial.position; });
        for (size_t i = 0; i < answers.size(); ++i) {
            const size_t c = curveOf[answers[i]->trial.condition];
            LearningCurve &curve = curves[c];
            if (curve.counts.size() <= i) {
                curve.counts.resize(i + 1, 0);
                right[c].resize(i + 1, 0);
            }
            curve.counts[i] += 1;
            right[c][i] += *answers[i]->correct ? 1 : 0;
        }
    }
    for (size_t c = 0; c < curves.size(); ++c) {
        curves[c].accuracy.resize(curves[c].counts.size(), 0.0);
        for (size_t i = 0; i < curves[c].counts.size(); ++i)
            if (curves[c].counts[i] > 0)
                curves[c].accuracy[i] = double(right[c][i]) / curves[c].counts[i];
    }
    return curves;
}

StudyConsole::StudyConsole(const QString &databasePath, QWidget *parent) :
    QWidget(parent), databasePath_(databasePath)
{
    setObjectName(QStringLiteral("studyConsole"));
    setWindowTitle(QStringLiteral("Study console: %1").arg(QFileInfo(databasePath).fileName()));
    auto *layout = new QVBoxLayout(this);
    auto *top = new QHBoxLayout;
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("consoleStatus"));
    top->addWidget(status_, 1);
    auto *refreshButton = new QPushButton(QStringLiteral("Refresh"), this);
    connect(refreshButton, &QPushButton::clicked, this, &StudyConsole::refresh);
    top->addWidget(refreshButton);
    auto *exportButton = new QPushButton(QStringLiteral("Export CSV\u2026"), this);
    exportButton->setObjectName(QStringLiteral("exportCsv"));
    connect(exportButton, &QPushButton::clicked, this, &StudyConsole::chooseExport);
    top->addWidget(exportButton);
    layout->addLayout(top);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    auto *tables = new QSplitter(Qt::Horizontal, splitter);
    participants_ = new QTableWidget(0, 5, tables);
    participants_->setObjectName(QStringLiteral("participants"));
    participants_->setHorizontalHeaderLabels({QStringLiteral("participant"), QStringLiteral("index"),
        QStringLiteral("condition"), QStringLiteral("answered"), QStringLiteral("progress")});
    participants_->horizontalHeader()->setStretchLastSection(true);
    participants_->verticalHeader()->hide();
    auto *right = new QWidget(tables);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    table_ = new QTableWidget(0, 7, right);
    table_->setObjectName(QStringLiteral("summary"));
    table_->setHorizontalHeaderLabels(
        {QStringLiteral("block"), QStringLiteral("condition"), QStringLiteral("n"), QStringLiteral("correct"),
            QStringLiteral("accuracy"), QStringLiteral("Wilson 95%"), QStringLiteral("median RT")});
    table_->horizontalHeader()->setStretchLastSection(false);
    table_->verticalHeader()->hide();
    rightLayout->addWidget(table_, 1);
    tests_ = new QLabel(right);
    tests_->setObjectName(QStringLiteral("tests"));
    tests_->setWordWrap(true);
    rightLayout->addWidget(tests_);
    tables->setStretchFactor(0, 2);
    tables->setStretchFactor(1, 3);

    plot_ = new QCustomPlot(splitter);
    plot_->setObjectName(QStringLiteral("learningCurves"));
    plot_->setMinimumHeight(260);
    plot_->xAxis->setLabel(QStringLiteral("scored trial (in the order each participant saw them)"));
    plot_->yAxis->setLabel(QStringLiteral("accuracy"));
    plot_->yAxis->setRange(0.0, 1.05);
    plot_->legend->setVisible(true);
    plot_->plotLayout()->insertRow(0);
    plot_->plotLayout()->addElement(0, 0,
        new QCPTextElement(plot_, QStringLiteral("Learning curves: share right at each trial, per condition"),
            QFont(font().family(), font().pointSize() + 1, QFont::Bold)));
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter, 1);

    timer_ = new QTimer(this);
    timer_->setInterval(kRefreshMs);
    connect(timer_, &QTimer::timeout, this, &StudyConsole::refresh);
    timer_->start();
}

QString StudyConsole::statusText() const
{
    return status_->text();
}

void StudyConsole::refresh()
{
    std::vector<ParticipantRecord> participants;
    std::vector<std::pair<int, int>> progress;
    std::vector<QString> conditions;
    QString journal;
    try {
        if (!QFileInfo::exists(databasePath_))
            throw Error(databasePath_.toStdString(), "no such study database");
        const StudyStore store(databasePath_.toStdString());
        journal = QString::fromStdString(store.journalDescription());
        participants = store.participants();
        for (const ParticipantRecord &p : participants) {
            const std::vector<ScheduledTrial> schedule = store.schedule(p.id);
            std::set<std::string> shown;
            QStringList names;
            for (const ScheduledTrial &t : schedule)
                if (t.trialKind == TrialKind::Classify || t.trialKind == TrialKind::PredictModel)
                    if (shown.insert(t.condition).second)
                        names << QString::fromStdString(t.condition);
            conditions.push_back(names.join(QStringLiteral(", ")));
            progress.emplace_back(store.answeredCount(p.id), int(schedule.size()));
        }
        rows_ = store.responses();
    } catch (const Error &error) {
        status_->setText(QString::fromStdString(error.what()));
        Q_EMIT failed(QString::fromStdString(error.what()));
        return;
    }
    summary_ = summarizeResponses(rows_);
    status_->setText(QStringLiteral("%1, %2: %3 participants, %4 answers; updated %5")
                         .arg(QFileInfo(databasePath_).fileName(), journal)
                         .arg(participants.size())
                         .arg(rows_.size())
                         .arg(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss"))));
    fillParticipants(participants, progress, conditions);
    fillSummary();
    fillPlot();
    Q_EMIT refreshed();
}

void StudyConsole::fillParticipants(const std::vector<ParticipantRecord> &participants,
    const std::vector<std::pair<int, int>> &progress, const std::vector<QString> &conditions)
{
    participants_->setRowCount(int(participants.size()));
    for (size_t i = 0; i < participants.size(); ++i) {
        const int row = int(i);
        const auto [done, total] = progress[i];
        participants_->setItem(row, 0, cell(QString::fromStdString(participants[i].id)));
        participants_->setItem(row, 1, cell(QString::number(participants[i].index)));
        participants_->setItem(row, 2, cell(conditions[i]));
        participants_->setItem(row, 3, cell(QStringLiteral("%1 / %2").arg(done).arg(total)));
        participants_->setItem(row, 4,
            cell(done == total ? QStringLiteral("done") : percent(total > 0 ? double(done) / total : 0.0)));
    }
    participants_->resizeColumnsToContents();
}

void StudyConsole::fillSummary()
{
    int rows = 0;
    for (const BlockSummary &block : summary_.blocks)
        rows += int(block.conditions.size());
    table_->setRowCount(rows);
    int row = 0;
    QStringList tests;
    for (const BlockSummary &block : summary_.blocks) {
        for (const ConditionCell &c : block.conditions) {
            table_->setItem(row, 0, cell(QString::fromStdString(block.block)));
            table_->setItem(row, 1, cell(QString::fromStdString(c.condition)));
            table_->setItem(row, 2, cell(QString::number(c.trials)));
            table_->setItem(row, 3, cell(QString::number(c.correct)));
            table_->setItem(row, 4, cell(percent(c.accuracy)));
            table_->setItem(row, 5,
                cell(QStringLiteral("%1 \u2013 %2").arg(percent(c.wilson.low), percent(c.wilson.high))));
            table_->setItem(row, 6, cell(QStringLiteral("%1 s").arg(c.medianResponseMs / 1000.0, 0, 'f', 2)));
            ++row;
        }
        const ConditionTest &t = block.test;
        if (t.name == "fisher-exact")
            tests << QStringLiteral("%1: Fisher's exact test (two-sided), p = %2")
                         .arg(QString::fromStdString(block.block))
                         .arg(t.p, 0, 'g', 3);
        else if (t.name == "chi-squared")
            tests << QStringLiteral("%1: Pearson's chi-squared = %2, df = %3, p = %4")
                         .arg(QString::fromStdString(block.block))
                         .arg(t.statistic, 0, 'f', 2)
                         .arg(t.df)
                         .arg(t.p, 0, 'g', 3);
        else
            tests
                << QStringLiteral("%1: one condition only, no test").arg(QString::fromStdString(block.block));
    }
    tests << QStringLiteral(
        "Trials are counted as independent; answers cluster by participant, so p is descriptive.");
    if (summary_.attentionChecks > 0)
        tests << QStringLiteral("Attention checks passed: %1 of %2")
                     .arg(summary_.attentionPassed)
                     .arg(summary_.attentionChecks);
    tests_->setText(tests.join(QLatin1Char('\n')));
    table_->resizeColumnsToContents();
}

void StudyConsole::fillPlot()
{
    plot_->clearGraphs();
    const std::vector<LearningCurve> curves = learningCurves(rows_);
    int longest = 0;
    for (size_t c = 0; c < curves.size(); ++c) {
        QCPGraph *graph = plot_->addGraph();
        graph->setName(curves[c].condition);
        const QColor color = kCurveColors[c % (sizeof(kCurveColors) / sizeof(kCurveColors[0]))];
        graph->setPen(QPen(color, 2));
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, color, 6));
        QVector<double> x;
        QVector<double> y;
        for (size_t i = 0; i < curves[c].accuracy.size(); ++i) {
            x << double(i + 1);
            y << curves[c].accuracy[i];
        }
        graph->setData(x, y);
        longest = std::max(longest, int(x.size()));
    }
    plot_->xAxis->setRange(0.5, std::max(1, longest) + 0.5);
    plot_->yAxis->setRange(0.0, 1.05);
    plot_->replot();
}

bool StudyConsole::exportCsv(const QString &path)
{
    QFile file(path);
    const std::string csv = responsesCsv(rows_);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || file.write(csv.data(), qint64(csv.size())) != qint64(csv.size())) {
        Q_EMIT failed(QStringLiteral("%1: cannot write the export").arg(path));
        return false;
    }
    status_->setText(QStringLiteral("%1 rows written to %2").arg(rows_.size()).arg(path));
    return true;
}

void StudyConsole::chooseExport()
{
    // The dialog asks before replacing a file: exports never overwrite without asking.
    const QString path = QFileDialog::getSaveFileName(this, QStringLiteral("Export the answers"),
        QFileInfo(databasePath_).dir().filePath(QStringLiteral("results.csv")),
        QStringLiteral("CSV (*.csv)"));
    if (!path.isEmpty())
        exportCsv(path);
}

} // namespace sg::ui
