#pragma once
// Explaining one image with a trained XNN (research/xnn.md §2.5): the class score splits into
// x-feature contributions, y^ = sum_j v_j x_j + b, and a few of them (the significant set)
// carry most of the positive evidence. Torch-free header.

#include "xnn/xnn_model.h"

#include <vector>

namespace sg {

struct XnnExplanation {
    int classIndex = 0;
    std::vector<double> activations; // x_j >= 0
    std::vector<double> weights; // v_j
    std::vector<double> contributions; // x_j v_j
    double bias = 0.0; // b
    double xnnScore = 0.0; // sum of contributions + b
    double modelScore = 0.0; // the model's pre-softmax score of the class, as given
    // The fewest positive contributions covering >= 90 % of the positive sum, largest first.
    std::vector<int> significant;
};

// Runs `cls`'s SRAE encoder and predictor on one embedding row (`features`, `dimension` values:
// the pooled layer the XNN was trained on, unscaled) and splits the score. Any thread. Throws
// sg::Error when `dimension` differs from the XNN's or its layers do not chain.
XnnExplanation explainXnn(const XnnClassModel &cls, const float *features, int dimension, double modelScore);

// Which of the classes an XNN file (or a study's files) explains an image is explained for, as a
// position in `explained` (their class indices, in file order): the requested class when
// `requested` >= 0 (-1 when it is not explained: the caller's error names the file); else the
// model's top class `modelTop` when explained; else the first. -1 also for an empty list. Pure.
int chooseXnnClass(const std::vector<int> &explained, int requested, int modelTop);

} // namespace sg
