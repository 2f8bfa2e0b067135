#pragma once
// A view of the explorer document: one tab of the window's centre (Explanation, Compare; SAG,
// What-if and XNN next). A view reads the document, listens to its signals, asks its service
// for results and shows them; the window only adds it as a tab and tells it when it is shown.
// GUI thread only.

#include <QString>

class QWidget;

namespace sg::ui {

class ExplorerView {
public:
    virtual ~ExplorerView() = default;

    // A stable name (settings remember the shown tab by it) and the tab's title.
    virtual QString id() const = 0;
    virtual QString title() const = 0;
    // The tab's widget, owned by the view's owner (Qt parent).
    virtual QWidget *widget() = 0;

    // The user switched to (true) or away from (false) this view's tab. A view that computes
    // only while shown starts its work here when the document asks for it (auto-explain).
    virtual void setShown(bool shown) { shown_ = shown; }
    bool isShown() const { return shown_; }

    // Stops the view's own jobs (queued ones never run).
    virtual void cancel() { }

private:
    bool shown_ = false;
};

} // namespace sg::ui
