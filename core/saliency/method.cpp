#include "saliency/method.h"

#include "common/error.h"

namespace sg {

void MethodRegistry::add(std::unique_ptr<SaliencyMethod> method)
{
    if (find(method->id()))
        throw Error("", "saliency method \"" + method->id() + "\" is registered twice");
    methods_.push_back(std::move(method));
}

const SaliencyMethod *MethodRegistry::find(const std::string &id) const
{
    for (const auto &method : methods_)
        if (method->id() == id)
            return method.get();
    return nullptr;
}

const SaliencyMethod &MethodRegistry::get(const std::string &id) const
{
    if (const SaliencyMethod *method = find(id))
        return *method;
    std::string known;
    for (const auto &method : methods_)
        known += (known.empty() ? "" : ", ") + method->id();
    throw Error("", "unknown saliency method \"" + id + "\" (known: " + known + ")");
}

std::vector<const SaliencyMethod *> MethodRegistry::all() const
{
    std::vector<const SaliencyMethod *> result;
    for (const auto &method : methods_)
        result.push_back(method.get());
    return result;
}

} // namespace sg
