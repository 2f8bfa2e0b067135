#pragma once
// Process-wide settings of the compute libraries. Torch's intra-op pool is shared by the whole
// process and (here) defaults to one thread, so the application sets it once at start-up.

#include <string>

namespace sg {

// Sets torch's intra-op thread count (0 = all hardware threads), gives OpenCV the same budget,
// keeps OpenBLAS to one thread (torch's pool already spans the cores; OPENBLAS_NUM_THREADS,
// when set, wins) and silences OpenCV's own logging (errors reach users as sg::Error instead).
// Call once, on the main thread, before any model work. Returns the thread count in effect;
// throws sg::Error for a negative count.
int initRuntime(int threads);

// OpenBLAS's own thread count, or 0 when the process has no OpenBLAS. For --version and tests.
int blasThreadCount();

// Applies the thread budget set by initRuntime() to the calling thread. With OpenMP (Debian's
// LibTorch) the intra-op thread count is per thread, so every worker thread that runs model
// work calls this once when it starts. Cheap; safe to call repeatedly.
void initWorkerThread();

// "LibTorch 1.13.0, CPU" or "..., CUDA (2 GPUs)"; for --version and the About box.
std::string runtimeDescription();

} // namespace sg
