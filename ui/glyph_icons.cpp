#include "glyph_icons.h"

#include "theme.h"

#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace sg::ui {

QIcon glyphIcon(Glyph glyph)
{
    QIcon icon;
    for (const int size : {16, 24, 32, 48}) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.scale(size / 24.0, size / 24.0);
        QPen pen(QColor(0xd4, 0xd7, 0xdc), 1.8, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
        painter.setPen(pen);
        painter.setBrush(Qt::NoBrush);
        switch (glyph) {
        case Glyph::Model: {
            // A small layered network: three inputs, two hidden units, one output.
            const QPointF in[] = {{5, 6}, {5, 12}, {5, 18}};
            const QPointF hidden[] = {{12, 9}, {12, 15}};
            const QPointF out(19, 12);
            QPen thin = pen;
            thin.setWidthF(1.0);
            painter.setPen(thin);
            for (const QPointF &a : in)
                for (const QPointF &b : hidden)
                    painter.drawLine(a, b);
            for (const QPointF &b : hidden)
                painter.drawLine(b, out);
            painter.setPen(Qt::NoPen);
            painter.setBrush(QColor(0xd4, 0xd7, 0xdc));
            for (const QPointF &a : in)
                painter.drawEllipse(a, 2.0, 2.0);
            for (const QPointF &b : hidden)
                painter.drawEllipse(b, 2.0, 2.0);
            painter.setBrush(theme::kAccent.lighter(115));
            painter.drawEllipse(out, 2.6, 2.6);
            break;
        }
        case Glyph::Folder: {
            QPainterPath path;
            path.moveTo(3, 7);
            path.lineTo(3, 18.5);
            path.lineTo(21, 18.5);
            path.lineTo(21, 8.5);
            path.lineTo(11.5, 8.5);
            path.lineTo(9.5, 6);
            path.lineTo(3.8, 6);
            path.closeSubpath();
            painter.drawPath(path);
            break;
        }
        case Glyph::Previous: painter.drawPolyline(QPolygonF({{14.5, 6}, {8.5, 12}, {14.5, 18}})); break;
        case Glyph::Next: painter.drawPolyline(QPolygonF({{9.5, 6}, {15.5, 12}, {9.5, 18}})); break;
        }
        icon.addPixmap(pixmap);
    }
    return icon;
}

} // namespace sg::ui
