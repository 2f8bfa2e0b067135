#pragma once
// The SAG tab: the Structured Attention Graph of the current image, laid out by the core's
// Graphviz layout in a QGraphicsView. Each node is the image with only its cells shown and a
// confidence badge coloured by level; each edge is marked with the cell whose removal it is.
// Hovering a node shows it enlarged with its cells outlined and its probability; clicking pins
// it (pins sit side by side below); hovering an edge tells which removal caused which drop.
// Wheel zooms, dragging pans, Fit fits; arrow keys move between nodes, Space pins. While a search
// runs, the roots found so far appear after each beam step (thumbnails with badges). The search's
// parameters come from the typed schema (sagParameterSchema). GUI thread only.

#include "explorer_view.h"
#include "sag_service.h"

#include <QGraphicsView>
#include <QWidget>

#include <vector>

class QGraphicsScene;
class QLabel;
class QPushButton;
class QHBoxLayout;

namespace sg::ui {

class ExplorerDocument;
class ParamForm;

// The graph's view: wheel zoom, hand-drag panning, keys handed to the SAG view.
class SagGraphView : public QGraphicsView {
    Q_OBJECT

public:
    using QGraphicsView::QGraphicsView;

Q_SIGNALS:
    void keyPressed(int key);
    void resized();

protected:
    void resizeEvent(QResizeEvent *event) override;
    bool event(QEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
};

class SagView : public QWidget, public ExplorerView {
    Q_OBJECT

public:
    // `document`, `service` and `worker` are not owned and outlive the view.
    SagView(ExplorerDocument &document, SagService &service, ModelWorker &worker, QWidget *parent = nullptr);

    QString id() const override { return QStringLiteral("sag"); }
    QString title() const override { return tr("SAG"); }
    QWidget *widget() override { return this; }
    void setShown(bool shown) override;
    void cancel() override;

    // Searches the current image with the form's request (the cached graph at once when there
    // is one). Ends in searchShown() or failed().
    void search();
    // Writes sag.json, sag.dot, sag.svg and sag.png of the shown graph into `folder` (made if
    // missing). Returns an empty string or the error (nothing shown, a file not writable).
    QString exportTo(const QString &folder) const;

    // For the window's status and the tests.
    SagRecordPtr record() const { return record_; } // the shown search, or null
    SagProgressPtr liveProgress() const { return live_; } // the roots shown while searching, or null
    int hoveredNode() const { return hovered_; } // -1 = none
    const std::vector<int> &pinnedNodes() const { return pinned_; }
    QString detailText() const; // the hovered node's line under the enlarged image
    QString statusText() const; // the line above it: what the search did or is doing
    QImage enlargedImage() const; // the hovered node enlarged, its cells outlined
    QString pinText(int position) const; // the caption of the pin at `position`
    QGraphicsView *graphView() const { return view_; }
    // Where node `node` sits in the graph view's viewport (its centre), for mouse events.
    QPoint nodeViewportCentre(int node) const;
    QPoint edgeViewportPoint(int edge) const; // a point on edge `edge`'s curve
    QString edgeText(int edge) const; // what hovering the edge tells
    ParamForm *form() const { return form_; }

    // Called by the graph's items.
    void hoverNode(int node);
    void togglePin(int node);
    void hoverEdge(int edge);

Q_SIGNALS:
    void searchShown(const QString &path);
    // A running search's roots so far are on screen (`roots` of them), after one of its steps.
    void progressShown(int roots);
    void failed(const QString &message);

private:
    sg::SagRequest request() const;
    void refresh();
    void show(const SagRecordPtr &record);
    void showProgress(const SagProgressPtr &progress);
    void clearGraph(const QString &message);
    void fit();
    void moveHover(int step);
    QPixmap nodePixmap(int node, int side, bool outline) const;
    void rebuildPins();

    ExplorerDocument &document_;
    SagService &service_;
    ModelWorker &worker_;
    ParamForm *form_;
    QPushButton *searchButton_;
    QPushButton *cancelButton_;
    QLabel *status_;
    QGraphicsScene *scene_;
    SagGraphView *view_;
    QLabel *enlarged_;
    QLabel *detail_;
    QWidget *pins_;
    QHBoxLayout *pinsLayout_;
    SagRecordPtr record_;
    SagProgressPtr live_;
    sg::JobId job_ = 0;
    QString jobPath_; // what job_ searches
    sg::SagRequest jobRequest_;
    int hovered_ = -1;
    std::vector<int> pinned_;
    std::vector<class SagNodeItem *> nodeItems_;
    std::vector<class SagEdgeItem *> edgeItems_;
};

} // namespace sg::ui
