#pragma once
// The application's look: Qt's Fusion style with a neutral dark palette (images and heatmaps
// are judged against a dark, colourless surround), and the few colours custom-painted widgets
// share.

#include <QColor>

class QApplication;

namespace sg::ui {

namespace theme {
// Background behind images (neutral grey, no tint, so it does not shift perceived colours).
inline const QColor kCanvas{0x1c, 0x1d, 0x1f};
// Accent for the top prediction and the selection.
inline const QColor kAccent{0x4a, 0x8c, 0xe8};
// Bars of the other predictions, and empty bar tracks.
inline const QColor kMutedBar{0x6f, 0x76, 0x80};
inline const QColor kTrack{0x3a, 0x3d, 0x42};
// Secondary text and error text.
inline const QColor kDimText{0x9a, 0x9e, 0xa6};
inline const QColor kErrorText{0xf2, 0x8b, 0x82};
} // namespace theme

// Sets the Fusion style and the dark palette on `app`. GUI thread, once, before windows exist.
void applyTheme(QApplication &app);

} // namespace sg::ui
