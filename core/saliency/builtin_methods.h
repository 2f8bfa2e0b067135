#pragma once
// Every built-in saliency method, registered in one place. Each factory lives in its method's
// .cpp file.

#include "saliency/method.h"

namespace sg::saliency {

std::unique_ptr<SaliencyMethod> makeIgos();
std::unique_ptr<SaliencyMethod> makeIgosPlusPlus();
std::unique_ptr<SaliencyMethod> makeGradCam();
std::unique_ptr<SaliencyMethod> makeIntegratedGradients();
std::unique_ptr<SaliencyMethod> makeRise();
std::unique_ptr<SaliencyMethod> makeOcclusion();

// Adds the built-in methods to `registry`, in the order the GUI and CLI list them.
void registerBuiltinMethods(MethodRegistry &registry);

} // namespace sg::saliency
