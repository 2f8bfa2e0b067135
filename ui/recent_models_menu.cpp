#include "recent_models_menu.h"

#include "app_settings.h"

#include <QDir>
#include <QFileInfo>

namespace sg::ui {

namespace {

const QString kKeyRecentModels = QStringLiteral("recentModels");

} // namespace

RecentModelsMenu::RecentModelsMenu(const QString &title, QWidget *parent) : QMenu(title, parent)
{
    connect(this, &QMenu::aboutToShow, this, &RecentModelsMenu::rebuild);
    rebuild();
}

void RecentModelsMenu::rebuild()
{
    clear();
    const QStringList recent = appSettings().value(kKeyRecentModels).toStringList();
    for (int i = 0; i < recent.size(); ++i) {
        const QString &path = recent[i];
        QAction *action = addAction(QStringLiteral("&%1  %2").arg(i + 1).arg(QFileInfo(path).fileName()));
        action->setToolTip(path);
        action->setStatusTip(QDir::toNativeSeparators(path));
        action->setEnabled(QFileInfo::exists(path));
        connect(action, &QAction::triggered, this, [this, path] { Q_EMIT modelChosen(path); });
    }
    if (recent.isEmpty()) {
        addAction(tr("No recent models"))->setEnabled(false);
        return;
    }
    addSeparator();
    addAction(tr("Clear List"), this, [] { appSettings().remove(kKeyRecentModels); });
}

void RecentModelsMenu::add(const QString &path)
{
    QSettings store = appSettings();
    QStringList recent = store.value(kKeyRecentModels).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecentModels)
        recent.removeLast();
    store.setValue(kKeyRecentModels, recent);
}

} // namespace sg::ui
