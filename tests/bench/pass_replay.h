#pragma once
// What the benchmarks share: timing helpers, a log of a run's model passes, and their replay.
//
// Overhead = a run's wall time / the wall time of exactly its model passes done plainly. PassLog
// records every call the run makes into the model (kind, batch size, autograd on or off, module
// path) and, in an untimed capture run, a copy of each batch; Replay then redoes that sequence on
// those very batches, with the same autograd mode and so the same module path (the optimised copy
// for passes without autograd). A pass with autograd is replayed with its backward to the input.
// The replay is part of the run's own work, so a ratio below kInvalidBelow means the measurement
// is wrong.

#include "model/classifier.h"

#include <torch/torch.h>

#include <chrono>
#include <string>
#include <vector>

namespace sg::bench {

using Clock = std::chrono::steady_clock;

// Below this, run time / replay time is not a fair ratio (the replay is a subset of the run).
constexpr double kInvalidBelow = 0.95;

double secondsSince(Clock::time_point start);
double median(std::vector<double> values);
std::string fixed(double value, int digits);
std::string scientific(double value);

// Prints `table` and, when `markdownPath` is not empty, appends it to that file.
void printTable(const std::string &table, const std::string &markdownPath);

bool samePasses(const std::vector<PassRecord> &a, const std::vector<PassRecord> &b);

// Records the classifier's passes while alive (the classifier's one pass observer). With
// `keepInputs`, also a copy of every batch (for Replay; the copies cost time, so not in timed runs).
class PassLog {
public:
    explicit PassLog(Classifier &classifier, bool keepInputs = false);
    ~PassLog();
    PassLog(const PassLog &) = delete;
    PassLog &operator=(const PassLog &) = delete;

    std::vector<PassRecord> records;
    std::vector<at::Tensor> inputs; // with keepInputs: the batch of each record

private:
    Classifier &classifier_;
};

// The passes of one run, redone plainly on the batches the run passed.
class Replay {
public:
    // `log`: a keepInputs log of the run (records and their batches); `target`: the class whose
    // score a pass with autograd differentiates.
    Replay(Classifier &classifier, int target, PassLog &&log);

    // The recorded passes, in order.
    const std::vector<PassRecord> &records() const { return records_; }

    // Runs the passes; returns their wall time. Throws when the passes it made are not the
    // recorded ones (a different batch, autograd mode or module path).
    double run() const;

private:
    Classifier &classifier_;
    int target_;
    std::vector<PassRecord> records_;
    std::vector<at::Tensor> inputs_;
};

} // namespace sg::bench
