#pragma once
// The --target option shared by explain and evaluate: "top1", a class index, or a label name.

#include "model/classifier.h"

#include <string>

namespace sg::cli {

// Returns the class index `text` names for `classifier`, or -1 for "top1" (the model's top-1
// class on the image, resolved by the method). Throws sg::Error for an index out of range or a
// label the model does not have (listing a few of its labels).
int parseTarget(const std::string &text, const Classifier &classifier);

} // namespace sg::cli
