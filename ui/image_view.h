#pragma once
// The central canvas: the current image scaled to fit (aspect ratio kept, smooth scaling; small
// images enlarged many times keep crisp pixels),
// centred on a neutral dark background; a placeholder text when there is no image, or an error
// message when the image could not be shown. GUI thread only, like every widget.

#include <QImage>
#include <QPixmap>
#include <QString>
#include <QWidget>

namespace sg::ui {

class ImageView : public QWidget {
    Q_OBJECT

public:
    explicit ImageView(QWidget *parent = nullptr);

    // Shows `image` (implicitly shared, so the caller may keep or drop its copy).
    void setImage(const QImage &image);
    // Clears the image and shows `message` (e.g. "file.png: not an image"), word-wrapped.
    void setError(const QString &message);
    // Clears the image and shows the placeholder text.
    void clear();
    // The text shown when there is neither an image nor an error.
    void setPlaceholderText(const QString &text);

    const QImage &image() const { return image_; }
    bool hasError() const { return !error_.isEmpty(); }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QRect imageRect() const;
    void drawMessage(QPainter &painter, const QString &text, const QColor &color, bool large);

    QImage image_;
    QString error_;
    QString placeholder_;
    QPixmap scaled_;     // image_ scaled to scaledSize_ device pixels; rebuilt on resize
    QSize scaledSize_;
};

} // namespace sg::ui
