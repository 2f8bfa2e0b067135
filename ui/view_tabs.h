#pragma once
// The window's centre: one tab per ExplorerView, in the order added. Tells each view when it is
// shown or hidden, and finds views by id (settings remember the shown tab by it), so nothing
// picks a view by its tab index. GUI thread only.

#include "explorer_view.h"

#include <QTabWidget>

#include <vector>

namespace sg::ui {

class ViewTabs : public QTabWidget {
    Q_OBJECT

public:
    explicit ViewTabs(QWidget *parent = nullptr);

    // Adds `view` (not owned; its owner keeps it alive as long as the tabs) as the last tab.
    void addView(ExplorerView *view);
    void showView(ExplorerView *view);
    // The view with `id`, or nullptr.
    ExplorerView *view(const QString &id) const;
    // The view on screen (nullptr before the first is added).
    ExplorerView *shownView() const { return shown_; }

private:
    void onCurrentChanged();

    std::vector<ExplorerView *> views_;
    ExplorerView *shown_ = nullptr;
};

} // namespace sg::ui
