#include "model/runtime.h"

#include "common/error.h"

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <torch/torch.h>

#include <cstdlib>
#include <dlfcn.h>
#include <thread>

namespace sg {

namespace {

// An OpenBLAS entry point, or null when no OpenBLAS is loaded.
template <typename Function> Function openblasFunction(const char *name)
{
    return reinterpret_cast<Function>(dlsym(RTLD_DEFAULT, name));
}

// Torch parallelises each operator over its own OpenMP pool and calls BLAS from inside it;
// the pthread build of OpenBLAS (Debian's) then starts a second pool of its own, and the two
// fight over the cores. Measured here (2 cores, 2 torch threads): IG on the fashion model ran
// 0.025-0.048 s from one run to the next with OpenBLAS at 2 threads and a steady 0.032 s at 1;
// ResNet-18's deletion/insertion evaluation took 2.34 s against 1.95 s. The symbol is looked up
// at run time because we do not link OpenBLAS ourselves (another BLAS may serve libtorch).
// OPENBLAS_NUM_THREADS, when set, is the user's choice and is left alone.
void keepBlasSingleThreaded()
{
    if (std::getenv("OPENBLAS_NUM_THREADS"))
        return;
    if (const auto set = openblasFunction<void (*)(int)>("openblas_set_num_threads"))
        set(1);
}

} // namespace

int blasThreadCount()
{
    const auto get = openblasFunction<int (*)()>("openblas_get_num_threads");
    return get ? get() : 0;
}

int initRuntime(int threads)
{
    if (threads < 0)
        throw Error("", "thread count must be 0 (all cores) or positive, not " + std::to_string(threads));
    const int available = int(std::max(1u, std::thread::hardware_concurrency()));
    const int count = threads == 0 ? available : threads;
    at::set_num_threads(count);
    keepBlasSingleThreaded();
    cv::setNumThreads(count);
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    return count;
}

void initWorkerThread()
{
    at::init_num_threads();
}

std::string runtimeDescription()
{
    std::string text = "LibTorch " TORCH_VERSION ", OpenCV " CV_VERSION ", ";
    if (torch::cuda::is_available())
        text += "CUDA (" + std::to_string(torch::cuda::device_count()) + " GPU(s))";
    else
        text += "CPU only";
    text += ", " + std::to_string(at::get_num_threads()) + " thread(s)";
    if (const int blas = blasThreadCount())
        text += ", OpenBLAS " + std::to_string(blas) + " thread(s)";
    return text;
}

} // namespace sg
