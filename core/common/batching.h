#pragma once
// Batched evaluation with out-of-memory back-off: work on N items (masks, windows, path points,
// metric steps, search candidates) is cut into slices that fit the device, and a slice that
// does not fit is halved and retried instead of failing. Torch-free header.

#include "common/cancel.h"

#include <functional>

namespace sg {

// Calls `run(begin, end)` over [0, count) in slices of at most `maxBatch`, checking `cancel`
// before each slice (throws Cancelled). On OutOfMemoryError (common/error.h) or torch's own
// out-of-memory error the slice size is halved and the slice retried; `maxBatch` keeps the
// reduced size for later calls. Rethrows (as OutOfMemoryError) when one item does not fit.
// Runs `run` on the calling thread; other exceptions propagate unchanged.
void forEachBatch(
    int count, int &maxBatch, const CancelFlag &cancel, const std::function<void(int begin, int end)> &run);

} // namespace sg
