#pragma once
// The generic half of an analysis service: runs one kind of analysis of (model, image) on the
// model worker's background lane, caches finished results by content and hands results,
// live previews and failures back on the GUI thread. A kind's service (a QObject with typed
// signals, e.g. ExplanationService) owns one AnalysisRunner and forwards its callbacks to its
// signals; nothing here knows any kind.
//
// A kind is a traits struct:
//   struct Kind {
//       using Request = ...;  // with operator==
//       using Record = ...;   // the finished result; has fields `QString modelHash`,
//                             // `QString imagePath` and `Request request` (set by the runner)
//       // The one cache key (content hashes + every field operator== compares).
//       static std::string cacheKey(const std::string &modelHash, const std::string &imageHash,
//                                   const Request &request);
//       // Computes the record on a lane thread; throws sg::Error (shown to the user) or
//       // sg::Cancelled. `progress` takes done/total and an optional live map.
//       static std::shared_ptr<Record> compute(const ModelHandle &model, const QString &imagePath,
//           const Request &request, const sg::ProgressFn &progress, const sg::CancelFlag &cancel);
//   };
// A kind whose partial results are more than a map (a SAG search's roots found so far) also
// declares `using Live = ...;` (copyable) and computes with one more argument,
// `const std::function<void(Live)> &live`, called on the lane thread whenever there is news;
// each call reaches Callbacks::live on the GUI thread, none dropped (unlike live maps, which are
// throttled to kLiveMapIntervalMs).
// Adding a kind: write its core request/result/compute, a Kind traits struct, a service and a
// view (docs/architecture.md, "Adding an analysis kind").

#include "model_worker.h"

#include "common/cancel.h"
#include "common/progress.h"
#include "jobs/result_cache.h"

#include <QMetaObject>
#include <QObject>
#include <QString>

#include <opencv2/core.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <type_traits>

namespace sg::ui {

namespace detail {
struct NoLive { };
template <class Kind, class = void> struct LiveOf {
    using Type = NoLive;
    static constexpr bool kHas = false;
};
template <class Kind> struct LiveOf<Kind, std::void_t<typename Kind::Live>> {
    using Type = typename Kind::Live;
    static constexpr bool kHas = true;
};
} // namespace detail

// Live previews reach the GUI at most this often.
constexpr int kLiveMapIntervalMs = 40;

template <class Kind> class AnalysisRunner {
public:
    using Request = typename Kind::Request;
    using Record = typename Kind::Record;
    using RecordPtr = std::shared_ptr<const Record>;
    using Live = typename detail::LiveOf<Kind>::Type; // detail::NoLive for a kind without one

    // Called on the GUI thread, with `context` alive.
    struct Callbacks {
        std::function<void(sg::JobId, const RecordPtr &)> finished;
        std::function<void(sg::JobId, const QString &path, const cv::Mat &liveMap)> progress;
        std::function<void(sg::JobId, const QString &path, const QString &message, bool cancelled)> failed;
        std::function<void(sg::JobId, const QString &path, const Live &live)> live; // kinds with a Live
    };

    // GUI thread. `worker` and `context` (the service) are not owned; the worker must stop its
    // lanes before `context` is destroyed (MainWindow deletes the worker first).
    AnalysisRunner(ModelWorker &worker, QObject &context, Callbacks callbacks, std::size_t capacity) :
        worker_(worker),
        context_(context),
        callbacks_(std::move(callbacks)),
        cache_(std::make_shared<sg::ResultCache<Record>>(capacity))
    { }

    // The cached result of `request` for the image at `path`, or nullptr. GUI thread; never
    // reads the image (a path not hashed since it last changed is a miss).
    RecordPtr cached(const QString &path, const Request &request) const
    {
        const ModelHandle model = worker_.model();
        const std::string imageHash = worker_.knownImageHash(path);
        if (!model.classifier || imageHash.empty())
            return nullptr;
        return cache_->find(Kind::cacheKey(model.hash, imageHash, request));
    }

    // Queues the analysis of the image at `path` on the background lane. GUI thread; returns
    // the job id at once. Ends in exactly one of finished() (also for a result cached
    // meanwhile) or failed().
    sg::JobId run(const QString &path, const Request &request, const QString &title)
    {
        ModelWorker *worker = &worker_;
        QObject *context = &context_;
        const Callbacks *callbacks = &callbacks_;
        const auto cache = cache_;
        auto body = [worker, context, callbacks, cache, path, request](
                        sg::JobContext &job, const ModelHandle &model) {
            const sg::JobId id = job.id();
            // Hash before decoding: a cached result needs neither the decode nor the model.
            const std::string key = Kind::cacheKey(model.hash, worker->imageHash(path), request);
            RecordPtr result = cache->find(key);
            if (!result) {
                auto lastLive = std::chrono::steady_clock::now() - std::chrono::hours(1);
                const sg::ProgressFn progress = [&](const sg::Progress &p) {
                    job.reportProgress(p.done, p.total);
                    if (!p.map || p.map->empty())
                        return;
                    const auto now = std::chrono::steady_clock::now();
                    if (now - lastLive < std::chrono::milliseconds(kLiveMapIntervalMs))
                        return;
                    lastLive = now;
                    QMetaObject::invokeMethod(
                        context,
                        [callbacks, id, path, live = p.map->clone()] {
                            if (callbacks->progress)
                                callbacks->progress(id, path, live);
                        },
                        Qt::QueuedConnection);
                };
                std::shared_ptr<Record> made;
                if constexpr (detail::LiveOf<Kind>::kHas) {
                    const std::function<void(Live)> live = [&](Live news) {
                        QMetaObject::invokeMethod(
                            context,
                            [callbacks, id, path, news = std::move(news)] {
                                if (callbacks->live)
                                    callbacks->live(id, path, news);
                            },
                            Qt::QueuedConnection);
                    };
                    made = Kind::compute(model, path, request, progress, job.cancelFlag(), live);
                } else {
                    made = Kind::compute(model, path, request, progress, job.cancelFlag());
                }
                made->modelHash = QString::fromStdString(model.hash);
                made->imagePath = path;
                made->request = request;
                cache->insert(key, made);
                result = std::move(made);
            }
            QMetaObject::invokeMethod(
                context,
                [callbacks, id, result] {
                    if (callbacks->finished)
                        callbacks->finished(id, result);
                },
                Qt::QueuedConnection);
        };
        // Failures and cancels end the job and are reported from its state.
        return worker_.submit(
            Lane::Background, title, std::move(body), [this, path](const sg::JobStatus &status) {
                if (!callbacks_.failed)
                    return;
                if (status.state == sg::JobState::Failed)
                    callbacks_.failed(status.id, path, QString::fromStdString(status.error), false);
                else if (status.state == sg::JobState::Cancelled)
                    callbacks_.failed(status.id, path, QObject::tr("cancelled"), true);
            });
    }

private:
    ModelWorker &worker_;
    QObject &context_;
    const Callbacks callbacks_;
    const std::shared_ptr<sg::ResultCache<Record>> cache_;
};

} // namespace sg::ui
