#include "common/batching.h"

#include "common/error.h"

#include <c10/util/Exception.h>

#include <algorithm>

namespace sg {

void forEachBatch(
    int count, int &maxBatch, const CancelFlag &cancel, const std::function<void(int begin, int end)> &run)
{
    int begin = 0;
    while (begin < count) {
        throwIfCancelled(cancel);
        const int end = std::min(count, begin + std::max(1, maxBatch));
        bool outOfMemory = false;
        try {
            run(begin, end);
        } catch (const OutOfMemoryError &) {
            if (end - begin == 1)
                throw;
            outOfMemory = true;
        } catch (const c10::OutOfMemoryError &) {
            // The caller's own tensor work (mask building) ran out, not the model.
            if (end - begin == 1)
                throw OutOfMemoryError("", "out of device memory even for a single image");
            outOfMemory = true;
        }
        if (outOfMemory) {
            maxBatch = std::max(1, (end - begin) / 2);
            continue;
        }
        begin = end;
    }
}

} // namespace sg
