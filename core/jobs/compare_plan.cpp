#include "jobs/compare_plan.h"

#include <algorithm>

namespace sg {

CompareModel compareModel(const ModelSpec &spec)
{
    return {spec.input.width, spec.input.height, spec.hasSplit()};
}

std::vector<CompareEntry> comparePlan(
    const ExplanationRequest &chosen, const CompareModel &model, const MethodRegistry &registry)
{
    const int side = std::min(model.inputWidth, model.inputHeight);
    std::vector<CompareEntry> plan;
    const auto add = [&](const SaliencyMethod &method, int resolution) {
        ExplanationRequest request = chosen;
        request.method = method.id();
        request.resolution = resolution;
        if (request.method != chosen.method || resolution != chosen.resolution)
            request.params = resolveParams(method.id(),
                method.parameters(resolution == kDefaultResolution ? method.defaultResolution() : resolution),
                {});
        plan.push_back({request, requestTitle(request, registry)});
    };

    if (const SaliencyMethod *method = registry.find(chosen.method)) {
        if (method->resolutions().empty())
            add(*method, kDefaultResolution);
        for (const int resolution : method->resolutions())
            if (resolution <= side)
                add(*method, resolution);
    }
    for (const SaliencyMethod *method : registry.all()) {
        if (method->id() == chosen.method || (method->needsSplit() && !model.hasSplit))
            continue;
        const bool fixed = method->resolutions().empty();
        if (!fixed && method->defaultResolution() > side)
            continue;
        add(*method, fixed ? kDefaultResolution : method->defaultResolution());
    }
    return plan;
}

std::string requestTitle(const ExplanationRequest &request, const MethodRegistry &registry)
{
    const SaliencyMethod *method = registry.find(request.method);
    std::string title = method ? method->title() : request.method;
    if (request.resolution != kDefaultResolution) {
        const std::string side = std::to_string(request.resolution);
        title += " " + side + "\u00d7" + side;
    }
    return title;
}

} // namespace sg
