#include "study/study_analysis.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace sg {

namespace {

std::string csvField(const std::string &text)
{
    if (text.find_first_of(",\"\r\n") == std::string::npos)
        return text;
    std::string out = "\"";
    for (char c : text) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

double logChoose(int n, int k)
{
    return std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0);
}

// Regularised lower incomplete gamma P(a, x) by its series (x < a + 1).
double gammaSeries(double a, double x)
{
    double term = 1.0 / a;
    double sum = term;
    for (int n = 1; n < 1000; ++n) {
        term *= x / (a + n);
        sum += term;
        if (std::abs(term) < std::abs(sum) * 1e-15)
            break;
    }
    return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Regularised upper incomplete gamma Q(a, x) by its continued fraction (modified Lentz; x >= a + 1).
double gammaContinuedFraction(double a, double x)
{
    const double tiny = 1e-300;
    double b = x + 1.0 - a;
    double c = 1.0 / tiny;
    double d = 1.0 / b;
    double h = d;
    for (int i = 1; i < 1000; ++i) {
        const double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (std::abs(d) < tiny)
            d = tiny;
        c = b + an / c;
        if (std::abs(c) < tiny)
            c = tiny;
        d = 1.0 / d;
        const double delta = d * c;
        h *= delta;
        if (std::abs(delta - 1.0) < 1e-15)
            break;
    }
    return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

std::string number(double v, int digits = 4)
{
    std::ostringstream out;
    out << std::fixed << std::setprecision(digits) << v;
    return out.str();
}

} // namespace

std::string responsesCsv(const std::vector<ResponseRow> &rows)
{
    std::string out
        = "study,participant,participant_index,seed,session,position,block,block_kind,trial,trial_kind,"
          "condition,stimulus,explanation,truth,answer,correct,confidence,attention_check,shown_ms,"
          "answered_ms,response_ms\n";
    for (const ResponseRow &r : rows) {
        const std::vector<std::string> fields
            = {r.studyId, r.participant.id, std::to_string(r.participant.index),
                std::to_string(r.participant.seed), std::to_string(r.sessionId),
                std::to_string(r.trial.position), r.trial.blockId, blockKindName(r.trial.blockKind),
                r.trial.trialId, trialKindName(r.trial.trialKind), r.trial.condition, r.trial.stimulus,
                r.trial.explanation, r.trial.truth, r.answer, r.correct ? (*r.correct ? "1" : "0") : "",
                r.confidence > 0 ? std::to_string(r.confidence) : "", r.trial.attentionCheck ? "1" : "0",
                std::to_string(r.shownMs), std::to_string(r.answeredMs), std::to_string(r.responseMs)};
        for (size_t i = 0; i < fields.size(); ++i)
            out += (i ? "," : "") + csvField(fields[i]);
        out += "\n";
    }
    return out;
}

Interval wilsonInterval(int successes, int n, double z)
{
    if (n <= 0)
        return {0.0, 1.0};
    const double p = double(successes) / n;
    const double z2 = z * z;
    const double centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    const double half = z / (1.0 + z2 / n) * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n));
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

double fisherExactTwoSided(int a, int b, int c, int d)
{
    const int row1 = a + b, col1 = a + c, n = a + b + c + d;
    const auto logP
        = [&](int x) { return logChoose(col1, x) + logChoose(n - col1, row1 - x) - logChoose(n, row1); };
    const double observed = logP(a);
    double p = 0.0;
    for (int x = std::max(0, row1 + col1 - n); x <= std::min(row1, col1); ++x) {
        const double lp = logP(x);
        if (lp <= observed + std::log1p(1e-7))
            p += std::exp(lp);
    }
    return std::min(1.0, p);
}

double chiSquaredSurvival(double x, int df)
{
    if (x <= 0.0 || df <= 0)
        return 1.0;
    const double a = df / 2.0, half = x / 2.0;
    return half < a + 1.0 ? 1.0 - gammaSeries(a, half) : gammaContinuedFraction(a, half);
}

double median(std::vector<double> values)
{
    if (values.empty())
        return 0.0;
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

StudySummary summarizeResponses(const std::vector<ResponseRow> &rows)
{
    StudySummary summary;
    std::set<std::string> people;
    // block index -> (block id, kind, condition order, per condition: correct flags, times)
    struct Acc {
        std::string study, id, kind;
        std::vector<std::string> order;
        std::map<std::string, std::pair<std::vector<bool>, std::vector<double>>> cells;
    };
    std::map<std::pair<std::string, int>, Acc> blocks;
    for (const ResponseRow &r : rows) {
        people.insert(r.participant.id);
        ++summary.answered;
        if (!r.correct)
            continue;
        if (r.trial.attentionCheck) {
            ++summary.attentionChecks;
            summary.attentionPassed += *r.correct ? 1 : 0;
            continue;
        }
        Acc &acc = blocks[{r.studyId, r.trial.blockIndex}];
        acc.study = r.studyId;
        acc.id = r.trial.blockId;
        acc.kind = blockKindName(r.trial.blockKind);
        if (!acc.cells.count(r.trial.condition))
            acc.order.push_back(r.trial.condition);
        auto &cell = acc.cells[r.trial.condition];
        cell.first.push_back(*r.correct);
        cell.second.push_back(double(r.responseMs));
    }
    summary.participants = int(people.size());
    for (auto &[index, acc] : blocks) {
        BlockSummary block;
        block.study = acc.study;
        block.block = acc.id;
        block.kind = acc.kind;
        for (const std::string &condition : acc.order) {
            const auto &cell = acc.cells[condition];
            ConditionCell c;
            c.condition = condition;
            c.trials = int(cell.first.size());
            c.correct = int(std::count(cell.first.begin(), cell.first.end(), true));
            c.accuracy = c.trials ? double(c.correct) / c.trials : 0.0;
            c.wilson = wilsonInterval(c.correct, c.trials);
            c.medianResponseMs = median(cell.second);
            block.conditions.push_back(c);
        }
        const auto &cs = block.conditions;
        if (cs.size() == 2) {
            block.test.name = "fisher-exact";
            const int a = cs[0].correct, b = cs[0].trials - cs[0].correct;
            const int c = cs[1].correct, d = cs[1].trials - cs[1].correct;
            const int row1 = a + b, col1 = a + c, n = a + b + c + d;
            block.test.statistic
                = std::exp(logChoose(col1, a) + logChoose(n - col1, row1 - a) - logChoose(n, row1));
            block.test.p = fisherExactTwoSided(a, b, c, d);
        } else if (cs.size() > 2) {
            block.test.name = "chi-squared";
            int n = 0, right = 0;
            for (const ConditionCell &c : cs) {
                n += c.trials;
                right += c.correct;
            }
            double x2 = 0.0;
            for (const ConditionCell &c : cs) {
                const double expectRight = double(c.trials) * right / n;
                const double expectWrong = double(c.trials) * (n - right) / n;
                if (expectRight > 0)
                    x2 += std::pow(c.correct - expectRight, 2) / expectRight;
                if (expectWrong > 0)
                    x2 += std::pow(c.trials - c.correct - expectWrong, 2) / expectWrong;
            }
            block.test.statistic = x2;
            block.test.df = int(cs.size()) - 1;
            block.test.p = chiSquaredSurvival(x2, block.test.df);
        } else {
            block.test.name = "none";
        }
        summary.blocks.push_back(block);
    }
    return summary;
}

std::string formatSummary(const StudySummary &s)
{
    std::ostringstream out;
    out << s.participants << " participants, " << s.answered << " answers";
    if (s.attentionChecks)
        out << "; attention checks passed " << s.attentionPassed << " of " << s.attentionChecks;
    out << "\n";
    for (const BlockSummary &b : s.blocks) {
        out << "\n" << b.study << ", block " << b.block << " (" << b.kind << ")\n";
        out << "  condition            n  correct  accuracy  Wilson 95%          median RT (ms)\n";
        for (const ConditionCell &c : b.conditions)
            out << "  " << std::left << std::setw(18) << c.condition << std::right << std::setw(4) << c.trials
                << std::setw(9) << c.correct << std::setw(10) << number(c.accuracy, 3) << "  ["
                << number(c.wilson.low, 3) << ", " << number(c.wilson.high, 3) << "]" << std::setw(16)
                << number(c.medianResponseMs, 1) << "\n";
        if (b.test.name == "fisher-exact")
            out << "  test: Fisher's exact test (two-sided), correct vs incorrect by condition: p = "
                << number(b.test.p, 4) << "\n";
        else if (b.test.name == "chi-squared")
            out << "  test: Pearson's chi-squared test of independence, correct vs incorrect by condition: "
                   "X^2 = "
                << number(b.test.statistic, 4) << ", df = " << b.test.df << ", p = " << number(b.test.p, 4)
                << "\n";
        else
            out << "  test: none (one condition in this block)\n";
    }
    out << "\nTrials are counted as independent; answers of one participant are not (read p as "
           "descriptive).\n";
    return out.str();
}

std::string summaryJson(const StudySummary &s)
{
    nlohmann::json j;
    j["participants"] = s.participants;
    j["answered"] = s.answered;
    j["attention_checks"] = {{"total", s.attentionChecks}, {"passed", s.attentionPassed}};
    j["blocks"] = nlohmann::json::array();
    for (const BlockSummary &b : s.blocks) {
        nlohmann::json block = {{"study", b.study}, {"block", b.block}, {"kind", b.kind}};
        for (const ConditionCell &c : b.conditions)
            block["conditions"].push_back({{"condition", c.condition}, {"trials", c.trials},
                {"correct", c.correct}, {"accuracy", c.accuracy}, {"wilson_low", c.wilson.low},
                {"wilson_high", c.wilson.high}, {"median_response_ms", c.medianResponseMs}});
        block["test"]
            = {{"name", b.test.name}, {"statistic", b.test.statistic}, {"df", b.test.df}, {"p", b.test.p}};
        j["blocks"].push_back(block);
    }
    return j.dump(2) + "\n";
}

} // namespace sg
