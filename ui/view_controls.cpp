#include "view_controls.h"

#include "explorer_document.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QSettings>
#include <QSlider>
#include <QToolBar>

#include <algorithm>
#include <cmath>

namespace sg::ui {

namespace {

const QString kKeyOpacity = QStringLiteral("view/opacity");
const QString kKeyColormap = QStringLiteral("view/colormap");
const QString kKeyThresholdOn = QStringLiteral("view/thresholdOn");
const QString kKeyThreshold = QStringLiteral("view/threshold");
const QString kKeyContour = QStringLiteral("view/contour");

} // namespace

ViewSettings readViewSettings(const QSettings &store)
{
    ViewSettings view;
    view.opacity = std::clamp(store.value(kKeyOpacity, 50).toInt(), 0, 100) / 100.0;
    const auto names = sg::colormapNames();
    const std::string colormap = store.value(kKeyColormap, QStringLiteral("jet")).toString().toStdString();
    if (std::find(names.begin(), names.end(), colormap) != names.end())
        view.colormap = sg::colormapFromName(colormap);
    if (store.value(kKeyThresholdOn, false).toBool())
        view.threshold = std::clamp(store.value(kKeyThreshold, 0.5).toDouble(), 0.0, 1.0);
    view.contour = store.value(kKeyContour, false).toBool();
    return view;
}

void writeViewSettings(QSettings &store, const ViewSettings &view)
{
    store.setValue(kKeyOpacity, int(std::lround(view.opacity * 100)));
    store.setValue(kKeyColormap, QString::fromStdString(sg::colormapNames()[size_t(view.colormap)]));
    store.setValue(kKeyThresholdOn, view.threshold.has_value());
    if (view.threshold)
        store.setValue(kKeyThreshold, *view.threshold);
    store.setValue(kKeyContour, view.contour);
}

ViewControls::ViewControls(ExplorerDocument &document, QToolBar *toolBar) :
    QObject(toolBar), document_(document)
{
    toolBar->addWidget(new QLabel(tr(" Opacity "), toolBar));
    opacity_ = new QSlider(Qt::Horizontal, toolBar);
    opacity_->setObjectName(QStringLiteral("opacitySlider"));
    opacity_->setRange(0, 100);
    opacity_->setFixedWidth(120);
    opacity_->setToolTip(tr("Opacity of the map over the image"));
    toolBar->addWidget(opacity_);
    toolBar->addWidget(new QLabel(tr("  Colours "), toolBar));
    colormap_ = new QComboBox(toolBar);
    colormap_->setObjectName(QStringLiteral("colormapCombo"));
    for (const std::string &name : sg::colormapNames()) // in enum order
        colormap_->addItem(QString::fromStdString(name));
    toolBar->addWidget(colormap_);
    thresholdOn_ = new QCheckBox(tr("Threshold"), toolBar);
    thresholdOn_->setToolTip(tr("Hide map values below the threshold"));
    toolBar->addWidget(new QLabel(QStringLiteral("  "), toolBar));
    toolBar->addWidget(thresholdOn_);
    threshold_ = new QDoubleSpinBox(toolBar);
    threshold_->setRange(0.0, 1.0);
    threshold_->setSingleStep(0.05);
    threshold_->setDecimals(2);
    threshold_->setValue(0.5);
    toolBar->addWidget(threshold_);
    contour_ = new QCheckBox(tr("Contour"), toolBar);
    contour_->setToolTip(tr("Outline the region above the threshold (0.5 when none is set)"));
    toolBar->addWidget(new QLabel(QStringLiteral("  "), toolBar));
    toolBar->addWidget(contour_);

    showSettings();
    connect(opacity_, &QSlider::valueChanged, this, &ViewControls::applyControls);
    connect(colormap_, &QComboBox::currentIndexChanged, this, &ViewControls::applyControls);
    connect(thresholdOn_, &QCheckBox::toggled, this, &ViewControls::applyControls);
    connect(threshold_, &QDoubleSpinBox::valueChanged, this, &ViewControls::applyControls);
    connect(contour_, &QCheckBox::toggled, this, &ViewControls::applyControls);
    connect(&document_, &ExplorerDocument::viewSettingsChanged, this, &ViewControls::showSettings);
}

void ViewControls::showSettings()
{
    showing_ = true;
    const ViewSettings &settings = document_.viewSettings();
    opacity_->setValue(int(std::lround(settings.opacity * 100)));
    colormap_->setCurrentIndex(int(settings.colormap));
    thresholdOn_->setChecked(settings.threshold.has_value());
    if (settings.threshold)
        threshold_->setValue(*settings.threshold);
    contour_->setChecked(settings.contour);
    showing_ = false;
}

void ViewControls::applyControls()
{
    if (showing_)
        return;
    ViewSettings settings = document_.viewSettings();
    // The slider's whole percent only when the slider moved: a finer value set elsewhere stays.
    if (opacity_->value() != int(std::lround(settings.opacity * 100)))
        settings.opacity = opacity_->value() / 100.0;
    settings.colormap = sg::Colormap(std::max(0, colormap_->currentIndex()));
    settings.threshold
        = thresholdOn_->isChecked() ? std::optional<double>(threshold_->value()) : std::nullopt;
    settings.contour = contour_->isChecked();
    document_.setViewSettings(settings);
}

} // namespace sg::ui
