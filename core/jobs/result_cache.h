#pragma once
// A small thread-safe LRU cache of finished results, keyed by everything that determines a
// result: model and image content hashes, method, resolution, target, parameters, seed. Going
// back to an image shows its maps at once because the key, not the file name, is looked up.

#include "common/params.h"
#include "saliency/method.h" // kDefaultResolution

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace sg {

struct ResultKey {
    std::string modelHash; // fileContentHash of the model (and its sidecar)
    std::string imageHash; // fileContentHash of the image
    std::string method; // method id
    int resolution = kDefaultResolution;
    int target = -1; // -1 = top-1
    ParamValues params; // as requested; equal values in any order give the same key
    std::uint64_t seed = 0;
    std::string extra; // anything else the result depends on (e.g. metric settings)

    // A canonical one-line text of every field (the parameters as canonicalText() writes them:
    // doubles exact, round-trippable), so equal keys give equal text and different keys
    // different text. Any thread.
    std::string text() const;
};

// LRU cache from ResultKey::text() to shared immutable values. All members thread-safe.
template <class Value> class ResultCache {
public:
    explicit ResultCache(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) { }

    // The cached value (and marks it most recently used), or nullptr. `key` is a key text
    // (ResultKey::text() or an analysis kind's own cache key).
    std::shared_ptr<const Value> find(const ResultKey &key) { return find(key.text()); }
    std::shared_ptr<const Value> find(const std::string &key)
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto found = index_.find(key);
        if (found == index_.end())
            return nullptr;
        order_.splice(order_.begin(), order_, found->second);
        return found->second->second;
    }

    // Stores `value` under `key` (replacing an older one), evicting the least recently used
    // entries beyond the capacity.
    void insert(const ResultKey &key, std::shared_ptr<const Value> value)
    {
        insert(key.text(), std::move(value));
    }
    void insert(const std::string &text, std::shared_ptr<const Value> value)
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto found = index_.find(text);
        if (found != index_.end())
            order_.erase(found->second);
        order_.emplace_front(text, std::move(value));
        index_[text] = order_.begin();
        while (order_.size() > capacity_) {
            index_.erase(order_.back().first);
            order_.pop_back();
        }
    }

    void clear()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        index_.clear();
        order_.clear();
    }

    std::size_t size() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return order_.size();
    }
    std::size_t capacity() const { return capacity_; }

private:
    using Entry = std::pair<std::string, std::shared_ptr<const Value>>;
    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::list<Entry> order_; // most recently used first
    std::unordered_map<std::string, typename std::list<Entry>::iterator> index_;
};

} // namespace sg
