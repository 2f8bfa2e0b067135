// The method and jobs panels, driven offscreen. The method panel is checked against the real
// built-in registry: whatever methods and schemas it holds, the panel must show exactly them.

#include "jobs_panel.h"
#include "method_panel.h"

#include <QAbstractButton>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>

namespace sg {

// How QCOMPARE prints a parameter value (found by argument-dependent lookup).
char *toString(const ParamValue &value)
{
    return qstrdup(paramValueText(value).c_str());
}

namespace ui {

namespace {

// What the panel's editor shows for one parameter.
struct ShownParam {
    ParamKind kind = ParamKind::Number;
    ParamValue value;
    double minimum = 0.0; // spin boxes
    double maximum = 0.0;
    QStringList options; // a combo's item data
};

// Every parameter editor of the panel by name: spin boxes, combos other than the panel's own
// three, check boxes and line edits other than the spin boxes' own.
std::map<std::string, ShownParam> shownParams(const MethodPanel &panel)
{
    std::map<std::string, ShownParam> shown;
    for (const QSpinBox *box : panel.findChildren<QSpinBox *>())
        shown[box->objectName().toStdString()] = {ParamKind::Integer, std::int64_t(box->value()),
            double(box->minimum()), double(box->maximum()), {}};
    for (const QDoubleSpinBox *box : panel.findChildren<QDoubleSpinBox *>())
        shown[box->objectName().toStdString()]
            = {ParamKind::Number, box->value(), box->minimum(), box->maximum(), {}};
    for (const QComboBox *box : panel.findChildren<QComboBox *>()) {
        const QString name = box->objectName();
        if (name == QStringLiteral("method") || name == QStringLiteral("resolution")
            || name == QStringLiteral("target"))
            continue;
        ShownParam param{ParamKind::Choice, box->currentData().toString().toStdString(), 0.0, 0.0, {}};
        for (int i = 0; i < box->count(); ++i)
            param.options << box->itemData(i).toString();
        shown[name.toStdString()] = param;
    }
    for (const QCheckBox *box : panel.findChildren<QCheckBox *>())
        shown[box->objectName().toStdString()] = {ParamKind::Boolean, box->isChecked(), 0.0, 0.0, {}};
    for (const QLineEdit *edit : panel.findChildren<QLineEdit *>()) {
        if (!qobject_cast<QAbstractSpinBox *>(edit->parent()) && !qobject_cast<QComboBox *>(edit->parent()))
            shown[edit->objectName().toStdString()]
                = {ParamKind::Path, edit->text().toStdString(), 0.0, 0.0, {}};
    }
    return shown;
}

// A number or integer value as a double, as the spin boxes see it.
double numeric(const ParamValue &value)
{
    return value.isInteger() ? double(value.integer()) : value.number();
}

bool isNumeric(const ParamSpec &spec)
{
    return spec.kind == ParamKind::Number || spec.kind == ParamKind::Integer;
}

QComboBox *combo(const QWidget &panel, const char *name)
{
    return panel.findChild<QComboBox *>(QString::fromLatin1(name));
}

QPushButton *buttonWithText(const QWidget &panel, const QString &text)
{
    for (QPushButton *button : panel.findChildren<QPushButton *>()) {
        if (button->text() == text)
            return button;
    }
    return nullptr;
}

// The schema a method's editor should show at `resolution` (its own default for fixed ones).
std::vector<ParamSpec> schemaAt(const SaliencyMethod &method, int resolution)
{
    return method.parameters(method.resolutions().empty() ? method.defaultResolution() : resolution);
}

int defaultResolutionOf(const SaliencyMethod &method)
{
    return method.resolutions().empty() ? kDefaultResolution : method.defaultResolution();
}

// A value of `spec` other than its default: a bound of its range, another option, the other
// boolean, another path.
ParamValue otherValue(const ParamSpec &spec)
{
    switch (spec.kind) {
    case ParamKind::Number: return spec.defaultValue.number() != spec.maximum ? spec.maximum : spec.minimum;
    case ParamKind::Integer:
        return std::int64_t(numeric(spec.defaultValue) != spec.maximum ? spec.maximum : spec.minimum);
    case ParamKind::Choice:
        return spec.options.at(spec.optionIndex(spec.defaultValue.text()) == 0 ? 1 : 0).name;
    case ParamKind::Boolean: return !spec.defaultValue.boolean();
    case ParamKind::Path: return spec.defaultValue.text() + "/other";
    }
    return {};
}

// The first method with a parameter whose range holds more than its default.
const SaliencyMethod *methodWithEditableParam(std::size_t skip = 0)
{
    for (const SaliencyMethod *method : MethodRegistry::builtin().all()) {
        for (const ParamSpec &spec : schemaAt(*method, defaultResolutionOf(*method))) {
            if (spec.maximum > spec.minimum) {
                if (skip-- == 0)
                    return method;
                break;
            }
        }
    }
    return nullptr;
}

const ParamSpec *firstEditableParam(const std::vector<ParamSpec> &schema)
{
    for (const ParamSpec &spec : schema) {
        if (spec.maximum > spec.minimum)
            return &spec;
    }
    return nullptr;
}

int columnOf(const QTreeWidget &tree, const QString &title)
{
    for (int column = 0; column < tree.columnCount(); ++column) {
        if (tree.headerItem()->text(column) == title)
            return column;
    }
    return -1;
}

QTreeWidgetItem *rowOf(const QTreeWidget &tree, const QString &title)
{
    for (int i = 0; i < tree.topLevelItemCount(); ++i) {
        if (tree.topLevelItem(i)->text(columnOf(tree, QStringLiteral("Job"))) == title)
            return tree.topLevelItem(i);
    }
    return nullptr;
}

template <typename Widget> Widget *itemWidgetOf(const QTreeWidget &tree, QTreeWidgetItem *item)
{
    for (int column = 0; column < tree.columnCount(); ++column) {
        if (auto *widget = qobject_cast<Widget *>(tree.itemWidget(item, column)))
            return widget;
    }
    return nullptr;
}

// A method with a path parameter (no built-in one has any yet), for the panel's path editor.
class PathMethod : public SaliencyMethod {
public:
    std::string id() const override { return "with-path"; }
    std::string title() const override { return "With a path"; }
    std::string description() const override { return "A stand-in that takes a file."; }
    std::vector<int> resolutions() const override { return {}; }
    int defaultResolution() const override { return kDefaultResolution; }
    std::vector<ParamSpec> parameters(int) const override
    {
        return {ParamSpec::path("weights", "trained weights to load", "")};
    }
    Heatmap run(const SaliencyRequest &, const ProgressFn &, const CancelFlag &) const override
    {
        throw std::logic_error("not runnable");
    }
};

JobStatus jobStatus(JobId id, const std::string &title, JobState state)
{
    JobStatus status;
    status.id = id;
    status.title = title;
    status.state = state;
    return status;
}

} // namespace

class PanelsTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // MethodPanel
    void methodComboListsEveryRegisteredMethodInOrder();
    void eachMethodShowsItsSchemaAtItsDefaultResolution();
    void changingResolutionShowsThatResolutionsDefaults();
    void setParamClampsAndRejectsUnknownNames();
    void editsSurviveSwitchingMethodAwayAndBack();
    void resetParamsRestoresTheSchemaDefaults();
    void splitMethodIsBlockedOnAModelWithoutSplit();
    void worksBeforeAModelIsSet();
    void targetChooserListsTopOneAndEveryClass();
    void settingsChangedFiresOncePerChange();
    void settingsRoundTripThroughAnIniFile();
    void restoreIgnoresUnknownEntriesAndClampsValues();
    void choiceIsAComboOfItsOptions();
    void booleanIsACheckBox();
    void choicesRestoreFromNamesAndOldIndices();
    void pathIsALineEditWithABrowseButton();
    void explainAndCompareButtonsEmitOnce();
    void fitsANarrowDock();

    // JobsPanel
    void jobRowFollowsQueuedRunningFinished();
    void runningFirstThenQueuedInRunOrderThenEndedNewestFirst();
    void rowCancelButtonEmitsItsJobId();
    void cancelAllEmitsWhileJobsAreActive();
    void failedRowShowsTheError();
    void clearFinishedRemovesEndedRowsOnly();
    void keepsAtMostKKeptEndedRows();
    void unknownJobHasIdZero();
    void formatSeconds_data();
    void formatSeconds();
};

void PanelsTest::methodComboListsEveryRegisteredMethodInOrder()
{
    MethodPanel panel(MethodRegistry::builtin());
    const QComboBox *methods = combo(panel, "method");
    QVERIFY(methods);
    const auto all = MethodRegistry::builtin().all();
    QVERIFY(!all.empty());
    QCOMPARE(methods->count(), int(all.size()));
    for (int i = 0; i < int(all.size()); ++i) {
        QCOMPARE(methods->itemData(i).toString(), QString::fromStdString(all[i]->id()));
        QCOMPARE(methods->itemText(i), QString::fromStdString(all[i]->title()));
        QCOMPARE(
            methods->itemData(i, Qt::ToolTipRole).toString(), QString::fromStdString(all[i]->description()));
    }
    QCOMPARE(panel.methodId(), QString::fromStdString(all.front()->id()));
}

void PanelsTest::eachMethodShowsItsSchemaAtItsDefaultResolution()
{
    MethodPanel panel(MethodRegistry::builtin());
    QComboBox *methods = combo(panel, "method");
    const QComboBox *resolutions = combo(panel, "resolution");
    const auto all = MethodRegistry::builtin().all();
    // Visit them in reverse so each one is chosen by a real index change.
    for (int i = int(all.size()) - 1; i >= 0; --i) {
        const SaliencyMethod &method = *all[i];
        methods->setCurrentIndex(i);
        QCOMPARE(panel.methodId(), QString::fromStdString(method.id()));
        QCOMPARE(panel.resolution(), defaultResolutionOf(method));

        const std::vector<int> offered = method.resolutions();
        QCOMPARE(resolutions->isEnabled(), !offered.empty());
        if (offered.empty()) {
            QCOMPARE(resolutions->currentText(), QStringLiteral("set by the model"));
        } else {
            QCOMPARE(resolutions->count(), int(offered.size()));
            for (int r = 0; r < int(offered.size()); ++r)
                QCOMPARE(resolutions->itemData(r).toInt(), offered[r]);
            QCOMPARE(resolutions->currentText(), QStringLiteral("%1 × %1").arg(method.defaultResolution()));
        }

        const std::vector<ParamSpec> schema = schemaAt(method, panel.resolution());
        const auto shown = shownParams(panel);
        QCOMPARE(shown.size(), schema.size());
        const ParamValues values = panel.params();
        QCOMPARE(values.size(), schema.size());
        for (const ParamSpec &spec : schema) {
            const auto found = shown.find(spec.name);
            QVERIFY2(found != shown.end(), spec.name.c_str());
            QVERIFY2(found->second.kind == spec.kind, spec.name.c_str());
            QCOMPARE(found->second.value, spec.defaultValue);
            if (isNumeric(spec)) {
                QCOMPARE(found->second.minimum, spec.minimum);
                QCOMPARE(found->second.maximum, spec.maximum);
            }
            QStringList options;
            for (const ParamOption &option : spec.options)
                options << QString::fromStdString(option.name);
            QCOMPARE(found->second.options, options);
            QCOMPARE(values.at(spec.name), spec.defaultValue);
            const auto *editor = panel.findChild<QWidget *>(QString::fromStdString(spec.name));
            QVERIFY(editor->toolTip().startsWith(QString::fromStdString(spec.description)));
            QVERIFY(editor->toolTip().contains(QStringLiteral("default")));
        }
    }
}

void PanelsTest::changingResolutionShowsThatResolutionsDefaults()
{
    // A method and two of its resolutions whose schemas differ in some default.
    const SaliencyMethod *found = nullptr;
    int first = 0;
    int second = 0;
    for (const SaliencyMethod *method : MethodRegistry::builtin().all()) {
        const std::vector<int> offered = method->resolutions();
        for (std::size_t a = 0; a < offered.size() && !found; ++a) {
            for (std::size_t b = 0; b < offered.size() && !found; ++b) {
                const auto one = method->parameters(offered[a]);
                const auto two = method->parameters(offered[b]);
                for (std::size_t p = 0; p < one.size() && p < two.size(); ++p) {
                    if (offered[a] == method->defaultResolution()
                        && one[p].defaultValue != two[p].defaultValue) {
                        found = method;
                        first = offered[a];
                        second = offered[b];
                    }
                }
            }
        }
    }
    if (!found)
        QSKIP("no built-in method has resolution-dependent defaults");

    MethodPanel panel(MethodRegistry::builtin());
    QVERIFY(panel.setMethodId(QString::fromStdString(found->id())));
    QCOMPARE(panel.resolution(), first);
    QComboBox *resolutions = combo(panel, "resolution");
    for (int resolution : {second, first}) {
        resolutions->setCurrentIndex(resolutions->findData(resolution)); // as a user would
        QCOMPARE(panel.resolution(), resolution);
        const auto shown = shownParams(panel);
        const auto schema = found->parameters(resolution);
        QCOMPARE(shown.size(), schema.size());
        for (const ParamSpec &spec : schema) {
            QCOMPARE(shown.at(spec.name).value, spec.defaultValue);
            QCOMPARE(panel.params().at(spec.name), spec.defaultValue);
        }
    }
    QVERIFY(!panel.setResolution(first + 100000));
    QCOMPARE(panel.resolution(), first);
}

void PanelsTest::setParamClampsAndRejectsUnknownNames()
{
    MethodPanel panel(MethodRegistry::builtin());
    int checked = 0;
    for (const SaliencyMethod *method : MethodRegistry::builtin().all()) {
        QVERIFY(panel.setMethodId(QString::fromStdString(method->id())));
        for (const ParamSpec &spec : schemaAt(*method, panel.resolution())) {
            const QString name = QString::fromStdString(spec.name);
            if (!isNumeric(spec)) {
                // Only a value of the kind fits: a number is no option, boolean or path.
                QVERIFY(!panel.setParam(name, 1.0));
                QVERIFY(!panel.setParam(name, 1));
                QCOMPARE(panel.params().at(spec.name), spec.defaultValue);
                QVERIFY(panel.setParam(name, otherValue(spec)));
                QCOMPARE(panel.params().at(spec.name), otherValue(spec));
                if (spec.kind == ParamKind::Choice) {
                    QVERIFY(!panel.setParam(name, "no such option"));
                    QCOMPARE(panel.params().at(spec.name), otherValue(spec));
                }
                ++checked;
                continue;
            }
            QVERIFY(panel.setParam(name, spec.maximum + 1000.0));
            QCOMPARE(numeric(panel.params().at(spec.name)), spec.maximum);
            QVERIFY(panel.setParam(name, spec.minimum - 1000.0));
            QCOMPARE(numeric(panel.params().at(spec.name)), spec.minimum);
            QVERIFY(!panel.setParam(name, true));
            QVERIFY(!panel.setParam(name, "3"));
            if (spec.kind == ParamKind::Integer && spec.maximum - spec.minimum >= 2) {
                QVERIFY(panel.setParam(name, spec.minimum + 1.2));
                QCOMPARE(panel.params().at(spec.name), ParamValue(std::int64_t(spec.minimum + 1.0)));
            }
            ++checked;
        }
        QVERIFY(!panel.setParam(QStringLiteral("no such parameter"), 1.0));
    }
    QVERIFY(checked > 0);
}

void PanelsTest::editsSurviveSwitchingMethodAwayAndBack()
{
    const SaliencyMethod *method = methodWithEditableParam();
    QVERIFY(method);
    const SaliencyMethod *other = nullptr;
    for (const SaliencyMethod *candidate : MethodRegistry::builtin().all()) {
        if (candidate != method)
            other = candidate;
    }
    QVERIFY(other);

    MethodPanel panel(MethodRegistry::builtin());
    const QString id = QString::fromStdString(method->id());
    QVERIFY(panel.setMethodId(id));
    const ParamSpec spec = *firstEditableParam(schemaAt(*method, panel.resolution()));
    const ParamValue edited = otherValue(spec);
    QVERIFY(panel.setParam(QString::fromStdString(spec.name), edited));

    QComboBox *methods = combo(panel, "method");
    methods->setCurrentIndex(methods->findData(QString::fromStdString(other->id())));
    QCOMPARE(panel.methodId(), QString::fromStdString(other->id()));
    methods->setCurrentIndex(methods->findData(id));
    QCOMPARE(panel.params().at(spec.name), edited);
    QCOMPARE(shownParams(panel).at(spec.name).value, edited);

    // The edit belongs to that resolution: another one starts from its own defaults.
    const std::vector<int> offered = method->resolutions();
    if (offered.size() > 1) {
        const int first = panel.resolution();
        const int second = offered.front() != first ? offered.front() : offered.back();
        QVERIFY(panel.setResolution(second));
        for (const ParamSpec &s : method->parameters(second))
            QCOMPARE(panel.params().at(s.name), s.defaultValue);
        QVERIFY(panel.setResolution(first));
        QCOMPARE(panel.params().at(spec.name), edited);
    }
}

void PanelsTest::resetParamsRestoresTheSchemaDefaults()
{
    const SaliencyMethod *method = methodWithEditableParam();
    QVERIFY(method);
    MethodPanel panel(MethodRegistry::builtin());
    QVERIFY(panel.setMethodId(QString::fromStdString(method->id())));
    const auto schema = schemaAt(*method, panel.resolution());
    for (const ParamSpec &spec : schema)
        QVERIFY(panel.setParam(QString::fromStdString(spec.name), otherValue(spec)));

    QPushButton *reset = buttonWithText(panel, QStringLiteral("Reset to defaults"));
    QVERIFY(reset);
    QVERIFY(reset->isEnabled());
    reset->click();
    for (const ParamSpec &spec : schema)
        QCOMPARE(panel.params().at(spec.name), spec.defaultValue);

    for (const ParamSpec &spec : schema)
        QVERIFY(panel.setParam(QString::fromStdString(spec.name), otherValue(spec)));
    panel.resetParams();
    for (const ParamSpec &spec : schema)
        QCOMPARE(panel.params().at(spec.name), spec.defaultValue);
}

void PanelsTest::splitMethodIsBlockedOnAModelWithoutSplit()
{
    const SaliencyMethod *needsSplit = nullptr;
    const SaliencyMethod *free = nullptr;
    for (const SaliencyMethod *method : MethodRegistry::builtin().all()) {
        if (method->needsSplit() && !needsSplit)
            needsSplit = method;
        if (!method->needsSplit() && !free)
            free = method;
    }
    if (!needsSplit || !free)
        QSKIP("the registry needs one method with and one without a split requirement");

    MethodPanel panel(MethodRegistry::builtin());
    const QPushButton *explain = buttonWithText(panel, QStringLiteral("Explain"));
    QVERIFY(explain);
    const QLabel *note = panel.findChild<QLabel *>(QStringLiteral("note"));
    QVERIFY(note);
    const QStringList labels{QStringLiteral("cat"), QStringLiteral("dog")};

    panel.setModel(labels, false);
    QVERIFY(panel.setMethodId(QString::fromStdString(needsSplit->id())));
    const QString reason = panel.blockedReason();
    QVERIFY(!reason.isEmpty());
    QVERIFY2(reason.contains(QString::fromStdString(needsSplit->title())), qPrintable(reason));
    QVERIFY(!explain->isEnabled());
    QCOMPARE(note->text(), reason);
    QVERIFY(!note->isHidden());

    // Other methods run on the same model.
    QVERIFY(panel.setMethodId(QString::fromStdString(free->id())));
    QVERIFY(panel.blockedReason().isEmpty());
    QVERIFY(explain->isEnabled());
    QVERIFY(note->isHidden());

    QVERIFY(panel.setMethodId(QString::fromStdString(needsSplit->id())));
    QVERIFY(!explain->isEnabled());
    panel.setModel(labels, true);
    QVERIFY(panel.blockedReason().isEmpty());
    QVERIFY(explain->isEnabled());
    QVERIFY(note->isHidden());
}

void PanelsTest::worksBeforeAModelIsSet()
{
    MethodPanel panel(MethodRegistry::builtin());
    const QComboBox *targets = combo(panel, "target");
    QCOMPARE(targets->count(), 1);
    QCOMPARE(targets->itemText(0), QStringLiteral("Top-1"));
    QCOMPARE(panel.target(), -1);
    panel.setTarget(0);
    QCOMPARE(panel.target(), -1);
    for (const SaliencyMethod *method : MethodRegistry::builtin().all()) {
        QVERIFY(panel.setMethodId(QString::fromStdString(method->id())));
        QVERIFY(panel.blockedReason().isEmpty());
        QVERIFY(buttonWithText(panel, QStringLiteral("Explain"))->isEnabled());
    }
    QVERIFY(!panel.setMethodId(QStringLiteral("no-such-method")));
}

void PanelsTest::targetChooserListsTopOneAndEveryClass()
{
    MethodPanel panel(MethodRegistry::builtin());
    const QStringList labels{
        QStringLiteral("cat"), QStringLiteral("dog"), QStringLiteral("sandal"), QStringLiteral("boot")};
    panel.setModel(labels, true);
    const QComboBox *targets = combo(panel, "target");
    QCOMPARE(targets->count(), 5);
    QCOMPARE(targets->itemText(0), QStringLiteral("Top-1"));
    QCOMPARE(targets->itemText(3), QStringLiteral("2: sandal"));

    panel.setTopClass(2);
    QCOMPARE(targets->itemText(0), QStringLiteral("Top-1 (sandal)"));
    QCOMPARE(panel.target(), -1);
    panel.setTopClass(-1);
    QCOMPARE(targets->itemText(0), QStringLiteral("Top-1"));

    panel.setTarget(2);
    QCOMPARE(panel.target(), 2);
    QCOMPARE(targets->currentText(), QStringLiteral("2: sandal"));
    panel.setTarget(99);
    QCOMPARE(panel.target(), -1);
    panel.setTarget(3);
    panel.setTarget(-7);
    QCOMPARE(panel.target(), -1);

    // A new model starts again from Top-1.
    panel.setTarget(1);
    panel.setModel({QStringLiteral("a"), QStringLiteral("b")}, true);
    QCOMPARE(panel.target(), -1);
    QCOMPARE(targets->count(), 3);
}

void PanelsTest::settingsChangedFiresOncePerChange()
{
    const SaliencyMethod *method = methodWithEditableParam();
    QVERIFY(method);
    MethodPanel panel(MethodRegistry::builtin());
    panel.setModel({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}, true);
    QSignalSpy changed(&panel, &MethodPanel::settingsChanged);
    const auto all = MethodRegistry::builtin().all();

    // Another method: once, by call and by combo.
    const QString otherId
        = QString::fromStdString(all.front() == method ? all.back()->id() : all.front()->id());
    QVERIFY(panel.setMethodId(otherId));
    const int afterFirst = changed.count();
    QVERIFY(panel.setMethodId(QString::fromStdString(method->id())));
    QCOMPARE(changed.count(), afterFirst + 1);
    changed.clear();
    QVERIFY(panel.setMethodId(QString::fromStdString(method->id()))); // no change
    QCOMPARE(changed.count(), 0);

    const ParamSpec spec = *firstEditableParam(schemaAt(*method, panel.resolution()));
    QVERIFY(panel.setParam(QString::fromStdString(spec.name), otherValue(spec)));
    QCOMPARE(changed.count(), 1);
    panel.resetParams();
    QCOMPARE(changed.count(), 2);

    panel.setTarget(1);
    QCOMPARE(changed.count(), 3);
    combo(panel, "target")->setCurrentIndex(3); // as a user would
    QCOMPARE(changed.count(), 4);
    QCOMPARE(panel.target(), 2);

    const std::vector<int> offered = method->resolutions();
    if (offered.size() > 1) {
        const int other = offered.front() != panel.resolution() ? offered.front() : offered.back();
        QVERIFY(panel.setResolution(other));
        QCOMPARE(changed.count(), 5);
    }

    // A user's edit in a box.
    changed.clear();
    auto *box = panel.findChild<QAbstractSpinBox *>(QString::fromStdString(spec.name));
    QVERIFY(box);
    if (auto *spin = qobject_cast<QSpinBox *>(box))
        spin->setValue(int(numeric(otherValue(spec))));
    else
        qobject_cast<QDoubleSpinBox *>(box)->setValue(otherValue(spec).number());
    QCOMPARE(changed.count(), 1);
    QCOMPARE(panel.params().at(spec.name), otherValue(spec));
}

void PanelsTest::settingsRoundTripThroughAnIniFile()
{
    // A method with a resolution choice, at a resolution other than its default.
    const SaliencyMethod *method = nullptr;
    for (const SaliencyMethod *candidate : MethodRegistry::builtin().all()) {
        if (candidate->resolutions().size() > 1
            && firstEditableParam(candidate->parameters(candidate->defaultResolution())) && !method)
            method = candidate;
    }
    if (!method)
        QSKIP("no built-in method has a resolution choice and a parameter");
    const std::vector<int> offered = method->resolutions();
    const int resolution = offered.front() != method->defaultResolution() ? offered.front() : offered.back();
    const ParamSpec spec = *firstEditableParam(method->parameters(resolution));
    const ParamValue edited = otherValue(spec);

    // An edit of another method, at its default resolution.
    const SaliencyMethod *second = nullptr;
    for (const SaliencyMethod *candidate : MethodRegistry::builtin().all()) {
        if (candidate != method && firstEditableParam(schemaAt(*candidate, defaultResolutionOf(*candidate))))
            second = candidate;
    }
    QVERIFY(second);
    const ParamSpec secondSpec = *firstEditableParam(schemaAt(*second, defaultResolutionOf(*second)));

    const QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString file = dir.filePath(QStringLiteral("panel.ini"));
    {
        MethodPanel panel(MethodRegistry::builtin());
        QVERIFY(panel.setMethodId(QString::fromStdString(second->id())));
        QVERIFY(panel.setParam(QString::fromStdString(secondSpec.name), otherValue(secondSpec)));
        QVERIFY(panel.setMethodId(QString::fromStdString(method->id())));
        QVERIFY(panel.setResolution(resolution));
        QVERIFY(panel.setParam(QString::fromStdString(spec.name), edited));
        QSettings settings(file, QSettings::IniFormat);
        panel.saveSettings(settings);
        settings.sync();
        QCOMPARE(settings.status(), QSettings::NoError);
        QVERIFY(settings.childGroups().contains(QStringLiteral("methods")));
    }

    MethodPanel restored(MethodRegistry::builtin());
    QSignalSpy changed(&restored, &MethodPanel::settingsChanged);
    QSettings settings(file, QSettings::IniFormat);
    restored.restoreSettings(settings);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(restored.methodId(), QString::fromStdString(method->id()));
    QCOMPARE(restored.resolution(), resolution);
    QCOMPARE(restored.params().at(spec.name), edited);
    QCOMPARE(shownParams(restored).at(spec.name).value, edited);
    QVERIFY(restored.setMethodId(QString::fromStdString(second->id())));
    QCOMPARE(restored.params().at(secondSpec.name), otherValue(secondSpec));
}

void PanelsTest::restoreIgnoresUnknownEntriesAndClampsValues()
{
    const SaliencyMethod *method = methodWithEditableParam();
    QVERIFY(method);
    const ParamSpec spec = *firstEditableParam(schemaAt(*method, defaultResolutionOf(*method)));
    const QString id = QString::fromStdString(method->id());
    const QString name = QString::fromStdString(spec.name);

    const QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("panel.ini"));
    QSettings settings(file, QSettings::IniFormat);
    {
        MethodPanel panel(MethodRegistry::builtin());
        QVERIFY(panel.setMethodId(id));
        QVERIFY(panel.setParam(name, otherValue(spec)));
        panel.saveSettings(settings);
    }
    // Whatever the key layout, the saved edit is the key ending in the parameter's name: make
    // it far out of range, and add the same entry for a method and a parameter that do not exist.
    QString key;
    for (const QString &candidate : settings.allKeys()) {
        if (candidate.endsWith(QLatin1Char('/') + name) && candidate.contains(id))
            key = candidate;
    }
    QVERIFY2(!key.isEmpty(), qPrintable(settings.allKeys().join(QLatin1Char(' '))));
    settings.setValue(key, spec.maximum * 10.0 + 1e9);
    QString unknownMethod = key;
    unknownMethod.replace(id, QStringLiteral("no-such-method"));
    settings.setValue(unknownMethod, 1.0);
    QString unknownParam = key;
    unknownParam.replace(QLatin1Char('/') + name, QStringLiteral("/no-such-param"));
    settings.setValue(unknownParam, 1.0);
    settings.setValue(QStringLiteral("methods/resolution"), 123456);

    MethodPanel restored(MethodRegistry::builtin());
    restored.restoreSettings(settings);
    QCOMPARE(restored.methodId(), id);
    QCOMPARE(restored.resolution(), defaultResolutionOf(*method));
    QCOMPARE(numeric(restored.params().at(spec.name)), spec.maximum);
    QCOMPARE(restored.params().count("no-such-param"), std::size_t(0));

    // An unknown current method leaves the panel on a known one.
    settings.setValue(QStringLiteral("methods/method"), QStringLiteral("no-such-method"));
    MethodPanel fresh(MethodRegistry::builtin());
    fresh.restoreSettings(settings);
    QVERIFY(MethodRegistry::builtin().find(fresh.methodId().toStdString()));
}

// Issue 9: occlusion's fill is a choice, shown as a combo of its options; choosing one changes
// the value the panel gives the request (MainWindow copies params() into it).
void PanelsTest::choiceIsAComboOfItsOptions()
{
    const SaliencyMethod &occlusion = MethodRegistry::builtin().get("occlusion");
    MethodPanel panel(MethodRegistry::builtin());
    QVERIFY(panel.setMethodId(QStringLiteral("occlusion")));
    QComboBox *fill = combo(panel, "fill");
    QVERIFY(fill);
    QVERIFY(!panel.findChild<QAbstractSpinBox *>(QStringLiteral("fill")));
    const ParamSpec spec = schemaAt(occlusion, panel.resolution()).front();
    QCOMPARE(spec.name, std::string("fill"));
    QCOMPARE(fill->count(), int(spec.options.size()));
    for (int i = 0; i < fill->count(); ++i) {
        QCOMPARE(fill->itemText(i), QString::fromStdString(spec.options[size_t(i)].name));
        QCOMPARE(fill->itemData(i, Qt::ToolTipRole).toString(),
            QString::fromStdString(spec.options[size_t(i)].description));
    }
    QCOMPARE(fill->currentText(), QStringLiteral("blur")); // the default
    QCOMPARE(panel.params().at("fill"), ParamValue("blur"));

    QSignalSpy changed(&panel, &MethodPanel::settingsChanged);
    fill->setCurrentIndex(fill->findText(QStringLiteral("black"))); // as a user would
    QCOMPARE(changed.count(), 1);
    QCOMPARE(panel.params().at("fill"), ParamValue("black"));
    // The value is one the method accepts as it is.
    QCOMPARE(
        resolveParams("occlusion", schemaAt(occlusion, panel.resolution()), panel.params()), panel.params());

    panel.resetParams();
    QCOMPARE(fill->currentText(), QStringLiteral("blur"));
    QCOMPARE(changed.count(), 2);
}

void PanelsTest::booleanIsACheckBox()
{
    MethodPanel panel(MethodRegistry::builtin());
    QVERIFY(panel.setMethodId(QStringLiteral("igos")));
    auto *reference = panel.findChild<QCheckBox *>(QStringLiteral("reference"));
    auto *ties = panel.findChild<QCheckBox *>(QStringLiteral("ties"));
    QVERIFY(reference && ties);
    QVERIFY(!reference->isChecked());
    QVERIFY(ties->isChecked());
    QSignalSpy changed(&panel, &MethodPanel::settingsChanged);
    reference->click(); // as a user would
    QCOMPARE(changed.count(), 1);
    QCOMPARE(panel.params().at("reference"), ParamValue(true));
    QVERIFY(panel.setParam(QStringLiteral("ties"), false));
    QVERIFY(!ties->isChecked());
    QCOMPARE(changed.count(), 2);
}

// Saved choices are option names; settings written before choices existed hold the option's
// index as a number, which still reads as that option.
void PanelsTest::choicesRestoreFromNamesAndOldIndices()
{
    const QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("panel.ini"));
    QString key;
    {
        MethodPanel panel(MethodRegistry::builtin());
        QVERIFY(panel.setMethodId(QStringLiteral("occlusion")));
        QVERIFY(panel.setParam(QStringLiteral("fill"), "black"));
        QSettings settings(file, QSettings::IniFormat);
        panel.saveSettings(settings);
        for (const QString &candidate : settings.allKeys())
            if (candidate.endsWith(QStringLiteral("/fill")))
                key = candidate;
        QVERIFY(!key.isEmpty());
        QCOMPARE(settings.value(key).toString(), QStringLiteral("black"));
    }
    const auto restoredFill = [&] {
        MethodPanel restored(MethodRegistry::builtin());
        QSettings settings(file, QSettings::IniFormat);
        restored.restoreSettings(settings);
        return restored.params().at("fill");
    };
    QCOMPARE(restoredFill(), ParamValue("black"));
    {
        QSettings settings(file, QSettings::IniFormat);
        settings.setValue(key, 1.0); // the old numeric spelling of "black"
    }
    QCOMPARE(restoredFill(), ParamValue("black"));
    {
        QSettings settings(file, QSettings::IniFormat);
        settings.setValue(key, QStringLiteral("no such option"));
    }
    QCOMPARE(restoredFill(), ParamValue("blur")); // ignored: the default
}

void PanelsTest::pathIsALineEditWithABrowseButton()
{
    MethodRegistry registry;
    registry.add(std::make_unique<PathMethod>());
    MethodPanel panel(registry);
    QCOMPARE(panel.methodId(), QStringLiteral("with-path"));
    auto *edit = panel.findChild<QLineEdit *>(QStringLiteral("weights"));
    QVERIFY(edit);
    QVERIFY(panel.findChild<QAbstractButton *>(QStringLiteral("weights-browse")));
    QVERIFY(edit->toolTip().startsWith(QStringLiteral("trained weights to load")));
    QCOMPARE(panel.params().at("weights"), ParamValue(""));

    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QSignalSpy changed(&panel, &MethodPanel::settingsChanged);
    edit->setFocus();
    QTest::keyClicks(edit, QStringLiteral("/data/w.pt"));
    QCOMPARE(changed.count(), 0); // not per keystroke
    QTest::keyClick(edit, Qt::Key_Return);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(panel.params().at("weights"), ParamValue("/data/w.pt"));
    QTest::keyClick(edit, Qt::Key_Return); // committed again without an edit: no change
    QCOMPARE(changed.count(), 1);

    QVERIFY(panel.setParam(QStringLiteral("weights"), "/other.pt"));
    QCOMPARE(edit->text(), QStringLiteral("/other.pt"));
    QVERIFY(!panel.setParam(QStringLiteral("weights"), 3));
    panel.resetParams();
    QCOMPARE(panel.params().at("weights"), ParamValue(""));
}

void PanelsTest::explainAndCompareButtonsEmitOnce()
{
    MethodPanel panel(MethodRegistry::builtin());
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QSignalSpy explain(&panel, &MethodPanel::explainRequested);
    QSignalSpy compare(&panel, &MethodPanel::compareRequested);
    QPushButton *explainButton = buttonWithText(panel, QStringLiteral("Explain"));
    QPushButton *compareButton = buttonWithText(panel, QStringLiteral("Compare…"));
    QVERIFY(explainButton && compareButton);
    QTest::mouseClick(explainButton, Qt::LeftButton);
    QCOMPARE(explain.count(), 1);
    QCOMPARE(compare.count(), 0);
    QTest::mouseClick(compareButton, Qt::LeftButton);
    QCOMPARE(explain.count(), 1);
    QCOMPARE(compare.count(), 1);
}

void PanelsTest::fitsANarrowDock()
{
    constexpr int kDockWidth = 280;
    MethodPanel panel(MethodRegistry::builtin());
    QStringList labels;
    for (int i = 0; i < 1000; ++i)
        labels << QStringLiteral("a rather long class label number %1, with a comma").arg(i);
    panel.setModel(labels, false);
    panel.setTopClass(999);
    for (const SaliencyMethod *method : MethodRegistry::builtin().all()) {
        QVERIFY(panel.setMethodId(QString::fromStdString(method->id())));
        QVERIFY2(panel.minimumSizeHint().width() <= kDockWidth,
            qPrintable(
                QStringLiteral("%1: %2 px").arg(panel.methodId()).arg(panel.minimumSizeHint().width())));
    }
}

void PanelsTest::jobRowFollowsQueuedRunningFinished()
{
    JobsPanel panel;
    const auto *tree = panel.findChild<QTreeWidget *>();
    QVERIFY(tree);
    const int state = columnOf(*tree, QStringLiteral("State"));
    const int elapsed = columnOf(*tree, QStringLiteral("Elapsed"));
    const int left = columnOf(*tree, QStringLiteral("Left"));
    QVERIFY(state >= 0 && elapsed >= 0 && left >= 0);
    QVERIFY(columnOf(*tree, QStringLiteral("Progress")) >= 0);

    JobStatus status = jobStatus(7, "I-GOS of cat.png", JobState::Queued);
    panel.updateJob(status);
    QCOMPARE(panel.rowCount(), 1);
    QCOMPARE(panel.activeCount(), 1);
    QTreeWidgetItem *item = rowOf(*tree, QStringLiteral("I-GOS of cat.png"));
    QVERIFY(item);
    QCOMPARE(item->text(state), QStringLiteral("Queued"));
    QCOMPARE(item->text(left), QStringLiteral("—"));
    QVERIFY(itemWidgetOf<QAbstractButton>(*tree, item));
    QCOMPARE(itemWidgetOf<QAbstractButton>(*tree, item)->text(), QStringLiteral("Cancel"));

    status.state = JobState::Running;
    status.done = 3;
    status.total = 10;
    status.elapsedSeconds = 3.0;
    status.etaSeconds = 7.0;
    panel.updateJob(status);
    QCOMPARE(panel.rowCount(), 1);
    QCOMPARE(panel.activeCount(), 1);
    QCOMPARE(item->text(state), QStringLiteral("Running"));
    QCOMPARE(item->text(elapsed), QStringLiteral("3 s"));
    QCOMPARE(item->text(left), QStringLiteral("7 s"));
    const QProgressBar *bar = itemWidgetOf<QProgressBar>(*tree, item);
    QVERIFY(bar);
    QCOMPARE(bar->value(), 3);
    QCOMPARE(bar->maximum(), 10);
    QVERIFY(itemWidgetOf<QAbstractButton>(*tree, item));
    QCOMPARE(panel.status(7).done, 3);
    QCOMPARE(panel.status(7).state, JobState::Running);

    status.state = JobState::Finished;
    status.done = 10;
    status.elapsedSeconds = 65.0;
    status.etaSeconds = 0.0;
    panel.updateJob(status);
    QCOMPARE(panel.activeCount(), 0);
    QCOMPARE(panel.rowCount(), 1);
    QCOMPARE(item->text(state), QStringLiteral("Finished"));
    QCOMPARE(item->text(elapsed), QStringLiteral("1 min 05 s"));
    bar = itemWidgetOf<QProgressBar>(*tree, item); // remade: the row moved to the ended group
    QVERIFY(bar);
    QCOMPARE(bar->value(), bar->maximum());
    QVERIFY(!itemWidgetOf<QAbstractButton>(*tree, item)); // nothing left to cancel
    QCOMPARE(panel.status(7).state, JobState::Finished);
}

void PanelsTest::runningFirstThenQueuedInRunOrderThenEndedNewestFirst()
{
    JobsPanel panel;
    const auto *tree = panel.findChild<QTreeWidget *>();
    const int job = columnOf(*tree, QStringLiteral("Job"));
    const auto order = [&] {
        QStringList titles;
        for (int i = 0; i < tree->topLevelItemCount(); ++i)
            titles << tree->topLevelItem(i)->text(job);
        return titles.join(QLatin1Char(' '));
    };
    panel.updateJob(jobStatus(1, "first", JobState::Queued));
    panel.updateJob(jobStatus(2, "second", JobState::Queued));
    panel.updateJob(jobStatus(3, "third", JobState::Queued));
    QCOMPARE(order(), QStringLiteral("first second third"));
    panel.updateJob(jobStatus(1, "first", JobState::Running));
    QCOMPARE(order(), QStringLiteral("first second third"));
    panel.updateJob(jobStatus(1, "first", JobState::Finished));
    panel.updateJob(jobStatus(3, "third", JobState::Running)); // jumped the queue
    QCOMPARE(order(), QStringLiteral("third second first"));
    panel.updateJob(jobStatus(3, "third", JobState::Cancelled));
    panel.updateJob(jobStatus(2, "second", JobState::Running));
    QCOMPARE(order(), QStringLiteral("second third first"));
    // A moved row keeps working widgets: the running row has its cancel button.
    QVERIFY(itemWidgetOf<QAbstractButton>(*tree, rowOf(*tree, QStringLiteral("second"))));
    QCOMPARE(panel.activeCount(), 1);
}

void PanelsTest::rowCancelButtonEmitsItsJobId()
{
    JobsPanel panel;
    panel.resize(600, 300);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    const auto *tree = panel.findChild<QTreeWidget *>();
    panel.updateJob(jobStatus(11, "running one", JobState::Running));
    panel.updateJob(jobStatus(12, "queued one", JobState::Queued));
    QSignalSpy cancel(&panel, &JobsPanel::cancelRequested);

    QAbstractButton *button
        = itemWidgetOf<QAbstractButton>(*tree, rowOf(*tree, QStringLiteral("running one")));
    QVERIFY(button);
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(cancel.count(), 1);
    QCOMPARE(cancel.at(0).at(0).value<JobId>(), JobId(11));

    button = itemWidgetOf<QAbstractButton>(*tree, rowOf(*tree, QStringLiteral("queued one")));
    QVERIFY(button);
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(cancel.count(), 2);
    QCOMPARE(cancel.at(1).at(0).value<JobId>(), JobId(12));
}

void PanelsTest::cancelAllEmitsWhileJobsAreActive()
{
    JobsPanel panel;
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QPushButton *cancelAll = buttonWithText(panel, QStringLiteral("Cancel all"));
    QVERIFY(cancelAll);
    QVERIFY(!cancelAll->isEnabled());

    panel.updateJob(jobStatus(1, "a", JobState::Running));
    panel.updateJob(jobStatus(2, "b", JobState::Queued));
    QVERIFY(cancelAll->isEnabled());
    QSignalSpy spy(&panel, &JobsPanel::cancelAllRequested);
    QTest::mouseClick(cancelAll, Qt::LeftButton);
    QCOMPARE(spy.count(), 1);

    panel.updateJob(jobStatus(1, "a", JobState::Cancelled));
    QVERIFY(cancelAll->isEnabled());
    panel.updateJob(jobStatus(2, "b", JobState::Cancelled));
    QVERIFY(!cancelAll->isEnabled());
    QCOMPARE(panel.activeCount(), 0);
}

void PanelsTest::failedRowShowsTheError()
{
    JobsPanel panel;
    const auto *tree = panel.findChild<QTreeWidget *>();
    const int state = columnOf(*tree, QStringLiteral("State"));
    const int job = columnOf(*tree, QStringLiteral("Job"));
    JobStatus status = jobStatus(4, "RISE of dog.png", JobState::Running);
    panel.updateJob(status);
    status.state = JobState::Failed;
    status.error = "out of memory on cuda:0";
    panel.updateJob(status);

    QTreeWidgetItem *item = rowOf(*tree, QStringLiteral("RISE of dog.png"));
    QVERIFY(item);
    QCOMPARE(item->text(state), QStringLiteral("Failed"));
    QVERIFY(item->toolTip(state).contains(QStringLiteral("out of memory on cuda:0")));
    QVERIFY(item->toolTip(job).contains(QStringLiteral("out of memory on cuda:0")));
    const QColor colour = item->foreground(state).color();
    QVERIFY(colour.red() > colour.green() + 40 && colour.red() > colour.blue() + 40);
    QVERIFY(!itemWidgetOf<QAbstractButton>(*tree, item));
    QCOMPARE(panel.status(4).error, status.error);
    QCOMPARE(panel.activeCount(), 0);
}

void PanelsTest::clearFinishedRemovesEndedRowsOnly()
{
    JobsPanel panel;
    panel.updateJob(jobStatus(1, "finished", JobState::Finished));
    panel.updateJob(jobStatus(2, "failed", JobState::Failed));
    panel.updateJob(jobStatus(3, "cancelled", JobState::Cancelled));
    panel.updateJob(jobStatus(4, "running", JobState::Running));
    panel.updateJob(jobStatus(5, "queued", JobState::Queued));
    QPushButton *clear = buttonWithText(panel, QStringLiteral("Clear finished"));
    QVERIFY(clear);
    QVERIFY(clear->isEnabled());
    clear->click();
    QCOMPARE(panel.rowCount(), 2);
    QCOMPARE(panel.activeCount(), 2);
    for (JobId id : {1, 2, 3})
        QCOMPARE(panel.status(id).id, JobId(0));
    QCOMPARE(panel.status(4).state, JobState::Running);
    QCOMPARE(panel.status(5).state, JobState::Queued);
    QVERIFY(!clear->isEnabled());
    QCOMPARE(panel.findChild<QTreeWidget *>()->topLevelItemCount(), 2);

    panel.updateJob(jobStatus(4, "running", JobState::Finished));
    panel.clearFinished();
    QCOMPARE(panel.rowCount(), 1);
    QCOMPARE(panel.status(5).state, JobState::Queued);
}

void PanelsTest::keepsAtMostKKeptEndedRows()
{
    JobsPanel panel;
    panel.updateJob(jobStatus(1, "long runner", JobState::Running));
    const int extra = 5;
    for (int i = 0; i < JobsPanel::kKeptEnded + extra; ++i) {
        const JobId id = JobId(2 + i);
        panel.updateJob(jobStatus(id, "job", JobState::Queued));
        panel.updateJob(jobStatus(id, "job", i % 3 == 0 ? JobState::Failed : JobState::Finished));
    }
    QCOMPARE(panel.rowCount(), JobsPanel::kKeptEnded + 1);
    QCOMPARE(panel.findChild<QTreeWidget *>()->topLevelItemCount(), JobsPanel::kKeptEnded + 1);
    QCOMPARE(panel.status(1).state, JobState::Running); // active rows are never dropped
    for (int i = 0; i < extra; ++i)
        QCOMPARE(panel.status(JobId(2 + i)).id, JobId(0)); // the oldest ended went
    for (int i = extra; i < JobsPanel::kKeptEnded + extra; ++i)
        QCOMPARE(panel.status(JobId(2 + i)).id, JobId(2 + i));
}

void PanelsTest::unknownJobHasIdZero()
{
    JobsPanel panel;
    QCOMPARE(panel.status(42).id, JobId(0));
    QCOMPARE(panel.rowCount(), 0);
    QCOMPARE(panel.activeCount(), 0);
}

void PanelsTest::formatSeconds_data()
{
    QTest::addColumn<double>("seconds");
    QTest::addColumn<QString>("text");
    QTest::newRow("unknown") << -1.0 << QStringLiteral("—");
    QTest::newRow("barely unknown") << -0.001 << QStringLiteral("—");
    QTest::newRow("nan") << std::nan("") << QStringLiteral("—");
    QTest::newRow("zero") << 0.0 << QStringLiteral("0 s");
    QTest::newRow("rounds down") << 0.4 << QStringLiteral("0 s");
    QTest::newRow("rounds up") << 0.6 << QStringLiteral("1 s");
    QTest::newRow("seconds") << 12.0 << QStringLiteral("12 s");
    QTest::newRow("under a minute") << 59.4 << QStringLiteral("59 s");
    QTest::newRow("rounds to a minute") << 59.6 << QStringLiteral("1 min 00 s");
    QTest::newRow("minute") << 60.0 << QStringLiteral("1 min 00 s");
    QTest::newRow("minutes") << 65.0 << QStringLiteral("1 min 05 s");
    QTest::newRow("under an hour") << 3599.0 << QStringLiteral("59 min 59 s");
    QTest::newRow("hour") << 3600.0 << QStringLiteral("1 h 00 min");
    QTest::newRow("hours") << 3720.0 << QStringLiteral("1 h 02 min");
    QTest::newRow("day") << 90000.0 << QStringLiteral("25 h 00 min");
}

void PanelsTest::formatSeconds()
{
    QFETCH(double, seconds);
    QFETCH(QString, text);
    QCOMPARE(JobsPanel::formatSeconds(seconds), text);
}

} // namespace ui
} // namespace sg

QTEST_MAIN(sg::ui::PanelsTest)
#include "test_panels.moc"
