#include "xnn_panel.h"

#include "mat_qimage.h"

#include "common/error.h"
#include "image/colormap.h"
#include "image/image_io.h"
#include "image/npy.h"
#include "image/preprocess.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QPainter>
#include <QScrollArea>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace sg::ui {

namespace {

constexpr int kMapSide = 150;
constexpr int kPrototypeSide = 64;

// A signed bar from the middle: right and blue for evidence for the class, left and red against.
class ContributionBar : public QWidget {
public:
    ContributionBar(double value, double scale, QWidget *parent) :
        QWidget(parent), value_(value), scale_(scale)
    {
        setFixedSize(160, 18);
        setToolTip(tr("contribution %1").arg(value, 0, 'g', 4));
    }

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter painter(this);
        const int middle = width() / 2;
        painter.fillRect(rect(), palette().base());
        const double share = scale_ > 0.0 ? std::clamp(value_ / scale_, -1.0, 1.0) : 0.0;
        const int length = int(std::lround(std::abs(share) * (middle - 2)));
        const QRect bar = share >= 0 ? QRect(middle, 3, length, height() - 6)
                                     : QRect(middle - length, 3, length, height() - 6);
        painter.fillRect(bar, share >= 0 ? QColor(40, 110, 200) : QColor(200, 60, 50));
        painter.setPen(palette().text().color());
        painter.drawLine(middle, 0, middle, height());
    }

private:
    double value_;
    double scale_;
};

// The file's thumbnail when it has one, else the image on disk (null when neither).
QPixmap thumbnail(const QImage &stored, const QString &path, int side)
{
    const QImage image = stored.isNull() ? QImage(path) : stored;
    if (image.isNull())
        return {};
    return QPixmap::fromImage(image.scaled(side, side, Qt::KeepAspectRatio, Qt::SmoothTransformation));
}

} // namespace

XnnPanel::XnnPanel(QWidget *parent) : QWidget(parent), header_(new QLabel(this)), rows_(new QWidget(this))
{
    header_->setObjectName(QStringLiteral("xnnHeader"));
    header_->setWordWrap(true);
    header_->setTextFormat(Qt::RichText);
    grid_ = new QGridLayout(rows_);
    grid_->setContentsMargins(4, 4, 4, 4);
    grid_->setHorizontalSpacing(12);
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(rows_);
    scroll->setWidgetResizable(true);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(header_);
    layout->addWidget(scroll, 1);
    clear(tr("No XNN explanation yet."));
}

void XnnPanel::setRecord(const XnnRecordPtr &record, double opacity)
{
    record_ = record;
    opacity_ = opacity;
    rebuild();
}

void XnnPanel::clear(const QString &message)
{
    record_.reset();
    rebuild();
    header_->setText(message.toHtmlEscaped());
}

void XnnPanel::setShowClassLabel(bool show)
{
    showClassLabel_ = show;
    rebuild();
}

void XnnPanel::setShowPrototypes(bool show)
{
    showPrototypes_ = show;
    rebuild();
}

QString XnnPanel::headerText() const
{
    return header_->text();
}

QString XnnPanel::rowText(int position) const
{
    return position >= 0 && position < int(rowLabels_.size()) ? rowLabels_[size_t(position)]->text()
                                                              : QString();
}

int XnnPanel::prototypeCount(int position) const
{
    return position >= 0 && position < int(prototypeCounts_.size()) ? prototypeCounts_[size_t(position)] : 0;
}

void XnnPanel::rebuild()
{
    while (QLayoutItem *item = grid_->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    order_.clear();
    rowLabels_.clear();
    prototypeCounts_.clear();
    if (!record_)
        return;
    const XnnRecord &r = *record_;
    header_->setText(tr("<b>%1</b> — XNN score <b>%2</b> (model %3, bias %4). Bars: contribution = "
                        "activation × weight; ★ = significant (the fewest positive contributions "
                        "covering 90 % of the positive score).")
                         .arg(showClassLabel_ ? r.classLabel.toHtmlEscaped() : tr("The explained class"))
                         .arg(r.xnnScore, 0, 'f', 3)
                         .arg(r.modelScore, 0, 'f', 3)
                         .arg(r.bias, 0, 'f', 3));
    for (size_t i = 0; i < r.features.size(); ++i)
        order_.push_back(int(i));
    std::stable_sort(order_.begin(), order_.end(), [&](int a, int b) {
        return r.features[size_t(a)].contribution > r.features[size_t(b)].contribution;
    });
    double scale = 0.0;
    for (const XnnFeatureRecord &feature : r.features)
        scale = std::max(scale, std::abs(feature.contribution));
    int row = 0;
    for (const int index : order_) {
        const XnnFeatureRecord &feature = r.features[size_t(index)];
        auto *map = new QLabel(rows_);
        map->setFixedSize(kMapSide, kMapSide);
        map->setAlignment(Qt::AlignCenter);
        if (!r.image.empty() && !feature.saliency.empty()) {
            const QImage overlay
                = toQImage(sg::overlayHeatmap(r.image, feature.saliency, opacity_, sg::Colormap::Jet));
            map->setPixmap(QPixmap::fromImage(
                overlay.scaled(kMapSide, kMapSide, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
        }
        auto *text = new QLabel(rows_);
        text->setText(tr("%1x-feature %2\nactivation %3 × weight %4\n= contribution %5")
                          .arg(feature.significant ? QStringLiteral("★ ") : QString())
                          .arg(feature.xFeature)
                          .arg(feature.activation, 0, 'g', 4)
                          .arg(feature.weight, 0, 'g', 4)
                          .arg(feature.contribution, 0, 'g', 4));
        text->setObjectName(QStringLiteral("xnnRow%1").arg(row));
        auto *bar = new ContributionBar(feature.contribution, scale, rows_);
        auto *prototypes = new QWidget(rows_);
        auto *prototypeLayout = new QHBoxLayout(prototypes);
        prototypeLayout->setContentsMargins(0, 0, 0, 0);
        int shown = 0;
        if (showPrototypes_)
            for (int k = 0; k < feature.prototypes.size(); ++k) {
                const QString &path = feature.prototypes[k];
                const QPixmap pixmap = thumbnail(feature.thumbnails.value(k), path, kPrototypeSide);
                auto *label = new QLabel(prototypes);
                label->setFixedSize(kPrototypeSide, kPrototypeSide);
                label->setAlignment(Qt::AlignCenter);
                label->setToolTip(path);
                if (pixmap.isNull()) {
                    label->setText(tr("missing"));
                    label->setStyleSheet(QStringLiteral("color: gray; border: 1px dashed gray;"));
                } else {
                    label->setPixmap(pixmap);
                    ++shown;
                }
                prototypeLayout->addWidget(label);
            }
        prototypeLayout->addStretch(1);
        grid_->addWidget(map, row, 0);
        grid_->addWidget(text, row, 1);
        grid_->addWidget(bar, row, 2);
        grid_->addWidget(prototypes, row, 3);
        rowLabels_.push_back(text);
        prototypeCounts_.push_back(shown);
        ++row;
    }
    grid_->setColumnStretch(3, 1);
    grid_->setRowStretch(row, 1);
}

XnnRecordPtr xnnRecordFromFolder(const QString &folder)
{
    const QString jsonPath = QDir(folder).filePath(QStringLiteral("xnn.json"));
    std::ifstream in(jsonPath.toStdString());
    if (!in)
        throw sg::Error(jsonPath.toStdString(), "cannot be read");
    auto made = std::make_shared<XnnRecord>();
    try {
        const nlohmann::json j = nlohmann::json::parse(in);
        made->imagePath = QString::fromStdString(j.at("image").get<std::string>());
        made->classIndex = j.at("class").at("index").get<int>();
        made->classLabel = QString::fromStdString(j.at("class").at("label").get<std::string>());
        made->xnnScore = j.at("xnn_score").get<double>();
        made->modelScore = j.at("model_score").get<double>();
        made->bias = j.at("bias").get<double>();
        for (const nlohmann::json &f : j.at("x_features")) {
            XnnFeatureRecord feature;
            feature.xFeature = f.at("index").get<int>();
            feature.activation = f.at("activation").get<double>();
            feature.weight = f.at("weight").get<double>();
            feature.contribution = f.at("contribution").get<double>();
            feature.significant = f.at("significant").get<bool>();
            feature.saliency
                = sg::readNpy(QDir(folder)
                                  .filePath(QString::fromStdString(f.at("saliency").get<std::string>()))
                                  .toStdString());
            if (f.contains("prototypes"))
                for (const std::string &p : f.at("prototypes").get<std::vector<std::string>>())
                    feature.prototypes << QString::fromStdString(p);
            // Thumbnails written beside (study preparation): shown where the images are not.
            if (f.contains("prototype_thumbnails")) {
                const auto names = f.at("prototype_thumbnails").get<std::vector<std::string>>();
                for (int k = 0; k < feature.prototypes.size(); ++k)
                    feature.thumbnails << (size_t(k) < names.size()
                            ? QImage(QDir(folder).filePath(QString::fromStdString(names[size_t(k)])))
                            : QImage());
            }
            made->features.push_back(std::move(feature));
        }
    } catch (const nlohmann::json::exception &error) {
        throw sg::Error(jsonPath.toStdString(), std::string("is malformed: ") + error.what());
    }
    made->image = sg::toDisplayRgb8(sg::readImage(made->imagePath.toStdString()));
    return made;
}

} // namespace sg::ui
