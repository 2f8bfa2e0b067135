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

PassLog::PassLog(Classifier &classifier, bool keepInputs) : classifier_(classifier)
{
    classifier_.setPassObserver([this, keepInputs](const PassRecord &record, const at::Tensor &input) {
        records.push_back(record);
        if (keepInputs)
            inputs.push_back(input.detach().clone());
    });
}

PassLog::~PassLog()
{
    classifier_.setPassObserver({});
}

Replay::Replay(Classifier &classifier, int target, PassLog &&log) :
    classifier_(classifier), target_(target), records_(std::move(log.records)), inputs_(std::move(log.inputs))
{
    if (inputs_.size() != records_.size())
        throw std::invalid_argument("Replay needs a log that kept its inputs");
}

double Replay::run() const
{
    PassLog log(classifier_);
    const auto start = Clock::now();
    for (size_t i = 0; i < records_.size(); ++i) {
        const PassRecord &record = records_[i];
        const at::Tensor &input = inputs_[i];
        switch (record.kind) {
        case PassKind::Logits:
            if (record.grad) {
                classifier_.inputGradient(input, std::vector<int64_t>(size_t(record.images), target_));
            } else {
                torch::NoGradGuard noGrad;
                classifier_.logits(input);
            }
            break;
        case PassKind::Features: {
            torch::AutoGradMode gradMode(record.grad);
            classifier_.features(input);
            break;
        }
        case PassKind::Head:
            if (record.grad) {
                torch::AutoGradMode gradMode(true);
                const at::Tensor leaf = input.detach().requires_grad_(true);
                torch::autograd::grad({classifier_.head(leaf).select(1, target_).sum()}, {leaf});
            } else {
                torch::NoGradGuard noGrad;
                classifier_.head(input);
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
