#pragma once
// The study mode of the `sightglass` binary: the participant runner, the researcher console and
// the study screenshot tour. Parsing lives in gui_main.cpp; this is wiring only. GUI thread.

#include <QString>

namespace sg::app {

struct StudyRunnerLaunch {
    QString study; // protocol file
    QString participant;
    QString database; // empty: <protocol folder>/<study id>.sqlite
    bool keysFromStdin = false; // hidden test option: key names on stdin, screens/answers on stdout
    bool windowed = false; // hidden: not full screen (tests, screenshots)
};

// Runs the participant runner until the exit chord; returns the exit code (2: refused to start,
// with the reason on stderr and, with a display, in a message box).
int runStudyRunner(const StudyRunnerLaunch &launch);

// Opens the researcher console on `database`; returns the exit code.
int runStudyConsole(const QString &database);

// Screenshots of the study mode into `dir`: a training trial with the XNN panel, a test trial, a
// break and the researcher console with learning curves over simulated participants (a scratch
// database; the study must be prepared). Returns the exit code.
int runStudyTour(const QString &study, const QString &dir);

} // namespace sg::app
