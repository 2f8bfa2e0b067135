#include "cli_target.h"

#include "common/error.h"

#include <algorithm>
#include <cctype>

namespace sg::cli {

int parseTarget(const std::string &text, const Classifier &classifier)
{
    if (text.empty() || text == "top1")
        return -1;
    const auto &labels = classifier.spec().labels;
    const bool numeric
        = std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
    if (numeric) {
        const long index = text.size() > 9 ? -1 : std::stol(text);
        if (index < 0 || index >= long(labels.size()))
            throw Error("",
                "target class " + text + " is out of range (the model has " + std::to_string(labels.size())
                    + " classes, 0 to " + std::to_string(labels.size() - 1) + ")");
        return int(index);
    }
    const auto found = std::find(labels.begin(), labels.end(), text);
    if (found != labels.end())
        return int(found - labels.begin());
    std::string some;
    for (size_t i = 0; i < std::min<size_t>(labels.size(), 5); ++i)
        some += (i ? ", \"" : "\"") + labels[i] + "\"";
    throw Error("",
        "target \"" + text + "\" is neither top1, a class index, nor one of the model's labels (" + some
            + (labels.size() > 5 ? ", ..." : "") + ")");
}

} // namespace sg::cli
