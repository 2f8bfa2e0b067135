// The XNN tab driven offscreen on the cues demo model (issue 12): the panel's contributions,
// scores and significant marks against `sightglass-cli xnn explain` on the same image and file,
// its rows in contribution order with their prototypes, and the training dialog: a live loss
// point per epoch, a file that explains, and a cancelled training that writes nothing.

#include "demo_window.h"
#include "test_support.h"
#include "xnn_panel.h"
#include "xnn_train_dialog.h"
#include "xnn_view.h"

#include "xnn/xnn_file.h"

#include <QSignalSpy>
#include <QTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace sg::ui {

namespace {

constexpr int kJobTimeoutMs = 180'000;

QString number(double value)
{
    return QString::number(value, 'g', 4);
}

// The GUI and the CLI are separate processes whose float32 reductions may be split differently
// (thread count, batch): the same contribution agrees to float precision, not to the last bit.
bool sameInFloat(double a, double b)
{
    return std::abs(a - b) <= 1e-5 * std::max(1.0, std::abs(b));
}

} // namespace

class XnnViewTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void panelShowsWhatXnnExplainWrites();
    void trainingPlotsEveryEpochAndTheFileExplains();
    void cancelledTrainingWritesNothing();

private:
    std::unique_ptr<MainWindow> window_;
    XnnView *view_ = nullptr;
    test::TempDir dir_;
};

void XnnViewTest::initTestCase()
{
    window_ = test_ui::openDemoWindow(4); // 00004.png: class 1, both cues
    QVERIFY(window_);
    view_ = window_->xnnView();
    window_->showView(view_);
}

void XnnViewTest::cleanupTestCase()
{
    window_.reset();
}

void XnnViewTest::panelShowsWhatXnnExplainWrites()
{
    const std::string xnn = test::sourcePath("models/demo/cues-1.xnn");
    view_->setXnnFile(QString::fromStdString(xnn));
    view_->setMapMethod(sg::ConceptMapMethod::GradientInput);
    QSignalSpy shown(view_, &XnnView::explanationShown);
    view_->explain();
    QVERIFY(shown.count() > 0 || shown.wait(kJobTimeoutMs));
    const XnnRecordPtr record = view_->record();
    QVERIFY(record);

    const std::string image = test::sourcePath("resources/samples/cues/00004.png");
    const auto run = test::runCli("xnn explain -m models/demo/cues.pt -x '" + xnn + "' -i '" + image
        + "' --map gradient-input --out '" + dir_.file("explain") + "'");
    QVERIFY2(run.exitCode == 0, run.err.c_str());
    std::ifstream in(dir_.file("explain/xnn.json"));
    const nlohmann::json cli = nlohmann::json::parse(in);
    QCOMPARE(record->classIndex, cli.at("class").at("index").get<int>());
    XnnPanel *panel = view_->panel();
    QVERIFY(panel->headerText().contains(QString::number(cli.at("xnn_score").get<double>(), 'f', 3)));
    QVERIFY(panel->headerText().contains(QString::number(cli.at("model_score").get<double>(), 'f', 3)));
    const auto &features = cli.at("x_features");
    QCOMPARE(int(panel->order().size()), int(features.size()));
    double previous = 1e300;
    for (int position = 0; position < int(panel->order().size()); ++position) {
        const int j = panel->order()[size_t(position)];
        const nlohmann::json &f = features.at(size_t(j));
        QCOMPARE(f.at("index").get<int>(), j);
        const double contribution = f.at("contribution").get<double>();
        const double shown = record->features[size_t(j)].contribution;
        QVERIFY2(sameInFloat(shown, contribution),
            qPrintable(
                QStringLiteral("GUI %1, CLI %2").arg(shown, 0, 'g', 17).arg(contribution, 0, 'g', 17)));
        QVERIFY(contribution <= previous); // ordered by contribution
        previous = contribution;
        const QString text = panel->rowText(position);
        QVERIFY2(text.contains(QStringLiteral("x-feature %1").arg(j)), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("contribution ") + number(shown)), qPrintable(text));
        QCOMPARE(text.startsWith(QStringLiteral("★")), f.at("significant").get<bool>());
        // Every prototype is shown, from the file's thumbnails (the training images need not exist).
        const auto prototypes = f.at("prototypes").get<std::vector<std::string>>();
        QCOMPARE(int(record->features[size_t(j)].thumbnails.size()), int(prototypes.size()));
        QCOMPARE(panel->prototypeCount(position), int(prototypes.size()));
    }
    // The folder the CLI wrote reads back as the same record (the study runner shows these).
    const XnnRecordPtr fromFolder = xnnRecordFromFolder(QString::fromStdString(dir_.file("explain")));
    QCOMPARE(int(fromFolder->features.size()), int(record->features.size()));
    for (size_t j = 0; j < record->features.size(); ++j)
        QVERIFY(sameInFloat(fromFolder->features[j].contribution, record->features[j].contribution));
}

void XnnViewTest::trainingPlotsEveryEpochAndTheFileExplains()
{
    XnnTrainDialog *dialog = view_->trainDialog();
    {
        std::ofstream manifest(dir_.file("samples.csv"));
        manifest << "file,label\n";
        for (const test::CueSample &sample : test::cueSamples())
            manifest << sample.file << "," << sample.label << "\n";
    }
    dialog->setData(QString::fromStdString(dir_.file("samples.csv")));
    QVERIFY(!dialog->start()); // no class chosen
    QVERIFY(dialog->statusText().contains(QStringLiteral("class")));
    const QString out = QString::fromStdString(dir_.file("trained.xnn"));
    dialog->setOutput(out);
    dialog->setClasses({1});
    dialog->setEpochs(3);
    QSignalSpy finished(dialog, &XnnTrainDialog::finished);
    QVERIFY(dialog->start());
    QVERIFY(finished.wait(kJobTimeoutMs));
    const sg::XnnModel model = sg::readXnnFile(out.toStdString());
    QCOMPARE(int(model.classes.size()), 1);
    QCOMPARE(dialog->epochPoints(), int(model.classes[0].report.epochs.size()));
    QVERIFY(dialog->epochPoints() >= 3);
    QCOMPARE(view_->xnnFile(), out); // the new file is chosen
}

void XnnViewTest::cancelledTrainingWritesNothing()
{
    XnnTrainDialog *dialog = view_->trainDialog();
    const QString out = QString::fromStdString(dir_.file("cancelled.xnn"));
    dialog->setOutput(out);
    dialog->setEpochs(100000);
    QVERIFY(dialog->start());
    // Cancel once training (not just embedding) is under way.
    while (dialog->epochPoints() < 2)
        QTest::qWait(50);
    dialog->cancelTraining();
    QTRY_VERIFY_WITH_TIMEOUT(dialog->job() == 0, kJobTimeoutMs);
    QVERIFY(dialog->statusText().contains(QStringLiteral("cancelled")));
    QVERIFY(!std::filesystem::exists(out.toStdString()));
    for (const auto &entry : std::filesystem::directory_iterator(dir_.path()))
        QVERIFY2(entry.path().filename().string().rfind("cancelled", 0) != 0, entry.path().c_str());
}

} // namespace sg::ui

QTEST_MAIN(sg::ui::XnnViewTest)
#include "test_xnn_view.moc"
