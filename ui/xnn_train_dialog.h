#pragma once
// Training an XNN from the GUI: the labelled images, the class(es), the seed, the layer, every
// option of the typed schema (xnnTrainParameterSchema: L, epochs, ...) and the output file; Train runs
// it on the background lane (the explorer stays usable; the job shows in the jobs panel) with
// progress, a live per-epoch loss plot (QCustomPlot) and Cancel (no file is written). Modeless.
// GUI thread only.

#include "xnn_service.h"

#include <QDialog>

class QCustomPlot;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QComboBox;

namespace sg::ui {

class ExplorerDocument;
class ParamForm;

class XnnTrainDialog : public QDialog {
    Q_OBJECT

public:
    // `document`, `service` and `worker` are not owned and outlive the dialog.
    XnnTrainDialog(
        ExplorerDocument &document, XnnService &service, ModelWorker &worker, QWidget *parent = nullptr);

    // Fills the classes from the loaded model. GUI thread.
    void refreshModel();
    // Sets the form's fields (for the tests and for remembered values).
    void setData(const QString &dataPath);
    void setOutput(const QString &path);
    void setClasses(const QList<int> &classes);
    void setEpochs(int epochs);
    // Starts training with the form's values; false (and the reason in the status) when the
    // form is incomplete.
    bool start();
    void cancelTraining();

    sg::JobId job() const { return job_; }
    int epochPoints() const; // points on the loss plot
    QCustomPlot *plot() const { return plot_; }
    QString statusText() const;

Q_SIGNALS:
    void finished(const QString &out);

private:
    ExplorerDocument &document_;
    XnnService &service_;
    ModelWorker &worker_;
    QLineEdit *data_;
    QLineEdit *out_;
    QListWidget *classes_;
    QSpinBox *seed_;
    QComboBox *layer_;
    ParamForm *form_;
    QPushButton *trainButton_;
    QPushButton *cancelButton_;
    QProgressBar *progress_;
    QLabel *status_;
    QCustomPlot *plot_;
    sg::JobId job_ = 0;
    int points_ = 0;
};

} // namespace sg::ui
