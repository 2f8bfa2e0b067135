// The participant runner and the researcher console of the study mode (issue 14).
//
// Done-when test (crashAndResume): a scripted participant goes through demo study 1 (the fashion
// study, its training and test blocks cut to a few trials so preparation takes seconds, not
// minutes) by key presses in a real `sightglass --study` child process, which is SIGKILLed midway
// with a trial on screen, restarted and finishes the study. Then: every answer given before the
// kill is in the database exactly once, the stored schedule is the one buildSchedule gives from
// the participant's seed, and `sightglass-cli study export` has one row per answered trial.
// The other tests drive the runner widget in-process with QTest.

#include "qcustomplot_wrapper.h"
#include "study_console.h"
#include "study_runner.h"
#include "test_support.h"
#include "xnn_panel.h"

#include "study/study_protocol.h"
#include "study/study_run.h"
#include "study/study_schedule.h"

#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#ifndef SG_GUI_PATH
#error "SG_GUI_PATH names the sightglass binary"
#endif

namespace sg {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A copy of demo study 1 with absolute paths and `training` / `test` trials of each block.
std::string writeReducedFashionStudy(const test::TempDir &dir, int training, int testTrials)
{
    const std::string source = test::sourcePath("resources/studies/fashion-upper-body/study.json");
    json protocol = test::readJson(source);
    const fs::path folder = fs::path(source).parent_path();
    const auto absolute = [&](const json &relative) {
        return fs::weakly_canonical(folder / relative.get<std::string>()).string();
    };
    protocol.erase("$schema");
    protocol["model"] = absolute(protocol["model"]);
    for (json &condition : protocol["conditions"])
        if (condition.contains("xnn"))
            for (json &file : condition["xnn"])
                file = absolute(file);
    for (json &block : protocol["blocks"]) {
        if (!block.contains("trials"))
            continue;
        json &trials = block["trials"];
        const int keep = block["kind"] == "training" ? training
            : block["kind"] == "test"                ? testTrials
                                                     : int(trials.size());
        json kept = json::array();
        for (int i = 0; i < keep && i < int(trials.size()); ++i) {
            json trial = trials[size_t(i)];
            if (trial.contains("image"))
                trial["image"] = absolute(trial["image"]);
            kept.push_back(trial);
        }
        trials = kept;
    }
    return dir.write("study.json", protocol.dump(2));
}

QProcessEnvironment offscreenEnvironment()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    return environment;
}

// The key a scripted participant presses on `screen`; answers depend on the position only, so a
// restarted run answers as the first would have.
QStringList keysFor(const QString &screen, const Study &study, const std::vector<ScheduledTrial> &schedule)
{
    if (screen.startsWith(QStringLiteral("trial "))) {
        const int position = screen.mid(6).toInt();
        const ScheduledTrial &trial = schedule[size_t(position)];
        if (trial.trialKind == TrialKind::FreeText)
            return {QStringLiteral("type: fine"), QStringLiteral("Return")};
        if (trial.trialKind == TrialKind::Likert)
            return {QStringLiteral("4")};
        return {QString::number(position % int(study.answers.size()) + 1)};
    }
    if (screen.startsWith(QStringLiteral("confidence ")))
        return {QString::number(screen.mid(11).toInt() % 5 + 1)};
    if (screen == QLatin1String("finished"))
        return {ui::StudyRunner::exitChord().toString(QKeySequence::PortableText)};
    return {QStringLiteral("Space")};
}

// A runner child process speaking the hidden test protocol (keys on stdin; screens and answers on
// stdout).
struct Child {
    QProcess process;
    QStringList screens;
    std::map<int, QString> answers; // position -> answer, as the runner reported it committed
    QString pending;

    void start(const QString &study, const QString &database, const QString &participant)
    {
        process.setProcessEnvironment(offscreenEnvironment());
        process.setProcessChannelMode(QProcess::SeparateChannels);
        process.start(QStringLiteral(SG_GUI_PATH),
            {QStringLiteral("--study"), study, QStringLiteral("--participant"), participant,
                QStringLiteral("--database"), database, QStringLiteral("--study-keys-stdin"),
                QStringLiteral("--study-windowed")});
    }
    // The next line of standard output (empty when none came within the timeout).
    QString nextLine(int timeoutMs = 60000)
    {
        QElapsedTimer waited;
        waited.start();
        while (!process.canReadLine()) {
            if (waited.elapsed() > timeoutMs || process.state() == QProcess::NotRunning)
                return {};
            process.waitForReadyRead(200);
        }
        return QString::fromUtf8(process.readLine()).trimmed();
    }
    void send(const QStringList &keys)
    {
        for (const QString &key : keys)
            process.write((key + QLatin1Char('\n')).toUtf8());
    }
};

} // namespace

class StudyRunnerTest : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::TempDir> dir_;
    QString study_;
    std::string studyPath_;
    int databases_ = 0;

    std::string freshDatabase() { return dir_->file("db-" + std::to_string(databases_++) + ".sqlite"); }

    std::unique_ptr<ui::StudyRunner> runnerFor(const std::string &database, const std::string &participant)
    {
        auto runner = std::make_unique<ui::StudyRunner>(
            std::make_unique<StudyRun>(studyPath_, database, participant), 1000);
        runner->resize(1200, 800);
        runner->show();
        runner->start();
        return runner;
    }

    static void press(ui::StudyRunner &runner, Qt::Key key, Qt::KeyboardModifiers modifiers = Qt::NoModifier)
    {
        QTest::keyClick(&runner, key, modifiers);
    }

    // Presses Space until a trial is on screen.
    static void continueToTrial(ui::StudyRunner &runner)
    {
        for (int i = 0; i < 5 && runner.screen() != ui::StudyRunner::Screen::Trial; ++i)
            press(runner, Qt::Key_Space);
        QCOMPARE(runner.screen(), ui::StudyRunner::Screen::Trial);
    }

private Q_SLOTS:
    void initTestCase()
    {
        dir_ = std::make_unique<test::TempDir>();
        studyPath_ = writeReducedFashionStudy(*dir_, 2, 3);
        study_ = QString::fromStdString(studyPath_);
        const auto prepare = test::runCli("--threads 2 study prepare '" + studyPath_ + "'");
        QVERIFY2(prepare.exitCode == 0, prepare.err.c_str());
    }

    void numberKeysAnswerAndTrainingShowsFeedback()
    {
        const std::string database = freshDatabase();
        auto runner = runnerFor(database, "keys");
        QCOMPARE(runner->screenName(), QStringLiteral("consent"));
        press(*runner, Qt::Key_Space);
        QCOMPARE(runner->screenName(), QStringLiteral("block training"));
        press(*runner, Qt::Key_Return);
        QCOMPARE(runner->screen(), ui::StudyRunner::Screen::Trial);
        const ScheduledTrial trial = *runner->currentTrial();
        press(*runner, Qt::Key_9); // no ninth answer: nothing happens
        QCOMPARE(runner->screen(), ui::StudyRunner::Screen::Trial);
        QCOMPARE(runner->run().answeredCount(), 0);
        QSignalSpy committed(runner.get(), &ui::StudyRunner::answerCommitted);
        press(*runner, Qt::Key_2);
        QCOMPARE(committed.count(), 1);
        QCOMPARE(runner->screen(), ui::StudyRunner::Screen::Feedback);
        // Committed before the feedback appears, as the answer key says.
        const StudyStore store(database);
        const auto rows = store.responses();
        QCOMPARE(int(rows.size()), 1);
        QCOMPARE(rows[0].trial.position, trial.position);
        QCOMPARE(QString::fromStdString(rows[0].answer), QStringLiteral("Pullover"));
        QCOMPARE(rows[0].confidence, 0);
        auto *verdict = runner->findChild<QLabel *>(QStringLiteral("verdict"));
        QVERIFY(verdict);
        const bool right = trial.truth == "Pullover";
        QCOMPARE(verdict->text().startsWith(QStringLiteral("Right")), right);
        QVERIFY(verdict->text().contains(QString::fromStdString(trial.truth)));
        QCOMPARE(*rows[0].correct, right);
    }

    void clickAnswersToo()
    {
        const std::string database = freshDatabase();
        auto runner = runnerFor(database, "click");
        continueToTrial(*runner);
        auto *button = runner->findChild<QPushButton *>(QStringLiteral("choice3"));
        QVERIFY(button);
        QCOMPARE(button->focusPolicy(), Qt::NoFocus);
        QTest::mouseClick(button, Qt::LeftButton);
        QCOMPARE(runner->run().answeredCount(), 1);
        QCOMPARE(QString::fromStdString(StudyStore(database).responses()[0].answer), QStringLiteral("Coat"));
    }

    void breakBetweenBlocksThenConfidence()
    {
        const std::string database = freshDatabase();
        auto runner = runnerFor(database, "blocks");
        QStringList screens;
        connect(runner.get(), &ui::StudyRunner::screenShown, this,
            [&screens](const QString &s) { screens << s; });
        // Both training trials with their feedback.
        for (int i = 0; i < 2; ++i) {
            continueToTrial(*runner);
            QCOMPARE(runner->currentTrial()->blockKind, BlockKind::Training);
            press(*runner, Qt::Key_1);
            QCOMPARE(runner->screen(), ui::StudyRunner::Screen::Feedback);
        }
        press(*runner, Qt::Key_Space);
        QCOMPARE(runner->screen(), ui::StudyRunner::Screen::Break);
        press(*runner, Qt::Key_Space);
        QCOMPARE(runner->screenName(), QStringLiteral("block test"));
        press(*runner, Qt::Key_Space);
        QCOMPARE(runner->screen(), ui::StudyRunner::Screen::Trial);
        QCOMPARE(runner->currentTrial()->blockKind, BlockKind::Test);
        QVERIFY2(!runner->findChild<QWidget *>(QStringLiteral("explanation")),
            "the test block shows no explanation");
        const int position = runner->currentTrial()->position;
        press(*runner, Qt::Key_4);
        QCOMPARE(runner->screen(), ui::StudyRunner::Screen::Confidence);
        QCOMPARE(runner->run().answeredCount(), 2); // not committed before the rating
        press(*runner, Qt::Key_6); // outside 1-5: ignored
        QCOMPARE(runner->screen(), ui::StudyRunner::Screen::Confidence);
        press(*runner, Qt::Key_5);
        QCOMPARE(runner->run().answeredCount(), 3);
        QCOMPARE(runner->screen(), ui::StudyRunner::Screen::Trial); // no feedback in test blocks
        const auto rows = StudyStore(database).responses();
        QCOMPARE(rows.back().trial.position, position);
        QCOMPARE(QString::fromStdString(rows.back().answer), QStringLiteral("Shirt"));
        QCOMPARE(rows.back().confidence, 5);
        QVERIFY(rows.back().responseMs >= 0);
        QVERIFY(screens.contains(QStringLiteral("break")));
    }

    void trainingShowsTheConditionsExplanation()
    {
        const std::string database = freshDatabase();
        // Participant index 2 gets the xnn condition (between subjects, Latin square row 2).
        StudyRun(studyPath_, database, "first");
        StudyRun(studyPath_, database, "second");
        auto runner = runnerFor(database, "third");
        continueToTrial(*runner);
        QCOMPARE(QString::fromStdString(runner->currentTrial()->condition), QStringLiteral("xnn"));
        QVERIFY(runner->findChild<QWidget *>(QStringLiteral("explanation")));
        auto *panel = runner->findChild<ui::XnnPanel *>();
        QVERIFY2(panel, "the XNN panel shows the prepared record");
        QVERIFY(!panel->order().empty());
    }

    void keyboardAloneFinishesTheStudy()
    {
        const std::string database = freshDatabase();
        auto runner = runnerFor(database, "keyboard");
        for (int step = 0; step < 200 && runner->screen() != ui::StudyRunner::Screen::Finished; ++step) {
            QVERIFY(runner->screen() != ui::StudyRunner::Screen::Error);
            if (runner->screen() == ui::StudyRunner::Screen::Confidence) {
                press(*runner, Qt::Key_3);
            } else if (runner->screen() != ui::StudyRunner::Screen::Trial) {
                press(*runner, Qt::Key_Space);
            } else if (runner->currentTrial()->trialKind == TrialKind::FreeText) {
                auto *edit = runner->findChild<QLineEdit *>(QStringLiteral("freeText"));
                QVERIFY(edit);
                QCOMPARE(runner->focusWidget(), edit); // typing goes to the box without a click
                QTest::keyClicks(edit, QStringLiteral("fine 2"));
                QCOMPARE(runner->screen(), ui::StudyRunner::Screen::Trial); // digits typed, not answers
                QTest::keyClick(edit, Qt::Key_Return);
            } else {
                press(
                    *runner, runner->currentTrial()->trialKind == TrialKind::Likert ? Qt::Key_4 : Qt::Key_1);
            }
        }
        QCOMPARE(runner->screen(), ui::StudyRunner::Screen::Finished);
        QCOMPARE(runner->run().answeredCount(), runner->run().trialCount());
        for (const ResponseRow &row : StudyStore(database).responses()) {
            if (row.trial.trialKind == TrialKind::FreeText)
                QCOMPARE(QString::fromStdString(row.answer), QStringLiteral("fine 2"));
            if (row.trial.trialKind == TrialKind::Likert)
                QCOMPARE(QString::fromStdString(row.answer), QStringLiteral("4"));
            QCOMPARE(row.confidence, row.trial.confidence ? 3 : 0);
        }
    }

    void onlyTheExitChordCloses()
    {
        auto runner = runnerFor(freshDatabase(), "chord");
        QSignalSpy exit(runner.get(), &ui::StudyRunner::exitRequested);
        QVERIFY(!runner->close());
        QVERIFY(runner->isVisible());
        press(*runner, Qt::Key_Q, Qt::ControlModifier | Qt::ShiftModifier); // not the chord
        press(*runner, Qt::Key_Escape);
        QVERIFY(runner->isVisible());
        QCOMPARE(exit.count(), 0);
        press(*runner, Qt::Key_Q, Qt::ControlModifier | Qt::ShiftModifier | Qt::AltModifier);
        QCOMPARE(exit.count(), 1);
        QVERIFY(!runner->isVisible());
    }

    void refusesAnUnpreparedStudyAndABusyParticipant()
    {
        test::TempDir other;
        const std::string unprepared = writeReducedFashionStudy(other, 1, 1);
        QProcess child;
        child.setProcessEnvironment(offscreenEnvironment());
        child.start(QStringLiteral(SG_GUI_PATH),
            {QStringLiteral("--study"), QString::fromStdString(unprepared), QStringLiteral("--participant"),
                QStringLiteral("p"), QStringLiteral("--database"),
                QString::fromStdString(other.file("db.sqlite")), QStringLiteral("--study-keys-stdin")});
        QVERIFY(child.waitForFinished(60000));
        QCOMPARE(child.exitCode(), 2);
        QVERIFY2(QString::fromUtf8(child.readAllStandardError()).contains(QStringLiteral("not prepared")),
            "the message says why");

        const std::string database = freshDatabase();
        const StudyRun holder(studyPath_, database, "busy");
        Child second;
        second.start(study_, QString::fromStdString(database), QStringLiteral("busy"));
        QVERIFY(second.process.waitForFinished(60000));
        QCOMPARE(second.process.exitCode(), 2);
        QVERIFY(QString::fromUtf8(second.process.readAllStandardError())
                    .contains(QStringLiteral("already running")));
        QVERIFY2(second.screens.isEmpty() && second.process.readAllStandardOutput().isEmpty(),
            "no screen is shown for a busy participant");
    }

    // Issue 14, done when.
    void crashAndResume()
    {
        const std::string database = freshDatabase();
        const QString db = QString::fromStdString(database);
        StudyRun(studyPath_, database, "c0"); // so the scripted participant is index 2 (xnn)
        StudyRun(studyPath_, database, "c1");
        const std::string participant = "scripted";
        const Study study = loadStudy(studyPath_);
        std::vector<ScheduledTrial> schedule;

        Child first;
        first.start(study_, db, QString::fromStdString(participant));
        int killAfter = 0;
        std::map<int, QString> beforeKill;
        for (;;) {
            const QString line = first.nextLine();
            QVERIFY2(!line.isEmpty(), qPrintable(QString::fromUtf8(first.process.readAllStandardError())));
            if (schedule.empty()) {
                // Registered by the child: read its schedule from the store.
                schedule = StudyStore(database).schedule(participant);
                QVERIFY(schedule.size() > 4);
                killAfter = int(schedule.size()) / 2;
            }
            if (line.startsWith(QStringLiteral("answer: "))) {
                const QStringList parts = line.split(QLatin1Char(' '));
                beforeKill[parts[1].toInt()] = parts.mid(6).join(QLatin1Char(' '));
                continue;
            }
            QVERIFY(line.startsWith(QStringLiteral("screen: ")));
            const QString screen = line.mid(8);
            if (int(beforeKill.size()) >= killAfter && screen.startsWith(QStringLiteral("trial "))) {
                first.process.kill(); // SIGKILL, with a trial on screen
                QVERIFY(first.process.waitForFinished(10000));
                QCOMPARE(first.process.exitStatus(), QProcess::CrashExit);
                break;
            }
            first.send(keysFor(screen, study, schedule));
        }
        QCOMPARE(int(beforeKill.size()), killAfter);
        QCOMPARE(StudyStore(database).answeredCount(participant), killAfter);

        Child second;
        second.start(study_, db, QString::fromStdString(participant));
        std::map<int, QString> afterKill;
        QStringList trialsShown;
        bool finished = false;
        while (!finished) {
            const QString line = second.nextLine();
            QVERIFY2(!line.isEmpty(), qPrintable(QString::fromUtf8(second.process.readAllStandardError())));
            if (line.startsWith(QStringLiteral("answer: "))) {
                const QStringList parts = line.split(QLatin1Char(' '));
                afterKill[parts[1].toInt()] = parts.mid(6).join(QLatin1Char(' '));
                continue;
            }
            const QString screen = line.mid(8);
            if (second.screens.isEmpty())
                QCOMPARE(screen, QStringLiteral("resume"));
            second.screens << screen;
            if (screen.startsWith(QStringLiteral("trial ")))
                trialsShown << screen;
            finished = screen == QLatin1String("finished");
            second.send(keysFor(screen, study, schedule));
        }
        QVERIFY2(second.process.waitForFinished(30000), "the exit chord ends the runner");
        QCOMPARE(second.process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(second.process.exitCode(), 0);
        QCOMPARE(trialsShown.first(), QStringLiteral("trial %1").arg(killAfter)); // the first unanswered

        // Every answer given before the kill is stored exactly once, as given.
        const StudyStore store(database);
        std::map<int, int> stored;
        std::map<int, std::string> storedAnswer;
        for (const ResponseRow &row : store.responses())
            if (row.participant.id == participant) {
                stored[row.trial.position] += 1;
                storedAnswer[row.trial.position] = row.answer;
            }
        for (const auto &[position, answer] : beforeKill) {
            QCOMPARE(stored[position], 1);
            QCOMPARE(QString::fromStdString(storedAnswer[position]), answer);
            QVERIFY2(!afterKill.count(position), "no trial answered before the kill is asked again");
        }
        QCOMPARE(int(stored.size()), int(schedule.size()));
        for (const auto &[position, count] : stored)
            QCOMPARE(count, 1);

        // The schedule after the restart is the one the participant's seed gives.
        const ParticipantRecord record = *store.participant(participant);
        QCOMPARE(record.index, 2);
        QCOMPARE(record.seed, participantSeed(study.seed, participant));
        const Schedule fromSeed = buildSchedule(study, record.index, record.seed);
        QVERIFY(sameSchedule(store.schedule(participant), fromSeed.trials));
        QVERIFY(sameSchedule(schedule, fromSeed.trials));
        QStringList expectedTrials;
        for (int p = killAfter; p < int(fromSeed.trials.size()); ++p)
            expectedTrials << QStringLiteral("trial %1").arg(p);
        QCOMPARE(trialsShown, expectedTrials);

        // The export: one row per answered trial (3 participants: only the scripted one answered).
        const std::string csv = dir_->file("export.csv");
        const auto exported = test::runCli("study export '" + database + "' --out '" + csv + "'");
        QVERIFY2(exported.exitCode == 0, exported.err.c_str());
        std::ifstream in(csv);
        std::string header;
        std::getline(in, header);
        QVERIFY(header.rfind("study,participant,", 0) == 0);
        std::set<int> positions;
        int rows = 0;
        for (std::string row; std::getline(in, row);) {
            if (row.empty())
                continue;
            ++rows;
            std::vector<std::string> fields;
            std::stringstream cells(row);
            for (std::string field; std::getline(cells, field, ',');)
                fields.push_back(field);
            QCOMPARE(QString::fromStdString(fields[1]), QString::fromStdString(participant));
            positions.insert(std::stoi(fields[5]));
        }
        QCOMPARE(rows, int(schedule.size()));
        QCOMPARE(int(positions.size()), rows);
    }

    void consoleSummarisesAndExports()
    {
        const std::string database = freshDatabase();
        for (const char *id : {"a", "b"}) {
            StudyRun run(studyPath_, database, id);
            std::int64_t t = 1'000'000;
            while (const auto trial = run.nextTrial()) {
                const bool scored = trial->trialKind == TrialKind::Classify;
                const std::string answer = scored ? (trial->position % 2 == 0 ? trial->truth : "Coat") : "3";
                run.answer(trial->position, answer, trial->confidence ? 3 : 0, t, t + 1000 + trial->position);
                t += 5000;
            }
        }
        ui::StudyConsole console(QString::fromStdString(database));
        console.refresh();
        QCOMPARE(console.participantsTable()->rowCount(), 2);
        // The researcher sees which journal the file uses (a shared folder's is not WAL).
        QVERIFY2(console.statusText().contains(QStringLiteral(", WAL (local disk): 2 participants")),
            qPrintable(console.statusText()));
        QCOMPARE(console.participantsTable()->item(0, 4)->text(), QStringLiteral("done"));
        const StudySummary expected = summarizeResponses(StudyStore(database).responses());
        int cells = 0;
        for (const BlockSummary &b : expected.blocks)
            cells += int(b.conditions.size());
        QCOMPARE(console.summaryTable()->rowCount(), cells);
        // Learning curves: one graph per condition; each point the share right at that index.
        const auto curves = ui::learningCurves(console.rows());
        QCOMPARE(console.plot()->graphCount(), int(curves.size()));
        QCOMPARE(int(curves.size()), 2); // none (a), igos (b)
        // One participant per condition: each point is that participant's i-th scored answer.
        std::map<std::string, std::vector<double>> expectedCurve;
        for (const ResponseRow &row : console.rows())
            if (row.correct && !row.trial.attentionCheck && row.trial.trialKind == TrialKind::Classify)
                expectedCurve[row.trial.condition].push_back(*row.correct ? 1.0 : 0.0);
        for (const auto &curve : curves) {
            const std::vector<double> &expectedPoints = expectedCurve[curve.condition.toStdString()];
            QCOMPARE(curve.accuracy.size(), expectedPoints.size());
            for (size_t i = 0; i < curve.accuracy.size(); ++i) {
                QCOMPARE(curve.counts[i], 1);
                QCOMPARE(curve.accuracy[i], expectedPoints[i]);
            }
            QCPGraph *graph = nullptr;
            for (int g = 0; g < console.plot()->graphCount(); ++g)
                if (console.plot()->graph(g)->name() == curve.condition)
                    graph = console.plot()->graph(g);
            QVERIFY(graph);
            QCOMPARE(graph->dataCount(), int(expectedPoints.size()));
        }
        const QString csv = QString::fromStdString(dir_->file("console.csv"));
        QVERIFY(console.exportCsv(csv));
        std::ifstream in(csv.toStdString());
        int lines = 0;
        for (std::string line; std::getline(in, line);)
            lines += line.empty() ? 0 : 1;
        QCOMPARE(lines, int(console.rows().size()) + 1);
    }
};

} // namespace sg

QTEST_MAIN(sg::StudyRunnerTest)
#include "test_study_runner.moc"
