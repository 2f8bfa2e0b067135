#pragma once
// The participant-facing study runner (issue 14): full screen, one screen at a time — consent (or
// "welcome back" on a resume), each block's introduction, the trials (stimulus, the condition's
// prepared explanation, answer buttons), an optional confidence rating, feedback in training
// blocks, a break between blocks and a finish screen. Keyboard alone completes a study: number
// keys answer, Space or Return continues, Return submits free text. Nothing leads to researcher
// controls, other participants or the answer key; only the exit chord (Ctrl+Shift+Alt+Q) closes it.
//
// Each answer is committed to the store (StudyRun::answer) before the next screen appears; the
// response time runs from the moment the stimulus is shown to the answer (before any confidence
// rating), measured with a monotonic QElapsedTimer. A QTimer renews the participant's lease.
// GUI thread only: the StudyRun it owns was made there and is only used there.

#include "study/study_run.h"

#include <QElapsedTimer>
#include <QKeySequence>
#include <QWidget>

#include <memory>
#include <optional>

class QLabel;
class QLineEdit;
class QStackedWidget;
class QTimer;

namespace sg::ui {

class StudyRunner : public QWidget {
    Q_OBJECT

public:
    enum class Screen { Consent, Resume, BlockIntro, Break, Trial, Confidence, Feedback, Finished, Error };

    // Takes the run (constructed, so the participant is claimed and the study prepared).
    // `heartbeatMs`: how often the lease is renewed (well inside the store's lease timeout).
    explicit StudyRunner(std::unique_ptr<StudyRun> run, int heartbeatMs = 5000, QWidget *parent = nullptr);
    ~StudyRunner() override;

    // The researcher's exit chord; the only way to close the runner.
    static QKeySequence exitChord();

    // Shows the first screen (consent, or welcome back when answers exist).
    void start();

    Screen screen() const { return screen_; }
    // "consent", "trial 4", "confidence 4", "feedback 4", "break", "block training", "finished", ...
    QString screenName() const;
    const StudyRun &run() const { return *run_; }
    // The trial on screen (trial, confidence, feedback screens).
    const std::optional<ScheduledTrial> &currentTrial() const { return current_; }

Q_SIGNALS:
    void screenShown(const QString &name);
    // After the answer is committed to the database.
    void answerCommitted(int position, const QString &answer, int confidence, qint64 responseMs);
    void exitRequested();

protected:
    void keyPressEvent(QKeyEvent *event) override;
    void closeEvent(QCloseEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void advance();
    void showPage(Screen screen, QWidget *page);
    void showTextScreen(Screen screen, const QString &title, const QString &text, const QString &hint);
    void showTrial();
    void showConfidence();
    void showFeedback();
    void showFinished();
    void showError(const QString &message);
    void choose(const QString &answer);
    void commit(int confidence);
    void heartbeat();
    QString blockIntroText() const;
    QWidget *mediaRow(QWidget *parent) const;
    int choiceCount() const;
    QString choiceAt(int index) const;

    std::unique_ptr<StudyRun> run_;
    QStackedWidget *pages_ = nullptr;
    QTimer *heartbeatTimer_ = nullptr;
    QLineEdit *freeText_ = nullptr;
    Screen screen_ = Screen::Consent;
    std::optional<ScheduledTrial> current_;
    int enteredBlock_ = -1;
    bool breakDone_ = false;
    bool closeAllowed_ = false;
    QElapsedTimer shownTimer_;
    qint64 shownMs_ = 0;
    qint64 answeredMs_ = 0;
    QString pendingAnswer_;
};

// Posts a key press and release of `keys` (its first combination) to the focused widget, or to
// `fallback` when nothing has focus: the path a real keyboard takes through the widgets' key
// handling. Printable keys without Ctrl/Alt carry their text. GUI thread.
void postKeys(const QKeySequence &keys, QWidget *fallback);

} // namespace sg::ui
