#include "saliency/builtin_methods.h"

namespace sg {

namespace saliency {

void registerBuiltinMethods(MethodRegistry &registry)
{
    registry.add(makeIgos());
    registry.add(makeIgosPlusPlus());
    registry.add(makeGradCam());
    registry.add(makeIntegratedGradients());
    registry.add(makeRise());
    registry.add(makeOcclusion());
}

} // namespace saliency

const MethodRegistry &MethodRegistry::builtin()
{
    static const MethodRegistry registry = [] {
        MethodRegistry methods;
        saliency::registerBuiltinMethods(methods);
        return methods;
    }();
    return registry;
}

} // namespace sg
