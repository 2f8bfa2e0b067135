#pragma once
// The film strip under the image: one small thumbnail per file of the current folder, in a
// single scrolling row. Thumbnails are decoded lazily (only rows near the visible part of the
// strip) on a background thread of their own with QImageReader's scaled decoding, so opening a
// folder of thousands of images costs nothing until the user scrolls there.

#include <QListWidget>
#include <QSet>
#include <QStringList>
#include <QThreadPool>
#include <QTimer>

#include <atomic>
#include <memory>

namespace sg::ui {

class ThumbnailStrip : public QListWidget {
    Q_OBJECT

public:
    // GUI thread.
    explicit ThumbnailStrip(QWidget *parent = nullptr);
    // Drops queued thumbnail jobs and waits for the one being decoded.
    ~ThumbnailStrip() override;

    // Replaces the items by one per path (absolute paths, in display order); no row is current
    // afterwards. Thumbnails still being decoded for the previous list are discarded.
    void setFiles(const QStringList &paths);

    // Edge length of the square thumbnail cell, in logical pixels.
    static constexpr int kThumbnailSize = 72;

    QSize sizeHint() const override;

protected:
    void resizeEvent(QResizeEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    void scheduleVisibleLoad();
    void loadVisible();
    void setThumbnail(int generation, int row, const QImage &image);

    QThreadPool pool_;
    // Bumped by setFiles() and the destructor; decoding jobs of an older generation stop.
    std::shared_ptr<std::atomic<int>> generation_;
    QSet<int> requested_;
    QTimer loadTimer_;
};

} // namespace sg::ui
