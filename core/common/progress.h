#pragma once
// Progress of long work (an explanation, a metric, a search, a training), reported through a
// plain callback; ui/ turns it into signals and throttles repaints. Header only, no torch.

#include <functional>

namespace cv {
class Mat;
}

namespace sg {

// Reported after each batch or iteration: `done` of `total` units (total may change between
// reports). `map` (may be null) is a live preview of the result, e.g. the current saliency at
// model input resolution, high = salient; valid only during the call.
struct Progress {
    int done = 0;
    int total = 0;
    const cv::Mat *map = nullptr;
};

// Called on the thread that does the work. Must be quick; copy `map` if it is kept.
using ProgressFn = std::function<void(const Progress &)>;

} // namespace sg
