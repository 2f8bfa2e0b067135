#include "param_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QSpinBox>

#include <cmath>
#include <limits>

namespace sg::ui {

namespace {

QString labelOf(const std::string &name)
{
    return QString::fromStdString(name).replace(QLatin1Char('_'), QLatin1Char(' '));
}

} // namespace

ParamForm::ParamForm(QWidget *parent) : QWidget(parent), layout_(new QFormLayout(this))
{
    layout_->setContentsMargins(0, 0, 0, 0);
}

void ParamForm::setSchema(const std::vector<sg::ParamSpec> &schema, const sg::ParamValues &values)
{
    while (layout_->rowCount() > 0)
        layout_->removeRow(0);
    editors_.clear();
    for (const sg::ParamSpec &spec : schema) {
        QWidget *widget = nullptr;
        switch (spec.kind) {
        case sg::ParamKind::Number: {
            auto *box = new QDoubleSpinBox(this);
            box->setDecimals(3);
            box->setRange(spec.minimum, spec.maximum);
            box->setSingleStep(
                std::pow(10.0, std::floor(std::log10(std::max(spec.maximum - spec.minimum, 1e-3)))) / 10);
            connect(box, &QDoubleSpinBox::valueChanged, this, &ParamForm::changed);
            widget = box;
            break;
        }
        case sg::ParamKind::Integer: {
            auto *box = new QSpinBox(this);
            const double top = std::numeric_limits<int>::max();
            box->setRange(int(std::max(spec.minimum, -top)), int(std::min(spec.maximum, top)));
            connect(box, &QSpinBox::valueChanged, this, &ParamForm::changed);
            widget = box;
            break;
        }
        case sg::ParamKind::Choice: {
            auto *box = new QComboBox(this);
            for (const sg::ParamOption &option : spec.options) {
                box->addItem(QString::fromStdString(option.name));
                box->setItemData(
                    box->count() - 1, QString::fromStdString(option.description), Qt::ToolTipRole);
            }
            connect(box, &QComboBox::currentIndexChanged, this, &ParamForm::changed);
            widget = box;
            break;
        }
        case sg::ParamKind::Boolean: {
            auto *box = new QCheckBox(this);
            connect(box, &QCheckBox::toggled, this, &ParamForm::changed);
            widget = box;
            break;
        }
        case sg::ParamKind::Path: {
            auto *edit = new QLineEdit(this);
            connect(edit, &QLineEdit::textChanged, this, &ParamForm::changed);
            widget = edit;
            break;
        }
        }
        widget->setObjectName(QString::fromStdString(spec.name));
        widget->setToolTip(QString::fromStdString(spec.description));
        layout_->addRow(labelOf(spec.name), widget);
        editors_.push_back({spec, widget});
        const auto given = values.find(spec.name);
        setValue(spec.name, given != values.end() ? given->second : spec.defaultValue);
    }
}

sg::ParamValues ParamForm::values() const
{
    sg::ParamValues values;
    for (const Editor &editor : editors_) {
        switch (editor.spec.kind) {
        case sg::ParamKind::Number:
            values[editor.spec.name] = static_cast<QDoubleSpinBox *>(editor.widget)->value();
            break;
        case sg::ParamKind::Integer:
            values[editor.spec.name] = std::int64_t(static_cast<QSpinBox *>(editor.widget)->value());
            break;
        case sg::ParamKind::Choice:
            values[editor.spec.name] = static_cast<QComboBox *>(editor.widget)->currentText().toStdString();
            break;
        case sg::ParamKind::Boolean:
            values[editor.spec.name] = static_cast<QCheckBox *>(editor.widget)->isChecked();
            break;
        case sg::ParamKind::Path:
            values[editor.spec.name] = static_cast<QLineEdit *>(editor.widget)->text().toStdString();
            break;
        }
    }
    return values;
}

bool ParamForm::setValue(const std::string &name, const sg::ParamValue &value)
{
    for (const Editor &editor : editors_) {
        if (editor.spec.name != name)
            continue;
        switch (editor.spec.kind) {
        case sg::ParamKind::Number:
            if (!value.isNumber() && !value.isInteger())
                return false;
            static_cast<QDoubleSpinBox *>(editor.widget)
                ->setValue(value.isNumber() ? value.number() : double(value.integer()));
            return true;
        case sg::ParamKind::Integer:
            if (!value.isInteger())
                return false;
            static_cast<QSpinBox *>(editor.widget)->setValue(int(value.integer()));
            return true;
        case sg::ParamKind::Choice: {
            if (!value.isText())
                return false;
            const int index = editor.spec.optionIndex(value.text());
            if (index < 0)
                return false;
            static_cast<QComboBox *>(editor.widget)->setCurrentIndex(index);
            return true;
        }
        case sg::ParamKind::Boolean:
            if (!value.isBoolean())
                return false;
            static_cast<QCheckBox *>(editor.widget)->setChecked(value.boolean());
            return true;
        case sg::ParamKind::Path:
            if (!value.isText())
                return false;
            static_cast<QLineEdit *>(editor.widget)->setText(QString::fromStdString(value.text()));
            return true;
        }
    }
    return false;
}

} // namespace sg::ui
