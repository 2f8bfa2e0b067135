#pragma once
// The UI tests' common start: the explorer window on the cues demo model and its samples, shown
// offscreen with auto-explain off, on one image whose prediction has arrived.

#include "explorer_document.h"
#include "main_window.h"
#include "test_support.h"

#include <QSignalSpy>
#include <QtGlobal>

#include <memory>

namespace sg::ui::test_ui {

constexpr int kDemoTimeoutMs = 120'000;

// The window on image `index` of resources/samples/cues, or null (with a warning) when the
// model, the folder or the prediction does not come.
inline std::unique_ptr<MainWindow> openDemoWindow(int index)
{
    auto window = std::make_unique<MainWindow>();
    window->setDevice(QStringLiteral("cpu"));
    window->setAutoExplain(false);
    window->resize(1400, 900);
    window->show();
    QSignalSpy ready(window.get(), &MainWindow::modelReady);
    window->openModel(QString::fromStdString(sg::test::sourcePath("models/demo/cues.pt")));
    if (!ready.wait(kDemoTimeoutMs)) {
        qWarning("the demo model did not load");
        return nullptr;
    }
    QSignalSpy predicted(window.get(), &MainWindow::predictionShown);
    if (!window->openImageFolder(QString::fromStdString(sg::test::sourcePath("resources/samples/cues")))) {
        qWarning("the demo samples did not open");
        return nullptr;
    }
    window->showImage(index);
    const QString file = window->files().value(index);
    while (window->document()->topClass() < 0 || window->document()->currentPath() != file)
        if (!predicted.wait(kDemoTimeoutMs)) {
            qWarning("no prediction of %s", qPrintable(file));
            return nullptr;
        }
    return window;
}

} // namespace sg::ui::test_ui
