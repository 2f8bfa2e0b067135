#include "view_tabs.h"

#include <QSplitter>

#include <algorithm>

namespace sg::ui {

ViewTabs::ViewTabs(QWidget *parent) :
    QTabWidget(parent), area_(new QSplitter(parent)), side_(new QTabWidget(area_))
{
    setObjectName(QStringLiteral("centralTabs"));
    side_->setObjectName(QStringLiteral("sideTabs"));
    setDocumentMode(true);
    side_->setDocumentMode(true);
    area_->addWidget(this);
    area_->addWidget(side_);
    side_->hide();
    connect(this, &QTabWidget::currentChanged, this, &ViewTabs::onCurrentChanged);
    connect(side_, &QTabWidget::currentChanged, this, &ViewTabs::onCurrentChanged);
}

void ViewTabs::addView(ExplorerView *view)
{
    views_.push_back(view);
    addTab(view->widget(), view->title()); // the first tab added becomes current
}

void ViewTabs::showView(ExplorerView *view)
{
    if (side_->indexOf(view->widget()) >= 0)
        side_->setCurrentWidget(view->widget());
    else
        setCurrentWidget(view->widget());
}

ExplorerView *ViewTabs::view(const QString &id) const
{
    for (ExplorerView *view : views_)
        if (view->id() == id)
            return view;
    return nullptr;
}

ExplorerView *ViewTabs::viewOf(QWidget *widget) const
{
    for (ExplorerView *view : views_)
        if (widget && view->widget() == widget)
            return view;
    return nullptr;
}

bool ViewTabs::showBeside(ExplorerView *view)
{
    const int index = indexOf(view->widget());
    if (index < 0) {
        showView(view); // already beside
        return side_->indexOf(view->widget()) >= 0;
    }
    if (count() < 2)
        return false;
    removeTab(index);
    side_->addTab(view->widget(), view->title());
    side_->setCurrentWidget(view->widget());
    if (!side_->isVisible()) {
        side_->show();
        const int half = std::max(1, area_->width() / 2);
        area_->setSizes({half, half});
    }
    onCurrentChanged();
    return true;
}

void ViewTabs::unsplit()
{
    while (side_->count() > 0) {
        QWidget *widget = side_->widget(0);
        ExplorerView *view = viewOf(widget);
        side_->removeTab(0);
        // Back at its place in the order added.
        int position = 0;
        for (ExplorerView *other : views_) {
            if (other == view)
                break;
            if (indexOf(other->widget()) >= 0)
                ++position;
        }
        insertTab(position, widget, view ? view->title() : QString());
    }
    side_->hide();
    onCurrentChanged();
}

bool ViewTabs::isSplit() const
{
    return side_->count() > 0;
}

void ViewTabs::onCurrentChanged()
{
    ExplorerView *shown = viewOf(currentWidget());
    ExplorerView *sideShown = side_->count() > 0 ? viewOf(side_->currentWidget()) : nullptr;
    // Hide first, then show: a view moving between panes stays shown.
    for (ExplorerView *old : {shown_, sideShown_})
        if (old && old != shown && old != sideShown)
            old->setShown(false);
    const ExplorerView *wasShown = shown_;
    const ExplorerView *wasSide = sideShown_;
    shown_ = shown;
    sideShown_ = sideShown;
    for (ExplorerView *now : {shown_, sideShown_})
        if (now && now != wasShown && now != wasSide)
            now->setShown(true);
}

} // namespace sg::ui
