#include "xnn/srae.h"

#include "common/error.h"

namespace sg::xnn {

Dense makeDense(int64_t in, int64_t out, at::Generator &generator)
{
    const double bound = 1.0 / std::sqrt(double(in));
    Dense layer;
    layer.weight = torch::empty({out, in}).uniform_(-bound, bound, generator);
    layer.bias = torch::empty({out}).uniform_(-bound, bound, generator);
    return layer;
}

const std::array<const char *, 7> &Srae::layerNames()
{
    static const std::array<const char *, 7> names
        = {"encoder1", "encoder2", "encoder3", "decoder3", "decoder2", "decoder1", "predictor"};
    return names;
}

std::array<Dense *, 7> Srae::layers()
{
    return {&encoder1, &encoder2, &encoder3, &decoder3, &decoder2, &decoder1, &predictor};
}

std::array<const Dense *, 7> Srae::layers() const
{
    return {&encoder1, &encoder2, &encoder3, &decoder3, &decoder2, &decoder1, &predictor};
}

std::vector<torch::Tensor> Srae::parameters() const
{
    std::vector<torch::Tensor> parameters;
    for (const Dense *layer : layers()) {
        if (!layer->weight.defined())
            continue;
        parameters.push_back(layer->weight);
        parameters.push_back(layer->bias);
    }
    return parameters;
}

SraeOutput Srae::forward(
    const torch::Tensor &z, bool training, double dropout, at::Generator *generator) const
{
    if (!hasDecoder())
        throw Error("", "xnn: this SRAE was stored without its decoder and cannot be trained further");
    torch::Tensor h1 = torch::relu(encoder1(z));
    if (training && dropout > 0.0) {
        // Inverted dropout from our own generator (torch::dropout would draw from the global one).
        const torch::Tensor keep = torch::empty_like(h1).bernoulli_(1.0 - dropout, *generator);
        h1 = h1 * keep / (1.0 - dropout);
    }
    SraeOutput out;
    out.x = torch::relu(encoder3(torch::relu(encoder2(h1))));
    out.reconstruction = torch::relu(decoder1(torch::relu(decoder2(torch::relu(decoder3(out.x))))));
    out.prediction = predictor(out.x).squeeze(1);
    return out;
}

torch::Tensor Srae::encode(const torch::Tensor &z) const
{
    return torch::relu(encoder3(torch::relu(encoder2(torch::relu(encoder1(z))))));
}

torch::Tensor faithfulnessLoss(const torch::Tensor &prediction, const torch::Tensor &target)
{
    return (prediction - target).pow(2).mean();
}

torch::Tensor logPenaltyReconstructionLoss(
    const torch::Tensor &reconstruction, const torch::Tensor &input, double q)
{
    const torch::Tensor perDimension = (reconstruction - input).pow(2).mean(0); // [D]
    return torch::log1p(q * perDimension).mean();
}

torch::Tensor mseReconstructionLoss(const torch::Tensor &reconstruction, const torch::Tensor &input)
{
    return (reconstruction - input).pow(2).mean();
}

torch::Tensor pullAwayLoss(const torch::Tensor &x, const torch::Tensor &predictorWeight, PullAwayAxis axis)
{
    torch::Tensor contributions = x * predictorWeight.reshape({1, -1}) + kPullAwayEpsilon; // [M, L]
    if (axis == PullAwayAxis::Features)
        contributions = contributions.t();
    const int64_t n = contributions.size(0);
    if (n < 2)
        return torch::zeros({}, x.options());
    const torch::Tensor unit = contributions / contributions.norm(2, 1, true);
    const torch::Tensor cosines = torch::mm(unit, unit.t()).pow(2);
    const torch::Tensor offDiagonal = cosines.sum() - cosines.diagonal().sum();
    return offDiagonal / double(n * (n - 1));
}

} // namespace sg::xnn

namespace sg::xnn {

std::vector<XnnLayer> toLayers(const Srae &srae, bool withDecoder)
{
    std::vector<XnnLayer> layers;
    const auto &names = Srae::layerNames();
    const auto dense = srae.layers();
    for (size_t i = 0; i < dense.size(); ++i) {
        if (!dense[i]->weight.defined() || (!withDecoder && std::string(names[i]).rfind("decoder", 0) == 0))
            continue;
        const torch::Tensor weight = dense[i]->weight.detach().to(torch::kCPU, torch::kFloat32).contiguous();
        const torch::Tensor bias = dense[i]->bias.detach().to(torch::kCPU, torch::kFloat32).contiguous();
        XnnLayer layer;
        layer.name = names[i];
        layer.outputs = int(weight.size(0));
        layer.inputs = int(weight.size(1));
        layer.weight.assign(weight.data_ptr<float>(), weight.data_ptr<float>() + weight.numel());
        layer.bias.assign(bias.data_ptr<float>(), bias.data_ptr<float>() + bias.numel());
        layers.push_back(std::move(layer));
    }
    return layers;
}

Srae fromLayers(const std::vector<XnnLayer> &layers, int dimension, int xFeatures, const std::string &source)
{
    const auto &names = Srae::layerNames();
    const bool withDecoder = layers.size() == names.size();
    if (!withDecoder && layers.size() != 4)
        throw Error(source,
            "holds " + std::to_string(layers.size()) + " SRAE layers, expected 7 (or 4 without the decoder)");
    // The hidden widths are the file's: the first two encoder layers' outputs.
    const int64_t hidden1 = layers[0].outputs;
    const int64_t hidden2 = layers.size() > 1 ? layers[1].outputs : 0;
    const std::array<std::pair<int64_t, int64_t>, 7> shapes
        = {{{dimension, hidden1}, {hidden1, hidden2}, {hidden2, xFeatures}, {xFeatures, hidden2},
            {hidden2, hidden1}, {hidden1, dimension}, {xFeatures, 1}}};
    Srae srae;
    const auto dense = srae.layers();
    size_t next = 0;
    for (size_t i = 0; i < names.size(); ++i) {
        if (!withDecoder && i >= 3 && i <= 5)
            continue;
        const XnnLayer &layer = layers[next++];
        const auto [in, out] = shapes[i];
        if (layer.name != names[i] || layer.inputs != in || layer.outputs != out
            || int64_t(layer.weight.size()) != in * out || int64_t(layer.bias.size()) != out)
            throw Error(source,
                "SRAE layer " + std::to_string(next) + " (\"" + layer.name + "\") is not " + names[i] + " of "
                    + std::to_string(in) + " -> " + std::to_string(out));
        dense[i]->weight = torch::from_blob(const_cast<float *>(layer.weight.data()), {out, in}).clone();
        dense[i]->bias = torch::from_blob(const_cast<float *>(layer.bias.data()), {out}).clone();
    }
    return srae;
}

} // namespace sg::xnn
