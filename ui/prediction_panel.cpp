#include "prediction_panel.h"

#include "theme.h"

#include <QFileInfo>
#include <QFrame>
#include <QLabel>
#include <QPainter>
#include <QPainterPath>
#include <QVBoxLayout>

#include <algorithm>

namespace sg::ui {

// The bars themselves: one row per class, label and percentage on a line, the bar below.
class ScoreBars : public QWidget {
public:
    explicit ScoreBars(QWidget *parent = nullptr) : QWidget(parent)
    {
        setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    }

    void setScores(const ClassScores &scores)
    {
        scores_ = scores;
        stale_ = false;
        updateGeometry();
        update();
    }

    void setStale(bool stale)
    {
        stale_ = stale;
        update();
    }

    bool isEmpty() const { return scores_.isEmpty(); }

    QSize sizeHint() const override { return {220, rowHeight() * int(scores_.size())}; }
    QSize minimumSizeHint() const override { return {120, sizeHint().height()}; }

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter painter(this);
        painter.setRenderHint(QPainter::Antialiasing);
        if (stale_)
            painter.setOpacity(0.4);

        const QFont normal = font();
        QFont strong = normal;
        strong.setBold(true);
        const int lineHeight = fontMetrics().height();
        const int width = rect().width();

        for (int i = 0; i < scores_.size(); ++i) {
            const sg::ClassScore &score = scores_[i];
            const bool top = i == 0;
            const int y = i * rowHeight();

            painter.setFont(top ? strong : normal);
            const QFontMetrics metrics(painter.font());
            const QString percent = percentText(score.probability);
            const int percentWidth = metrics.horizontalAdvance(percent);
            const QString label = metrics.elidedText(
                QString::fromStdString(score.label), Qt::ElideRight, width - percentWidth - 12);
            painter.setPen(top ? palette().color(QPalette::WindowText) : QColor(0xc8, 0xcb, 0xd0));
            painter.drawText(
                QRect(0, y, width - percentWidth - 12, lineHeight), Qt::AlignLeft | Qt::AlignVCenter, label);
            painter.setPen(top ? palette().color(QPalette::WindowText) : theme::kDimText);
            painter.drawText(QRect(width - percentWidth, y, percentWidth, lineHeight),
                Qt::AlignRight | Qt::AlignVCenter, percent);

            const QRectF track(0, y + lineHeight + kGap, width, kBarHeight);
            painter.setPen(Qt::NoPen);
            painter.setBrush(theme::kTrack);
            painter.drawRoundedRect(track, kBarHeight / 2.0, kBarHeight / 2.0);
            const double fraction = std::clamp(score.probability, 0.0, 1.0);
            if (fraction > 0.0) {
                // At least a dot, so a tiny probability is still visibly a bar.
                QRectF fill = track;
                fill.setWidth(std::max(double(kBarHeight), track.width() * fraction));
                painter.setBrush(top ? theme::kAccent : theme::kMutedBar);
                painter.drawRoundedRect(fill, kBarHeight / 2.0, kBarHeight / 2.0);
            }
        }
    }

private:
    static constexpr int kGap = 4;
    static constexpr int kBarHeight = 8;
    static constexpr int kRowSpacing = 12;

    int rowHeight() const { return fontMetrics().height() + kGap + kBarHeight + kRowSpacing; }

    static QString percentText(double probability)
    {
        const double percent = probability * 100.0;
        if (percent > 0.0 && percent < 0.1)
            return QStringLiteral("<0.1%");
        return QString::number(percent, 'f', 1) + QLatin1Char('%');
    }

    ClassScores scores_;
    bool stale_ = false;
};

namespace {

QLabel *sectionTitle(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text.toUpper(), parent);
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 0.85);
    font.setBold(true);
    font.setLetterSpacing(QFont::PercentageSpacing, 108);
    label->setFont(font);
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText, theme::kDimText);
    label->setPalette(palette);
    return label;
}

void setTextColor(QLabel *label, const QColor &color)
{
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText, color);
    label->setPalette(palette);
}

QFrame *separator(QWidget *parent)
{
    auto *line = new QFrame(parent);
    line->setFrameShape(QFrame::HLine);
    line->setFrameShadow(QFrame::Plain);
    line->setFixedHeight(1);
    QPalette palette = line->palette();
    palette.setColor(QPalette::WindowText, theme::kTrack);
    line->setPalette(palette);
    return line;
}

} // namespace

PredictionPanel::PredictionPanel(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(14, 12, 14, 12);
    layout->setSpacing(4);

    layout->addWidget(sectionTitle(tr("Model"), this));
    modelName_ = new QLabel(tr("No model loaded"), this);
    QFont nameFont = modelName_->font();
    nameFont.setPointSizeF(nameFont.pointSizeF() * 1.2);
    nameFont.setBold(true);
    modelName_->setFont(nameFont);
    modelName_->setWordWrap(true);
    modelName_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(modelName_);

    modelDetails_ = new QLabel(tr("Open a TorchScript model (.pt) with File \u2192 Open Model\u2026"), this);
    modelDetails_->setWordWrap(true);
    setTextColor(modelDetails_, theme::kDimText);
    layout->addWidget(modelDetails_);

    modelDescription_ = new QLabel(this);
    modelDescription_->setWordWrap(true);
    modelDescription_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont descriptionFont = modelDescription_->font();
    descriptionFont.setPointSizeF(descriptionFont.pointSizeF() * 0.9);
    modelDescription_->setFont(descriptionFont);
    setTextColor(modelDescription_, theme::kDimText);
    modelDescription_->hide();
    layout->addSpacing(2);
    layout->addWidget(modelDescription_);

    modelMessage_ = new QLabel(this);
    modelMessage_->setWordWrap(true);
    modelMessage_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    setTextColor(modelMessage_, theme::kErrorText);
    modelMessage_->hide();
    layout->addWidget(modelMessage_);

    layout->addSpacing(10);
    layout->addWidget(separator(this));
    layout->addSpacing(10);

    layout->addWidget(sectionTitle(tr("Prediction"), this));
    imageName_ = new QLabel(this);
    imageName_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    setTextColor(imageName_, theme::kDimText);
    layout->addWidget(imageName_);
    layout->addSpacing(8);

    bars_ = new ScoreBars(this);
    layout->addWidget(bars_);

    predictionMessage_ = new QLabel(this);
    predictionMessage_->setWordWrap(true);
    predictionMessage_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    predictionMessage_->hide();
    layout->addWidget(predictionMessage_);

    layout->addStretch(1);
    setMinimumWidth(240);
}

void PredictionPanel::setModel(const ModelInfo &info)
{
    hasModel_ = true;
    modelName_->setText(info.name);
    modelName_->setToolTip(info.path);
    const QString channels = info.spec.input.channels == 1 ? tr("gray") : tr("RGB");
    QStringList details;
    details << info.device.toUpper() << tr("%n classes", nullptr, int(info.spec.labels.size()))
            << tr("input %1\u00d7%2 %3").arg(info.spec.input.width).arg(info.spec.input.height).arg(channels);
    modelDetails_->setText(details.join(QStringLiteral("  \u00b7  ")));
    modelDescription_->setText(QString::fromStdString(info.spec.description));
    modelDescription_->setVisible(!info.spec.description.empty());
    modelMessage_->hide();
}

void PredictionPanel::setModelLoading(const QString &path)
{
    modelMessage_->setText(tr("Loading %1\u2026").arg(QFileInfo(path).fileName()));
    setTextColor(modelMessage_, theme::kDimText);
    modelMessage_->show();
}

void PredictionPanel::setModelError(const QString &message)
{
    if (!hasModel_) {
        modelName_->setText(tr("No model loaded"));
        modelDetails_->clear();
    }
    modelMessage_->setText(message);
    setTextColor(modelMessage_, theme::kErrorText);
    modelMessage_->show();
}

void PredictionPanel::setScores(const QString &imageName, const ClassScores &scores)
{
    imageName_->setText(imageName);
    bars_->setScores(scores);
    if (scores.isEmpty()) {
        predictionMessage_->setText(
            hasModel_ ? tr("No prediction.") : tr("Load a model to see its prediction."));
        setTextColor(predictionMessage_, theme::kDimText);
        predictionMessage_->show();
    } else {
        predictionMessage_->hide();
    }
}

void PredictionPanel::setPending(const QString &imageName)
{
    imageName_->setText(imageName);
    bars_->setStale(true);
}

void PredictionPanel::setPredictionMessage(const QString &imageName, const QString &message, bool isError)
{
    imageName_->setText(imageName);
    bars_->setScores({});
    predictionMessage_->setText(message);
    setTextColor(predictionMessage_, isError ? theme::kErrorText : theme::kDimText);
    predictionMessage_->show();
}

} // namespace sg::ui
