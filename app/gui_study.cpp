#include "gui_study.h"

#include "study_console.h"
#include "study_runner.h"

#include "common/error.h"
#include "study/study_protocol.h"
#include "study/study_run.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QSocketNotifier>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <memory>
#include <random>

#include <unistd.h>

namespace sg::app {
namespace {

void printLine(FILE *stream, const QString &text)
{
    std::fprintf(stream, "%s\n", text.toLocal8Bit().constData());
    std::fflush(stream);
}

bool hasScreen()
{
    return qgetenv("QT_QPA_PLATFORM") != "offscreen";
}

int refuse(const QString &message, bool quiet)
{
    printLine(stderr, QStringLiteral("sightglass: error: ") + message);
    if (!quiet && hasScreen())
        QMessageBox::critical(nullptr, QStringLiteral("Sightglass study"), message);
    return 2;
}

QString defaultDatabase(const QString &studyPath)
{
    const Study study = loadStudy(studyPath.toStdString());
    return QFileInfo(studyPath).dir().filePath(QString::fromStdString(study.id) + QStringLiteral(".sqlite"));
}

// Reads key names (QKeySequence's portable text, one a line; "type: TEXT" types TEXT) from
// standard input and posts them to the focused widget, through the widgets' own key handling.
class StdinKeys : public QObject {
public:
    explicit StdinKeys(QWidget *fallback) : QObject(fallback), fallback_(fallback)
    {
        notifier_ = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, this);
        connect(notifier_, &QSocketNotifier::activated, this, [this] { readSome(); });
    }

private:
    void readSome()
    {
        char chunk[4096];
        const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
        if (n <= 0) {
            notifier_->setEnabled(false); // end of input: the keyboard is quiet from now on
            return;
        }
        buffer_.append(chunk, int(n));
        int newline = 0;
        while ((newline = buffer_.indexOf('\n')) >= 0) {
            const QString line = QString::fromUtf8(buffer_.left(newline)).trimmed();
            buffer_.remove(0, newline + 1);
            if (line.startsWith(QStringLiteral("type: "))) {
                for (const QChar c : line.mid(6))
                    ui::postKeys(QKeySequence(c == QLatin1Char(' ') ? QStringLiteral("Space") : QString(c)),
                        fallback_);
            } else if (!line.isEmpty()) {
                ui::postKeys(QKeySequence::fromString(line, QKeySequence::PortableText), fallback_);
            }
        }
    }

    QWidget *fallback_;
    QSocketNotifier *notifier_ = nullptr;
    QByteArray buffer_;
};

std::unique_ptr<StudyRun> openRun(const QString &study, const QString &database, const QString &participant)
{
    return std::make_unique<StudyRun>(study.toStdString(), database.toStdString(), participant.toStdString());
}

} // namespace

int runStudyRunner(const StudyRunnerLaunch &launch)
{
    if (launch.participant.isEmpty())
        return refuse(QStringLiteral("--study needs --participant ID"), launch.keysFromStdin);
    std::unique_ptr<StudyRun> run;
    try {
        const QString database = launch.database.isEmpty() ? defaultDatabase(launch.study) : launch.database;
        run = openRun(launch.study, database, launch.participant);
    } catch (const ParticipantBusy &busy) {
        return refuse(QStringLiteral("cannot start: %1").arg(QString::fromStdString(busy.what())),
            launch.keysFromStdin);
    } catch (const Error &error) {
        return refuse(QStringLiteral("cannot start the study: %1").arg(QString::fromStdString(error.what())),
            launch.keysFromStdin);
    }
    ui::StudyRunner runner(std::move(run));
    QObject::connect(
        &runner, &ui::StudyRunner::exitRequested, qApp, &QCoreApplication::quit, Qt::QueuedConnection);
    if (launch.keysFromStdin) {
        new StdinKeys(&runner);
        QObject::connect(&runner, &ui::StudyRunner::screenShown, &runner,
            [](const QString &name) { printLine(stdout, QStringLiteral("screen: ") + name); });
        QObject::connect(&runner, &ui::StudyRunner::answerCommitted, &runner,
            [](int position, const QString &answer, int confidence, qint64 responseMs) {
                printLine(stdout,
                    QStringLiteral("answer: %1 confidence %2 rt %3 %4")
                        .arg(position)
                        .arg(confidence)
                        .arg(responseMs)
                        .arg(answer));
            });
    }
    if (launch.windowed) {
        runner.resize(1400, 900);
        runner.show();
    } else {
        runner.showFullScreen();
    }
    runner.activateWindow();
    runner.start();
    return QApplication::exec();
}

int runStudyConsole(const QString &database)
{
    if (!QFileInfo::exists(database))
        return refuse(QStringLiteral("%1: no such study database").arg(database), false);
    ui::StudyConsole console(database);
    console.resize(1400, 900);
    console.refresh();
    console.show();
    return QApplication::exec();
}

namespace {

// Simulated answers for the tour's console: participants get better over the trials, more so
// with explanations. Clearly not data: only for the picture.
void simulateParticipant(const QString &study, const QString &database, const QString &id, int index)
{
    auto run = openRun(study, database, id);
    std::mt19937_64 rng(std::uint64_t(1000 + index));
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const auto &answers = run->study().answers;
    std::int64_t now = 1'764'590'400'000; // 2025-12-01 12:00 UTC
    int scored = 0;
    while (const auto trial = run->nextTrial()) {
        std::string answer;
        if (trial->trialKind == TrialKind::Likert)
            answer = std::to_string(2 + int(unit(rng) * 3.0));
        else if (trial->trialKind == TrialKind::FreeText)
            answer = "simulated";
        else {
            const double skill = trial->condition == "none" ? 0.04 : trial->condition == "xnn" ? 0.07 : 0.055;
            const bool right = unit(rng) < std::min(0.95, 0.3 + skill * scored++);
            answer = trial->truth;
            if (!right)
                answer = answers[(size_t(unit(rng) * 3.0) + 1
                                     + size_t(std::find(answers.begin(), answers.end(), trial->truth)
                                         - answers.begin()))
                    % answers.size()];
        }
        const std::int64_t rt = 1200 + std::int64_t(unit(rng) * 3000.0);
        run->answer(
            trial->position, answer, trial->confidence ? 1 + int(unit(rng) * 5.0) % 5 : 0, now, now + rt);
        now += rt + 800;
    }
}

bool grabTo(QWidget &widget, const QString &path)
{
    const bool saved = widget.grab().save(path, "PNG");
    printLine(saved ? stdout : stderr,
        saved ? QStringLiteral("sightglass: screenshot written to %1").arg(path)
              : QStringLiteral("sightglass: error: %1: cannot write the screenshot").arg(path));
    return saved;
}

} // namespace

int runStudyTour(const QString &study, const QString &dir)
{
    QTemporaryDir scratch;
    const QString database = QDir(scratch.path()).filePath(QStringLiteral("tour.sqlite"));
    std::unique_ptr<StudyRun> run;
    try {
        // The tour's participant gets the study's richest condition (the first XNN, else SAG one):
        // between subjects, participant index r sees condition r mod k (the Latin square's row).
        const Study protocol = loadStudy(study.toStdString());
        int shown = 0;
        for (const ConditionKind kind : {ConditionKind::Sag, ConditionKind::Xnn})
            for (size_t c = 0; c < protocol.conditions.size(); ++c)
                if (protocol.conditions[c].kind == kind) {
                    shown = int(c);
                    break;
                }
        const auto simulated = [&](int i) {
            simulateParticipant(study, database, QStringLiteral("sim-%1").arg(i, 2, 10, QLatin1Char('0')), i);
        };
        for (int i = 0; i < shown; ++i)
            simulated(i);
        run = openRun(study, database, QStringLiteral("tour"));
        for (int i = shown + 1; i < 12; ++i)
            simulated(i);
    } catch (const Error &error) {
        return refuse(QString::fromStdString(error.what()), true);
    }
    ui::StudyRunner runner(std::move(run));
    runner.resize(1600, 1000);
    runner.show();
    runner.activateWindow();
    bool trainingShot = false;
    bool breakShot = false;
    bool testShot = false;
    int failures = 0;
    const auto later
        = [&runner](int ms, const std::function<void()> &f) { QTimer::singleShot(ms, &runner, f); };
    QObject::connect(&runner, &ui::StudyRunner::screenShown, &runner, [&](const QString &name) {
        const auto press = [&runner](const QString &key) { ui::postKeys(QKeySequence(key), &runner); };
        if (name.startsWith(QStringLiteral("trial"))) {
            const auto &trial = runner.currentTrial();
            const bool training = trial && trial->blockKind == BlockKind::Training;
            const bool test = trial && trial->blockKind == BlockKind::Test;
            if ((training && !trainingShot && trial->position >= 2) || (test && !testShot)) {
                (training ? trainingShot : testShot) = true;
                const QString file
                    = training ? QStringLiteral("study-training-xnn.png") : QStringLiteral("study-test.png");
                later(400, [&, file, test] {
                    failures += grabTo(runner, QDir(dir).filePath(file)) ? 0 : 1;
                    if (test) {
                        ui::StudyConsole *console = new ui::StudyConsole(database);
                        console->setAttribute(Qt::WA_DeleteOnClose);
                        console->resize(1600, 1000);
                        console->refresh();
                        console->show();
                        QTimer::singleShot(600, console, [&, console] {
                            failures
                                += grabTo(*console, QDir(dir).filePath(QStringLiteral("study-console.png")))
                                ? 0
                                : 1;
                            QCoreApplication::exit(failures == 0 ? 0 : 1);
                        });
                        return;
                    }
                    press(QStringLiteral("2"));
                });
                return;
            }
            return later(0, [press] { press(QStringLiteral("2")); });
        }
        if (name.startsWith(QStringLiteral("confidence")))
            return later(0, [press] { press(QStringLiteral("4")); });
        if (name == QLatin1String("break") && !breakShot) {
            breakShot = true;
            return later(400, [&, press] {
                failures += grabTo(runner, QDir(dir).filePath(QStringLiteral("study-break.png"))) ? 0 : 1;
                press(QStringLiteral("Space"));
            });
        }
        later(0, [press] { press(QStringLiteral("Space")); });
    });
    runner.start();
    QTimer::singleShot(120'000, &runner, [] {
        printLine(stderr, QStringLiteral("sightglass: error: the study tour did not finish within 120 s"));
        QCoreApplication::exit(1);
    });
    const int code = QApplication::exec();
    return code;
}

} // namespace sg::app
