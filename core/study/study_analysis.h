#pragma once
// Analysis of a study's answers: the tidy long-format export (one row per answered trial) and the
// summary (accuracy per block and condition with Wilson 95% intervals, a test between the
// conditions, response-time medians). README.md ("Analysis") states the formulas. Pure; any thread.

#include "study/study_store.h"

#include <string>
#include <vector>

namespace sg {

// The export's header and rows (RFC 4180 quoting), columns as in README.md. `correct` is 1/0,
// empty for questionnaire items; `confidence` empty when not asked.
std::string responsesCsv(const std::vector<ResponseRow> &rows);

// 1.959963984540054: the standard normal's 97.5% quantile.
constexpr double kWilsonZ95 = 1.959963984540054;

struct Interval {
    double low = 0.0;
    double high = 0.0;
};
// The Wilson score interval of `successes` of `n` (n = 0: [0, 1]).
Interval wilsonInterval(int successes, int n, double z = kWilsonZ95);

// Two-sided Fisher's exact test of the 2x2 table [[a, b], [c, d]]: the sum of the hypergeometric
// probabilities (fixed margins) of every table no more probable than the observed one (relative
// tolerance 1e-7).
double fisherExactTwoSided(int a, int b, int c, int d);

// The chi-squared distribution's upper tail P(X > x) with `df` degrees of freedom (regularised
// upper incomplete gamma Q(df/2, x/2)).
double chiSquaredSurvival(double x, int df);

// The median of `values` (mean of the middle two for an even count; 0 when empty).
double median(std::vector<double> values);

struct ConditionCell {
    std::string condition;
    int trials = 0;
    int correct = 0;
    double accuracy = 0.0;
    Interval wilson;
    double medianResponseMs = 0.0;
};

struct ConditionTest {
    std::string name; // "fisher-exact" (2 conditions), "chi-squared" (3 or more), "none" (fewer)
    double statistic = 0.0; // chi-squared: Pearson's X^2; Fisher: the observed table's probability
    int df = 0; // chi-squared only
    double p = 1.0;
};

struct BlockSummary {
    std::string study;
    std::string block;
    std::string kind; // training / test
    std::vector<ConditionCell> conditions; // in order of first appearance in the rows
    ConditionTest test; // correct vs incorrect by condition
};

struct StudySummary {
    std::vector<BlockSummary> blocks; // by study id, then block order
    int participants = 0;
    int answered = 0;
    int attentionChecks = 0;
    int attentionPassed = 0;
};

// Summarises the scored trials (classify and predict-model, attention checks apart) per block
// and condition. Trials are counted as independent (the test ignores that answers cluster by
// participant; the output says so).
StudySummary summarizeResponses(const std::vector<ResponseRow> &rows);

// The summary as text for people (names the test used) and as JSON.
std::string formatSummary(const StudySummary &summary);
std::string summaryJson(const StudySummary &summary);

} // namespace sg
