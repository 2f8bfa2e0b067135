// sightglass-bench-whatif: how long a what-if update takes, from one cell toggled to the
// probability shown (the WhatIfView's scored() signal for the new state), in the real window
// offscreen, on a demo model: alone, and while SAG searches (reference mode without their memo,
// one pass at a time, one per other image of the folder) run on the background lane, and while an
// XNN training runs there. Prints the median and
// the 95th percentile of --repeats updates per condition, as markdown rows.
//
//   sightglass-bench-whatif --model M.pt --images DIR [--repeats 60] [--markdown OUT.md] [--title T]

#include "explorer_document.h"
#include "main_window.h"
#include "pass_replay.h"
#include "sag_service.h"
#include "what_if_view.h"
#include "xnn_service.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

namespace {

using namespace sg::ui;

constexpr int kTimeoutMs = 120'000;

struct Timing {
    double median = 0.0;
    double p95 = 0.0;
    int count = 0;
};

// Toggles cells one at a time and times each until its probability is shown.
Timing timeUpdates(WhatIfView &view, int repeats)
{
    std::vector<double> ms;
    const int cells = view.rows() * view.cols();
    for (int i = 0; i < repeats; ++i) {
        QSignalSpy scored(&view, &WhatIfView::scored);
        QElapsedTimer clock;
        clock.start();
        view.toggleCell((i * 7) % cells);
        while (!view.current())
            if (!scored.wait(kTimeoutMs))
                throw std::runtime_error("no what-if update");
        ms.push_back(double(clock.nsecsElapsed()) / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    return {
        sg::bench::median(ms), ms[std::min(ms.size() - 1, size_t(0.95 * double(ms.size())))], int(ms.size())};
}

} // namespace

int main(int argc, char **argv)
{
    QApplication application(argc, argv);
    CLI::App app{"Benchmark what-if updates in the window", "sightglass-bench-whatif"};
    std::string modelPath;
    std::string imagesDir;
    int repeats = 60;
    std::string markdownPath;
    std::string title;
    app.add_option("--model", modelPath, "Model .pt")->required();
    app.add_option("--images", imagesDir, "Image folder")->required();
    app.add_option("--repeats", repeats, "Updates timed per condition")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--markdown", markdownPath, "Append the rows to this file");
    app.add_option("--title", title, "Model name for the rows");
    CLI11_PARSE(app, argc, argv);

    try {
        MainWindow window;
        window.setDevice(QStringLiteral("cpu"));
        window.setAutoExplain(false);
        window.resize(1400, 900);
        window.show();
        QSignalSpy ready(&window, &MainWindow::modelReady);
        window.openModel(QString::fromStdString(modelPath));
        if (!ready.wait(kTimeoutMs))
            throw std::runtime_error("the model did not load");
        if (!window.openImageFolder(QString::fromStdString(imagesDir)))
            throw std::runtime_error("cannot open the images");
        WhatIfView *view = window.whatIfView();
        QSignalSpy scored(view, &WhatIfView::scored);
        window.showView(view);
        while (!view->current())
            if (!scored.wait(kTimeoutMs))
                throw std::runtime_error("no first what-if update");
        timeUpdates(*view, 5); // warm-up

        const Timing alone = timeUpdates(*view, repeats);
        // A long background job: the reference search without its memo of another image.
        sg::SagRequest longSearch;
        longSearch.mode = sg::SagMode::Reference;
        longSearch.noCache = true;
        // One search per other image, queued: on a small model a single search can end before the
        // updates do, and the lane must stay busy throughout.
        QSignalSpy finished(window.sags(), &SagService::searched);
        std::vector<sg::JobId> jobs;
        for (int i = 1; i < int(window.files().size()); ++i)
            jobs.push_back(window.sags()->search(window.files().at(i), longSearch));
        if (jobs.empty())
            jobs.push_back(window.sags()->search(window.files().at(0), longSearch));
        QElapsedTimer started;
        started.start();
        while (started.elapsed() < 1000) // under way: past its ranking
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        const Timing busy = timeUpdates(*view, repeats);
        const bool stillRunning = finished.count() < int(jobs.size());
        window.worker()->cancelAllJobs();

        // An XNN training on the same lane, on the folder's images (a manifest labelling each by
        // the model's class 0: the target is the model's score, not the label), long enough to
        // outlast the updates.
        const QString manifest = QDir::temp().filePath(
            QStringLiteral("sightglass-bench-whatif-%1.csv").arg(QCoreApplication::applicationPid()));
        {
            std::ofstream out(manifest.toStdString());
            out << "file,label\n";
            for (const QString &file : window.files())
                out << file.toStdString() << ",0\n";
        }
        XnnTrainJob training;
        training.data = manifest;
        training.out = manifest + QStringLiteral(".xnn");
        training.request.classes = {0};
        training.request.epochs = 100000;
        QSignalSpy epochs(window.xnns(), &XnnService::epochTrained);
        const sg::JobId trainingJob = window.xnns()->train(training);
        while (epochs.count() < 2)
            if (!epochs.wait(kTimeoutMs))
                throw std::runtime_error("the XNN training did not start");
        const Timing duringTraining = timeUpdates(*view, repeats);
        QSignalSpy stopped(window.xnns(), &XnnService::trainFailed);
        window.worker()->cancelJob(trainingJob);
        stopped.wait(kTimeoutMs);
        QFile::remove(manifest);

        std::ostringstream rows;
        const std::string name = title.empty() ? window.document()->model().name.toStdString() : title;
        rows << "| " << name << " | alone | " << alone.count << " | " << sg::bench::fixed(alone.median, 1)
             << " | " << sg::bench::fixed(alone.p95, 1) << " |\n"
             << "| " << name << " | during a SAG search" << (stillRunning ? "" : " (**they ended first**)")
             << " | " << busy.count << " | " << sg::bench::fixed(busy.median, 1) << " | "
             << sg::bench::fixed(busy.p95, 1) << " |\n"
             << "| " << name << " | during an XNN training | " << duringTraining.count << " | "
             << sg::bench::fixed(duringTraining.median, 1) << " | " << sg::bench::fixed(duringTraining.p95, 1)
             << " |\n";
        sg::bench::printTable(rows.str(), markdownPath);
    } catch (const std::exception &error) {
        std::cerr << "sightglass-bench-whatif: error: " << error.what() << '\n';
        return 1;
    }
    return 0;
}
