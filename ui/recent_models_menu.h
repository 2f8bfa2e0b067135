#pragma once
// File > Open Recent Models: the last kMaxRecentModels models opened, newest first, kept in
// QSettings ("recentModels"); entries whose file is gone are shown disabled. GUI thread only.

#include <QMenu>

namespace sg::ui {

class RecentModelsMenu : public QMenu {
    Q_OBJECT

public:
    static constexpr int kMaxRecentModels = 8;

    explicit RecentModelsMenu(const QString &title, QWidget *parent = nullptr);
    // Puts `path` first (once).
    static void add(const QString &path);

Q_SIGNALS:
    void modelChosen(const QString &path);

private:
    void rebuild();
};

} // namespace sg::ui
