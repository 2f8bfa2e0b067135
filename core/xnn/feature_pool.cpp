#include "xnn/feature_pool.h"

#include "common/error.h"
#include "xnn/embedding.h"

namespace sg {

XnnLayerSpec parseXnnLayer(const std::string &layer)
{
    const auto refuse = [&] {
        return Error("",
            "xnn: layer \"" + layer
                + "\" is unknown (choices: features:global-average, features:global-max, "
                  "features:average-GxG, features:max-GxG with G from 1 to 64)");
    };
    const std::string prefix = "features:";
    if (layer.compare(0, prefix.size(), prefix) != 0)
        throw refuse();
    const std::string pooling = layer.substr(prefix.size());
    XnnLayerSpec spec;
    if (pooling == "global-average" || pooling == "global-max") {
        spec.max = pooling == "global-max";
        spec.grid = 1;
        return spec;
    }
    for (const char *kind : {"average-", "max-"}) {
        const std::string head = kind;
        if (pooling.compare(0, head.size(), head) != 0)
            continue;
        const std::string size = pooling.substr(head.size());
        const size_t x = size.find('x');
        if (x == std::string::npos || x == 0 || size.find_first_not_of("0123456789x") != std::string::npos
            || size.substr(0, x) != size.substr(x + 1) || x > 2)
            throw refuse();
        spec.max = head == "max-";
        spec.grid = std::stoi(size.substr(0, x));
        if (spec.grid < 1 || spec.grid > 64)
            throw refuse();
        return spec;
    }
    throw refuse();
}

namespace xnn {

torch::Tensor poolFeatures(const torch::Tensor &map, const std::string &layer)
{
    const XnnLayerSpec spec = parseXnnLayer(layer);
    if (map.dim() <= 2)
        return map.flatten(1);
    if (spec.grid > map.size(2) || spec.grid > map.size(3))
        throw Error("",
            "xnn: layer \"" + layer + "\" pools to a " + std::to_string(spec.grid) + "x"
                + std::to_string(spec.grid) + " grid, larger than the model's " + std::to_string(map.size(2))
                + "x" + std::to_string(map.size(3)) + " feature map");
    if (spec.grid == 1)
        return spec.max ? map.flatten(2).amax(2) : map.flatten(2).mean(2);
    const torch::Tensor pooled = spec.max
        ? std::get<0>(torch::adaptive_max_pool2d(map, {spec.grid, spec.grid}))
        : torch::adaptive_avg_pool2d(map, {spec.grid, spec.grid});
    return pooled.flatten(1); // channel-major: all grid cells of channel 0, then channel 1, ...
}

} // namespace xnn
} // namespace sg
