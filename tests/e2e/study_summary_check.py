"""Independent check of `sightglass-cli study summary --json` against the exported CSV.

Recomputes, from the tidy CSV alone and in plain Python (no scipy), per (study, block) over scored
trials (correct not empty, attention checks apart): trials, correct, accuracy, the Wilson 95%
interval, the median response time, and the test between conditions: Fisher's exact test
(two-sided, summing the hypergeometric probabilities of tables no more probable than the observed
one) for two conditions, Pearson's chi-squared with its upper tail for more (closed form for even
degrees of freedom). Prints every mismatch; exits 1 when there is one.

    python3 study_summary_check.py results.csv summary.json
"""

import csv
import json
import math
import statistics
import sys

Z = 1.959963984540054


def wilson(k, n):
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def fisher(a, b, c, d):
    row1, col1, n = a + b, a + c, a + b + c + d

    def prob(x):
        return math.comb(col1, x) * math.comb(n - col1, row1 - x) / math.comb(n, row1)

    observed = prob(a)
    lo, hi = max(0, row1 + col1 - n), min(row1, col1)
    return min(1.0, sum(prob(x) for x in range(lo, hi + 1) if prob(x) <= observed * (1 + 1e-7)))


def chi2_tail_even(x, df):
    assert df % 2 == 0, "this check covers even degrees of freedom"
    half = x / 2
    return math.exp(-half) * sum(half ** i / math.factorial(i) for i in range(df // 2))


def main():
    rows = list(csv.DictReader(open(sys.argv[1], newline="")))
    summary = json.load(open(sys.argv[2]))
    problems = []

    def close(what, mine, theirs, tol=1e-9):
        if abs(mine - theirs) > tol * max(1.0, abs(mine)):
            problems.append(f"{what}: python {mine!r}, sightglass {theirs!r}")

    groups = {}
    for r in rows:
        if r["correct"] == "" or r["attention_check"] == "1":
            continue
        key = (r["study"], r["block"])
        groups.setdefault(key, {}).setdefault(r["condition"], []).append(r)
    theirs = {(b["study"], b["block"]): b for b in summary["blocks"]}
    if set(groups) != set(theirs):
        problems.append(f"blocks: python {sorted(groups)}, sightglass {sorted(theirs)}")
    for key, conditions in groups.items():
        block = theirs.get(key)
        if block is None:
            continue
        cells = {c["condition"]: c for c in block["conditions"]}
        counts = []
        for condition, items in conditions.items():
            n = len(items)
            k = sum(1 for r in items if r["correct"] == "1")
            counts.append((k, n))
            cell = cells.get(condition)
            if cell is None:
                problems.append(f"{key} {condition}: missing in the summary")
                continue
            lo, hi = wilson(k, n)
            if (cell["trials"], cell["correct"]) != (n, k):
                problems.append(f"{key} {condition}: python {k}/{n}, sightglass {cell['correct']}/{cell['trials']}")
            close(f"{key} {condition} accuracy", k / n, cell["accuracy"])
            close(f"{key} {condition} wilson low", lo, cell["wilson_low"])
            close(f"{key} {condition} wilson high", hi, cell["wilson_high"])
            close(f"{key} {condition} median rt", statistics.median(float(r["response_ms"]) for r in items),
                  cell["median_response_ms"])
        test = block["test"]
        if len(counts) == 2:
            (k1, n1), (k2, n2) = [(cells[c]["correct"], cells[c]["trials"]) for c in
                                  [x["condition"] for x in block["conditions"]]]
            if test["name"] != "fisher-exact":
                problems.append(f"{key}: test {test['name']}, expected fisher-exact")
            close(f"{key} fisher p", fisher(k1, n1 - k1, k2, n2 - k2), test["p"])
        elif len(counts) > 2:
            total = sum(n for _, n in counts)
            right = sum(k for k, _ in counts)
            x2 = 0.0
            for k, n in counts:
                for observed, expected in ((k, n * right / total), (n - k, n * (total - right) / total)):
                    if expected > 0:
                        x2 += (observed - expected) ** 2 / expected
            if test["name"] != "chi-squared" or test["df"] != len(counts) - 1:
                problems.append(f"{key}: test {test['name']} df {test['df']}, expected chi-squared df {len(counts) - 1}")
            close(f"{key} chi-squared statistic", x2, test["statistic"])
            close(f"{key} chi-squared p", chi2_tail_even(x2, len(counts) - 1), test["p"])
    for p in problems:
        print(p)
    print(f"checked {len(groups)} blocks, {len(rows)} rows: {len(problems)} mismatches")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
