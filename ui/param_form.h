#pragma once
// A form of editors for a typed parameter schema (common/params.h): a spin box for a number or
// an integer (the schema's range), a combo box for a choice, a check box for a boolean, a line
// edit for a path; each with the parameter's description as its tooltip. Used by the views
// whose analyses declare a schema (SAG now; the XNN training dialog next). GUI thread only.

#include "common/params.h"

#include <QWidget>

#include <vector>

class QFormLayout;

namespace sg::ui {

class ParamForm : public QWidget {
    Q_OBJECT

public:
    explicit ParamForm(QWidget *parent = nullptr);

    // Replaces the editors with one per parameter of `schema`, showing `values` where given and
    // the defaults elsewhere. Labels are the names with '_' as spaces ("grid rows").
    void setSchema(const std::vector<sg::ParamSpec> &schema, const sg::ParamValues &values = {});
    // Every parameter's current value, of its kind's type (resolveParams accepts it as it is).
    sg::ParamValues values() const;
    // Sets one editor; false when no parameter has that name or the value does not fit it.
    bool setValue(const std::string &name, const sg::ParamValue &value);

Q_SIGNALS:
    void changed(); // the user (or setValue) changed a value

private:
    struct Editor {
        sg::ParamSpec spec;
        QWidget *widget = nullptr;
    };
    QFormLayout *layout_;
    std::vector<Editor> editors_;
};

} // namespace sg::ui
