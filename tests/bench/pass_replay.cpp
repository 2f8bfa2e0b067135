// Timing helpers and the pass log and replay of pass_replay.h.

#include "pass_replay.h"

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace sg::bench {

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

namespace {

bool samePass(const PassRecord &a, const PassRecord &b)
{
    return a.kind == b.kind && a.images == b.images && a.grad == b.grad && a.optimised == b.optimised;
}

} // namespace

bool samePasses(const std::vector<PassRecord> &a, const std::vector<PassRecord> &b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), samePass);
}

PassLog::PassLog(Classifier &classifier) : classifier_(classifier)
{
    classifier_.setPassObserver([this](const PassRecord &record) { records.push_back(record); });
}

PassLog::~PassLog()
{
    classifier_.setPassObserver({});
}

Replay::Replay(Classifier &classifier, const at::Tensor &image, int target, std::vector<PassRecord> records) :
    classifier_(classifier), target_(target), records_(std::move(records))
{
    at::Tensor features;
    for (const PassRecord &record : records_) {
        const int64_t n = record.images;
        if (!images_.count(n))
            images_[n] = image.repeat({n, 1, 1, 1}).contiguous();
        if (record.kind == PassKind::Head && !features_.count(n)) {
            if (!features.defined()) {
                torch::NoGradGuard noGrad;
                features = classifier_.features(image);
            }
            features_[n] = features.repeat({n, 1, 1, 1}).contiguous();
        }
    }
}

double Replay::run() const
{
    PassLog log(classifier_);
    const auto start = Clock::now();
    for (const PassRecord &record : records_) {
        const int64_t n = record.images;
        switch (record.kind) {
        case PassKind::Logits:
            if (record.grad) {
                classifier_.inputGradient(images_.at(n), std::vector<int64_t>(size_t(n), target_));
            } else {
                torch::NoGradGuard noGrad;
                classifier_.logits(images_.at(n));
            }
            break;
        case PassKind::Features: {
            torch::AutoGradMode gradMode(record.grad);
            classifier_.features(images_.at(n));
            break;
        }
        case PassKind::Head:
            if (record.grad) {
                torch::AutoGradMode gradMode(true);
                const at::Tensor leaf = features_.at(n).detach().requires_grad_(true);
                torch::autograd::grad({classifier_.head(leaf).select(1, target_).sum()}, {leaf});
            } else {
                torch::NoGradGuard noGrad;
                classifier_.head(features_.at(n));
            }
            break;
        }
    }
    const double seconds = secondsSince(start);
    if (!samePasses(log.records, records_))
        throw std::runtime_error("the replay did not repeat the method's passes");
    return seconds;
}

void printTable(const std::string &table, const std::string &markdownPath)
{
    std::cout << table;
    if (!markdownPath.empty())
        std::ofstream(markdownPath, std::ios::app) << table;
}

std::string fixed(double value, int digits)
{
    std::ostringstream text;
    text << std::fixed << std::setprecision(digits) << value;
    return text.str();
}

std::string scientific(double value)
{
    std::ostringstream text;
    text << std::scientific << std::setprecision(1) << value;
    return text.str();
}

} // namespace sg::bench
