#include "jobs/job_queue.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>

#ifdef __linux__
#include <cerrno>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace sg {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Lowers (or, with privilege, raises) the calling thread's scheduling priority. Linux applies
// nice values per thread (a thread id is a valid PRIO_PROCESS target), and threads started
// later inherit it. Failure leaves the priority as it was: a nicer worker is a courtesy.
void adjustThreadNice(int increment)
{
    if (increment == 0)
        return;
#ifdef __linux__
    const auto tid = static_cast<id_t>(syscall(SYS_gettid));
    errno = 0;
    const int current = getpriority(PRIO_PROCESS, tid);
    if (current == -1 && errno != 0)
        return;
    setpriority(PRIO_PROCESS, tid, current + increment);
#endif
}

} // namespace

const char *jobStateName(JobState state)
{
    switch (state) {
    case JobState::Queued: return "queued";
    case JobState::Running: return "running";
    case JobState::Finished: return "finished";
    case JobState::Failed: return "failed";
    case JobState::Cancelled: return "cancelled";
    }
    return "unknown";
}

double estimateRemainingSeconds(double elapsedSeconds, int done, int total)
{
    if (total <= 0 || done <= 0 || elapsedSeconds < 0.0)
        return -1.0;
    if (done >= total)
        return 0.0;
    return elapsedSeconds / done * (total - done);
}

struct JobQueue::Job {
    JobId id = 0;
    std::string title;
    JobBody body;
    JobPriority priority = JobPriority::Normal;
    std::shared_ptr<CancelFlag> cancel = std::make_shared<CancelFlag>(false);
    // Set once submit() has delivered Queued. The worker does not start a job before that, so
    // the listener never hears Running before Queued.
    bool announced = false;
    // Cancelled before Queued was delivered: submit() reports Cancelled right after Queued.
    bool cancelledUnannounced = false;
    // Worker thread only, from here on.
    Clock::time_point started;
    int done = 0;
    int total = 0;

    JobStatus status(JobState state) const
    {
        JobStatus result;
        result.id = id;
        result.title = title;
        result.state = state;
        result.done = done;
        result.total = total;
        return result;
    }
};

JobContext::JobContext(JobQueue &queue, JobId id, std::shared_ptr<CancelFlag> cancel) :
    queue_(queue), id_(id), cancel_(std::move(cancel))
{ }

void JobContext::throwIfCancelled() const
{
    sg::throwIfCancelled(*cancel_);
}

void JobContext::reportProgress(int done, int total)
{
    queue_.reportProgress(id_, done, total);
}

JobQueue::JobQueue(JobListener listener) : JobQueue(std::move(listener), Options{})
{ }

JobQueue::JobQueue(JobListener listener, Options options) :
    listener_(std::move(listener)), options_(std::move(options))
{
    // Started last, once every member it reads exists.
    worker_ = std::thread([this] { workerLoop(); });
}

JobQueue::~JobQueue()
{
    std::deque<std::shared_ptr<Job>> dropped;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        dropped.swap(queue_);
        if (running_)
            running_->cancel->store(true);
    }
    wake_.notify_all();
    for (const auto &job : dropped)
        notify(job->status(JobState::Cancelled));
    if (worker_.joinable())
        worker_.join();
}

JobId JobQueue::submit(std::string title, JobBody body, JobPriority priority)
{
    auto job = std::make_shared<Job>();
    job->title = std::move(title);
    job->body = std::move(body);
    job->priority = priority;
    JobStatus queued;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        job->id = nextId_++;
        auto position = queue_.end();
        if (priority == JobPriority::Interactive) // after earlier interactive jobs, before normal ones
            position = std::find_if(queue_.begin(), queue_.end(),
                [](const auto &other) { return other->priority != JobPriority::Interactive; });
        queue_.insert(position, job);
        queued = job->status(JobState::Queued);
    }
    notify(queued);
    bool cancelledMeanwhile = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        job->announced = true;
        cancelledMeanwhile = job->cancelledUnannounced;
    }
    wake_.notify_all();
    if (cancelledMeanwhile)
        notify(job->status(JobState::Cancelled));
    return queued.id;
}

bool JobQueue::cancel(JobId id)
{
    std::shared_ptr<Job> removed;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto found
            = std::find_if(queue_.begin(), queue_.end(), [id](const auto &job) { return job->id == id; });
        if (found != queue_.end()) {
            removed = *found;
            queue_.erase(found);
            removed->cancel->store(true);
            if (!removed->announced) {
                removed->cancelledUnannounced = true;
                removed.reset(); // submit() reports it after Queued
            }
        } else if (running_ && running_->id == id) {
            running_->cancel->store(true);
            return true;
        } else {
            return false;
        }
    }
    if (removed)
        notify(removed->status(JobState::Cancelled));
    idleChanged_.notify_all();
    return true;
}

void JobQueue::cancelAll()
{
    std::deque<std::shared_ptr<Job>> dropped;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto &job : queue_) {
            job->cancel->store(true);
            if (job->announced)
                dropped.push_back(std::move(job));
            else
                job->cancelledUnannounced = true;
        }
        queue_.clear();
        if (running_)
            running_->cancel->store(true);
    }
    for (const auto &job : dropped)
        notify(job->status(JobState::Cancelled));
    idleChanged_.notify_all();
}

std::size_t JobQueue::pendingCount() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.size() + (running_ ? 1 : 0);
}

void JobQueue::waitIdle()
{
    std::unique_lock<std::mutex> lock(mutex_);
    idleChanged_.wait(lock, [this] { return queue_.empty() && !running_; });
}

void JobQueue::notify(const JobStatus &status)
{
    if (!listener_)
        return;
    // A throwing listener breaks its contract; swallowing keeps the worker alive and the
    // queue's bookkeeping consistent.
    try {
        listener_(status);
    } catch (...) { }
}

void JobQueue::reportProgress(JobId id, int done, int total)
{
    JobStatus status;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!running_ || running_->id != id)
            return; // a context kept beyond its job's end
        running_->done = done;
        running_->total = total;
        status = running_->status(JobState::Running);
        status.elapsedSeconds = secondsSince(running_->started);
    }
    status.etaSeconds = estimateRemainingSeconds(status.elapsedSeconds, done, total);
    notify(status);
}

void JobQueue::workerLoop()
{
    // Nice first, so threads that threadInit starts (torch's pools) inherit it.
    adjustThreadNice(options_.niceIncrement);
    std::string initError;
    if (options_.threadInit) {
        // An exception must not leave the thread (std::terminate); every job reports it instead,
        // as running on a half set-up worker would hide the cause.
        try {
            options_.threadInit();
        } catch (const std::exception &error) {
            initError = std::string("worker set-up failed: ") + error.what();
        } catch (...) {
            initError = "worker set-up failed: unknown error";
        }
    }

    for (;;) {
        std::shared_ptr<Job> job;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || (!queue_.empty() && queue_.front()->announced); });
            if (stopping_)
                return; // the destructor reported what was queued
            job = queue_.front();
            queue_.pop_front();
            job->started = Clock::now();
            running_ = job; // in the same critical section, so pendingCount() never dips
        }

        JobStatus end = job->status(JobState::Finished);
        if (job->cancel->load()) {
            // Cancelled between leaving the queue and starting: not worth starting.
            end.state = JobState::Cancelled;
        } else {
            notify(job->status(JobState::Running));
            if (!initError.empty()) {
                end.state = JobState::Failed;
                end.error = initError;
            } else {
                JobContext context(*this, job->id, job->cancel);
                try {
                    job->body(context);
                    end.state = JobState::Finished;
                } catch (const Cancelled &) {
                    end.state = JobState::Cancelled;
                } catch (const std::exception &error) {
                    end.state = JobState::Failed;
                    end.error = error.what();
                } catch (...) {
                    end.state = JobState::Failed;
                    end.error = "unknown error";
                }
            }
            {
                std::lock_guard<std::mutex> lock(mutex_);
                end.done = job->done;
                end.total = job->total;
            }
            end.elapsedSeconds = secondsSince(job->started);
            if (end.state == JobState::Finished)
                end.etaSeconds = 0.0;
        }
        job->body = nullptr; // release what the body captured before the job is reported idle
        // Reported before running_ clears, so waitIdle() returns only after the listener heard it.
        notify(end);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            running_.reset();
        }
        idleChanged_.notify_all();
    }
}

} // namespace sg
