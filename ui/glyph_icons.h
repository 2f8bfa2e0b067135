#pragma once
// Toolbar icons drawn as light strokes, so they read well on the dark palette at any scale.
// GUI thread (QPixmap).

#include <QIcon>

namespace sg::ui {

enum class Glyph { Model, Folder, Previous, Next };

QIcon glyphIcon(Glyph glyph);

} // namespace sg::ui
