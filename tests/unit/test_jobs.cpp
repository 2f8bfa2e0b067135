// The job queue (ordering, priority, cancel, progress, threads), result cache keys and LRU, and
// file content hashes. Jobs are held running with promises, never with sleeps.

#include "common/error.h"
#include "common/file_hash.h"
#include "jobs/explanation.h"
#include "jobs/job_queue.h"
#include "jobs/result_cache.h"
#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace sg {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Only reached when a test fails: every wait below ends as soon as its condition holds.
constexpr auto kTimeout = std::chrono::seconds(5);
// How long a cancel may take to be noticed by a running job: the contract is "within one
// batch", and the bodies here check the flag continuously.
constexpr auto kCancelTimeout = std::chrono::seconds(2);

struct Event {
    JobStatus status;
    std::thread::id thread;
};

// A thread-safe listener that keeps every status it hears. Declare it before the queue so it
// outlives the queue's destructor, which still reports.
class Recorder {
public:
    JobListener listener()
    {
        return [this](const JobStatus &status) {
            std::lock_guard<std::mutex> lock(mutex_);
            events_.push_back({status, std::this_thread::get_id()});
            changed_.notify_all();
        };
    }

    std::vector<Event> events() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return events_;
    }

    std::vector<Event> eventsOf(JobId id) const
    {
        std::vector<Event> result;
        for (const Event &event : events())
            if (event.status.id == id)
                result.push_back(event);
        return result;
    }

    // Every state change of job `id`, progress reports left out.
    std::vector<JobState> statesOf(JobId id) const
    {
        std::vector<JobState> states;
        for (const Event &event : eventsOf(id))
            if (states.empty() || states.back() != event.status.state)
                states.push_back(event.status.state);
        return states;
    }

    // Waits until job `id` was reported in `state`; false on timeout.
    bool waitFor(JobId id, JobState state, std::chrono::milliseconds timeout = kTimeout) const
    {
        std::unique_lock<std::mutex> lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] {
            return std::any_of(events_.begin(), events_.end(),
                [&](const Event &event) { return event.status.id == id && event.status.state == state; });
        });
    }

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::vector<Event> events_;
};

// A one-shot signal between threads.
class Gate {
public:
    void open() { promise_.set_value(); }
    // True once open; false on timeout (a failing test, not a hang).
    bool wait() const { return future_.wait_for(kTimeout) == std::future_status::ready; }

private:
    std::promise<void> promise_;
    std::shared_future<void> future_ = promise_.get_future().share();
};

// A body that says it started, then waits for `release`.
JobBody heldBody(Gate &started, Gate &release)
{
    return [&started, &release](JobContext &) {
        started.open();
        release.wait();
    };
}

// A body that says it started, then runs until cancelled, as a method checks between batches
// (it gives up, ending Finished, when the cancel has not arrived within kCancelTimeout).
JobBody pollingBody(Gate &started)
{
    return [&started](JobContext &context) {
        started.open();
        const auto deadline = std::chrono::steady_clock::now() + kCancelTimeout;
        while (!context.cancelFlag().load() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::yield();
        context.throwIfCancelled();
    };
}

TEST(JobState, Names)
{
    EXPECT_STREQ(jobStateName(JobState::Queued), "queued");
    EXPECT_STREQ(jobStateName(JobState::Running), "running");
    EXPECT_STREQ(jobStateName(JobState::Finished), "finished");
    EXPECT_STREQ(jobStateName(JobState::Failed), "failed");
    EXPECT_STREQ(jobStateName(JobState::Cancelled), "cancelled");
}

TEST(EstimateRemainingSeconds, ScalesAverageCostOfDoneUnits)
{
    EXPECT_DOUBLE_EQ(estimateRemainingSeconds(10.0, 1, 5), 40.0);
    EXPECT_DOUBLE_EQ(estimateRemainingSeconds(3.0, 3, 4), 1.0);
    EXPECT_DOUBLE_EQ(estimateRemainingSeconds(6.0, 2, 8), 18.0);
}

TEST(EstimateRemainingSeconds, UnknownOrComplete)
{
    EXPECT_LT(estimateRemainingSeconds(10.0, 0, 5), 0.0); // nothing done yet
    EXPECT_LT(estimateRemainingSeconds(10.0, 1, 0), 0.0); // total unknown
    EXPECT_DOUBLE_EQ(estimateRemainingSeconds(10.0, 5, 5), 0.0);
    EXPECT_DOUBLE_EQ(estimateRemainingSeconds(10.0, 6, 5), 0.0);
}

TEST(JobQueue, IdsStartAtOneAndIncrease)
{
    Recorder recorder;
    JobQueue queue(recorder.listener());
    const JobBody nothing = [](JobContext &) {};
    EXPECT_EQ(queue.submit("a", nothing), 1u);
    EXPECT_EQ(queue.submit("b", nothing), 2u);
    EXPECT_EQ(queue.submit("c", nothing, JobPriority::Interactive), 3u);
    queue.waitIdle();
}

TEST(JobQueue, RunsNormalJobsInSubmissionOrder)
{
    Recorder recorder;
    JobQueue queue(recorder.listener());
    Gate started, release;
    queue.submit("blocker", heldBody(started, release));
    ASSERT_TRUE(started.wait());

    std::vector<int> order; // touched by the worker only, read after waitIdle()
    for (int i = 0; i < 5; ++i)
        queue.submit("job " + std::to_string(i), [&order, i](JobContext &) { order.push_back(i); });
    EXPECT_EQ(queue.pendingCount(), 6u);
    release.open();
    queue.waitIdle();
    EXPECT_THAT(order, ElementsAre(0, 1, 2, 3, 4));
}

TEST(JobQueue, InteractiveJumpsQueuedNormalJobsButDoesNotPreempt)
{
    Recorder recorder;
    JobQueue queue(recorder.listener());
    std::vector<std::string> order; // worker only until waitIdle()
    Gate started, release;
    queue.submit("running normal", [&](JobContext &) {
        order.push_back("running start");
        started.open();
        release.wait();
        order.push_back("running end");
    });
    ASSERT_TRUE(started.wait());

    const auto log
        = [&order](std::string name) { return [&order, name](JobContext &) { order.push_back(name); }; };
    queue.submit("n1", log("n1"));
    queue.submit("i1", log("i1"), JobPriority::Interactive);
    queue.submit("n2", log("n2"));
    queue.submit("i2", log("i2"), JobPriority::Interactive);
    release.open();
    queue.waitIdle();
    EXPECT_THAT(order, ElementsAre("running start", "running end", "i1", "i2", "n1", "n2"));
}

TEST(JobQueue, EveryJobIsQueuedThenRunningThenFinished)
{
    Recorder recorder;
    JobQueue queue(recorder.listener());
    std::vector<JobId> ids;
    for (int i = 0; i < 50; ++i) {
        const JobId id = queue.submit(
            "quick", [](JobContext &) {}, i % 3 ? JobPriority::Normal : JobPriority::Interactive);
        // Queued is heard before submit() returns, on the submitting thread.
        const auto events = recorder.eventsOf(id);
        ASSERT_FALSE(events.empty());
        EXPECT_EQ(events.front().status.state, JobState::Queued);
        EXPECT_EQ(events.front().thread, std::this_thread::get_id());
        EXPECT_EQ(events.front().status.title, "quick");
        ids.push_back(id);
    }
    queue.waitIdle();
    for (const JobId id : ids)
        EXPECT_THAT(
            recorder.statesOf(id), ElementsAre(JobState::Queued, JobState::Running, JobState::Finished))
            << "job " << id;
}

TEST(JobQueue, RunningIsNotHeardBeforeQueuedEvenWhenTheListenerIsSlow)
{
    Recorder recorder;
    JobListener record = recorder.listener();
    // A slow Queued delivery gives an idle worker every chance to start the job (and report
    // Running) before submit() has finished reporting Queued.
    JobQueue queue([&record](const JobStatus &status) {
        if (status.state == JobState::Queued) {
            const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
            while (std::chrono::steady_clock::now() < until)
                std::this_thread::yield();
        }
        record(status);
    });
    std::vector<JobId> ids;
    for (int i = 0; i < 20; ++i) {
        ids.push_back(queue.submit("slow listener", [](JobContext &) {}));
        queue.waitIdle(); // idle worker for the next submit
    }
    for (const JobId id : ids)
        EXPECT_THAT(
            recorder.statesOf(id), ElementsAre(JobState::Queued, JobState::Running, JobState::Finished))
            << "job " << id;
}

TEST(JobQueue, CancelledQueuedJobNeverRuns)
{
    Recorder recorder;
    JobQueue queue(recorder.listener());
    Gate started, release;
    const JobId blocker = queue.submit("blocker", heldBody(started, release));
    ASSERT_TRUE(started.wait());
    std::atomic<bool> ran{false};
    const JobId victim = queue.submit("victim", [&ran](JobContext &) { ran = true; });

    EXPECT_TRUE(queue.cancel(victim));
    // Reported at once, on the cancelling thread.
    const auto events = recorder.eventsOf(victim);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events.back().status.state, JobState::Cancelled);
    EXPECT_EQ(events.back().status.title, "victim");
    EXPECT_EQ(events.back().thread, std::this_thread::get_id());
    EXPECT_EQ(queue.pendingCount(), 1u);

    EXPECT_FALSE(queue.cancel(victim)); // already ended
    release.open();
    queue.waitIdle();
    EXPECT_FALSE(ran);
    EXPECT_THAT(recorder.statesOf(victim), ElementsAre(JobState::Queued, JobState::Cancelled));
    EXPECT_THAT(
        recorder.statesOf(blocker), ElementsAre(JobState::Queued, JobState::Running, JobState::Finished));
    EXPECT_FALSE(queue.cancel(blocker)); // finished
    EXPECT_FALSE(queue.cancel(12345)); // unknown
}

TEST(JobQueue, CancelFromQueuedCallbackIsReportedAfterQueued)
{
    Recorder recorder;
    std::atomic<JobQueue *> self{nullptr};
    std::atomic<bool> cancelResult{false};
    JobListener record = recorder.listener();
    JobQueue queue([&](const JobStatus &status) {
        record(status);
        if (status.state == JobState::Queued && status.title == "cancel me")
            cancelResult = self.load()->cancel(status.id);
    });
    self = &queue;
    std::atomic<bool> ran{false};
    const JobId id = queue.submit("cancel me", [&ran](JobContext &) { ran = true; });
    EXPECT_TRUE(cancelResult);
    EXPECT_THAT(recorder.statesOf(id), ElementsAre(JobState::Queued, JobState::Cancelled));
    queue.waitIdle();
    EXPECT_FALSE(ran);
    EXPECT_THAT(recorder.statesOf(id), ElementsAre(JobState::Queued, JobState::Cancelled));
}

TEST(JobQueue, CancelledRunningJobEndsCancelledWhenItNotices)
{
    Recorder recorder;
    JobQueue queue(recorder.listener());
    Gate started;
    const JobId id = queue.submit("long", pollingBody(started));
    ASSERT_TRUE(started.wait());
    EXPECT_TRUE(queue.cancel(id));
    ASSERT_TRUE(recorder.waitFor(id, JobState::Cancelled, kCancelTimeout));
    queue.waitIdle();
    EXPECT_THAT(recorder.statesOf(id), ElementsAre(JobState::Queued, JobState::Running, JobState::Cancelled));
    EXPECT_FALSE(queue.cancel(id));
}

TEST(JobQueue, CancelledJobThatCompletesAnywayEndsFinished)
{
    Recorder recorder;
    JobQueue queue(recorder.listener());
    Gate started;
    const JobId id = queue.submit("ignores cancel", [&started](JobContext &context) {
        started.open();
        const auto deadline = std::chrono::steady_clock::now() + kCancelTimeout;
        while (!context.cancelled() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::yield();
        // Returns normally: the work is complete, so the result stands.
    });
    ASSERT_TRUE(started.wait());
    EXPECT_TRUE(queue.cancel(id));
    queue.waitIdle();
    EXPECT_THAT(recorder.statesOf(id), ElementsAre(JobState::Queued, JobState::Running, JobState::Finished));
}

TEST(JobQueue, CancelAllCancelsQueuedAndRunningJobs)
{
    Recorder recorder;
    JobQueue queue(recorder.listener());
    Gate started;
    const JobId running = queue.submit("running", pollingBody(started));
    ASSERT_TRUE(started.wait());
    std::atomic<int> ran{0};
    std::vector<JobId> queued;
    for (int i = 0; i < 3; ++i)
        queued.push_back(queue.submit(
            "queued", [&ran](JobContext &) { ++ran; },
            i == 1 ? JobPriority::Interactive : JobPriority::Normal));

    queue.cancelAll();
    queue.waitIdle();
    EXPECT_EQ(ran, 0);
    EXPECT_EQ(queue.pendingCount(), 0u);
    EXPECT_TRUE(queue.idle());
    for (const JobId id : queued)
        EXPECT_THAT(recorder.statesOf(id), ElementsAre(JobState::Queued, JobState::Cancelled));
    EXPECT_THAT(
        recorder.statesOf(running), ElementsAre(JobState::Queued, JobState::Running, JobState::Cancelled));

    // The queue still works afterwards.
    const JobId after = queue.submit("after", [](JobContext &) {});
    queue.waitIdle();
    EXPECT_THAT(
        recorder.statesOf(after), ElementsAre(JobState::Queued, JobState::Running, JobState::Finished));
}

TEST(JobQueue, FailedJobCarriesTheErrorMessage)
{
    Recorder recorder;
    JobQueue queue(recorder.listener());
    const JobId failing = queue.submit(
        "bad image", [](JobContext &) { throw Error("/images/broken.png", "is not an image"); });
    const JobId odd = queue.submit("odd", [](JobContext &) { throw 42; });
    const JobId fine = queue.submit("fine", [](JobContext &) {});
    queue.waitIdle();

    const auto failed = recorder.eventsOf(failing);
    ASSERT_FALSE(failed.empty());
    EXPECT_EQ(failed.back().status.state, JobState::Failed);
    EXPECT_EQ(failed.back().status.error, "/images/broken.png: is not an image");
    EXPECT_EQ(failed.back().status.title, "bad image");

    const auto unknown = recorder.eventsOf(odd);
    ASSERT_FALSE(unknown.empty());
    EXPECT_EQ(unknown.back().status.state, JobState::Failed);
    EXPECT_EQ(unknown.back().status.error, "unknown error");

    EXPECT_THAT(
        recorder.statesOf(fine), ElementsAre(JobState::Queued, JobState::Running, JobState::Finished));
}

TEST(JobQueue, ProgressReachesTheListenerInOrderWithEta)
{
    Recorder recorder;
    JobQueue queue(recorder.listener());
    const JobId id = queue.submit("progress", [](JobContext &context) {
        context.reportProgress(0, 4);
        for (int done = 1; done <= 4; ++done) {
            // Some work, so elapsed time grows between reports.
            const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
            while (std::chrono::steady_clock::now() < until)
                std::this_thread::yield();
            context.reportProgress(done, 4);
        }
    });
    queue.waitIdle();

    std::vector<JobStatus> progress;
    for (const Event &event : recorder.eventsOf(id))
        if (event.status.state == JobState::Running)
            progress.push_back(event.status);
    // The first Running status is the start; the rest are the reports.
    ASSERT_EQ(progress.size(), 6u);
    EXPECT_EQ(progress[0].done, 0);
    EXPECT_EQ(progress[0].total, 0);
    EXPECT_EQ(progress[0].title, "progress");
    EXPECT_LT(progress[0].etaSeconds, 0.0);

    EXPECT_EQ(progress[1].done, 0);
    EXPECT_EQ(progress[1].total, 4);
    EXPECT_LT(progress[1].etaSeconds, 0.0); // nothing done: unknown
    double lastElapsed = 0.0;
    for (int done = 1; done <= 4; ++done) {
        const JobStatus &status = progress[done + 1];
        EXPECT_EQ(status.title, "progress");
        EXPECT_EQ(status.done, done);
        EXPECT_EQ(status.total, 4);
        EXPECT_GT(status.elapsedSeconds, lastElapsed);
        EXPECT_DOUBLE_EQ(status.etaSeconds, status.elapsedSeconds / done * (4 - done));
        lastElapsed = status.elapsedSeconds;
    }
    EXPECT_DOUBLE_EQ(progress[5].etaSeconds, 0.0);

    const JobStatus finished = recorder.eventsOf(id).back().status;
    EXPECT_EQ(finished.state, JobState::Finished);
    EXPECT_EQ(finished.done, 4);
    EXPECT_EQ(finished.total, 4);
    EXPECT_GE(finished.elapsedSeconds, lastElapsed);
}

TEST(JobQueue, DestructorCancelsAndJoinsWithAJobRunning)
{
    Recorder recorder;
    std::atomic<bool> queuedRan{false};
    JobId running = 0, queued = 0;
    {
        JobQueue queue(recorder.listener());
        Gate started;
        running = queue.submit("running", pollingBody(started));
        queued = queue.submit("queued", [&queuedRan](JobContext &) { queuedRan = true; });
        ASSERT_TRUE(started.wait());
    }
    EXPECT_FALSE(queuedRan);
    EXPECT_THAT(recorder.statesOf(queued), ElementsAre(JobState::Queued, JobState::Cancelled));
    EXPECT_THAT(
        recorder.statesOf(running), ElementsAre(JobState::Queued, JobState::Running, JobState::Cancelled));
}

TEST(JobQueue, WaitIdleReturnsOnceEveryJobEndedAndWasReported)
{
    Recorder recorder;
    JobQueue queue(recorder.listener());
    queue.waitIdle(); // nothing queued: returns at once
    EXPECT_TRUE(queue.idle());

    std::atomic<int> ran{0};
    std::vector<JobId> ids;
    for (int i = 0; i < 20; ++i)
        ids.push_back(queue.submit("count", [&ran](JobContext &) { ++ran; }));
    queue.waitIdle();
    EXPECT_EQ(ran, 20);
    EXPECT_EQ(queue.pendingCount(), 0u);
    for (const JobId id : ids) {
        const auto events = recorder.eventsOf(id);
        ASSERT_FALSE(events.empty());
        EXPECT_EQ(events.back().status.state, JobState::Finished);
    }
}

TEST(JobQueue, StartedJobsAreReportedOnTheWorkerThreadAfterThreadInit)
{
    Recorder recorder;
    std::atomic<bool> initDone{false};
    std::thread::id initThread; // written by threadInit, read after waitIdle()
    JobQueue::Options options;
    options.threadInit = [&] {
        initThread = std::this_thread::get_id();
        initDone = true;
    };
    JobQueue queue(recorder.listener(), options);

    std::vector<std::thread::id> bodyThreads;
    std::vector<bool> initBeforeBody;
    const auto body = [&](JobContext &context) {
        bodyThreads.push_back(std::this_thread::get_id());
        initBeforeBody.push_back(initDone.load());
        context.reportProgress(1, 2);
    };
    const JobId first = queue.submit("first", body);
    const JobId second = queue.submit("second", body, JobPriority::Interactive);
    queue.waitIdle();

    ASSERT_EQ(bodyThreads.size(), 2u);
    EXPECT_THAT(initBeforeBody, ElementsAre(true, true));
    EXPECT_NE(initThread, std::this_thread::get_id());
    EXPECT_EQ(bodyThreads[0], initThread);
    EXPECT_EQ(bodyThreads[1], initThread);
    for (const JobId id : {first, second}) {
        for (const Event &event : recorder.eventsOf(id)) {
            if (event.status.state == JobState::Queued)
                EXPECT_EQ(event.thread, std::this_thread::get_id());
            else
                EXPECT_EQ(event.thread, initThread) << jobStateName(event.status.state);
        }
    }
}

TEST(JobQueue, FailingThreadInitFailsJobsInsteadOfTerminating)
{
    Recorder recorder;
    JobQueue::Options options;
    options.threadInit = [] { throw std::runtime_error("no device"); };
    JobQueue queue(recorder.listener(), options);
    std::atomic<bool> ran{false};
    const JobId id = queue.submit("job", [&ran](JobContext &) { ran = true; });
    queue.waitIdle();
    EXPECT_FALSE(ran);
    const auto events = recorder.eventsOf(id);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().status.state, JobState::Failed);
    EXPECT_THAT(events.back().status.error, HasSubstr("no device"));
}

#ifdef __linux__
int threadNice()
{
    return getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
}

TEST(JobQueue, NiceIncrementAppliesToTheWorkerThreadOnly)
{
    const int before = threadNice();
    JobQueue::Options options;
    options.niceIncrement = 3;
    JobQueue queue({}, options);
    int workerNice = 0;
    queue.submit("nice", [&workerNice](JobContext &) { workerNice = threadNice(); });
    queue.waitIdle();
    EXPECT_EQ(workerNice, std::min(before + 3, 19)); // 19 is the largest nice value
    EXPECT_EQ(threadNice(), before);
}
#endif

// ---- ExplanationRequest: equality and the one cache key ----

ExplanationRequest sampleRequest()
{
    ExplanationRequest request;
    request.method = "igos";
    request.resolution = 28;
    request.target = 3;
    request.params["steps"] = 15;
    request.params["l1"] = 0.01;
    request.seed = 7;
    return request;
}

TEST(ExplanationRequest, EqualityAndTheCacheKeyAgreeOnEveryField)
{
    const ExplanationRequest base = sampleRequest();
    const std::string key = explanationCacheKey("model", "image", base);
    EXPECT_EQ(base, sampleRequest());
    EXPECT_EQ(explanationCacheKey("model", "image", sampleRequest()), key);
    // Each of these changes the result: unequal, and a different key.
    const std::vector<std::function<void(ExplanationRequest &)>> changes = {
        [](ExplanationRequest &r) { r.method = "igospp"; },
        [](ExplanationRequest &r) { r.resolution = 14; },
        [](ExplanationRequest &r) { r.target = -1; },
        [](ExplanationRequest &r) { r.params["steps"] = 16; },
        [](ExplanationRequest &r) { r.params.erase("l1"); },
        [](ExplanationRequest &r) { r.seed = 8; },
        [](ExplanationRequest &r) { r.evaluate = false; },
    };
    std::set<std::string> keys = {key};
    for (std::size_t i = 0; i < changes.size(); ++i) {
        ExplanationRequest changed = sampleRequest();
        changes[i](changed);
        EXPECT_NE(changed, base) << "change " << i;
        keys.insert(explanationCacheKey("model", "image", changed));
    }
    EXPECT_EQ(keys.size(), changes.size() + 1);
    // The content hashes are part of the key.
    EXPECT_NE(explanationCacheKey("model2", "image", base), key);
    EXPECT_NE(explanationCacheKey("model", "image2", base), key);
    // The batch size changes only the speed: equal, same key.
    ExplanationRequest batched = sampleRequest();
    batched.maxBatch = 4;
    EXPECT_EQ(batched, base);
    EXPECT_EQ(explanationCacheKey("model", "image", batched), key);
}

// ---- ResultKey and ResultCache ----

ResultKey sampleKey()
{
    ResultKey key;
    key.modelHash = "0123456789abcdef";
    key.imageHash = "fedcba9876543210";
    key.method = "igos";
    key.resolution = 28;
    key.target = 3;
    key.params = {{"steps", 15}, {"l1", 0.01}, {"tv", 0.2}};
    key.seed = 7;
    key.extra = "deletion step=0.05";
    return key;
}

TEST(ResultKey, EqualKeysGiveEqualText)
{
    EXPECT_EQ(sampleKey().text(), sampleKey().text());
    EXPECT_EQ(ResultKey{}.text(), ResultKey{}.text());
}

TEST(ResultKey, EveryFieldChangesTheText)
{
    const ResultKey base = sampleKey();
    const std::vector<std::function<void(ResultKey &)>> changes = {
        [](ResultKey &key) { key.modelHash = "0123456789abcdee"; },
        [](ResultKey &key) { key.imageHash = ""; },
        [](ResultKey &key) { key.method = "rise"; },
        [](ResultKey &key) { key.resolution = kDefaultResolution; },
        [](ResultKey &key) { key.target = -1; },
        [](ResultKey &key) { key.params["steps"] = 16; },
        [](ResultKey &key) { key.params["l1"] = std::nextafter(0.01, 1.0); }, // one ulp
        [](ResultKey &key) { key.params.erase("tv"); },
        [](ResultKey &key) { key.params["extra"] = 0; },
        [](ResultKey &key) { key.seed = 8; },
        [](ResultKey &key) { key.seed = UINT64_MAX; },
        [](ResultKey &key) { key.extra = ""; },
    };
    std::set<std::string> texts = {base.text()};
    for (std::size_t i = 0; i < changes.size(); ++i) {
        ResultKey changed = base;
        changes[i](changed);
        EXPECT_NE(changed.text(), base.text()) << "change " << i;
        texts.insert(changed.text());
    }
    EXPECT_EQ(texts.size(), changes.size() + 1); // all distinct from each other, too
}

TEST(ResultKey, ParameterOrderDoesNotMatter)
{
    ResultKey forward = sampleKey(), backward = sampleKey();
    forward.params.clear();
    backward.params.clear();
    forward.params["a"] = 1.5;
    forward.params["b"] = 2.5;
    backward.params["b"] = 2.5;
    backward.params["a"] = 1.5;
    EXPECT_EQ(forward.text(), backward.text());
}

TEST(ResultKey, EqualDoublesGiveEqualText)
{
    ResultKey negative = sampleKey(), positive = sampleKey();
    negative.params["zero"] = -0.0;
    positive.params["zero"] = 0.0;
    EXPECT_EQ(negative.text(), positive.text()); // -0 == 0
    ResultKey computed = sampleKey();
    computed.params["x"] = 0.1 + 0.2;
    ResultKey literal = sampleKey();
    literal.params["x"] = 0.3;
    EXPECT_NE(computed.text(), literal.text()); // 0.30000000000000004 != 0.3
}

TEST(ResultKey, StringFieldsCannotRunIntoEachOther)
{
    ResultKey a, b;
    a.modelHash = "ab";
    a.imageHash = "c";
    b.modelHash = "a";
    b.imageHash = "bc";
    EXPECT_NE(a.text(), b.text());

    // A field that mimics the text's own syntax.
    ResultKey c, d;
    c.modelHash = "x\" image=\"y";
    c.imageHash = "";
    d.modelHash = "x";
    d.imageHash = "y\" image=\"";
    EXPECT_NE(c.text(), d.text());

    ResultKey e, f;
    e.params = {{"a=1,b", 2}};
    f.params = {{"a", 1}, {"b", 2}};
    EXPECT_NE(e.text(), f.text());

    ResultKey multiline;
    multiline.extra = "line one\nline two\r";
    EXPECT_EQ(multiline.text().find('\n'), std::string::npos);
    EXPECT_EQ(multiline.text().find('\r'), std::string::npos);
}

ResultKey keyFor(const std::string &image)
{
    ResultKey key = sampleKey();
    key.imageHash = image;
    return key;
}

TEST(ResultCache, EvictsLeastRecentlyUsed)
{
    ResultCache<int> cache(2);
    EXPECT_EQ(cache.capacity(), 2u);
    cache.insert(keyFor("a"), std::make_shared<int>(1));
    cache.insert(keyFor("b"), std::make_shared<int>(2));
    EXPECT_EQ(cache.size(), 2u);
    cache.insert(keyFor("c"), std::make_shared<int>(3)); // a is the oldest
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_EQ(cache.find(keyFor("a")), nullptr);
    ASSERT_NE(cache.find(keyFor("b")), nullptr);
    EXPECT_EQ(*cache.find(keyFor("b")), 2);
    EXPECT_EQ(*cache.find(keyFor("c")), 3);
}

TEST(ResultCache, FindRefreshesRecency)
{
    ResultCache<int> cache(2);
    cache.insert(keyFor("a"), std::make_shared<int>(1));
    cache.insert(keyFor("b"), std::make_shared<int>(2));
    ASSERT_NE(cache.find(keyFor("a")), nullptr); // now b is the oldest
    cache.insert(keyFor("c"), std::make_shared<int>(3));
    EXPECT_EQ(cache.find(keyFor("b")), nullptr);
    ASSERT_NE(cache.find(keyFor("a")), nullptr);
    EXPECT_EQ(*cache.find(keyFor("a")), 1);
    ASSERT_NE(cache.find(keyFor("c")), nullptr);
}

TEST(ResultCache, ReplacingAKeyKeepsOneEntryAndRefreshesIt)
{
    ResultCache<int> cache(2);
    cache.insert(keyFor("a"), std::make_shared<int>(1));
    cache.insert(keyFor("b"), std::make_shared<int>(2));
    cache.insert(keyFor("a"), std::make_shared<int>(10)); // replaces, and b is now the oldest
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_EQ(*cache.find(keyFor("a")), 10);
    cache.insert(keyFor("c"), std::make_shared<int>(3));
    EXPECT_EQ(cache.find(keyFor("b")), nullptr);
    EXPECT_EQ(*cache.find(keyFor("a")), 10);
}

TEST(ResultCache, CapacityAtLeastOneAndClear)
{
    ResultCache<int> cache(0);
    EXPECT_EQ(cache.capacity(), 1u);
    cache.insert(keyFor("a"), std::make_shared<int>(1));
    cache.insert(keyFor("b"), std::make_shared<int>(2));
    EXPECT_EQ(cache.size(), 1u);
    EXPECT_EQ(cache.find(keyFor("a")), nullptr);
    EXPECT_EQ(*cache.find(keyFor("b")), 2);
    cache.clear();
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_EQ(cache.find(keyFor("b")), nullptr);
}

// ---- file content hashes ----

// An independent FNV-1a 64, written from the definition.
std::uint64_t referenceFnv(std::uint64_t hash, const std::string &bytes)
{
    for (const unsigned char byte : bytes) {
        hash ^= byte;
        hash *= 1099511628211ULL;
    }
    return hash;
}

std::string littleEndian64(std::uint64_t value)
{
    std::string bytes;
    for (int i = 0; i < 8; ++i)
        bytes += static_cast<char>((value >> (8 * i)) & 0xff);
    return bytes;
}

std::string referenceFilesHash(const std::vector<std::string> &contents)
{
    std::uint64_t hash = 14695981039346656037ULL;
    for (const std::string &content : contents)
        hash = referenceFnv(referenceFnv(hash, content), littleEndian64(content.size()));
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

// Deterministic bytes covering every value.
std::string pseudoRandomBytes(std::size_t count, std::uint32_t seed)
{
    std::string bytes(count, '\0');
    for (char &byte : bytes) {
        seed = seed * 1664525u + 1013904223u;
        byte = static_cast<char>(seed >> 24);
    }
    return bytes;
}

TEST(BytesHash, KnownFnv1aVectors)
{
    EXPECT_EQ(bytesHash(""), "cbf29ce484222325");
    EXPECT_EQ(bytesHash("a"), "af63dc4c8601ec8c");
    EXPECT_EQ(bytesHash("foobar"), "85944171f73967e8");
}

TEST(FileContentHash, MatchesTheDefinitionAcrossChunks)
{
    const test::TempDir dir;
    const std::string small = "hello";
    const std::string large = pseudoRandomBytes(3 * 65536 + 123, 1); // several read chunks
    const std::string exact = pseudoRandomBytes(65536, 2); // exactly one chunk
    const std::string smallPath = dir.write("small.bin", small);
    const std::string largePath = dir.write("large.bin", large);
    const std::string exactPath = dir.write("exact.bin", exact);
    const std::string emptyPath = dir.write("empty.bin", "");

    EXPECT_EQ(fileContentHash({smallPath}), referenceFilesHash({small}));
    EXPECT_EQ(fileContentHash({largePath}), referenceFilesHash({large}));
    EXPECT_EQ(fileContentHash({exactPath}), referenceFilesHash({exact}));
    EXPECT_EQ(fileContentHash({emptyPath}), referenceFilesHash({""}));
    EXPECT_EQ(fileContentHash({smallPath, largePath}), referenceFilesHash({small, large}));
    EXPECT_EQ(fileContentHash({}), "cbf29ce484222325");
    // One file: the bytes, then the length.
    EXPECT_EQ(fileContentHash({smallPath}), bytesHash(small + littleEndian64(small.size())));
}

TEST(FileContentHash, FollowsContentNotName)
{
    const test::TempDir dir;
    const std::string content = pseudoRandomBytes(1000, 3);
    std::string changed = content;
    changed[500] = static_cast<char>(changed[500] ^ 1);
    const std::string original = dir.write("original.png", content);
    const std::string copy = dir.write("copy.png", content);
    const std::string edited = dir.write("edited.png", changed);
    EXPECT_EQ(fileContentHash({original}), fileContentHash({copy}));
    EXPECT_NE(fileContentHash({original}), fileContentHash({edited}));
}

TEST(FileContentHash, LengthsSeparateFilesAndOrderMatters)
{
    const test::TempDir dir;
    const std::string ab = dir.write("ab", "ab"), c = dir.write("c", "c");
    const std::string a = dir.write("a", "a"), bc = dir.write("bc", "bc");
    EXPECT_NE(fileContentHash({ab, c}), fileContentHash({a, bc}));
    EXPECT_NE(fileContentHash({ab, c}), fileContentHash({c, ab}));
}

TEST(FileContentHash, UnreadableFileThrowsNamingIt)
{
    const test::TempDir dir;
    const std::string present = dir.write("present.bin", "x");
    const std::string missing = dir.file("missing.pt");
    try {
        fileContentHash({present, missing});
        FAIL() << "no error for a missing file";
    } catch (const Error &error) {
        EXPECT_THAT(error.what(), HasSubstr(missing));
        EXPECT_EQ(error.subject(), missing);
    }
    const std::string folder = dir.path().string();
    try {
        fileContentHash({folder});
        FAIL() << "no error for a folder";
    } catch (const Error &error) {
        EXPECT_EQ(error.subject(), folder);
    }
}

} // namespace
} // namespace sg
