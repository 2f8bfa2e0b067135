#include "xnn/xnn_explain.h"

#include "common/error.h"
#include "xnn/srae.h"
#include "xnn/xnn_train.h"

#include <torch/torch.h>

#include <algorithm>

namespace sg {

XnnExplanation explainXnn(const XnnClassModel &cls, const float *features, int dimension, double modelScore)
{
    if (dimension != int(cls.inputScale.size()))
        throw Error("",
            "xnn: the embedding has " + std::to_string(dimension) + " values, the XNN of class "
                + std::to_string(cls.classIndex) + " reads " + std::to_string(cls.inputScale.size()));
    const int xFeatures = cls.layers.size() > 2 ? cls.layers[2].outputs : 0;
    const xnn::Srae srae = xnn::fromLayers(cls.layers, dimension, xFeatures, "xnn class " + cls.label);
    torch::NoGradGuard noGrad;
    const torch::Tensor z = torch::from_blob(const_cast<float *>(features), {1, dimension})
        / torch::from_blob(const_cast<float *>(cls.inputScale.data()), {1, dimension});
    const torch::Tensor x = srae.encode(z).squeeze(0).to(torch::kFloat64);
    const torch::Tensor v = srae.predictor.weight.reshape({-1}).to(torch::kFloat64);
    XnnExplanation explanation;
    explanation.classIndex = cls.classIndex;
    explanation.bias = srae.predictor.bias.item<double>();
    explanation.xnnScore = explanation.bias;
    for (int j = 0; j < xFeatures; ++j) {
        explanation.activations.push_back(x[j].item<double>());
        explanation.weights.push_back(v[j].item<double>());
        explanation.contributions.push_back(explanation.activations.back() * explanation.weights.back());
        explanation.xnnScore += explanation.contributions.back();
    }
    explanation.modelScore = modelScore;
    explanation.significant = significantXFeatures(explanation.contributions, 0.9);
    return explanation;
}

int chooseXnnClass(const std::vector<int> &explained, int requested, int modelTop)
{
    const auto position = [&](int cls) {
        const auto it = std::find(explained.begin(), explained.end(), cls);
        return it == explained.end() ? -1 : int(it - explained.begin());
    };
    if (requested >= 0)
        return position(requested);
    const int top = position(modelTop);
    if (top >= 0)
        return top;
    return explained.empty() ? -1 : 0;
}

} // namespace sg
