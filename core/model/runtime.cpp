#include "model/runtime.h"

#include "common/error.h"

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <torch/torch.h>

#include <thread>

namespace sg {

int initRuntime(int threads)
{
    if (threads < 0)
        throw Error("", "thread count must be 0 (all cores) or positive, not " + std::to_string(threads));
    const int available = int(std::max(1u, std::thread::hardware_concurrency()));
    const int count = threads == 0 ? available : threads;
    at::set_num_threads(count);
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
    return text + ", " + std::to_string(at::get_num_threads()) + " thread(s)";
}

} // namespace sg
