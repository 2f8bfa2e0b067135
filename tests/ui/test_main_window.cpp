// The first window, driven as a person would: real widgets, offscreen, keyboard navigation,
// predictions checked against the cue generator's ground truth.

#include "main_window.h"
#include "test_support.h"

#include <QFileInfo>
#include <QSignalSpy>
#include <QTest>

#include <map>

namespace sg::ui {

class MainWindowTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void showsTheTruePredictionOfEachImage();
    void arrowAndHomeEndKeysStepThroughTheFolder();
    void badModelIsReportedAndTheOldOneKept();
    void unreadableImageIsReportedInPlace();

private:
    // Waits for the prediction of `file` (a base name) and returns its top-1 label index.
    int waitForPredictionOf(const QString &file);

    QString samples_;
    std::map<std::string, int> truth_;
    std::unique_ptr<MainWindow> window_;
    std::unique_ptr<QSignalSpy> shown_;
    std::unique_ptr<QSignalSpy> failed_;
};

void MainWindowTest::initTestCase()
{
    samples_ = QString::fromStdString(test::sourcePath("resources/samples/cues"));
    const auto truth = test::readJson(test::sourcePath("resources/samples/cues/truth.json"));
    for (const auto &image : truth.at("images"))
        truth_[image.at("file").get<std::string>()] = image.at("label").get<int>();

    window_ = std::make_unique<MainWindow>();
    shown_ = std::make_unique<QSignalSpy>(window_.get(), &MainWindow::predictionShown);
    failed_ = std::make_unique<QSignalSpy>(window_.get(), &MainWindow::failed);
    window_->setDevice(QStringLiteral("cpu"));
    window_->setAutoExplain(false); // this test is about predictions; test_explorer covers maps
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    window_->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(window_.get()));
    window_->openModel(QString::fromStdString(test::sourcePath("models/demo/cues.pt")));
    QVERIFY(window_->openImageFolder(samples_));
    QCOMPARE(window_->files().size(), int(truth_.size()));
}

int MainWindowTest::waitForPredictionOf(const QString &file)
{
    for (int attempt = 0; attempt < 3; ++attempt) {
        while (!shown_->isEmpty()) {
            const QList<QVariant> arguments = shown_->takeFirst();
            if (QFileInfo(arguments.at(0).toString()).fileName() != file)
                continue;
            const auto scores = arguments.at(1).value<ClassScores>();
            return scores.isEmpty() ? -1 : scores.first().index;
        }
        shown_->wait(20000);
    }
    return -2;
}

void MainWindowTest::showsTheTruePredictionOfEachImage()
{
    // Every image of the folder in turn, stepped to with the arrow key as a person would.
    QCOMPARE(window_->currentIndex(), 0);
    const int count = int(window_->files().size());
    QCOMPARE(count, int(truth_.size()));
    for (int index = 0; index < count; ++index) {
        if (index > 0)
            QTest::keyClick(window_.get(), Qt::Key_Right);
        QCOMPARE(window_->currentIndex(), index);
        const QString file = QFileInfo(window_->files().at(index)).fileName();
        QVERIFY2(truth_.count(file.toStdString()), qPrintable(file));
        QCOMPARE(waitForPredictionOf(file), truth_.at(file.toStdString()));
    }
    QTest::keyClick(window_.get(), Qt::Key_Home); // the next test starts at the first image
    QCOMPARE(window_->currentIndex(), 0);
}

void MainWindowTest::arrowAndHomeEndKeysStepThroughTheFolder()
{
    QTest::keyClick(window_.get(), Qt::Key_Right);
    QCOMPARE(window_->currentIndex(), 1);
    const QString second = QFileInfo(window_->files().at(1)).fileName();
    QCOMPARE(waitForPredictionOf(second), truth_.at(second.toStdString()));

    QTest::keyClick(window_.get(), Qt::Key_End);
    const int last = window_->files().size() - 1;
    QCOMPARE(window_->currentIndex(), last);
    const QString lastFile = QFileInfo(window_->files().at(last)).fileName();
    QCOMPARE(waitForPredictionOf(lastFile), truth_.at(lastFile.toStdString()));

    QTest::keyClick(window_.get(), Qt::Key_Right);
    QCOMPARE(window_->currentIndex(), last); // no wrap-around
    QTest::keyClick(window_.get(), Qt::Key_Home);
    QCOMPARE(window_->currentIndex(), 0);
    QTest::keyClick(window_.get(), Qt::Key_PageDown);
    QCOMPARE(window_->currentIndex(), 1);
    QTest::keyClick(window_.get(), Qt::Key_Left);
    QCOMPARE(window_->currentIndex(), 0);
}

void MainWindowTest::badModelIsReportedAndTheOldOneKept()
{
    failed_->clear();
    window_->openModel(QString::fromStdString(test::sourcePath("tests/data/models/nan_output.pt")));
    QVERIFY(failed_->wait(20000));
    const QString message = failed_->takeFirst().at(0).toString();
    QVERIFY2(message.contains(QStringLiteral("nan_output.pt")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("NaN")), qPrintable(message));

    shown_->clear();
    QTest::keyClick(window_.get(), Qt::Key_Right);
    const QString file = QFileInfo(window_->files().at(window_->currentIndex())).fileName();
    QCOMPARE(waitForPredictionOf(file), truth_.at(file.toStdString()));
}

void MainWindowTest::unreadableImageIsReportedInPlace()
{
    const test::TempDir dir;
    const std::string broken = dir.write("a_broken.png", "definitely not a PNG");
    failed_->clear();
    QVERIFY(window_->openImageFolder(QString::fromStdString(dir.path().string())));
    QVERIFY(failed_->wait(20000));
    const QString message = failed_->takeFirst().at(0).toString();
    QVERIFY2(message.contains(QStringLiteral("a_broken.png")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("not a supported image")), qPrintable(message));
}

} // namespace sg::ui

QTEST_MAIN(sg::ui::MainWindowTest)
#include "test_main_window.moc"
