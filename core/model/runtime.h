#pragma once
// Process-wide settings of the compute libraries. Torch's intra-op pool is shared by the whole
// process and (here) defaults to one thread, so the application sets it once at start-up.

#include <string>

namespace sg {

// Sets torch's intra-op thread count (0 = all hardware threads), gives OpenCV the same budget,
// and silences OpenCV's own logging (errors reach users as sg::Error instead). Call once, on
// the main thread, before any model work. Returns the thread count in effect.
int initRuntime(int threads);

// Applies the thread budget set by initRuntime() to the calling thread. With OpenMP (Debian's
// LibTorch) the intra-op thread count is per thread, so every worker thread that runs model
// work calls this once when it starts. Cheap; safe to call repeatedly.
void initWorkerThread();

// "LibTorch 1.13.0, CPU" or "..., CUDA (2 GPUs)"; for --version and the About box.
std::string runtimeDescription();

} // namespace sg
