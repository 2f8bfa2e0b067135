#include "mat_qimage.h"

#include <cstring>

namespace sg::ui {

QImage toQImage(const cv::Mat &rgb8)
{
    if (rgb8.empty() || rgb8.dims != 2)
        return {};
    QImage::Format format;
    switch (rgb8.type()) {
    case CV_8UC3: format = QImage::Format_RGB888; break;
    case CV_8UC1: format = QImage::Format_Grayscale8; break;
    default: return {};
    }
    QImage image(rgb8.cols, rgb8.rows, format);
    if (image.isNull()) // allocation failed
        return {};
    const size_t rowBytes = static_cast<size_t>(rgb8.cols) * rgb8.elemSize();
    for (int y = 0; y < rgb8.rows; ++y)
        std::memcpy(image.scanLine(y), rgb8.ptr(y), rowBytes);
    return image;
}

cv::Mat toMat(const QImage &image)
{
    if (image.isNull())
        return {};
    const QImage rgb
        = image.format() == QImage::Format_RGB888 ? image : image.convertToFormat(QImage::Format_RGB888);
    cv::Mat mat(rgb.height(), rgb.width(), CV_8UC3);
    const size_t rowBytes = static_cast<size_t>(rgb.width()) * 3;
    for (int y = 0; y < rgb.height(); ++y)
        std::memcpy(mat.ptr(y), rgb.constScanLine(y), rowBytes);
    return mat;
}

} // namespace sg::ui
