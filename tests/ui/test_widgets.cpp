// The explanation widgets driven as a person would, offscreen: the heatmap canvas checked pixel
// by pixel against core's colour maps and overlay, its zoom/pan/link behaviour against the
// geometry it promises; the curve plot against hand-made curves and real mouse moves.

#include "color_scale_bar.h"
#include "curve_plot.h"
#include "heatmap_canvas.h"
#include "mat_qimage.h"
#include "qcustomplot_wrapper.h"
#include "theme.h"

#include "image/colormap.h"

#include <QSignalSpy>
#include <QTest>
#include <QWheelEvent>

#include <opencv2/core.hpp>

#include <cmath>
#include <cstdlib>

namespace sg::ui {

namespace {

constexpr int kSide = 64;
const QColor kGrey{128, 128, 128};

// The colour core gives `value` (an independent path: sg::colorize on a 1 x 1 map).
QColor mapColour(float value, sg::Colormap colormap = sg::Colormap::Jet)
{
    const cv::Mat one(1, 1, CV_32FC1, cv::Scalar(value));
    const cv::Vec3b rgb = sg::colorize(one, colormap).at<cv::Vec3b>(0, 0);
    return {rgb[0], rgb[1], rgb[2]};
}

bool closeTo(const QColor &a, const QColor &b, int tolerance = 2)
{
    return std::abs(a.red() - b.red()) <= tolerance && std::abs(a.green() - b.green()) <= tolerance
        && std::abs(a.blue() - b.blue()) <= tolerance;
}

QString describe(const QColor &actual, const QColor &expected)
{
    return QStringLiteral("got (%1, %2, %3), expected (%4, %5, %6)")
        .arg(actual.red())
        .arg(actual.green())
        .arg(actual.blue())
        .arg(expected.red())
        .arg(expected.green())
        .arg(expected.blue());
}

#define COMPARE_COLOUR(actual, expected, tolerance)                                                          \
    do {                                                                                                     \
        const QColor a_ = (actual);                                                                          \
        const QColor e_ = (expected);                                                                        \
        QVERIFY2(closeTo(a_, e_, tolerance), qPrintable(describe(a_, e_)));                                  \
    } while (false)

QImage greyImage()
{
    QImage image(kSide, kSide, QImage::Format_RGB32);
    image.fill(kGrey);
    return image;
}

// 1 in the left half, 0 in the right half.
cv::Mat halfMap()
{
    cv::Mat map(kSide, kSide, CV_32FC1, cv::Scalar(0.0f));
    map(cv::Rect(0, 0, kSide / 2, kSide)).setTo(1.0f);
    return map;
}

QImage grabbed(QWidget &widget)
{
    return widget.grab().toImage().convertToFormat(QImage::Format_RGB32);
}

void sendWheel(QWidget &widget, const QPointF &pos, int angle)
{
    QWheelEvent event(pos, widget.mapToGlobal(pos), QPoint(), QPoint(0, angle), Qt::NoButton, Qt::NoModifier,
        Qt::NoScrollPhase, false);
    QApplication::sendEvent(&widget, &event);
}

void sendMouse(
    QWidget &widget, QEvent::Type type, const QPointF &pos, Qt::MouseButton button, Qt::MouseButtons buttons)
{
    QMouseEvent event(type, pos, widget.mapToGlobal(pos), button, buttons, Qt::NoModifier);
    QApplication::sendEvent(&widget, &event);
}

sg::DeletionInsertionResult handMadeResult()
{
    sg::DeletionInsertionResult result;
    result.deletion.x = {0.0, 0.25, 0.5, 0.75, 1.0};
    result.deletion.score = {0.95, 0.40, 0.15, 0.05, 0.02};
    result.insertion.x = {0.0, 0.25, 0.5, 0.75, 1.0};
    result.insertion.score = {0.05, 0.70, 0.90, 0.96, 0.97};
    result.deletionAuc = 0.24412;
    result.insertionAuc = 0.97799;
    return result;
}

} // namespace

class WidgetsTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void overlayAtFullOpacityIsTheMapColour();
    void overlayAtZeroOpacityIsTheImage();
    void overlayMatchesCoreBlend();
    void thresholdHidesValuesBelowIt();
    void contourOutlinesTheRegionAboveTheThreshold();
    void colormapChangesTheLayer();
    void screenShowsTheMapColours();
    void smallImagesStayCrispWhenEnlarged();
    void messageReplacesThePicture();
    void captionIsDrawnOverThePicture();
    void stepImageReplacesThePictureWithoutTheMap();
    void sameSizeImageKeepsTheMapOtherSizeClearsIt();
    void wheelZoomKeepsThePointUnderTheCursor();
    void zoomedMapStaysAlignedWithThePicture();
    void dragPansAndDoubleClickResets();
    void viewIsClampedAndUnchangedViewsAreSilent();
    void linkedCanvasesFollowEachOtherWithoutLooping();
    void scaleBarShowsTheColormapAndThreshold();
    void curvePlotShowsBothCurvesWithTheirAuc();
    void showStepClampsAndEmits();
    void mouseOverThePlotPicksTheNearestStep();
    void clearRemovesTheCurves();
};

void WidgetsTest::overlayAtFullOpacityIsTheMapColour()
{
    HeatmapCanvas canvas;
    canvas.setImage(greyImage());
    canvas.setMap(halfMap());
    canvas.setOpacity(1.0);
    canvas.setColormap(sg::Colormap::Jet);
    const QImage overlay = canvas.renderOverlay();
    QCOMPARE(overlay.size(), QSize(kSide, kSide));
    for (int y = 0; y < kSide; y += 7)
        for (int x = 0; x < kSide; x += 3)
            COMPARE_COLOUR(overlay.pixelColor(x, y), mapColour(x < kSide / 2 ? 1.0f : 0.0f), 0);
}

void WidgetsTest::overlayAtZeroOpacityIsTheImage()
{
    HeatmapCanvas canvas;
    canvas.setImage(greyImage());
    canvas.setMap(halfMap());
    canvas.setOpacity(0.0);
    const QImage overlay = canvas.renderOverlay();
    for (int y = 0; y < kSide; y += 5)
        for (int x = 0; x < kSide; ++x)
            COMPARE_COLOUR(overlay.pixelColor(x, y), kGrey, 0);
    QVERIFY(HeatmapCanvas().renderOverlay().isNull());
}

void WidgetsTest::overlayMatchesCoreBlend()
{
    // A varied picture and a smooth map at another resolution (stretched bilinearly, as core
    // does), blended half and half: core's overlayHeatmap is the reference.
    cv::Mat rgb(48, 80, CV_8UC3);
    for (int y = 0; y < rgb.rows; ++y)
        for (int x = 0; x < rgb.cols; ++x)
            rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 3), uchar(y * 5), uchar((x * y) % 256));
    cv::Mat map(12, 20, CV_32FC1);
    for (int y = 0; y < map.rows; ++y)
        for (int x = 0; x < map.cols; ++x)
            map.at<float>(y, x) = float(0.5 + 0.5 * std::sin(x * 0.4) * std::cos(y * 0.5));

    HeatmapCanvas canvas;
    canvas.setImage(toQImage(rgb));
    canvas.setMap(map);
    canvas.setColormap(sg::Colormap::Viridis);
    canvas.setOpacity(0.5);
    const cv::Mat overlay = toMat(canvas.renderOverlay());
    const cv::Mat expected = sg::overlayHeatmap(rgb, map, 0.5, sg::Colormap::Viridis);
    cv::Mat difference;
    cv::absdiff(overlay, expected, difference);
    double worst = 0.0;
    cv::minMaxLoc(difference.reshape(1), nullptr, &worst);
    QVERIFY2(worst <= 2.0, qPrintable(QStringLiteral("largest difference %1").arg(worst)));
}

void WidgetsTest::thresholdHidesValuesBelowIt()
{
    HeatmapCanvas canvas;
    canvas.setImage(greyImage());
    canvas.setMap(halfMap());
    canvas.setOpacity(1.0);
    canvas.setThreshold(0.5);
    QCOMPARE(canvas.threshold(), std::optional<double>(0.5));
    const QImage overlay = canvas.renderOverlay();
    for (int y = 0; y < kSide; y += 9) {
        for (int x = 0; x < kSide; ++x) {
            if (x < kSide / 2)
                COMPARE_COLOUR(overlay.pixelColor(x, y), mapColour(1.0f), 0);
            else
                COMPARE_COLOUR(overlay.pixelColor(x, y), kGrey, 0);
        }
    }
    canvas.setThreshold(std::nullopt);
    COMPARE_COLOUR(canvas.renderOverlay().pixelColor(kSide - 5, 10), mapColour(0.0f), 0);
}

void WidgetsTest::contourOutlinesTheRegionAboveTheThreshold()
{
    HeatmapCanvas canvas;
    canvas.setImage(greyImage());
    canvas.setMap(halfMap());
    canvas.setOpacity(1.0);
    canvas.setThreshold(0.5);
    canvas.setContourVisible(true);
    QVERIFY(canvas.contourVisible());
    const QImage overlay = canvas.renderOverlay();
    const int inside = kSide / 2 - 1; // last column of the region
    const int outside = kSide / 2; // first column beyond it
    for (int y = 2; y < kSide - 2; ++y) {
        const QColor in = overlay.pixelColor(inside, y);
        const QColor out = overlay.pixelColor(outside, y);
        QVERIFY2(
            !closeTo(in, kGrey, 10) && !closeTo(in, mapColour(1.0f), 10), qPrintable(describe(in, kGrey)));
        QVERIFY2(
            !closeTo(out, kGrey, 10) && !closeTo(out, mapColour(1.0f), 10), qPrintable(describe(out, kGrey)));
        QVERIFY2(in.lightness() > out.lightness() + 100, "a light line inside, a dark one outside");
        // Away from the boundary nothing changes.
        COMPARE_COLOUR(overlay.pixelColor(inside - 4, y), mapColour(1.0f), 0);
        COMPARE_COLOUR(overlay.pixelColor(outside + 4, y), kGrey, 0);
    }
    // Without a threshold the contour is drawn at 0.5 over the whole map.
    canvas.setThreshold(std::nullopt);
    const QImage unthresholded = canvas.renderOverlay();
    QVERIFY(!closeTo(unthresholded.pixelColor(outside, 10), mapColour(0.0f), 10));
    COMPARE_COLOUR(unthresholded.pixelColor(outside + 4, 10), mapColour(0.0f), 0);
    canvas.setContourVisible(false);
    COMPARE_COLOUR(canvas.renderOverlay().pixelColor(outside, 10), mapColour(0.0f), 0);
}

void WidgetsTest::colormapChangesTheLayer()
{
    HeatmapCanvas canvas;
    canvas.setImage(greyImage());
    canvas.setMap(halfMap());
    canvas.setOpacity(1.0);
    canvas.setColormap(sg::Colormap::Inferno);
    QCOMPARE(canvas.colormap(), sg::Colormap::Inferno);
    const QImage overlay = canvas.renderOverlay();
    COMPARE_COLOUR(overlay.pixelColor(3, 3), mapColour(1.0f, sg::Colormap::Inferno), 0);
    COMPARE_COLOUR(overlay.pixelColor(60, 3), mapColour(0.0f, sg::Colormap::Inferno), 0);
}

void WidgetsTest::screenShowsTheMapColours()
{
    HeatmapCanvas canvas;
    canvas.resize(200, 200);
    canvas.setImage(greyImage());
    canvas.setMap(halfMap());
    canvas.setOpacity(1.0);
    QImage screen = grabbed(canvas);
    COMPARE_COLOUR(screen.pixelColor(50, 100), mapColour(1.0f), 2);
    COMPARE_COLOUR(screen.pixelColor(150, 100), mapColour(0.0f), 2);
    COMPARE_COLOUR(screen.pixelColor(1, 1), theme::kCanvas, 0); // outside the fitted picture

    // Opacity only changes how the cached layer is drawn: half way between picture and map.
    canvas.setOpacity(0.5);
    screen = grabbed(canvas);
    const QColor hot = mapColour(1.0f);
    const QColor mixed(
        (hot.red() + kGrey.red()) / 2, (hot.green() + kGrey.green()) / 2, (hot.blue() + kGrey.blue()) / 2);
    COMPARE_COLOUR(screen.pixelColor(50, 100), mixed, 2);
    canvas.setOpacity(0.0);
    COMPARE_COLOUR(grabbed(canvas).pixelColor(50, 100), kGrey, 0);
}

void WidgetsTest::smallImagesStayCrispWhenEnlarged()
{
    // An 8 x 8 checkerboard enlarged about 24 times: without pixel replication bilinear
    // scaling would turn most of it grey.
    QImage board(8, 8, QImage::Format_RGB32);
    for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x)
            board.setPixelColor(x, y, (x + y) % 2 ? Qt::white : Qt::black);
    HeatmapCanvas canvas;
    canvas.resize(200, 200);
    canvas.setImage(board);
    const QImage screen = grabbed(canvas);
    int blurred = 0;
    int total = 0;
    for (int y = 40; y < 160; ++y) {
        for (int x = 40; x < 160; ++x) {
            const int value = screen.pixelColor(x, y).red();
            blurred += value > 8 && value < 247;
            ++total;
        }
    }
    QVERIFY2(
        blurred < total / 20, qPrintable(QStringLiteral("%1 of %2 pixels blurred").arg(blurred).arg(total)));
}

void WidgetsTest::messageReplacesThePicture()
{
    HeatmapCanvas canvas;
    canvas.resize(200, 200);
    canvas.setImage(greyImage());
    canvas.setMap(halfMap());
    canvas.setOpacity(1.0);
    canvas.setMessage(QStringLiteral("Scoring"));
    QCOMPARE(canvas.message(), QStringLiteral("Scoring"));
    QImage screen = grabbed(canvas);
    COMPARE_COLOUR(screen.pixelColor(30, 100), theme::kCanvas, 0);
    COMPARE_COLOUR(screen.pixelColor(100, 30), theme::kCanvas, 0);
    // The text is there, in the error colour when it is an error.
    canvas.setMessage(QStringLiteral("WWWWWW WWWWWW"), true);
    screen = grabbed(canvas);
    bool reddish = false;
    for (int x = 20; x < 180 && !reddish; ++x)
        for (int y = 80; y < 120 && !reddish; ++y) {
            const QColor c = screen.pixelColor(x, y);
            reddish = c.red() > c.green() + 30 && c.red() > 120;
        }
    QVERIFY(reddish);
    canvas.setMessage(QString());
    COMPARE_COLOUR(grabbed(canvas).pixelColor(50, 100), mapColour(1.0f), 2);
}

void WidgetsTest::captionIsDrawnOverThePicture()
{
    HeatmapCanvas canvas;
    canvas.resize(200, 200);
    canvas.setImage(greyImage());
    const QImage before = grabbed(canvas);
    canvas.setCaption(QStringLiteral("I-GOS 28 · deletion 0.244"));
    QCOMPARE(canvas.caption(), QStringLiteral("I-GOS 28 · deletion 0.244"));
    const QImage after = grabbed(canvas);
    // A darkened box in the top-left corner of the picture; the rest untouched.
    QVERIFY(after.pixelColor(12, 12).lightness() < before.pixelColor(12, 12).lightness() - 40);
    COMPARE_COLOUR(after.pixelColor(150, 150), before.pixelColor(150, 150), 0);
}

void WidgetsTest::stepImageReplacesThePictureWithoutTheMap()
{
    HeatmapCanvas canvas;
    canvas.resize(200, 200);
    canvas.setImage(greyImage());
    canvas.setMap(halfMap());
    canvas.setOpacity(1.0);
    QImage step(16, 16, QImage::Format_RGB32); // a model-input-sized step, same aspect ratio
    step.fill(QColor(0, 200, 0));
    canvas.setStepImage(step);
    QVERIFY(canvas.showsStepImage());
    QImage screen = grabbed(canvas);
    COMPARE_COLOUR(screen.pixelColor(50, 100), QColor(0, 200, 0), 0);
    COMPARE_COLOUR(screen.pixelColor(150, 100), QColor(0, 200, 0), 0);
    COMPARE_COLOUR(canvas.renderOverlay().pixelColor(5, 5), mapColour(1.0f), 0); // export: the map

    canvas.clearStepImage();
    QVERIFY(!canvas.showsStepImage());
    screen = grabbed(canvas);
    COMPARE_COLOUR(screen.pixelColor(50, 100), mapColour(1.0f), 2);
    canvas.setStepImage(step);
    canvas.setStepImage(QImage()); // a null image clears it too
    QVERIFY(!canvas.showsStepImage());
}

void WidgetsTest::sameSizeImageKeepsTheMapOtherSizeClearsIt()
{
    HeatmapCanvas canvas;
    canvas.resize(200, 200);
    canvas.setImage(greyImage());
    canvas.setMap(halfMap());
    canvas.setView(4.0, QPointF(20, 20));
    QImage brighter = greyImage();
    brighter.fill(QColor(200, 200, 200));
    canvas.setImage(brighter); // a live refresh
    QVERIFY(canvas.hasMap());
    QCOMPARE(canvas.zoom(), 4.0);
    canvas.setOpacity(0.0);
    COMPARE_COLOUR(canvas.renderOverlay().pixelColor(1, 1), QColor(200, 200, 200), 0);

    canvas.setMessage(QStringLiteral("Queued"));
    QImage tall(32, 64, QImage::Format_RGB32);
    tall.fill(Qt::darkGray);
    canvas.setImage(tall);
    QVERIFY(!canvas.hasMap());
    QVERIFY(canvas.map().empty());
    QVERIFY(canvas.message().isEmpty());
    QCOMPARE(canvas.zoom(), 1.0);
    QCOMPARE(canvas.center(), QPointF(16, 32));

    canvas.setMap(halfMap()); // any size: stretched over the picture
    QVERIFY(canvas.hasMap());
    canvas.setMap(cv::Mat());
    QVERIFY(!canvas.hasMap());
}

void WidgetsTest::wheelZoomKeepsThePointUnderTheCursor()
{
    HeatmapCanvas canvas;
    canvas.resize(200, 200);
    canvas.setImage(greyImage());
    QCOMPARE(canvas.zoom(), 1.0);
    const QPointF start = canvas.center();
    QCOMPARE(start, QPointF(kSide / 2.0, kSide / 2.0));
    QSignalSpy changed(&canvas, &HeatmapCanvas::viewChanged);

    // Cursor left of and above the centre by different amounts.
    const QPointF cursor(60, 80);
    const QPointF offset = cursor - QPointF(100, 100);
    sendWheel(canvas, cursor, 120);
    QCOMPARE(canvas.zoom(), 1.25);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toDouble(), 1.25);
    QCOMPARE(changed.at(0).at(1).toPointF(), canvas.center());
    const QPointF moved = canvas.center() - start;
    QVERIFY(moved.x() < 0 && moved.y() < 0); // towards the cursor

    // The picture point under the cursor is c + offset / (fit * zoom) before and after; both
    // axes must agree on the same fit scale, about the widget's shorter side over the picture.
    const double fitX = offset.x() * (1.0 / 1.0 - 1.0 / 1.25) / moved.x();
    const double fitY = offset.y() * (1.0 / 1.0 - 1.0 / 1.25) / moved.y();
    QVERIFY2(std::abs(fitX - fitY) < 1e-6, qPrintable(QStringLiteral("%1 vs %2").arg(fitX).arg(fitY)));
    QVERIFY(fitX > 160.0 / kSide && fitX <= 200.0 / kSide);

    sendWheel(canvas, cursor, -120);
    QCOMPARE(canvas.zoom(), 1.0);
    QCOMPARE(canvas.center(), start);
    sendWheel(canvas, cursor, -120); // already fitted: nothing changes, nothing is announced
    QCOMPARE(changed.count(), 2);
    for (int i = 0; i < 40; ++i)
        sendWheel(canvas, cursor, 120);
    QCOMPARE(canvas.zoom(), 32.0);
}

void WidgetsTest::zoomedMapStaysAlignedWithThePicture()
{
    // Picture black | white and map 1 | 0, both split at x = 32: zoomed 4x about the split
    // (12 widget pixels per picture pixel), the colour and picture edges meet at the centre.
    QImage picture(kSide, kSide, QImage::Format_RGB32);
    picture.fill(Qt::white);
    for (int y = 0; y < kSide; ++y)
        for (int x = 0; x < kSide / 2; ++x)
            picture.setPixelColor(x, y, Qt::black);
    HeatmapCanvas canvas;
    canvas.resize(200, 200);
    canvas.setImage(picture);
    canvas.setMap(halfMap());
    canvas.setOpacity(0.5);
    canvas.setView(4.0, QPointF(32, 32));
    const QImage screen = grabbed(canvas);
    const auto blend = [](const QColor &a, const QColor &b) {
        return QColor((a.red() + b.red()) / 2, (a.green() + b.green()) / 2, (a.blue() + b.blue()) / 2);
    };
    for (int y : {20, 100, 180}) {
        COMPARE_COLOUR(screen.pixelColor(90, y), blend(Qt::black, mapColour(1.0f)), 2);
        COMPARE_COLOUR(screen.pixelColor(10, y), blend(Qt::black, mapColour(1.0f)), 2);
        COMPARE_COLOUR(screen.pixelColor(110, y), blend(Qt::white, mapColour(0.0f)), 2);
        COMPARE_COLOUR(screen.pixelColor(190, y), blend(Qt::white, mapColour(0.0f)), 2);
    }
}

void WidgetsTest::dragPansAndDoubleClickResets()
{
    HeatmapCanvas canvas;
    canvas.resize(200, 200);
    canvas.setImage(greyImage());
    canvas.setView(4.0, QPointF(32, 32));
    QSignalSpy changed(&canvas, &HeatmapCanvas::viewChanged);
    sendMouse(canvas, QEvent::MouseButtonPress, QPointF(100, 100), Qt::LeftButton, Qt::LeftButton);
    sendMouse(canvas, QEvent::MouseMove, QPointF(140, 80), Qt::NoButton, Qt::LeftButton);
    sendMouse(canvas, QEvent::MouseButtonRelease, QPointF(140, 80), Qt::LeftButton, Qt::NoButton);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(canvas.zoom(), 4.0);
    // Dragging right and up moves the view left and down on the picture; 40 widget pixels are
    // 40 / (fit * 4) picture pixels, twice the 20 pixels of the vertical move.
    const QPointF moved = canvas.center() - QPointF(32, 32);
    QVERIFY(moved.x() < 0 && moved.y() > 0);
    QVERIFY(std::abs(moved.x() + 2.0 * moved.y()) < 1e-6);

    // (Sent directly: QTest::mouseDClick leaves the left button marked as held.)
    sendMouse(canvas, QEvent::MouseButtonPress, QPointF(100, 100), Qt::LeftButton, Qt::LeftButton);
    sendMouse(canvas, QEvent::MouseButtonRelease, QPointF(100, 100), Qt::LeftButton, Qt::NoButton);
    sendMouse(canvas, QEvent::MouseButtonDblClick, QPointF(100, 100), Qt::LeftButton, Qt::LeftButton);
    sendMouse(canvas, QEvent::MouseButtonRelease, QPointF(100, 100), Qt::LeftButton, Qt::NoButton);
    QCOMPARE(canvas.zoom(), 1.0);
    QCOMPARE(canvas.center(), QPointF(32, 32));
}

void WidgetsTest::viewIsClampedAndUnchangedViewsAreSilent()
{
    HeatmapCanvas canvas;
    canvas.resize(200, 200);
    canvas.setImage(greyImage());
    QSignalSpy changed(&canvas, &HeatmapCanvas::viewChanged);
    canvas.setView(100.0, QPointF(32, 32));
    QCOMPARE(canvas.zoom(), 32.0);
    canvas.setView(32.0, QPointF(32, 32));
    QCOMPARE(changed.count(), 1);
    canvas.setView(0.1, QPointF(5, 5));
    QCOMPARE(canvas.zoom(), 1.0);
    QCOMPARE(canvas.center(), QPointF(32, 32)); // fitted pictures stay centred
    // Panned no further than the picture's edge.
    canvas.setView(2.0, QPointF(-100, 1000));
    QVERIFY(canvas.center().x() > 0 && canvas.center().x() < 32);
    QVERIFY(canvas.center().y() > 32 && canvas.center().y() < kSide);
    canvas.resetView();
    QCOMPARE(canvas.zoom(), 1.0);
    QCOMPARE(changed.count(), 4);
}

void WidgetsTest::linkedCanvasesFollowEachOtherWithoutLooping()
{
    HeatmapCanvas first;
    HeatmapCanvas second;
    for (HeatmapCanvas *canvas : {&first, &second}) {
        canvas->resize(200, 200);
        canvas->setImage(greyImage());
    }
    connect(&first, &HeatmapCanvas::viewChanged, &second, &HeatmapCanvas::setView);
    connect(&second, &HeatmapCanvas::viewChanged, &first, &HeatmapCanvas::setView);
    QSignalSpy firstChanged(&first, &HeatmapCanvas::viewChanged);
    QSignalSpy secondChanged(&second, &HeatmapCanvas::viewChanged);

    first.setView(4.0, QPointF(20, 24));
    QCOMPARE(second.zoom(), 4.0);
    QCOMPARE(second.center(), first.center());
    QCOMPARE(firstChanged.count(), 1);
    QCOMPARE(secondChanged.count(), 1);

    sendWheel(second, QPointF(60, 150), 240);
    QCOMPARE(first.zoom(), second.zoom());
    QCOMPARE(first.center(), second.center());
    QCOMPARE(firstChanged.count(), 2);
    QCOMPARE(secondChanged.count(), 2);
}

void WidgetsTest::scaleBarShowsTheColormapAndThreshold()
{
    ColorScaleBar bar;
    bar.resize(300, bar.sizeHint().height());
    QVERIFY(bar.sizeHint().height() >= 20);
    bar.setColormap(sg::Colormap::Jet);
    QImage screen = grabbed(bar);
    // Somewhere along the bar's middle row the ends of the colour map appear.
    const auto rowHas = [](const QImage &image, const QColor &colour) {
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x)
                if (closeTo(image.pixelColor(x, y), colour, 12))
                    return true;
        return false;
    };
    QVERIFY(rowHas(screen, mapColour(0.02f)));
    QVERIFY(rowHas(screen, mapColour(0.98f)));
    bar.setColormap(sg::Colormap::Gray);
    QCOMPARE(bar.colormap(), sg::Colormap::Gray);
    screen = grabbed(bar);
    QVERIFY(!rowHas(screen, mapColour(0.98f)));
    bar.setThreshold(0.5);
    QVERIFY(grabbed(bar) != screen); // the marker and the dimmed low part
}

void WidgetsTest::curvePlotShowsBothCurvesWithTheirAuc()
{
    CurvePlot plot;
    QVERIFY(!plot.hasCurves());
    QCOMPARE(plot.pointCount(sg::MetricCurve::Deletion), 0);
    plot.setResult(handMadeResult());
    QVERIFY(plot.hasCurves());
    QCOMPARE(plot.pointCount(sg::MetricCurve::Deletion), 5);
    QCOMPARE(plot.pointCount(sg::MetricCurve::Insertion), 5);
    QCOMPARE(plot.plot()->graphCount(), 2);
    QCOMPARE(plot.plot()->graph(0)->data()->size(), 5);
    QCOMPARE(plot.plot()->graph(0)->data()->at(2)->value, 0.15);
    QCOMPARE(plot.plot()->graph(1)->data()->at(3)->value, 0.96);
    const QString deletion = plot.plot()->graph(0)->name();
    const QString insertion = plot.plot()->graph(1)->name();
    QVERIFY2(deletion.contains(QStringLiteral("Deletion")) && deletion.contains(QStringLiteral("0.244")),
        qPrintable(deletion));
    QVERIFY2(insertion.contains(QStringLiteral("Insertion")) && insertion.contains(QStringLiteral("0.978")),
        qPrintable(insertion));
    QCOMPARE(plot.plot()->xAxis->range().lower, 0.0);
    QCOMPARE(plot.plot()->xAxis->range().upper, 1.0);
    QCOMPARE(plot.plot()->yAxis->range().upper, 1.02);
}

void WidgetsTest::showStepClampsAndEmits()
{
    CurvePlot plot;
    QSignalSpy hovered(&plot, &CurvePlot::stepHovered);
    QSignalSpy left(&plot, &CurvePlot::stepLeft);
    plot.showStep(sg::MetricCurve::Deletion, 1); // no curves: nothing
    QCOMPARE(hovered.count(), 0);

    plot.setResult(handMadeResult());
    plot.showStep(sg::MetricCurve::Insertion, 99);
    plot.showStep(sg::MetricCurve::Deletion, -3);
    plot.showStep(sg::MetricCurve::Deletion, 3);
    QCOMPARE(hovered.count(), 3);
    QCOMPARE(hovered.at(0).at(0).value<sg::MetricCurve>(), sg::MetricCurve::Insertion);
    QCOMPARE(hovered.at(0).at(1).toInt(), 4);
    QCOMPARE(hovered.at(1).at(0).value<sg::MetricCurve>(), sg::MetricCurve::Deletion);
    QCOMPARE(hovered.at(1).at(1).toInt(), 0);
    QCOMPARE(hovered.at(2).at(1).toInt(), 3);
    plot.hideStep();
    QCOMPARE(left.count(), 1);
    // New curves or none take a shown step away (its step image would not match them).
    plot.setResult(handMadeResult());
    QCOMPARE(left.count(), 1); // nothing was shown
    plot.showStep(sg::MetricCurve::Deletion, 2);
    plot.setResult(handMadeResult());
    QCOMPARE(left.count(), 2);
    plot.showStep(sg::MetricCurve::Deletion, 2);
    plot.clear();
    QCOMPARE(left.count(), 3);
}

void WidgetsTest::mouseOverThePlotPicksTheNearestStep()
{
    CurvePlot plot;
    plot.resize(480, 320);
    plot.setResult(handMadeResult());
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.plot()->replot(); // lay the axes out now rather than on the next event loop turn
    QSignalSpy hovered(&plot, &CurvePlot::stepHovered);
    QSignalSpy left(&plot, &CurvePlot::stepLeft);
    QCustomPlot *custom = plot.plot();
    const auto at = [custom](double x, double y) {
        return QPoint(int(std::lround(custom->xAxis->coordToPixel(x))),
            int(std::lround(custom->yAxis->coordToPixel(y))));
    };

    // Just above the deletion curve at x = 0.5 (its point 2), then a little right of it still
    // nearest to point 2, then near the insertion curve.
    QTest::mouseMove(custom, at(0.5, 0.2));
    QCOMPARE(hovered.count(), 1);
    QCOMPARE(hovered.at(0).at(0).value<sg::MetricCurve>(), sg::MetricCurve::Deletion);
    QCOMPARE(hovered.at(0).at(1).toInt(), 2);
    QTest::mouseMove(custom, at(0.58, 0.15));
    QCOMPARE(hovered.count(), 1); // the same step is not announced again
    QTest::mouseMove(custom, at(0.7, 0.9));
    QCOMPARE(hovered.count(), 2);
    QCOMPARE(hovered.at(1).at(0).value<sg::MetricCurve>(), sg::MetricCurve::Insertion);
    QCOMPARE(hovered.at(1).at(1).toInt(), 3);
    QTest::mouseMove(custom, at(0.24, 0.6));
    QCOMPARE(hovered.count(), 3);
    QCOMPARE(hovered.at(2).at(0).value<sg::MetricCurve>(), sg::MetricCurve::Insertion);
    QCOMPARE(hovered.at(2).at(1).toInt(), 1);

    // Out of the plot area (over the axis labels): the cursor goes.
    QTest::mouseMove(custom, QPoint(2, custom->height() - 2));
    QCOMPARE(left.count(), 1);
    QTest::mouseMove(custom, at(0.5, 0.2));
    QCOMPARE(hovered.count(), 4);
    // Leaving the window altogether.
    QTest::mouseMove(&plot, QPoint(plot.width() + 50, plot.height() + 50));
    QTRY_COMPARE(left.count(), 2);
}

void WidgetsTest::clearRemovesTheCurves()
{
    CurvePlot plot;
    plot.setResult(handMadeResult());
    plot.clear(QStringLiteral("No map"));
    QVERIFY(!plot.hasCurves());
    QCOMPARE(plot.pointCount(sg::MetricCurve::Deletion), 0);
    QCOMPARE(plot.pointCount(sg::MetricCurve::Insertion), 0);
    QCOMPARE(plot.plot()->graph(0)->data()->size(), 0);
    QVERIFY(!plot.plot()->graph(0)->name().contains(QStringLiteral("AUC")));
    bool messageShown = false;
    for (int i = 0; i < plot.plot()->itemCount(); ++i)
        if (auto *text = qobject_cast<QCPItemText *>(plot.plot()->item(i)))
            messageShown = messageShown || (text->visible() && text->text() == QStringLiteral("No map"));
    QVERIFY(messageShown);
    QSignalSpy hovered(&plot, &CurvePlot::stepHovered);
    plot.showStep(sg::MetricCurve::Deletion, 1);
    QCOMPARE(hovered.count(), 0);
    plot.setResult(handMadeResult());
    for (int i = 0; i < plot.plot()->itemCount(); ++i)
        if (auto *text = qobject_cast<QCPItemText *>(plot.plot()->item(i)))
            QVERIFY(!text->visible());
}

} // namespace sg::ui

QTEST_MAIN(sg::ui::WidgetsTest)
#include "test_widgets.moc"
