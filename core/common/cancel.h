#pragma once
// Cancelling long work: a flag any thread may set, checked by the working thread between batches
// or iterations, which then throws Cancelled. Shared by saliency, metrics, SAG, XNN and the job
// queue. Header only, no torch.

#include <atomic>
#include <stdexcept>

namespace sg {

// Set from any thread to stop a run; the work checks it between batches and throws Cancelled,
// so a cancelled run returns within one batch and produces no result.
using CancelFlag = std::atomic<bool>;

class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") { }
};

// Throws Cancelled when `cancel` is set. Any thread.
inline void throwIfCancelled(const CancelFlag &cancel)
{
    if (cancel.load(std::memory_order_relaxed))
        throw Cancelled();
}

} // namespace sg
