#pragma once
// The method picker: a method combo built from the registry (no method names in this file),
// the resolution choice the method offers, a parameter editor generated from the method's
// schema at that resolution (one editor per kind: spin boxes with the schema's range for
// numbers and integers, a combo of the options for a choice, a check box for a boolean, a line
// edit with a browse button for a path; the description and default as tooltip; "Reset to
// defaults"), the target class chooser (Top-1 by default, any class), and the Explain /
// Compare buttons. Parameter values are remembered per method and resolution while the
// program runs, and in QSettings across runs. GUI thread only.

#include "saliency/method.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <map>
#include <string>
#include <utility>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSettings;
class QSpinBox;

namespace sg::ui {

class MethodPanel : public QWidget {
    Q_OBJECT

public:
    // `registry` is not owned and must outlive the panel.
    explicit MethodPanel(const sg::MethodRegistry &registry, QWidget *parent = nullptr);

    // The model's class labels for the target chooser (index order), and whether the model has
    // a features/head split. Methods needing a split stay selectable, but choosing one without
    // it shows why it cannot run and disables Explain. Resets the target to Top-1.
    void setModel(const QStringList &labels, bool hasSplit);
    // The current image's top-1 class, shown in the "Top-1" entry ("Top-1 (sandal)"); -1 = none.
    void setTopClass(int index);

    QString methodId() const;
    bool setMethodId(const QString &id); // false when unknown
    // The chosen resolution; kDefaultResolution for methods without a choice (Grad-CAM).
    int resolution() const;
    bool setResolution(int resolution); // false when the method does not offer it
    // Every parameter of the schema at the current resolution, as shown in the editor, each of
    // its kind's type (common/params.h).
    sg::ParamValues params() const;
    // Shows `value` for parameter `name`: numbers and integers are clamped to the range (and
    // integers rounded); a choice takes an option's name, a boolean a bool, a path a text.
    // False when the name is unknown or the value does not fit the kind.
    bool setParam(const QString &name, const sg::ParamValue &value);
    void resetParams(); // the schema's defaults
    int target() const; // -1 = top-1
    void setTarget(int index); // -1 = top-1; out of range = top-1
    // Why the current method cannot run on the current model (empty when it can).
    QString blockedReason() const;

    void saveSettings(QSettings &settings) const;
    void restoreSettings(QSettings &settings);

Q_SIGNALS:
    void explainRequested();
    void compareRequested();
    // Method, resolution, a parameter or the target changed.
    void settingsChanged();

private:
    // One row of the parameter editor: exactly one widget is set, the one of the spec's kind.
    struct ParamEditor {
        sg::ParamSpec spec;
        QSpinBox *integerBox = nullptr; // Integer
        QDoubleSpinBox *realBox = nullptr; // Number
        QComboBox *choiceBox = nullptr; // Choice: one item per option, the name as item data
        QCheckBox *booleanBox = nullptr; // Boolean
        QLineEdit *pathEdit = nullptr; // Path (a browse button beside it)
    };
    // Remembered edits, keyed by (method id, resolution); only values that differ from the
    // schema's defaults are kept, so a changed default in a later version still applies.
    using ParamKey = std::pair<std::string, int>;

    const sg::SaliencyMethod *currentMethod() const;
    std::vector<sg::ParamSpec> currentSchema() const;
    void onMethodChosen();
    void onResolutionChosen();
    void onParamEdited();
    // Creates `editor`'s widget for its spec's kind showing `value`, connected to
    // onParamEdited; returns the form's field (for a path: the line edit and its browse button).
    QWidget *makeEditor(ParamEditor &editor, const sg::ParamValue &value, const QString &toolTip);
    void onTargetChosen();
    // Rebuild the resolution combo / the parameter rows for the current method (no signals).
    void rebuildResolutions(int preferred);
    void rebuildParams();
    void rememberParams();
    void updateBlocked();
    void updateTopEntry();
    static sg::ParamValue editorValue(const ParamEditor &editor);
    // `value` must fit the spec's kind (fitToSpec).
    static void setEditorValue(const ParamEditor &editor, const sg::ParamValue &value);

    const sg::MethodRegistry &registry_;
    QComboBox *methodCombo_ = nullptr;
    QComboBox *resolutionCombo_ = nullptr;
    QFormLayout *paramForm_ = nullptr;
    QPushButton *resetButton_ = nullptr;
    QComboBox *targetCombo_ = nullptr;
    QLabel *noteLabel_ = nullptr;
    QPushButton *explainButton_ = nullptr;
    QPushButton *compareButton_ = nullptr;

    std::vector<ParamEditor> editors_;
    std::map<ParamKey, sg::ParamValues> remembered_;
    QStringList labels_;
    bool modelKnown_ = false; // before setModel() nothing is blocked
    bool hasSplit_ = false;
    int topClass_ = -1;
    int updating_ = 0; // > 0 while the panel changes its own widgets: no signals
};

} // namespace sg::ui
