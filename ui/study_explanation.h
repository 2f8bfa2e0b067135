#pragma once
// What a participant sees next to a stimulus: the prepared explanation of one trial under one
// condition (core/study/README.md, "Prepared folder"), read from files only, so showing it never
// waits for a model. heatmap / side-by-side: heatmap.png; sag: sag.png; xnn: the concept maps
// (concept-J.png) with their share of the score from xnn.json. GUI thread only.

#include <QString>
#include <QWidget>

namespace sg::ui {

// A widget showing the prepared explanation in `folder` for a condition of kind `kind`
// ("heatmap", "sag", "xnn", "side-by-side"); the caller owns it. A folder with nothing readable
// gives a label that says so (the runner refuses unprepared studies, so that means a broken
// folder, not a normal case).
QWidget *makeStudyExplanation(const QString &kind, const QString &folder, QWidget *parent = nullptr);

// The XNN part alone: the explorer's XnnPanel over the prepared record (xnnRecordFromFolder), or,
// when the folder lacks what that needs, the concept PNGs in a grid with their shares.
QWidget *makeXnnExplanation(const QString &folder, QWidget *parent = nullptr);
QWidget *makeXnnConceptGrid(const QString &folder, QWidget *parent = nullptr);

} // namespace sg::ui
