#pragma once
// The window's centre: one tab per ExplorerView, in the order added, and a second pane beside
// it for a split view (any two views of the same image side by side: a heatmap and its SAG,
// the SAG and the what-if grid; the study mode reuses it). Tells each view when it is shown or
// hidden (both panes' current views are shown), and finds views by id (settings remember the
// shown tab by it), so nothing picks a view by its tab index. GUI thread only.

#include "explorer_view.h"

#include <QTabWidget>

#include <vector>

class QSplitter;

namespace sg::ui {

class ViewTabs : public QTabWidget {
    Q_OBJECT

public:
    explicit ViewTabs(QWidget *parent = nullptr);

    // The splitter holding this pane and the side pane: the window's central widget.
    QSplitter *area() const { return area_; }

    // Adds `view` (not owned; its owner keeps it alive as long as the tabs) as the last tab.
    void addView(ExplorerView *view);
    // Shows `view` in the pane that holds it.
    void showView(ExplorerView *view);
    // The view with `id`, or nullptr.
    ExplorerView *view(const QString &id) const;
    // The view on screen in the main pane (nullptr before the first is added).
    ExplorerView *shownView() const { return shown_; }

    // Moves `view` into the side pane and shows it there, beside the main pane's view (which
    // becomes the next tab when `view` was current). False when it is the main pane's only tab.
    bool showBeside(ExplorerView *view);
    // Moves every view back into the main pane, in the order added, and hides the side pane.
    void unsplit();
    bool isSplit() const;
    ExplorerView *sideView() const { return sideShown_; } // nullptr when not split

private:
    ExplorerView *viewOf(QWidget *widget) const;
    void onCurrentChanged();

    QSplitter *area_;
    QTabWidget *side_;
    std::vector<ExplorerView *> views_;
    ExplorerView *shown_ = nullptr;
    ExplorerView *sideShown_ = nullptr;
};

} // namespace sg::ui
