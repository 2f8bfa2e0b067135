#include "xnn/xnn_model.h"

namespace sg {

bool XnnLayer::operator==(const XnnLayer &other) const
{
    return name == other.name && inputs == other.inputs && outputs == other.outputs && weight == other.weight
        && bias == other.bias;
}

} // namespace sg
