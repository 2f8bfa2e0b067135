#pragma once
// A queue of background jobs run one at a time by a single worker thread. That thread is the
// only one that touches the model (and its device), so jobs never contend for it. Progress,
// cancel and state changes are plain callbacks; the GUI adapts them to signals
// (ui/model_worker), the CLI could print them. No Qt here.

#include "common/cancel.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace sg {

using JobId = std::uint64_t;

// Interactive jobs (a prediction for the image on screen) start before any queued Normal job
// (an explanation); neither interrupts a running job.
enum class JobPriority { Interactive, Normal };

enum class JobState { Queued, Running, Finished, Failed, Cancelled };

// "queued", "running", "finished", "failed", "cancelled".
const char *jobStateName(JobState state);

// A snapshot of one job, passed to the listener.
struct JobStatus {
    JobId id = 0;
    std::string title;
    JobState state = JobState::Queued;
    int done = 0; // progress units done, as last reported by the job
    int total = 0; // 0 = not known yet
    double elapsedSeconds = 0.0; // since the job started running (0 while queued)
    double etaSeconds = -1.0; // estimated seconds left; < 0 = unknown
    std::string error; // Failed: the exception's message
};

// Seconds left for a job that did `done` of `total` units in `elapsedSeconds`, assuming the
// remaining units cost what the done ones did on average. < 0 (unknown) when nothing is done
// yet or total is unknown; 0 when done >= total. Pure; any thread.
double estimateRemainingSeconds(double elapsedSeconds, int done, int total);

// Handed to a running job's body, on the worker thread.
class JobContext {
public:
    JobId id() const { return id_; }
    // Set when the job was cancelled (or the queue is shutting down). Pass it to core
    // functions that take a CancelFlag.
    const CancelFlag &cancelFlag() const { return *cancel_; }
    bool cancelled() const { return cancel_->load(); }
    // Throws Cancelled when cancelled().
    void throwIfCancelled() const;
    // Records progress (done of total units; total may change between calls) and notifies the
    // listener with a fresh ETA. Worker thread only; cheap enough to call after every batch.
    void reportProgress(int done, int total);

private:
    friend class JobQueue;
    JobContext(class JobQueue &queue, JobId id, std::shared_ptr<CancelFlag> cancel);
    class JobQueue &queue_;
    JobId id_;
    std::shared_ptr<CancelFlag> cancel_;
};

// The work of a job. Runs on the worker thread. Returning normally ends the job Finished;
// throwing Cancelled ends it Cancelled; any other exception ends it Failed with what() as
// the error. A body delivers its result itself (e.g. through a callback it captured) before
// it returns.
using JobBody = std::function<void(JobContext &)>;

// Called for every state change and progress report. Called on the worker thread, except for
// a job cancelled before it started, whose Cancelled status is reported on the thread that
// called cancel()/cancelAll()/the destructor. Must be thread-safe and quick; must not call
// back into the queue's blocking functions (waitIdle).
using JobListener = std::function<void(const JobStatus &)>;

class JobQueue {
public:
    struct Options {
        // Run once on the worker thread before its first job (e.g. sg::initWorkerThread).
        std::function<void()> threadInit;
        // Added to the worker thread's nice value (Linux: per thread, inherited by the
        // threads it starts, such as torch's intra-op pool), so a busy worker leaves the GUI
        // thread room. 0 = unchanged. Ignored where unsupported.
        int niceIncrement = 0;
    };

    // Starts the worker thread. Any thread.
    explicit JobQueue(JobListener listener = {});
    JobQueue(JobListener listener, Options options);
    // Cancels every job (queued ones are reported Cancelled, the running one is flagged) and
    // joins the worker, so it returns once the running job has noticed the flag. Any thread
    // but the worker.
    ~JobQueue();
    JobQueue(const JobQueue &) = delete;
    JobQueue &operator=(const JobQueue &) = delete;

    // Queues `body`; the listener hears Queued before this returns. Any thread. Ids start at 1
    // and increase.
    JobId submit(std::string title, JobBody body, JobPriority priority = JobPriority::Normal);

    // Cancels one job: a queued job is removed and reported Cancelled at once; a running job's
    // flag is set (it ends Cancelled when its body notices). Returns false when the id is
    // unknown or already ended. Any thread.
    bool cancel(JobId id);
    // Cancels every queued and running job. Any thread.
    void cancelAll();

    // Jobs queued and not yet running, plus the running one. Any thread.
    std::size_t pendingCount() const;
    bool idle() const { return pendingCount() == 0; }
    // Blocks until no job is queued or running. Any thread but the worker (tests, CLI).
    void waitIdle();

private:
    friend class JobContext;
    struct Job;
    void workerLoop();
    void notify(const JobStatus &status);
    void reportProgress(JobId id, int done, int total);

    JobListener listener_;
    Options options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idleChanged_;
    std::deque<std::shared_ptr<Job>> queue_;
    std::shared_ptr<Job> running_;
    JobId nextId_ = 1;
    bool stopping_ = false;
    std::thread worker_;
};

} // namespace sg
