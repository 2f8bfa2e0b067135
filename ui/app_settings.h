#pragma once
// The application's QSettings store ("Sightglass", "Sightglass"): window layout, dialogs' last
// folders, recent models, view and method settings. One definition, so every part reads and
// writes the same store. GUI thread.

#include <QSettings>

namespace sg::ui {

inline QSettings appSettings()
{
    return QSettings(QStringLiteral("Sightglass"), QStringLiteral("Sightglass"));
}

} // namespace sg::ui
