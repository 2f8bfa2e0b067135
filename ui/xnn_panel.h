#pragma once
// The XNN concept panel: one image's explanation by an XNN (research/xnn.md §2.5). A header with
// the class and the XNN score beside the model's; then the x-features ordered by contribution,
// each with its concept map over the image, its activation and weight, a signed contribution bar
// (scaled to the largest |contribution|), a mark when it is in the significant set, and its
// prototype images. Shows a record; computes nothing (the XNN view and the study runner fill it).
// GUI thread only.

#include "xnn_service.h"

#include <QWidget>

class QGridLayout;
class QLabel;

namespace sg::ui {

class XnnPanel : public QWidget {
    Q_OBJECT

public:
    explicit XnnPanel(QWidget *parent = nullptr);

    // Shows `record` (null: clears to `message`). `opacity` is the maps' overlay opacity.
    void setRecord(const XnnRecordPtr &record, double opacity = 0.5);
    void clear(const QString &message);
    // Prototype thumbnails on (default) or off (a study condition may hide them).
    void setShowPrototypes(bool show);
    // The class's name in the header on (default) or off (a study must not name the answer).
    void setShowClassLabel(bool show);

    // For the tests: the shown x-features in display order and each row's texts.
    const std::vector<int> &order() const { return order_; }
    QString headerText() const;
    QString rowText(int position) const; // "x-feature j: activation a × weight w = contribution c"
    int prototypeCount(int position) const; // thumbnails shown in that row

private:
    void rebuild();

    XnnRecordPtr record_;
    double opacity_ = 0.5;
    bool showPrototypes_ = true;
    bool showClassLabel_ = true;
    QLabel *header_;
    QWidget *rows_;
    QGridLayout *grid_;
    std::vector<int> order_;
    std::vector<QLabel *> rowLabels_;
    std::vector<int> prototypeCounts_;
};

// The explanation `sightglass-cli xnn explain` (or a study's preparation) wrote into `folder`:
// xnn.json, xfeature-J.npy and the image xnn.json names (prototypes as xnn.json lists them).
// GUI thread or any. Throws sg::Error naming the file for a missing or malformed one.
XnnRecordPtr xnnRecordFromFolder(const QString &folder);

} // namespace sg::ui
