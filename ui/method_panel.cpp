#include "method_panel.h"

#include "theme.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <cmath>

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
// a weight of 1 with a range up to 1e6 still steps by 0.1), as a power of ten.
double stepFor(const sg::ParamSpec &spec)
{
    const double range = spec.maximum - spec.minimum;
    double step = range > 0.0 ? powerOfTen(range / 100.0, std::round) : 1.0;
    if (spec.defaultValue != 0.0)
        step = std::min(step, powerOfTen(std::abs(spec.defaultValue), std::floor) / 10.0);
    return step;
}

// The fewest decimals that show the default, the bounds and the step exactly (at most
// kMaxDecimals).
int decimalsFor(const sg::ParamSpec &spec, double step)
{
    for (int decimals = 0; decimals < kMaxDecimals; ++decimals) {
        if (representable(spec.defaultValue, decimals) && representable(spec.minimum, decimals)
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

double clampToSpec(const sg::ParamSpec &spec, double value)
{
    value = std::clamp(value, spec.minimum, spec.maximum);
    return spec.integer ? std::round(value) : value;
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
    // Methods without a resolution choice take their schema at their own default, as a run does.
    return method->parameters(method->resolutions().empty() ? method->defaultResolution() : resolution());
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

bool MethodPanel::setParam(const QString &name, double value)
{
    const std::string key = name.toStdString();
    const auto editor = std::find_if(
        editors_.begin(), editors_.end(), [&](const ParamEditor &e) { return e.spec.name == key; });
    if (editor == editors_.end())
        return false;
    const double before = editorValue(*editor);
    ++updating_;
    setEditorValue(*editor, clampToSpec(editor->spec, value));
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
            settings.setValue(QStringLiteral("%1/%2/%3")
                                  .arg(QString::fromStdString(key.first), resolutionKey(key.second),
                                      QString::fromStdString(name)),
                value);
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
            const std::vector<sg::ParamSpec> schema
                = method->parameters(offered.empty() ? method->defaultResolution() : resolution);
            settings.beginGroup(resolutionName);
            sg::ParamValues values;
            for (const sg::ParamSpec &spec : schema) {
                bool ok = false;
                const double value = settings.value(QString::fromStdString(spec.name)).toDouble(&ok);
                if (!ok || !std::isfinite(value))
                    continue;
                const double clamped = clampToSpec(spec, value);
                if (clamped != spec.defaultValue)
                    values[spec.name] = clamped;
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
        double value = spec.defaultValue;
        if (remembered != remembered_.end()) {
            const auto found = remembered->second.find(spec.name);
            if (found != remembered->second.end())
                value = clampToSpec(spec, found->second);
        }

        ParamEditor editor;
        editor.spec = spec;
        const QString toolTip
            = tr("%1 (default %2, range [%3, %4])")
                  .arg(QString::fromStdString(spec.description), formatNumber(spec.defaultValue),
                      formatNumber(spec.minimum), formatNumber(spec.maximum));
        QAbstractSpinBox *box = nullptr;
        if (spec.integer) {
            auto *spin = new QSpinBox;
            spin->setRange(toInt(spec.minimum), toInt(spec.maximum));
            if (spec.maximum - spec.minimum > 100.0)
                spin->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
            editor.integerBox = spin;
            box = spin;
        } else {
            auto *spin = new CompactDoubleSpinBox;
            const double step = stepFor(spec);
            spin->setDecimals(decimalsFor(spec, step));
            spin->setRange(spec.minimum, spec.maximum);
            spin->setSingleStep(step);
            if ((spec.maximum - spec.minimum) / step > kAdaptiveSteps)
                spin->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
            editor.realBox = spin;
            box = spin;
        }
        box->setObjectName(QString::fromStdString(spec.name));
        box->setToolTip(toolTip);
        box->setKeyboardTracking(false); // one change per committed number, not per keystroke
        box->setAlignment(Qt::AlignRight);
        box->setMinimumWidth(60); // the range's widest text must not widen the dock
        box->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
        setEditorValue(editor, value);
        if (editor.integerBox)
            connect(editor.integerBox, &QSpinBox::valueChanged, this, &MethodPanel::onParamEdited);
        else
            connect(editor.realBox, &QDoubleSpinBox::valueChanged, this, &MethodPanel::onParamEdited);

        auto *label = new QLabel(QString::fromStdString(spec.name));
        label->setToolTip(toolTip);
        label->setBuddy(box);
        paramForm_->addRow(label, box);
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
        const double value = editorValue(editor);
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

double MethodPanel::editorValue(const ParamEditor &editor)
{
    return editor.integerBox ? double(editor.integerBox->value()) : editor.realBox->value();
}

void MethodPanel::setEditorValue(const ParamEditor &editor, double value)
{
    if (editor.integerBox)
        editor.integerBox->setValue(toInt(value));
    else
        editor.realBox->setValue(value);
}

} // namespace sg::ui
