#include "study_runner.h"

#include "study_explanation.h"

#include "common/error.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QFont>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPixmap>
#include <QPushButton>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace sg::ui {
namespace {

constexpr int kStimulusSide = 300;
constexpr int kConfidenceLevels = 5;

QLabel *textLabel(const QString &text, QWidget *parent, int pointDelta = 0)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setAlignment(Qt::AlignCenter);
    label->setTextFormat(Qt::PlainText);
    if (pointDelta != 0) {
        QFont font = label->font();
        font.setPointSize(font.pointSize() + pointDelta);
        label->setFont(font);
    }
    return label;
}

QLabel *pictureLabel(const QString &path, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setAlignment(Qt::AlignCenter);
    const QPixmap pixmap(path);
    if (pixmap.isNull()) {
        label->setText(QStringLiteral("(the image cannot be read)"));
        return label;
    }
    const Qt::TransformationMode mode = std::max(pixmap.width(), pixmap.height()) < kStimulusSide / 2
        ? Qt::FastTransformation
        : Qt::SmoothTransformation;
    label->setPixmap(pixmap.scaled(kStimulusSide, kStimulusSide, Qt::KeepAspectRatio, mode));
    return label;
}

// Buttons never take focus: keys stay with the runner, and Space never "clicks" a button.
QPushButton *choiceButton(const QString &text, QWidget *parent)
{
    auto *button = new QPushButton(text, parent);
    button->setFocusPolicy(Qt::NoFocus);
    button->setMinimumHeight(48);
    return button;
}

bool isContinueKey(int key)
{
    return key == Qt::Key_Space || key == Qt::Key_Return || key == Qt::Key_Enter;
}

// Digit keys 1..9 (main row or keypad) as 0-based choices; -1 otherwise.
int digitChoice(const QKeyEvent *event)
{
    if (event->key() >= Qt::Key_1 && event->key() <= Qt::Key_9)
        return event->key() - Qt::Key_1;
    return -1;
}

} // namespace

StudyRunner::StudyRunner(std::unique_ptr<StudyRun> run, int heartbeatMs, QWidget *parent) :
    QWidget(parent), run_(std::move(run))
{
    setObjectName(QStringLiteral("studyRunner"));
    setWindowTitle(QString::fromStdString(run_->study().title));
    setFocusPolicy(Qt::StrongFocus);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(48, 32, 48, 32);
    pages_ = new QStackedWidget(this);
    layout->addWidget(pages_);
    heartbeatTimer_ = new QTimer(this);
    heartbeatTimer_->setInterval(heartbeatMs);
    connect(heartbeatTimer_, &QTimer::timeout, this, &StudyRunner::heartbeat);
    qApp->installEventFilter(this);
}

StudyRunner::~StudyRunner()
{
    qApp->removeEventFilter(this);
}

QKeySequence StudyRunner::exitChord()
{
    return QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::ALT | Qt::Key_Q);
}

void StudyRunner::start()
{
    heartbeatTimer_->start();
    const Study &study = run_->study();
    if (run_->answeredCount() == 0)
        showTextScreen(Screen::Consent, QString::fromStdString(study.title),
            QStringLiteral("Thank you for taking part. This study records which answer you choose for each "
                           "image and how long you take; nothing else about you. You can stop at any time "
                           "by telling the researcher.\n\nThere are %1 questions.")
                .arg(run_->trialCount()),
            QStringLiteral("Press Space to agree and begin"));
    else
        showTextScreen(Screen::Resume, QStringLiteral("Welcome back"),
            QStringLiteral("You answered %1 of %2 questions. We continue where you stopped.")
                .arg(run_->answeredCount())
                .arg(run_->trialCount()),
            QStringLiteral("Press Space to continue"));
}

QString StudyRunner::screenName() const
{
    const QString position = current_ ? QString::number(current_->position) : QString();
    switch (screen_) {
    case Screen::Consent: return QStringLiteral("consent");
    case Screen::Resume: return QStringLiteral("resume");
    case Screen::BlockIntro:
        return QStringLiteral("block ") + (current_ ? QString::fromStdString(current_->blockId) : QString());
    case Screen::Break: return QStringLiteral("break");
    case Screen::Trial: return QStringLiteral("trial ") + position;
    case Screen::Confidence: return QStringLiteral("confidence ") + position;
    case Screen::Feedback: return QStringLiteral("feedback ") + position;
    case Screen::Finished: return QStringLiteral("finished");
    case Screen::Error: return QStringLiteral("error");
    }
    return {};
}

void StudyRunner::showPage(Screen screen, QWidget *page)
{
    screen_ = screen;
    while (pages_->count() > 0) {
        QWidget *old = pages_->widget(0);
        pages_->removeWidget(old);
        old->deleteLater();
    }
    freeText_ = page->findChild<QLineEdit *>();
    pages_->addWidget(page);
    pages_->setCurrentWidget(page);
    if (freeText_)
        freeText_->setFocus();
    else
        setFocus();
    Q_EMIT screenShown(screenName());
}

void StudyRunner::showTextScreen(
    Screen screen, const QString &title, const QString &text, const QString &hint)
{
    auto *page = new QWidget;
    auto *layout = new QVBoxLayout(page);
    layout->addStretch(1);
    layout->addWidget(textLabel(title, page, 8));
    layout->addSpacing(24);
    QLabel *body = textLabel(text, page, 3);
    body->setObjectName(QStringLiteral("screenText"));
    // A fixed width, so the wrapped text gets the height it needs (a centred label of free
    // width is laid out one line high).
    body->setFixedWidth(900);
    body->setMinimumHeight(body->heightForWidth(900));
    layout->addWidget(body, 0, Qt::AlignHCenter);
    layout->addSpacing(32);
    if (!hint.isEmpty()) {
        QPushButton *next = choiceButton(hint, page);
        connect(next, &QPushButton::clicked, this, &StudyRunner::advance);
        layout->addWidget(next, 0, Qt::AlignHCenter);
    }
    layout->addStretch(2);
    showPage(screen, page);
}

void StudyRunner::advance()
{
    try {
        current_ = run_->nextTrial();
    } catch (const Error &error) {
        return showError(QString::fromStdString(error.what()));
    }
    if (!current_)
        return showFinished();
    if (current_->blockIndex != enteredBlock_) {
        if (enteredBlock_ >= 0 && !breakDone_) {
            breakDone_ = true;
            return showTextScreen(Screen::Break, QStringLiteral("Time for a break"),
                QStringLiteral("You finished this part (%1 of %2 questions answered). Rest your eyes for a "
                               "moment.")
                    .arg(run_->answeredCount())
                    .arg(run_->trialCount()),
                QStringLiteral("Press Space when you are ready"));
        }
        breakDone_ = false;
        enteredBlock_ = current_->blockIndex;
        return showTextScreen(
            Screen::BlockIntro, QString(), blockIntroText(), QStringLiteral("Press Space to start"));
    }
    showTrial();
}

QString StudyRunner::blockIntroText() const
{
    // Instructions blocks have no trials: their text comes before the next block that has some.
    const auto &schedule = run_->schedule();
    const int previous = current_->position > 0 ? schedule[size_t(current_->position - 1)].blockIndex : -1;
    const auto &blocks = run_->study().blocks;
    QStringList texts;
    for (int b = previous + 1; b <= current_->blockIndex && b < int(blocks.size()); ++b)
        if (!blocks[size_t(b)].text.empty())
            texts << QString::fromStdString(blocks[size_t(b)].text);
    if (texts.isEmpty())
        texts << (current_->blockKind == BlockKind::Questionnaire
                ? QStringLiteral("A few questions about the study.")
                : QStringLiteral("The next part begins."));
    return texts.join(QStringLiteral("\n\n"));
}

int StudyRunner::choiceCount() const
{
    if (!current_)
        return 0;
    if (current_->trialKind == TrialKind::Likert) {
        const StudyTrial &t
            = run_->study().blocks[size_t(current_->blockIndex)].trials[size_t(current_->trialIndex)];
        return t.likertMax - t.likertMin + 1;
    }
    if (current_->trialKind == TrialKind::FreeText)
        return 0;
    return int(run_->study().answers.size());
}

QString StudyRunner::choiceAt(int index) const
{
    if (current_->trialKind == TrialKind::Likert) {
        const StudyTrial &t
            = run_->study().blocks[size_t(current_->blockIndex)].trials[size_t(current_->trialIndex)];
        return QString::number(t.likertMin + index);
    }
    return QString::fromStdString(run_->study().answers[size_t(index)]);
}

QWidget *StudyRunner::mediaRow(QWidget *parent) const
{
    auto *row = new QWidget(parent);
    auto *layout = new QHBoxLayout(row);
    layout->addStretch(1);
    const StudyTrial &t
        = run_->study().blocks[size_t(current_->blockIndex)].trials[size_t(current_->trialIndex)];
    if (current_->trialKind == TrialKind::PredictModel) {
        auto *full = new QWidget(row);
        auto *column = new QVBoxLayout(full);
        column->addWidget(pictureLabel(QString::fromStdString(t.image), full));
        column->addWidget(textLabel(QStringLiteral("the whole image"), full));
        layout->addWidget(full);
    }
    if (!current_->stimulus.empty()) {
        auto *stimulus = new QWidget(row);
        stimulus->setObjectName(QStringLiteral("stimulus"));
        auto *column = new QVBoxLayout(stimulus);
        column->addWidget(pictureLabel(QString::fromStdString(run_->stimulusPath(*current_)), stimulus));
        if (current_->trialKind == TrialKind::PredictModel)
            column->addWidget(textLabel(QStringLiteral("only these regions left"), stimulus));
        layout->addWidget(stimulus);
    }
    const std::string folder = run_->explanationFolder(*current_);
    if (!folder.empty()) {
        const StudyCondition *condition = run_->study().condition(current_->condition);
        const QString kind = condition ? QString::fromLatin1(conditionKindName(condition->kind)) : QString();
        QWidget *explanation = makeStudyExplanation(kind, QString::fromStdString(folder), row);
        explanation->setObjectName(QStringLiteral("explanation"));
        layout->addSpacing(32);
        layout->addWidget(explanation);
    }
    layout->addStretch(1);
    return row;
}

void StudyRunner::showTrial()
{
    auto *page = new QWidget;
    auto *layout = new QVBoxLayout(page);
    const StudyTrial &t
        = run_->study().blocks[size_t(current_->blockIndex)].trials[size_t(current_->trialIndex)];
    QString question;
    switch (current_->trialKind) {
    case TrialKind::Classify: question = QStringLiteral("Which kind is this?"); break;
    case TrialKind::PredictModel:
        question = QStringLiteral("What will the model answer for the image with only these regions left?");
        break;
    case TrialKind::Likert:
    case TrialKind::FreeText: break;
    }
    if (!t.prompt.empty())
        question = QString::fromStdString(t.prompt);
    layout->addWidget(textLabel(
        QStringLiteral("Question %1 of %2").arg(current_->position + 1).arg(run_->trialCount()), page));
    layout->addStretch(1);
    if (!current_->stimulus.empty())
        layout->addWidget(mediaRow(page));
    layout->addSpacing(16);
    layout->addWidget(textLabel(question, page, 4));
    layout->addSpacing(16);
    if (current_->trialKind == TrialKind::FreeText) {
        auto *edit = new QLineEdit(page);
        edit->setObjectName(QStringLiteral("freeText"));
        edit->setMaximumWidth(700);
        // Return is taken in eventFilter(): a line edit passes it on to its parents, where it
        // would also continue past the screen that comes next.
        layout->addWidget(edit, 0, Qt::AlignHCenter);
        layout->addWidget(textLabel(QStringLiteral("Type your answer and press Return"), page));
    } else {
        auto *row = new QHBoxLayout;
        row->addStretch(1);
        for (int i = 0; i < choiceCount(); ++i) {
            const QString choice = choiceAt(i);
            const QString text = i < 9 ? QStringLiteral("%1   %2").arg(i + 1).arg(choice) : choice;
            QPushButton *button = choiceButton(text, page);
            button->setObjectName(QStringLiteral("choice%1").arg(i + 1));
            connect(button, &QPushButton::clicked, this, [this, choice] { choose(choice); });
            row->addWidget(button);
        }
        row->addStretch(1);
        layout->addLayout(row);
    }
    layout->addStretch(2);
    // The clock starts as the page goes on screen (before anyone is told it is shown).
    shownMs_ = QDateTime::currentMSecsSinceEpoch();
    shownTimer_.start();
    showPage(Screen::Trial, page);
}

void StudyRunner::choose(const QString &answer)
{
    if (screen_ != Screen::Trial)
        return;
    answeredMs_ = shownMs_ + shownTimer_.elapsed();
    pendingAnswer_ = answer;
    if (current_->confidence)
        return showConfidence();
    commit(0);
}

void StudyRunner::showConfidence()
{
    auto *page = new QWidget;
    auto *layout = new QVBoxLayout(page);
    layout->addStretch(1);
    layout->addWidget(textLabel(QStringLiteral("How sure are you?"), page, 6));
    layout->addWidget(textLabel(QStringLiteral("1 = guessing, 5 = certain"), page, 2));
    layout->addSpacing(24);
    auto *row = new QHBoxLayout;
    row->addStretch(1);
    for (int level = 1; level <= kConfidenceLevels; ++level) {
        QPushButton *button = choiceButton(QString::number(level), page);
        button->setObjectName(QStringLiteral("confidence%1").arg(level));
        button->setMinimumWidth(80);
        connect(button, &QPushButton::clicked, this, [this, level] { commit(level); });
        row->addWidget(button);
    }
    row->addStretch(1);
    layout->addLayout(row);
    layout->addStretch(2);
    showPage(Screen::Confidence, page);
}

void StudyRunner::commit(int confidence)
{
    if (screen_ != Screen::Trial && screen_ != Screen::Confidence)
        return;
    try {
        run_->answer(current_->position, pendingAnswer_.toStdString(), confidence, shownMs_, answeredMs_);
    } catch (const Error &error) {
        return showError(QString::fromStdString(error.what()));
    }
    Q_EMIT answerCommitted(current_->position, pendingAnswer_, confidence, answeredMs_ - shownMs_);
    const bool scored
        = current_->trialKind == TrialKind::Classify || current_->trialKind == TrialKind::PredictModel;
    if (current_->feedback && scored)
        return showFeedback();
    advance();
}

void StudyRunner::showFeedback()
{
    auto *page = new QWidget;
    auto *layout = new QVBoxLayout(page);
    const bool correct = pendingAnswer_.toStdString() == current_->truth;
    const QString truth = QString::fromStdString(current_->truth);
    QLabel *verdict
        = textLabel(correct ? QStringLiteral("Right: it is %1.").arg(truth)
                            : QStringLiteral("Not quite: you said %1, it is %2.").arg(pendingAnswer_, truth),
            page, 6);
    verdict->setObjectName(QStringLiteral("verdict"));
    verdict->setStyleSheet(correct ? QStringLiteral("color: #2e7d32;") : QStringLiteral("color: #c62828;"));
    layout->addStretch(1);
    layout->addWidget(verdict);
    layout->addSpacing(16);
    layout->addWidget(mediaRow(page));
    layout->addSpacing(16);
    QPushButton *next = choiceButton(QStringLiteral("Press Space to continue"), page);
    connect(next, &QPushButton::clicked, this, &StudyRunner::advance);
    layout->addWidget(next, 0, Qt::AlignHCenter);
    layout->addStretch(2);
    showPage(Screen::Feedback, page);
}

void StudyRunner::showFinished()
{
    heartbeatTimer_->stop();
    showTextScreen(Screen::Finished, QStringLiteral("Thank you!"),
        QStringLiteral("You answered every question. Please tell the researcher that you are done."),
        QString());
}

void StudyRunner::showError(const QString &message)
{
    heartbeatTimer_->stop();
    showTextScreen(Screen::Error, QStringLiteral("The study cannot go on"),
        message + QStringLiteral("\n\nPlease call the researcher."), QString());
}

void StudyRunner::heartbeat()
{
    try {
        run_->heartbeat();
    } catch (const Error &error) {
        showError(QString::fromStdString(error.what()));
    }
}

void StudyRunner::keyPressEvent(QKeyEvent *event)
{
    const int key = event->key();
    switch (screen_) {
    case Screen::Consent:
    case Screen::Resume:
    case Screen::BlockIntro:
    case Screen::Break:
    case Screen::Feedback:
        if (isContinueKey(key) && !event->isAutoRepeat())
            return advance();
        break;
    case Screen::Trial: {
        const int choice = digitChoice(event);
        if (choice >= 0 && choice < choiceCount() && !event->isAutoRepeat())
            return choose(choiceAt(choice));
        break;
    }
    case Screen::Confidence: {
        const int choice = digitChoice(event);
        if (choice >= 0 && choice < kConfidenceLevels && !event->isAutoRepeat())
            return commit(choice + 1);
        break;
    }
    case Screen::Finished:
    case Screen::Error: break;
    }
    event->ignore();
}

bool StudyRunner::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (freeText_ && watched == freeText_
            && (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter)) {
            choose(freeText_->text());
            return true;
        }
        if (QKeySequence(key->keyCombination()) == exitChord()) {
            closeAllowed_ = true;
            heartbeatTimer_->stop();
            Q_EMIT exitRequested();
            close();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void StudyRunner::closeEvent(QCloseEvent *event)
{
    // A participant cannot close the runner (window manager close, Alt+F4): only the chord can.
    if (closeAllowed_)
        event->accept();
    else
        event->ignore();
}

void postKeys(const QKeySequence &keys, QWidget *fallback)
{
    if (keys.isEmpty())
        return;
    const QKeyCombination combination = keys[0];
    QWidget *target = QApplication::focusWidget() ? QApplication::focusWidget() : fallback;
    if (!target)
        return;
    QString text;
    const Qt::KeyboardModifiers mods = combination.keyboardModifiers();
    const int key = int(combination.key());
    if (!(mods & (Qt::ControlModifier | Qt::AltModifier | Qt::MetaModifier))) {
        if (key == Qt::Key_Space)
            text = QStringLiteral(" ");
        else if (key == Qt::Key_Return || key == Qt::Key_Enter)
            text = QStringLiteral("\r");
        else if (key >= 0x20 && key < 0x7f)
            text = (mods & Qt::ShiftModifier) ? QString(QChar(key)) : QString(QChar(key)).toLower();
    }
    QCoreApplication::postEvent(target, new QKeyEvent(QEvent::KeyPress, key, mods, text));
    QCoreApplication::postEvent(target, new QKeyEvent(QEvent::KeyRelease, key, mods, text));
}

} // namespace sg::ui
