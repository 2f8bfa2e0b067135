#pragma once
// The XNN tab: the current image explained by an XNN of the loaded model (core/xnn). A bar to
// choose the XNN file (those beside the model, or any other), the class it explains (or the
// model's top class) and the concept-map method; the XnnPanel below; "Train…" opens the training
// dialog, whose new file is then chosen. Explanations run on the background lane and are cached
// by the service. GUI thread only.

#include "explorer_view.h"
#include "xnn_service.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;

namespace sg::ui {

class ExplorerDocument;
class XnnPanel;
class XnnTrainDialog;

class XnnView : public QWidget, public ExplorerView {
    Q_OBJECT

public:
    // `document`, `service` and `worker` are not owned and outlive the view.
    XnnView(ExplorerDocument &document, XnnService &service, ModelWorker &worker, QWidget *parent = nullptr);

    QString id() const override { return QStringLiteral("xnn"); }
    QString title() const override { return tr("XNN"); }
    QWidget *widget() override { return this; }
    void setShown(bool shown) override;
    void cancel() override;

    // Uses the XNN file at `path` (added to the list when new). GUI thread.
    void setXnnFile(const QString &path);
    QString xnnFile() const;
    // Explains the current image with the chosen file (the cached explanation at once when there
    // is one). Ends in explanationShown() or failed().
    void explain();
    void setMapMethod(sg::ConceptMapMethod method);
    XnnTrainDialog *trainDialog(); // made on first use

    XnnPanel *panel() const { return panel_; }
    XnnRecordPtr record() const { return record_; }

Q_SIGNALS:
    void explanationShown(const QString &path);
    void failed(const QString &message);

private:
    XnnExplainRequest request() const;
    void refreshFiles();
    void refresh();
    void show(const XnnRecordPtr &record);

    ExplorerDocument &document_;
    XnnService &service_;
    ModelWorker &worker_;
    QComboBox *files_;
    QComboBox *classes_;
    QComboBox *method_;
    QPushButton *explainButton_;
    QPushButton *cancelButton_;
    QLabel *status_;
    XnnPanel *panel_;
    XnnTrainDialog *dialog_ = nullptr;
    XnnRecordPtr record_;
    std::string xnnHash_; // content hash of the chosen file, taken when it is chosen
    sg::JobId job_ = 0;
};

} // namespace sg::ui
