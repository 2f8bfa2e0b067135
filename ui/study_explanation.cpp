#include "study_explanation.h"

#include "xnn_panel.h"

#include "common/error.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPixmap>
#include <QVBoxLayout>

#include <algorithm>

namespace sg::ui {
namespace {

constexpr int kPanelSide = 300;
constexpr int kConceptSide = 180;

// An image scaled to fit `side` (small images keep crisp pixels).
QLabel *imageLabel(const QString &path, int side, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setAlignment(Qt::AlignCenter);
    const QPixmap pixmap(path);
    if (pixmap.isNull()) {
        label->setText(QStringLiteral("(%1 cannot be read)").arg(QFileInfo(path).fileName()));
        return label;
    }
    const Qt::TransformationMode mode = std::max(pixmap.width(), pixmap.height()) < side / 2
        ? Qt::FastTransformation
        : Qt::SmoothTransformation;
    label->setPixmap(pixmap.scaled(side, side, Qt::KeepAspectRatio, mode));
    return label;
}

QWidget *captioned(QWidget *content, const QString &caption, QWidget *parent)
{
    auto *box = new QWidget(parent);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    content->setParent(box);
    layout->addWidget(content, 1);
    auto *text = new QLabel(caption, box);
    text->setAlignment(Qt::AlignCenter);
    text->setWordWrap(true);
    layout->addWidget(text);
    return box;
}

} // namespace

QWidget *makeXnnExplanation(const QString &folder, QWidget *parent)
{
    try {
        auto *panel = new XnnPanel(parent);
        panel->setObjectName(QStringLiteral("xnnPanel"));
        const XnnRecordPtr record = xnnRecordFromFolder(folder);
        // Prototype thumbnails only when their files exist here (an XNN trained elsewhere names
        // paths of that machine): a row of "missing" boxes tells a participant nothing.
        bool prototypesHere = false;
        for (const XnnFeatureRecord &feature : record->features) {
            for (const QString &path : feature.prototypes)
                prototypesHere = prototypesHere || QFileInfo::exists(path);
            for (const QImage &thumbnail : feature.thumbnails)
                prototypesHere = prototypesHere || !thumbnail.isNull();
        }
        panel->setShowPrototypes(prototypesHere);
        panel->setShowClassLabel(false); // the participant is asked for the class
        panel->setRecord(record);
        panel->setMinimumSize(prototypesHere ? 900 : 640, 680);
        return panel;
    } catch (const Error &) {
        // A folder from an older preparation (no saliency or image fields): its PNGs still show.
    }
    return makeXnnConceptGrid(folder, parent);
}

QWidget *makeXnnConceptGrid(const QString &folder, QWidget *parent)
{
    auto *box = new QWidget(parent);
    box->setObjectName(QStringLiteral("xnnExplanation"));
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    const QDir dir(folder);
    QFile file(dir.filePath(QStringLiteral("xnn.json")));
    QJsonObject root;
    if (file.open(QIODevice::ReadOnly))
        root = QJsonDocument::fromJson(file.readAll()).object();
    const QJsonArray features = root.value(QStringLiteral("x_features")).toArray();
    if (features.isEmpty()) {
        layout->addWidget(new QLabel(QStringLiteral("(no concepts in %1)").arg(folder), box));
        return box;
    }
    const QString label
        = root.value(QStringLiteral("class")).toObject().value(QStringLiteral("label")).toString();
    auto *title = new QLabel(
        QStringLiteral("What the model sees for \u201c%1\u201d: %2 concepts, each with its share "
                       "of the evidence")
            .arg(label)
            .arg(features.size()),
        box);
    title->setWordWrap(true);
    layout->addWidget(title);
    double total = 0.0;
    for (const QJsonValue &value : features)
        total += std::max(0.0, value.toObject().value(QStringLiteral("contribution")).toDouble());
    auto *grid = new QGridLayout;
    int column = 0;
    for (const QJsonValue &value : features) {
        const QJsonObject feature = value.toObject();
        const double contribution = feature.value(QStringLiteral("contribution")).toDouble();
        const QString share = total > 0.0
            ? QStringLiteral("%1%").arg(std::max(0.0, contribution) / total * 100.0, 0, 'f', 0)
            : QStringLiteral("-");
        QLabel *map
            = imageLabel(dir.filePath(feature.value(QStringLiteral("map")).toString()), kConceptSide, box);
        grid->addWidget(captioned(map, QStringLiteral("concept %1: %2").arg(column + 1).arg(share), box),
            column / 4, column % 4);
        ++column;
    }
    layout->addLayout(grid);
    return box;
}

QWidget *makeStudyExplanation(const QString &kind, const QString &folder, QWidget *parent)
{
    const QDir dir(folder);
    if (kind == QLatin1String("xnn"))
        return makeXnnExplanation(folder, parent);
    if (kind == QLatin1String("sag"))
        return captioned(imageLabel(dir.filePath(QStringLiteral("sag.png")), 2 * kPanelSide, parent),
            QStringLiteral("Region sets that each keep the model's answer"), parent);
    QWidget *heatmap = captioned(imageLabel(dir.filePath(QStringLiteral("heatmap.png")), kPanelSide, parent),
        QStringLiteral("Where the model looks (red: most important)"), parent);
    if (kind != QLatin1String("side-by-side"))
        return heatmap;
    auto *both = new QWidget(parent);
    auto *layout = new QHBoxLayout(both);
    layout->setContentsMargins(0, 0, 0, 0);
    heatmap->setParent(both);
    layout->addWidget(heatmap);
    layout->addWidget(makeXnnExplanation(folder, both), 1);
    return both;
}

} // namespace sg::ui
