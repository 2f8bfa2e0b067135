// sightglass: the desktop application. Parses the command line, sets up the runtime and opens
// the main window; with --screenshot (or without a display) it is a smoke run that grabs the
// window once the first prediction is on screen.

#include "curve_plot.h"
#include "explorer_document.h"
#include "gui_study.h"
#include "main_window.h"
#include "method_panel.h"
#include "sag_view.h"
#include "theme.h"
#include "view_tabs.h"
#include "what_if_view.h"
#include "xnn_view.h"

#include "common/error.h"
#include "common/version.h"
#include "model/runtime.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QPixmap>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>

#ifndef SG_SOURCE_DIR
#define SG_SOURCE_DIR ""
#endif

namespace {

constexpr int kScreenshotTimeoutMs = 300'000;
const char *const kDemoModel = "models/demo/cues.pt";
const char *const kDemoImages = "resources/samples/cues";

void printLine(FILE *stream, const QString &text)
{
    std::fprintf(stream, "%s\n", text.toLocal8Bit().constData());
    std::fflush(stream);
}

void printError(const QString &text)
{
    printLine(stderr, QStringLiteral("sightglass: error: ") + text);
}

// Finds `relative` (a demo file or folder) under, in order: $SIGHTGLASS_DATA_DIR, the installed
// data beside this binary (<prefix>/bin/../share/sightglass, wherever the package was unpacked),
// the source tree when run from <build>/bin, and the source tree this binary was built from.
// Empty when none has it.
QString findData(const QString &relative)
{
    QStringList roots;
    const QString fromEnvironment = qEnvironmentVariable("SIGHTGLASS_DATA_DIR");
    if (!fromEnvironment.isEmpty())
        roots << fromEnvironment;
    const QString exeDir = QCoreApplication::applicationDirPath();
    roots << exeDir + QStringLiteral("/../share/sightglass") << exeDir + QStringLiteral("/../..");
    const QString sourceDir = QStringLiteral(SG_SOURCE_DIR);
    if (!sourceDir.isEmpty())
        roots << sourceDir;
    for (const QString &root : roots) {
        const QFileInfo candidate(QDir(root).filePath(relative));
        if (candidate.exists())
            return QDir::cleanPath(candidate.absoluteFilePath());
    }
    return {};
}

QString headlessScreenshotPath()
{
    const QFileInfo buildDir(QDir::current().filePath(QStringLiteral("build")));
    if (buildDir.isDir() && buildDir.isWritable())
        return QDir::cleanPath(buildDir.absoluteFilePath() + QStringLiteral("/sightglass-smoke.png"));
    return QDir::temp().filePath(QStringLiteral("sightglass-smoke.png"));
}

QtMessageHandler defaultMessageHandler = nullptr;

// The offscreen platform warns once per top-level window that it cannot propagate size hints;
// harmless, and noise in the output of smoke runs.
void offscreenMessageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtWarningMsg && message.contains(QLatin1String("propagateSizeHints")))
        return;
    defaultMessageHandler(type, context, message);
}

QString percent(double probability)
{
    return QString::number(probability * 100.0, 'f', 1) + QLatin1Char('%');
}

} // namespace

namespace {

bool saveShot(QWidget &window, const QString &path)
{
    if (!window.grab().save(path, "PNG")) {
        printError(QStringLiteral("%1: cannot write the screenshot").arg(path));
        return false;
    }
    printLine(stdout, QStringLiteral("sightglass: screenshot written to %1").arg(path));
    return true;
}

// The tour's last stop: the XNN panel of the same image, with the demo XNN of its top class
// (models/demo/<model>-<class>.xnn) and I-GOS concept maps.
void runXnnTour(sg::ui::MainWindow &window, const QString &dir)
{
    sg::ui::XnnView *view = window.xnnView();
    window.showView(view);
    const QFileInfo model(window.document()->model().path);
    const QString file = model.absoluteDir().filePath(
        QStringLiteral("%1-%2.xnn").arg(model.completeBaseName()).arg(window.document()->topClass()));
    if (!QFileInfo::exists(file)) {
        printLine(stdout, QStringLiteral("sightglass: no %1; the tour ends before the XNN panel").arg(file));
        return QCoreApplication::exit(0);
    }
    QObject::connect(
        view, &sg::ui::XnnView::explanationShown, &window,
        [&window, dir] {
            QTimer::singleShot(400, &window, [&window, dir] {
                QCoreApplication::exit(
                    saveShot(window, QDir(dir).filePath(QStringLiteral("xnn-panel.png"))) ? 0 : 1);
            });
        },
        Qt::SingleShotConnection);
    QObject::connect(view, &sg::ui::XnnView::failed, &window, [](const QString &message) {
        printError(message);
        QCoreApplication::exit(1);
    });
    view->setXnnFile(file);
    view->explain();
}

// The tour's last stops: the SAG of a two-cue sample (the fifth image of the demo samples) while
// its roots are found and when done, with one of its nodes hovered and two pinned, the what-if grid started
// from that node, and the two side by side.
void runSagTour(sg::ui::MainWindow &window, const QString &dir)
{
    sg::ui::SagView *view = window.sagView();
    QObject::connect(
        view, &sg::ui::SagView::searchShown, &window,
        [&window, view, dir] {
            const int nodes = view->record() ? int(view->record()->result.graph.nodes.size()) : 0;
            if (nodes > 2) {
                view->togglePin(1);
                view->togglePin(2);
            }
            view->hoverNode(nodes > 3 ? 3 : 0);
            QTimer::singleShot(400, &window, [&window, dir] {
                if (!saveShot(window, QDir(dir).filePath(QStringLiteral("sag-view.png"))))
                    return QCoreApplication::exit(1);
                // The what-if grid, started from the hovered node with one more cell shown.
                sg::ui::WhatIfView *whatIf = window.whatIfView();
                window.showView(whatIf);
                whatIf->startFromSagNode();
                whatIf->toggleCell(24);
                QObject::connect(whatIf, &sg::ui::WhatIfView::scored, &window, [&window, whatIf, dir] {
                    if (!whatIf->current())
                        return;
                    QTimer::singleShot(300, &window, [&window, dir] {
                        if (!saveShot(window, QDir(dir).filePath(QStringLiteral("what-if.png"))))
                            return QCoreApplication::exit(1);
                        // Side by side: the SAG beside the what-if grid.
                        window.centralTabs()->showBeside(window.sagView());
                        QTimer::singleShot(400, &window, [&window, dir] {
                            const bool saved
                                = saveShot(window, QDir(dir).filePath(QStringLiteral("side-by-side.png")));
                            window.centralTabs()->unsplit();
                            if (!saved)
                                return QCoreApplication::exit(1);
                            runXnnTour(window, dir);
                        });
                    });
                });
            });
        },
        Qt::SingleShotConnection);
    // While the search runs: the first beam step that found roots, grabbed at once (the search
    // of a cues image takes about a second).
    auto *liveShot = new QMetaObject::Connection;
    *liveShot = QObject::connect(
        view, &sg::ui::SagView::progressShown, &window, [&window, dir, liveShot](int roots) {
            if (roots < 1)
                return;
            QObject::disconnect(*liveShot);
            delete liveShot;
            saveShot(window, QDir(dir).filePath(QStringLiteral("sag-searching.png")));
        });
    window.showImage(std::min(4, int(window.files().size()) - 1));
    window.showView(view);
    view->search();
}

// The screenshot tour: the explanation, the curves while scrubbing, the compare grid, then the
// SAG, what-if, side-by-side and XNN views.
void runTour(sg::ui::MainWindow &window, const QString &dir)
{
    QObject::connect(
        &window, &sg::ui::MainWindow::explanationShown, &window,
        [&window, dir](const sg::ui::ExplanationPtr &result) {
            QTimer::singleShot(400, &window, [&window, dir, result] {
                if (!saveShot(window, QDir(dir).filePath(QStringLiteral("main-window.png"))))
                    return QCoreApplication::exit(1);
                const int steps = int(result->explanation.metrics->deletion.x.size()) - 1;
                window.curvePlot()->showStep(sg::MetricCurve::Deletion, steps / 5);
                QTimer::singleShot(400, &window, [&window, dir] {
                    if (!saveShot(window, QDir(dir).filePath(QStringLiteral("curves.png"))))
                        return QCoreApplication::exit(1);
                    window.curvePlot()->hideStep();
                    QObject::connect(
                        &window, &sg::ui::MainWindow::comparisonFinished, &window,
                        [&window, dir] {
                            QTimer::singleShot(400, &window, [&window, dir] {
                                if (!saveShot(window, QDir(dir).filePath(QStringLiteral("compare-grid.png"))))
                                    return QCoreApplication::exit(1);
                                runSagTour(window, dir);
                            });
                        },
                        Qt::SingleShotConnection);
                    window.compareCurrent();
                    // While the comparison runs: the jobs panel with its progress and ETAs.
                    QTimer::singleShot(1500, &window, [&window, dir] {
                        auto *jobs = window.findChild<QDockWidget *>(QStringLiteral("jobsDock"));
                        auto *images = window.findChild<QDockWidget *>(QStringLiteral("imagesDock"));
                        if (jobs)
                            jobs->raise();
                        QTimer::singleShot(300, &window, [&window, dir, images] {
                            if (!saveShot(window, QDir(dir).filePath(QStringLiteral("jobs.png"))))
                                return QCoreApplication::exit(1);
                            if (images)
                                images->raise();
                        });
                    });
                });
            });
        },
        Qt::SingleShotConnection);
}

} // namespace

int main(int argc, char *argv[])
{
    // Parse before QApplication exists, so --help and --version work without a display.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Sightglass: a native lab for explaining image classifiers."));
    const QCommandLineOption helpOption(
        {QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help and exit."));
    const QCommandLineOption versionOption({QStringLiteral("v"), QStringLiteral("version")},
        QStringLiteral("Show the version and runtime, and exit."));
    const QCommandLineOption modelOption(QStringLiteral("model"),
        QStringLiteral("TorchScript model to open (.pt with its .json sidecar). Default: the demo model."),
        QStringLiteral("FILE"));
    const QCommandLineOption imagesOption(QStringLiteral("images"),
        QStringLiteral("Folder of images to open (or one image in it). Default: the demo samples."),
        QStringLiteral("DIR"));
    const QCommandLineOption threadsOption(QStringLiteral("threads"),
        QStringLiteral("Compute threads for the model (0 = all cores)."), QStringLiteral("N"),
        QStringLiteral("0"));
    const QCommandLineOption deviceOption(QStringLiteral("device"),
        QStringLiteral("Device for models: auto, cpu, cuda or cuda:N."), QStringLiteral("DEVICE"),
        QStringLiteral("auto"));
    const QCommandLineOption screenshotOption(QStringLiteral("screenshot"),
        QStringLiteral("Save the window as PNG to FILE once the first prediction is shown, then "
                       "quit (exit 1 if the model or image fails, or after 60 s)."),
        QStringLiteral("FILE"));
    const QCommandLineOption tourOption(QStringLiteral("tour"),
        QStringLiteral("Save screenshots into DIR, then quit: the main window (main-window.png), the "
                       "curves while scrubbing (curves.png), the jobs panel during a comparison "
                       "(jobs.png), the compare grid (compare-grid.png), a SAG search under way "
                       "(sag-searching.png) and done (sag-view.png), the what-if grid (what-if.png), "
                       "the two side by side (side-by-side.png) and the XNN panel (xnn-panel.png). "
                       "Uses I-GOS at 28x28 on the first image, the SAG on the fifth."),
        QStringLiteral("DIR"));
    const QCommandLineOption studyOption(QStringLiteral("study"),
        QStringLiteral("Run the participant runner of the study protocol FILE (full screen; needs "
                       "--participant; the researcher leaves with Ctrl+Shift+Alt+Q). The study must be "
                       "prepared (sightglass-cli study prepare FILE)."),
        QStringLiteral("FILE"));
    const QCommandLineOption participantOption(QStringLiteral("participant"),
        QStringLiteral("Participant id for --study (new ids are registered, known ones resume)."),
        QStringLiteral("ID"));
    const QCommandLineOption databaseOption(QStringLiteral("database"),
        QStringLiteral("Study database for --study. Default: <study id>.sqlite beside the protocol."),
        QStringLiteral("DB"));
    const QCommandLineOption consoleOption(QStringLiteral("study-console"),
        QStringLiteral("Open the researcher console on the study database DB."), QStringLiteral("DB"));
    const QCommandLineOption studyTourOption(QStringLiteral("study-tour"),
        QStringLiteral("Save screenshots of the study mode (a training trial, a test trial, a break, "
                       "the console over simulated participants) into DIR, then quit. Uses --study "
                       "(default: the prepared fashion demo study)."),
        QStringLiteral("DIR"));
    // For tests only: key names on standard input, one a line, are posted to the runner; every
    // screen and committed answer is printed on standard output.
    QCommandLineOption keysOption(QStringLiteral("study-keys-stdin"));
    keysOption.setFlags(QCommandLineOption::HiddenFromHelp);
    QCommandLineOption windowedOption(QStringLiteral("study-windowed"));
    windowedOption.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOptions({helpOption, versionOption, modelOption, imagesOption, threadsOption, deviceOption,
        screenshotOption, tourOption, studyOption, participantOption, databaseOption, consoleOption,
        studyTourOption, keysOption, windowedOption});

    if (!parser.parse(arguments)) {
        printError(parser.errorText());
        return 2;
    }
    if (parser.isSet(helpOption)) {
        // Without an application object the parser cannot know the program's name.
        printLine(stdout,
            parser.helpText()
                .replace(QStringLiteral("<executable_name>"), QStringLiteral("sightglass"))
                .trimmed());
        return 0;
    }
    if (!parser.positionalArguments().isEmpty()) {
        printError(QStringLiteral("unexpected argument '%1' (see --help)")
                       .arg(parser.positionalArguments().constFirst()));
        return 2;
    }
    bool threadsOk = false;
    const int threads = parser.value(threadsOption).toInt(&threadsOk);
    if (!threadsOk || threads < 0) {
        printError(QStringLiteral("--threads: expected 0 or a positive number, not '%1'")
                       .arg(parser.value(threadsOption)));
        return 2;
    }
    if (parser.isSet(versionOption)) {
        printLine(stdout, QStringLiteral("sightglass %1").arg(QString::fromUtf8(sg::kVersion)));
        sg::initRuntime(threads); // so the description reports the thread count in effect
        printLine(stdout, QString::fromStdString(sg::runtimeDescription()));
        return 0;
    }
    const QString device = parser.value(deviceOption);
    static const QRegularExpression devicePattern(QStringLiteral("^(auto|cpu|cuda(:\\d+)?)$"));
    if (!devicePattern.match(device).hasMatch()) {
        printError(QStringLiteral("--device: expected auto, cpu, cuda or cuda:N, not '%1'").arg(device));
        return 2;
    }

    const bool studyMode
        = parser.isSet(studyOption) || parser.isSet(consoleOption) || parser.isSet(studyTourOption);
    // Without any display, run the smoke test on the offscreen platform instead of failing.
    QString screenshotPath = parser.value(screenshotOption);
    const bool noDisplay = !studyMode && qEnvironmentVariableIsEmpty("DISPLAY")
        && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") && !qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
    if (noDisplay) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
        if (screenshotPath.isEmpty())
            screenshotPath = headlessScreenshotPath();
        printLine(stdout,
            QStringLiteral("sightglass: no display (DISPLAY and WAYLAND_DISPLAY are "
                           "unset); running a headless smoke run instead"));
    }
    const QString tourDir = parser.value(tourOption);
    if (!tourDir.isEmpty() && !QDir().mkpath(tourDir)) {
        printError(QStringLiteral("%1: cannot create the folder").arg(tourDir));
        return 2;
    }
    const bool screenshotMode = !screenshotPath.isEmpty() || !tourDir.isEmpty();
    if (qgetenv("QT_QPA_PLATFORM") == "offscreen")
        defaultMessageHandler = qInstallMessageHandler(offscreenMessageHandler);

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Sightglass"));
    QApplication::setApplicationName(QStringLiteral("Sightglass"));
    QApplication::setApplicationVersion(QString::fromUtf8(sg::kVersion));
    QApplication::setDesktopFileName(QStringLiteral("org.sightglass.Sightglass")); // packaging/linux
    sg::ui::applyTheme(app);

    try {
        sg::initRuntime(threads);
    } catch (const sg::Error &error) {
        printError(QString::fromStdString(error.what()));
        return 2;
    }

    if (parser.isSet(studyTourOption)) {
        QString study = parser.value(studyOption);
        if (study.isEmpty())
            study = findData(QStringLiteral("resources/studies/fashion-upper-body/study.json"));
        if (!QDir().mkpath(parser.value(studyTourOption))) {
            printError(QStringLiteral("%1: cannot create the folder").arg(parser.value(studyTourOption)));
            return 2;
        }
        return sg::app::runStudyTour(study, parser.value(studyTourOption));
    }
    if (parser.isSet(studyOption)) {
        sg::app::StudyRunnerLaunch launch;
        launch.study = parser.value(studyOption);
        launch.participant = parser.value(participantOption);
        launch.database = parser.value(databaseOption);
        launch.keysFromStdin = parser.isSet(keysOption);
        launch.windowed = parser.isSet(windowedOption);
        return sg::app::runStudyRunner(launch);
    }
    if (parser.isSet(consoleOption))
        return sg::app::runStudyConsole(parser.value(consoleOption));

    QString modelPath = parser.value(modelOption);
    if (modelPath.isEmpty())
        modelPath = findData(QString::fromLatin1(kDemoModel));
    QString imagesPath = parser.value(imagesOption);
    if (imagesPath.isEmpty())
        imagesPath = findData(QString::fromLatin1(kDemoImages));

    if (screenshotMode && modelPath.isEmpty()) {
        printError(QStringLiteral("no model: the demo model %1 was not found; pass --model FILE "
                                  "or set SIGHTGLASS_DATA_DIR")
                       .arg(QString::fromLatin1(kDemoModel)));
        return 1;
    }
    if (screenshotMode && imagesPath.isEmpty()) {
        printError(QStringLiteral("no images: the demo folder %1 was not found; pass --images DIR "
                                  "or set SIGHTGLASS_DATA_DIR")
                       .arg(QString::fromLatin1(kDemoImages)));
        return 1;
    }

    if (screenshotMode) {
        // Which files a smoke run opens, so a packaging check can tell installed data from the
        // source tree's (packaging/check-deb.sh).
        printLine(stdout, QStringLiteral("sightglass: model %1").arg(modelPath));
        printLine(stdout, QStringLiteral("sightglass: images %1").arg(imagesPath));
    }

    sg::ui::MainWindow window;
    window.setDevice(device);
    if (screenshotMode) {
        window.resize(1440, 900); // same picture whatever geometry the settings remember
        window.setAutoExplain(true);
    }
    if (!tourDir.isEmpty()) {
        window.methodPanel()->setMethodId(QStringLiteral("igos"));
        window.methodPanel()->setResolution(28);
        window.methodPanel()->resetParams();
        window.centralTabs()->setCurrentIndex(0);
    }

    if (screenshotMode) {
        // Queued, so exit() runs inside exec() even when a failure is reported early.
        QObject::connect(
            &window, &sg::ui::MainWindow::failed, &app,
            [](const QString &message) {
                printError(message);
                QCoreApplication::exit(1);
            },
            Qt::QueuedConnection);
        if (tourDir.isEmpty())
            QObject::connect(
                &window, &sg::ui::MainWindow::explanationShown, &app,
                [&window, screenshotPath](const sg::ui::ExplanationPtr &result) {
                    // Let the layout settle and the panels repaint before grabbing.
                    QTimer::singleShot(300, &window, [&window, screenshotPath, result] {
                        if (!saveShot(window, screenshotPath)) {
                            QCoreApplication::exit(1);
                            return;
                        }
                        const sg::Heatmap &heatmap = result->explanation.heatmap;
                        printLine(stdout,
                            QStringLiteral("sightglass: %1: %2 (%3), %4 map in %5 s")
                                .arg(QFileInfo(result->imagePath).fileName(),
                                    QString::fromStdString(heatmap.label), percent(heatmap.probability),
                                    QString::fromStdString(heatmap.method))
                                .arg(heatmap.seconds, 0, 'f', 2));
                        QCoreApplication::exit(0);
                    });
                },
                Qt::SingleShotConnection);
        else
            runTour(window, tourDir);
        QTimer::singleShot(kScreenshotTimeoutMs, &app, [] {
            printError(QStringLiteral("no explanation within %1 s").arg(kScreenshotTimeoutMs / 1000));
            QCoreApplication::exit(1);
        });
    }

    window.show();
    QTimer::singleShot(0, &window, [&window, modelPath, imagesPath] {
        if (!modelPath.isEmpty())
            window.openModel(modelPath);
        if (!imagesPath.isEmpty()) {
            if (QFileInfo(imagesPath).isDir())
                window.openImageFolder(imagesPath);
            else
                window.openImage(imagesPath);
        }
    });
    return QApplication::exec();
}
