#include "method_panel.h"

#include "theme.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>

namespace sg::ui {

namespace {

const QString kGroup = QStringLiteral("methods");
const QString kKeyMethod = QStringLiteral("method");
const QString kKeyResolution = QStringLiteral("resolution");
const QString kGroupParams = QStringLiteral("params");
// The settings key of a method's fixed (model-given) resolution.
const QString kFixedResolutionKey = QStringLiteral("model");

// Enough to show the smallest bound of the built-in schemas (1e-6) exactly; more would only
// widen the boxes.
constexpr int kMaxDecimals = 6;
// A range wider than this many steps gets a step that follows the value's magnitude.
constexpr double kAdaptiveSteps = 1000.0;
// Combos show about this many characters and elide the rest, so long method titles or class
// labels do not widen the (narrow) dock.
constexpr int kComboChars = 12;

bool representable(double value, int decimals)
{
    const double scaled = value * std::pow(10.0, decimals);
    return std::abs(scaled - std::round(scaled)) <= 1e-9 * std::max(1.0, std::abs(scaled));
}

double powerOfTen(double value, double (*rounding)(double))
{
    return std::pow(10.0, rounding(std::log10(value)));
}

// About a hundredth of the range, but no coarser than a tenth of the default's magnitude (so
// a weight of 1 with a range up to 1e6 still steps by 0.1), as a power of ten. Number specs.
double stepFor(const sg::ParamSpec &spec)
{
    const double range = spec.maximum - spec.minimum;
    double step = range > 0.0 ? powerOfTen(range / 100.0, std::round) : 1.0;
    const double defaultValue = spec.defaultValue.number();
    if (defaultValue != 0.0)
        step = std::min(step, powerOfTen(std::abs(defaultValue), std::floor) / 10.0);
    return step;
}

// The fewest decimals that show the default, the bounds and the step exactly (at most
// kMaxDecimals). Number specs.
int decimalsFor(const sg::ParamSpec &spec, double step)
{
    for (int decimals = 0; decimals < kMaxDecimals; ++decimals) {
        if (representable(spec.defaultValue.number(), decimals) && representable(spec.minimum, decimals)
            && representable(spec.maximum, decimals) && representable(step, decimals))
            return decimals;
    }
    return kMaxDecimals;
}

QString formatNumber(double value)
{
    return QString::number(value, 'g', 12);
}

int toInt(double value)
{
    return int(std::clamp(std::round(value), double(INT_MIN), double(INT_MAX)));
}

// `value` as the editor of `spec` can show it: numbers clamped to the range (integers also
// rounded), an option's name for a choice, a bool for a boolean, a text for a path; nullopt
// when it does not fit the kind.
std::optional<sg::ParamValue> fitToSpec(const sg::ParamSpec &spec, const sg::ParamValue &value)
{
    switch (spec.kind) {
    case sg::ParamKind::Number:
    case sg::ParamKind::Integer: {
        if (!value.isNumber() && !value.isInteger())
            return std::nullopt;
        const double number = value.isNumber() ? value.number() : double(value.integer());
        if (std::isnan(number))
            return std::nullopt;
        const double clamped = std::clamp(number, spec.minimum, spec.maximum);
        if (spec.kind == sg::ParamKind::Number)
            return clamped;
        return std::int64_t(std::round(clamped));
    }
    case sg::ParamKind::Choice:
        if (value.isText() && spec.optionIndex(value.text()) >= 0)
            return value;
        return std::nullopt;
    case sg::ParamKind::Boolean:
        if (value.isBoolean())
            return value;
        return std::nullopt;
    case sg::ParamKind::Path:
        if (value.isText())
            return value;
        return std::nullopt;
    }
    return std::nullopt;
}

// The editor's tooltip: the description, the default and, for numbers, the range.
QString toolTipFor(const sg::ParamSpec &spec)
{
    const QString description = QString::fromStdString(spec.description);
    switch (spec.kind) {
    case sg::ParamKind::Number:
        return MethodPanel::tr("%1 (default %2, range [%3, %4])")
            .arg(description, formatNumber(spec.defaultValue.number()), formatNumber(spec.minimum),
                formatNumber(spec.maximum));
    case sg::ParamKind::Integer:
        return MethodPanel::tr("%1 (default %2, range [%3, %4])")
            .arg(description, QString::number(spec.defaultValue.integer()), formatNumber(spec.minimum),
                formatNumber(spec.maximum));
    case sg::ParamKind::Choice:
        return MethodPanel::tr("%1 (default %2)")
            .arg(description, QString::fromStdString(spec.defaultValue.text()));
    case sg::ParamKind::Boolean:
        return MethodPanel::tr("%1 (default %2)")
            .arg(description, spec.defaultValue.boolean() ? MethodPanel::tr("on") : MethodPanel::tr("off"));
    case sg::ParamKind::Path:
        if (spec.defaultValue.text().empty())
            return MethodPanel::tr("%1 (default none)").arg(description);
        return MethodPanel::tr("%1 (default %2)")
            .arg(description, QString::fromStdString(spec.defaultValue.text()));
    }
    return description;
}

QString resolutionText(int resolution)
{
    return QStringLiteral("%1 × %1").arg(resolution);
}

QString resolutionKey(int resolution)
{
    return resolution == sg::kDefaultResolution ? kFixedResolutionKey : QString::number(resolution);
}

// A double box that drops trailing zeros ("1000", not "1000.000000"), since decimals are
// chosen to fit the smallest bound, not the typical value.
class CompactDoubleSpinBox : public QDoubleSpinBox {
public:
    using QDoubleSpinBox::QDoubleSpinBox;

    QString textFromValue(double value) const override
    {
        QString text = QDoubleSpinBox::textFromValue(value);
        const QString point = locale().decimalPoint();
        if (text.contains(point)) {
            while (text.endsWith(QLatin1Char('0')))
                text.chop(1);
            if (text.endsWith(point))
                text.chop(point.size());
        }
        return text;
    }
};

QComboBox *makeCombo(const QString &name)
{
    auto *combo = new QComboBox;
    combo->setObjectName(name);
    combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    combo->setMinimumContentsLength(kComboChars);
    combo->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    return combo;
}

} // namespace

MethodPanel::MethodPanel(const sg::MethodRegistry &registry, QWidget *parent) :
    QWidget(parent), registry_(registry)
{
    ++updating_;

    methodCombo_ = makeCombo(QStringLiteral("method"));
    for (const sg::SaliencyMethod *method : registry_.all()) {
        methodCombo_->addItem(QString::fromStdString(method->title()), QString::fromStdString(method->id()));
        methodCombo_->setItemData(
            methodCombo_->count() - 1, QString::fromStdString(method->description()), Qt::ToolTipRole);
    }
    resolutionCombo_ = makeCombo(QStringLiteral("resolution"));
    resolutionCombo_->setToolTip(tr("The method's mask or grid size"));

    auto *choice = new QFormLayout;
    choice->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    choice->addRow(tr("Method"), methodCombo_);
    choice->addRow(tr("Resolution"), resolutionCombo_);

    auto *paramsBox = new QGroupBox(tr("Parameters"));
    auto *paramsLayout = new QVBoxLayout(paramsBox);
    paramForm_ = new QFormLayout;
    paramForm_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    paramsLayout->addLayout(paramForm_);
    resetButton_ = new QPushButton(tr("Reset to defaults"));
    resetButton_->setObjectName(QStringLiteral("reset"));
    resetButton_->setAutoDefault(false);
    auto *resetRow = new QHBoxLayout;
    resetRow->addStretch();
    resetRow->addWidget(resetButton_);
    paramsLayout->addLayout(resetRow);

    targetCombo_ = makeCombo(QStringLiteral("target"));
    targetCombo_->setToolTip(tr("The class to explain"));
    targetCombo_->addItem(tr("Top-1"), -1);
    updateTopEntry();
    auto *targetForm = new QFormLayout;
    targetForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    targetForm->addRow(tr("Target"), targetCombo_);

    noteLabel_ = new QLabel;
    noteLabel_->setObjectName(QStringLiteral("note"));
    noteLabel_->setWordWrap(true);
    QPalette notePalette = noteLabel_->palette();
    notePalette.setColor(QPalette::WindowText, theme::kErrorText);
    noteLabel_->setPalette(notePalette);
    noteLabel_->hide();

    explainButton_ = new QPushButton(tr("Explain"));
    explainButton_->setObjectName(QStringLiteral("explain"));
    explainButton_->setDefault(true);
    compareButton_ = new QPushButton(tr("Compare…"));
    compareButton_->setObjectName(QStringLiteral("compare"));
    compareButton_->setAutoDefault(false);
    compareButton_->setToolTip(tr("Run several methods on the image and show them side by side"));
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(explainButton_);
    buttons->addWidget(compareButton_);

    // The two forms outside the group box share one label column.
    int labelWidth = 0;
    for (QFormLayout *form : {choice, targetForm}) {
        for (int row = 0; row < form->rowCount(); ++row)
            labelWidth = std::max(labelWidth, form->itemAt(row, QFormLayout::LabelRole)->sizeHint().width());
    }
    for (QFormLayout *form : {choice, targetForm}) {
        for (int row = 0; row < form->rowCount(); ++row)
            form->itemAt(row, QFormLayout::LabelRole)->widget()->setMinimumWidth(labelWidth);
    }

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(choice);
    layout->addWidget(paramsBox);
    layout->addLayout(targetForm);
    layout->addWidget(noteLabel_);
    layout->addLayout(buttons);
    layout->addStretch();

    connect(methodCombo_, &QComboBox::currentIndexChanged, this, &MethodPanel::onMethodChosen);
    connect(resolutionCombo_, &QComboBox::currentIndexChanged, this, &MethodPanel::onResolutionChosen);
    connect(targetCombo_, &QComboBox::currentIndexChanged, this, &MethodPanel::onTargetChosen);
    connect(resetButton_, &QPushButton::clicked, this, &MethodPanel::resetParams);
    connect(explainButton_, &QPushButton::clicked, this, &MethodPanel::explainRequested);
    connect(compareButton_, &QPushButton::clicked, this, &MethodPanel::compareRequested);

    rebuildResolutions(sg::kDefaultResolution);
    rebuildParams();
    updateBlocked();
    --updating_;
}

const sg::SaliencyMethod *MethodPanel::currentMethod() const
{
    return registry_.find(methodId().toStdString());
}

std::vector<sg::ParamSpec> MethodPanel::currentSchema() const
{
    const sg::SaliencyMethod *method = currentMethod();
    if (!method)
        return {};
    // Methods without a resolution choice show kDefaultResolution, their own default.
    return method->parameters(resolution());
}

void MethodPanel::setModel(const QStringList &labels, bool hasSplit)
{
    labels_ = labels;
    modelKnown_ = true;
    hasSplit_ = hasSplit;
    topClass_ = -1;

    ++updating_;
    targetCombo_->clear();
    targetCombo_->addItem(tr("Top-1"), -1);
    for (int i = 0; i < labels_.size(); ++i) {
        const QString text = QStringLiteral("%1: %2").arg(i).arg(labels_[i]);
        targetCombo_->addItem(text, i);
        targetCombo_->setItemData(i + 1, text, Qt::ToolTipRole);
    }
    targetCombo_->setCurrentIndex(0);
    updateTopEntry();
    --updating_;

    updateBlocked();
    Q_EMIT settingsChanged();
}

void MethodPanel::setTopClass(int index)
{
    topClass_ = index >= 0 && index < labels_.size() ? index : -1;
    updateTopEntry();
}

void MethodPanel::updateTopEntry()
{
    const QString text = topClass_ < 0 ? tr("Top-1") : tr("Top-1 (%1)").arg(labels_[topClass_]);
    targetCombo_->setItemText(0, text);
    targetCombo_->setItemData(0, tr("The class the model ranks first"), Qt::ToolTipRole);
}

QString MethodPanel::methodId() const
{
    return methodCombo_->currentData().toString();
}

bool MethodPanel::setMethodId(const QString &id)
{
    const int index = methodCombo_->findData(id);
    if (index < 0)
        return false;
    methodCombo_->setCurrentIndex(index); // onMethodChosen does the rest when it changed
    return true;
}

int MethodPanel::resolution() const
{
    const QVariant data = resolutionCombo_->currentData();
    return data.isValid() ? data.toInt() : sg::kDefaultResolution;
}

bool MethodPanel::setResolution(int resolution)
{
    const sg::SaliencyMethod *method = currentMethod();
    if (!method)
        return false;
    const std::vector<int> offered = method->resolutions();
    if (offered.empty())
        return resolution == sg::kDefaultResolution;
    if (resolution == sg::kDefaultResolution)
        resolution = method->defaultResolution();
    const int index = resolutionCombo_->findData(resolution);
    if (index < 0)
        return false;
    resolutionCombo_->setCurrentIndex(index); // onResolutionChosen does the rest when it changed
    return true;
}

sg::ParamValues MethodPanel::params() const
{
    sg::ParamValues values;
    for (const ParamEditor &editor : editors_)
        values[editor.spec.name] = editorValue(editor);
    return values;
}

bool MethodPanel::setParam(const QString &name, const sg::ParamValue &value)
{
    const std::string key = name.toStdString();
    const auto editor = std::find_if(
        editors_.begin(), editors_.end(), [&](const ParamEditor &e) { return e.spec.name == key; });
    if (editor == editors_.end())
        return false;
    const std::optional<sg::ParamValue> fitted = fitToSpec(editor->spec, value);
    if (!fitted)
        return false;
    const sg::ParamValue before = editorValue(*editor);
    ++updating_;
    setEditorValue(*editor, *fitted);
    --updating_;
    if (editorValue(*editor) != before) {
        rememberParams();
        Q_EMIT settingsChanged();
    }
    return true;
}

void MethodPanel::resetParams()
{
    const sg::ParamValues before = params();
    ++updating_;
    for (const ParamEditor &editor : editors_)
        setEditorValue(editor, editor.spec.defaultValue);
    --updating_;
    rememberParams();
    if (params() != before)
        Q_EMIT settingsChanged();
}

int MethodPanel::target() const
{
    return targetCombo_->currentData().toInt();
}

void MethodPanel::setTarget(int index)
{
    if (index < 0 || index >= labels_.size())
        index = -1;
    targetCombo_->setCurrentIndex(index + 1); // onTargetChosen signals when it changed
}

QString MethodPanel::blockedReason() const
{
    const sg::SaliencyMethod *method = currentMethod();
    if (method && modelKnown_ && method->needsSplit() && !hasSplit_)
        return tr("%1 needs the model's features/head split, which this model's sidecar does not "
                  "declare.")
            .arg(QString::fromStdString(method->title()));
    return {};
}

void MethodPanel::saveSettings(QSettings &settings) const
{
    settings.beginGroup(kGroup);
    settings.setValue(kKeyMethod, methodId());
    settings.setValue(kKeyResolution, resolution());
    settings.remove(kGroupParams); // forget edits since reset to the defaults
    settings.beginGroup(kGroupParams);
    for (const auto &[key, values] : remembered_) {
        for (const auto &[name, value] : values) {
            // As text that parseParamValue() reads back (choices by option name).
            settings.setValue(QStringLiteral("%1/%2/%3")
                                  .arg(QString::fromStdString(key.first), resolutionKey(key.second),
                                      QString::fromStdString(name)),
                QString::fromStdString(sg::paramValueText(value)));
        }
    }
    settings.endGroup();
    settings.endGroup();
}

void MethodPanel::restoreSettings(QSettings &settings)
{
    settings.beginGroup(kGroup);

    std::map<ParamKey, sg::ParamValues> remembered;
    settings.beginGroup(kGroupParams);
    for (const QString &id : settings.childGroups()) {
        const sg::SaliencyMethod *method = registry_.find(id.toStdString());
        if (!method)
            continue;
        const std::vector<int> offered = method->resolutions();
        settings.beginGroup(id);
        for (const QString &resolutionName : settings.childGroups()) {
            int resolution = sg::kDefaultResolution;
            if (offered.empty()) {
                if (resolutionName != kFixedResolutionKey)
                    continue;
            } else {
                bool ok = false;
                resolution = resolutionName.toInt(&ok);
                if (!ok || std::find(offered.begin(), offered.end(), resolution) == offered.end())
                    continue;
            }
            const std::vector<sg::ParamSpec> schema = method->parameters(resolution);
            settings.beginGroup(resolutionName);
            sg::ParamValues values;
            for (const sg::ParamSpec &spec : schema) {
                const QVariant saved = settings.value(QString::fromStdString(spec.name));
                if (!saved.isValid())
                    continue;
                // Older settings hold numbers, a choice as its option's index: the parser reads both.
                const auto parsed = sg::parseParamValue(spec, saved.toString().toStdString());
                const auto fitted = parsed ? fitToSpec(spec, *parsed) : std::nullopt;
                if (fitted && *fitted != spec.defaultValue)
                    values[spec.name] = *fitted;
            }
            settings.endGroup();
            if (!values.empty())
                remembered[{method->id(), resolution}] = values;
        }
        settings.endGroup();
    }
    settings.endGroup();

    const QString id = settings.value(kKeyMethod).toString();
    bool resolutionOk = false;
    const int savedResolution = settings.value(kKeyResolution).toInt(&resolutionOk);
    settings.endGroup();

    const QString idBefore = methodId();
    const int resolutionBefore = resolution();
    const sg::ParamValues paramsBefore = params();

    remembered_ = std::move(remembered);
    ++updating_;
    const int methodIndex = methodCombo_->findData(id);
    if (methodIndex >= 0)
        methodCombo_->setCurrentIndex(methodIndex);
    rebuildResolutions(resolutionOk ? savedResolution : sg::kDefaultResolution);
    rebuildParams();
    --updating_;
    updateBlocked();

    if (methodId() != idBefore || resolution() != resolutionBefore || params() != paramsBefore)
        Q_EMIT settingsChanged();
}

void MethodPanel::onMethodChosen()
{
    if (updating_)
        return;
    ++updating_;
    rebuildResolutions(sg::kDefaultResolution);
    rebuildParams();
    --updating_;
    updateBlocked();
    Q_EMIT settingsChanged();
}

void MethodPanel::onResolutionChosen()
{
    if (updating_)
        return;
    ++updating_;
    rebuildParams();
    --updating_;
    Q_EMIT settingsChanged();
}

void MethodPanel::onParamEdited()
{
    if (updating_)
        return;
    rememberParams();
    Q_EMIT settingsChanged();
}

void MethodPanel::onTargetChosen()
{
    if (updating_)
        return;
    Q_EMIT settingsChanged();
}

void MethodPanel::rebuildResolutions(int preferred)
{
    const sg::SaliencyMethod *method = currentMethod();
    const std::vector<int> offered = method ? method->resolutions() : std::vector<int>{};
    resolutionCombo_->clear();
    if (offered.empty()) {
        resolutionCombo_->addItem(tr("set by the model"), sg::kDefaultResolution);
        resolutionCombo_->setEnabled(false);
        return;
    }
    for (int resolution : offered)
        resolutionCombo_->addItem(resolutionText(resolution), resolution);
    int index = resolutionCombo_->findData(preferred);
    if (index < 0)
        index = std::max(0, resolutionCombo_->findData(method->defaultResolution()));
    resolutionCombo_->setCurrentIndex(index);
    resolutionCombo_->setEnabled(true);
}

void MethodPanel::rebuildParams()
{
    while (paramForm_->rowCount() > 0)
        paramForm_->removeRow(0);
    editors_.clear();

    const sg::SaliencyMethod *method = currentMethod();
    const std::vector<sg::ParamSpec> schema = currentSchema();
    const auto remembered = method ? remembered_.find({method->id(), resolution()}) : remembered_.end();

    for (const sg::ParamSpec &spec : schema) {
        sg::ParamValue value = spec.defaultValue;
        if (remembered != remembered_.end()) {
            const auto found = remembered->second.find(spec.name);
            if (found != remembered->second.end())
                value = fitToSpec(spec, found->second).value_or(spec.defaultValue);
        }

        ParamEditor editor;
        editor.spec = spec;
        const QString toolTip = toolTipFor(spec);
        QWidget *field = makeEditor(editor, value, toolTip);

        auto *label = new QLabel(QString::fromStdString(spec.name));
        label->setToolTip(toolTip);
        label->setBuddy(editor.pathEdit ? static_cast<QWidget *>(editor.pathEdit) : field);
        paramForm_->addRow(label, field);
        editors_.push_back(editor);
    }
    if (schema.empty()) {
        auto *none = new QLabel(tr("This method has no parameters."));
        QPalette palette = none->palette();
        palette.setColor(QPalette::WindowText, theme::kDimText);
        none->setPalette(palette);
        none->setWordWrap(true);
        paramForm_->addRow(none);
    }
    resetButton_->setVisible(!schema.empty());
}

void MethodPanel::rememberParams()
{
    const sg::SaliencyMethod *method = currentMethod();
    if (!method)
        return;
    sg::ParamValues edited;
    for (const ParamEditor &editor : editors_) {
        const sg::ParamValue value = editorValue(editor);
        if (value != editor.spec.defaultValue)
            edited[editor.spec.name] = value;
    }
    const ParamKey key{method->id(), resolution()};
    if (edited.empty())
        remembered_.erase(key);
    else
        remembered_[key] = std::move(edited);
}

void MethodPanel::updateBlocked()
{
    const QString reason = blockedReason();
    noteLabel_->setText(reason);
    noteLabel_->setVisible(!reason.isEmpty());
    explainButton_->setEnabled(reason.isEmpty());
    explainButton_->setToolTip(reason.isEmpty() ? tr("Explain the current image's target class") : reason);
    const sg::SaliencyMethod *method = currentMethod();
    methodCombo_->setToolTip(method ? QString::fromStdString(method->description()) : QString());
}

QWidget *MethodPanel::makeEditor(ParamEditor &editor, const sg::ParamValue &value, const QString &toolTip)
{
    const sg::ParamSpec &spec = editor.spec;
    const QString name = QString::fromStdString(spec.name);
    QWidget *field = nullptr;
    switch (spec.kind) {
    case sg::ParamKind::Integer: {
        auto *spin = new QSpinBox;
        spin->setRange(toInt(spec.minimum), toInt(spec.maximum));
        if (spec.maximum - spec.minimum > 100.0)
            spin->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
        editor.integerBox = spin;
        field = spin;
        break;
    }
    case sg::ParamKind::Number: {
        auto *spin = new CompactDoubleSpinBox;
        const double step = stepFor(spec);
        spin->setDecimals(decimalsFor(spec, step));
        spin->setRange(spec.minimum, spec.maximum);
        spin->setSingleStep(step);
        if ((spec.maximum - spec.minimum) / step > kAdaptiveSteps)
            spin->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
        editor.realBox = spin;
        field = spin;
        break;
    }
    case sg::ParamKind::Choice: {
        QComboBox *choice = makeCombo(name);
        for (const sg::ParamOption &option : spec.options) {
            choice->addItem(QString::fromStdString(option.name), QString::fromStdString(option.name));
            choice->setItemData(
                choice->count() - 1, QString::fromStdString(option.description), Qt::ToolTipRole);
        }
        editor.choiceBox = choice;
        field = choice;
        break;
    }
    case sg::ParamKind::Boolean:
        editor.booleanBox = new QCheckBox;
        field = editor.booleanBox;
        break;
    case sg::ParamKind::Path:
        editor.pathEdit = new QLineEdit;
        editor.pathEdit->setMinimumWidth(60);
        field = editor.pathEdit;
        break;
    }
    field->setObjectName(name);
    field->setToolTip(toolTip);
    if (auto *box = qobject_cast<QAbstractSpinBox *>(field)) {
        box->setKeyboardTracking(false); // one change per committed number, not per keystroke
        box->setAlignment(Qt::AlignRight);
        box->setMinimumWidth(60); // the range's widest text must not widen the dock
        box->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }
    setEditorValue(editor, value);

    if (editor.integerBox)
        connect(editor.integerBox, &QSpinBox::valueChanged, this, &MethodPanel::onParamEdited);
    if (editor.realBox)
        connect(editor.realBox, &QDoubleSpinBox::valueChanged, this, &MethodPanel::onParamEdited);
    if (editor.choiceBox)
        connect(editor.choiceBox, &QComboBox::currentIndexChanged, this, &MethodPanel::onParamEdited);
    if (editor.booleanBox)
        connect(editor.booleanBox, &QCheckBox::toggled, this, &MethodPanel::onParamEdited);
    if (QLineEdit *edit = editor.pathEdit) {
        // One change per committed text (Return, leaving the field, a chosen file), not per key.
        connect(edit, &QLineEdit::editingFinished, this, [this, edit] {
            if (!edit->isModified())
                return; // focus left without an edit
            edit->setModified(false);
            onParamEdited();
        });
        auto *browse = new QToolButton;
        browse->setObjectName(name + QStringLiteral("-browse"));
        browse->setText(QStringLiteral("…"));
        browse->setToolTip(tr("Choose a file"));
        const QString title = QString::fromStdString(spec.description);
        connect(browse, &QToolButton::clicked, this, [this, edit, title] {
            const QString chosen = QFileDialog::getOpenFileName(this, title, edit->text());
            if (chosen.isEmpty() || chosen == edit->text())
                return;
            edit->setText(chosen);
            onParamEdited();
        });
        auto *row = new QWidget;
        auto *layout = new QHBoxLayout(row);
        layout->setContentsMargins(0, 0, 0, 0);
        layout->addWidget(edit, 1);
        layout->addWidget(browse);
        return row;
    }
    return field;
}

sg::ParamValue MethodPanel::editorValue(const ParamEditor &editor)
{
    if (editor.integerBox)
        return std::int64_t(editor.integerBox->value());
    if (editor.realBox)
        return editor.realBox->value();
    if (editor.choiceBox)
        return editor.choiceBox->currentData().toString().toStdString();
    if (editor.booleanBox)
        return editor.booleanBox->isChecked();
    return editor.pathEdit->text().toStdString();
}

void MethodPanel::setEditorValue(const ParamEditor &editor, const sg::ParamValue &value)
{
    if (editor.integerBox)
        editor.integerBox->setValue(int(value.integer()));
    else if (editor.realBox)
        editor.realBox->setValue(value.number());
    else if (editor.choiceBox)
        editor.choiceBox->setCurrentIndex(editor.spec.optionIndex(value.text()));
    else if (editor.booleanBox)
        editor.booleanBox->setChecked(value.boolean());
    else
        editor.pathEdit->setText(QString::fromStdString(value.text()));
}

} // namespace sg::ui
