#pragma once
// The view controls (opacity, colour map, threshold, contour) as toolbar widgets bound to the
// document's ViewSettings both ways: a change in the toolbar changes the document, a change in
// the document (settings restored, a test) shows in the toolbar. They change only how maps are
// drawn, never a job. GUI thread only.

#include <QObject>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QSettings;
class QSlider;
class QToolBar;

namespace sg::ui {

class ExplorerDocument;
struct ViewSettings;

// ViewSettings as kept in QSettings ("view/..."); out-of-range values are clamped, unknown
// colour maps ignored.
ViewSettings readViewSettings(const QSettings &store);
void writeViewSettings(QSettings &store, const ViewSettings &settings);

class ViewControls : public QObject {
    Q_OBJECT

public:
    // Adds the controls to `toolBar` (not owned; the widgets become its children).
    ViewControls(ExplorerDocument &document, QToolBar *toolBar);

private:
    void showSettings();
    void applyControls();

    ExplorerDocument &document_;
    QSlider *opacity_ = nullptr;
    QComboBox *colormap_ = nullptr;
    QCheckBox *thresholdOn_ = nullptr;
    QDoubleSpinBox *threshold_ = nullptr;
    QCheckBox *contour_ = nullptr;
    bool showing_ = false;
};

} // namespace sg::ui
