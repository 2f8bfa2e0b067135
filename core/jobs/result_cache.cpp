#include "jobs/result_cache.h"

#include <string>

namespace sg {

std::string ResultKey::text() const
{
    // Every string field quoted (quotedText): a field's text ends at its first unescaped quote,
    // so no choice of strings can make two different keys read alike.
    std::string out = "model=" + quotedText(modelHash);
    out += " image=" + quotedText(imageHash);
    out += " method=" + quotedText(method);
    out += " resolution=" + std::to_string(resolution);
    out += " target=" + std::to_string(target);
    out += " params=" + canonicalText(params);
    out += " seed=" + std::to_string(seed);
    out += " extra=" + quotedText(extra);
    return out;
}

} // namespace sg
