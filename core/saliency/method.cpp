#include "saliency/method.h"

#include "common/error.h"

#include <cmath>
#include <sstream>

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

ParamValues resolveParams(
    const std::string &methodId, const std::vector<ParamSpec> &schema, const ParamValues &given)
{
    ParamValues resolved;
    for (const ParamSpec &spec : schema)
        resolved[spec.name] = spec.defaultValue;
    for (const auto &[name, value] : given) {
        const auto spec
            = std::find_if(schema.begin(), schema.end(), [&](const ParamSpec &s) { return s.name == name; });
        if (spec == schema.end()) {
            std::string known;
            for (const ParamSpec &s : schema)
                known += (known.empty() ? "" : ", ") + s.name;
            throw Error("", methodId + ": unknown parameter \"" + name + "\" (known: " + known + ")");
        }
        std::ostringstream range;
        range << "[" << spec->minimum << ", " << spec->maximum << "]";
        if (!std::isfinite(value) || value < spec->minimum || value > spec->maximum) {
            std::ostringstream text;
            text << methodId << ": parameter \"" << name << "\" is " << value << ", must be in "
                 << range.str();
            throw Error("", text.str());
        }
        if (spec->integer && std::floor(value) != value) {
            std::ostringstream text;
            text << methodId << ": parameter \"" << name << "\" must be a whole number, not " << value;
            throw Error("", text.str());
        }
        resolved[name] = value;
    }
    return resolved;
}

} // namespace sg
