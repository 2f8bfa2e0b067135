#include "model/model_hash.h"

#include "common/file_hash.h"

namespace sg {

std::string modelContentHash(const Classifier &classifier)
{
    return fileContentHash({classifier.modelPath(), classifier.spec().sidecarPath}) + "@"
        + classifier.deviceName();
}

} // namespace sg
