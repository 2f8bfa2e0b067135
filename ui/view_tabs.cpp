#include "view_tabs.h"

namespace sg::ui {

ViewTabs::ViewTabs(QWidget *parent) : QTabWidget(parent)
{
    setObjectName(QStringLiteral("centralTabs"));
    setDocumentMode(true);
    connect(this, &QTabWidget::currentChanged, this, &ViewTabs::onCurrentChanged);
}

void ViewTabs::addView(ExplorerView *view)
{
    views_.push_back(view);
    addTab(view->widget(), view->title()); // the first tab added becomes current
}

void ViewTabs::showView(ExplorerView *view)
{
    setCurrentWidget(view->widget());
}

ExplorerView *ViewTabs::view(const QString &id) const
{
    for (ExplorerView *view : views_)
        if (view->id() == id)
            return view;
    return nullptr;
}

void ViewTabs::onCurrentChanged()
{
    ExplorerView *shown = nullptr;
    for (ExplorerView *view : views_)
        if (view->widget() == currentWidget())
            shown = view;
    if (shown == shown_)
        return;
    if (shown_)
        shown_->setShown(false);
    shown_ = shown;
    if (shown_)
        shown_->setShown(true);
}

} // namespace sg::ui
