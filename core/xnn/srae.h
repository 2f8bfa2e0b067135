#pragma once
// The Sparse Reconstruction Autoencoder (SRAE) inside an XNN and its three losses
// (research/xnn.md §2.2-2.3). Internal header: it includes torch, so only core/xnn's .cpp files
// and tests include it; the public XNN headers are torch-free. Every function here is pure (no
// state beyond its arguments; `generator` is the caller's) and may run on any thread.

#include <torch/torch.h>

#include <array>
#include <string>

namespace sg::xnn {

constexpr int64_t kHidden1 = 800; // default encoder1 / decoder2 width (the reference's)
constexpr int64_t kHidden2 = 100; // default encoder2 / decoder3 width
// Added to the contributions before they are normalised, as the reference does, so an all-zero
// row or column has a defined direction instead of 0/0.
constexpr double kPullAwayEpsilon = 1e-8;

// Rows (one per image, the reference's PT_inverse = 1 and default) or columns (one per x-feature,
// PT_inverse = 0) of the contribution matrix are pulled apart.
enum class PullAwayAxis { Images, Features };

// One affine layer y = x W^T + b, W [out, in].
struct Dense {
    torch::Tensor weight;
    torch::Tensor bias;
    torch::Tensor operator()(const torch::Tensor &x) const { return torch::addmm(bias, x, weight.t()); }
};

// Weights drawn as torch's Linear default does (uniform in ±1/sqrt(in) for both), from
// `generator`, so initialisation never touches torch's global generator.
Dense makeDense(int64_t in, int64_t out, at::Generator &generator);

struct SraeOutput {
    torch::Tensor x; // [M, L] x-features (ReLU, >= 0)
    torch::Tensor reconstruction; // [M, D] z~ (ReLU)
    torch::Tensor prediction; // [M] y^ = v.x + b
};

// D -> H1 -> H2 -> L (ReLU each; dropout after encoder1 while training; H1 = 800, H2 = 100 in
// the reference), a mirrored ReLU decoder L -> H2 -> H1 -> D, and a linear predictor L -> 1 with
// bias. An SRAE read from a file without its decoder has undefined decoder tensors: it encodes
// and predicts, and forward() (training) refuses.
struct Srae {
    Dense encoder1, encoder2, encoder3, decoder3, decoder2, decoder1, predictor;

    // Order used for parameters, files and comparisons.
    static const std::array<const char *, 7> &layerNames();
    std::array<Dense *, 7> layers();
    std::array<const Dense *, 7> layers() const;
    std::vector<torch::Tensor> parameters() const; // the defined ones
    bool hasDecoder() const { return decoder1.weight.defined(); }

    // `generator` is used for dropout only when `training` (dropout probability `dropout`).
    SraeOutput forward(const torch::Tensor &z, bool training, double dropout, at::Generator *generator) const;
    torch::Tensor encode(const torch::Tensor &z) const; // x-features, no dropout
};

// MSE(y^, y) over the batch.
torch::Tensor faithfulnessLoss(const torch::Tensor &prediction, const torch::Tensor &target);

// (1/D) sum_k log(1 + q (1/M) sum_i (z~_ik - z_ik)^2): the log penalty that lets some dimensions
// stay badly reconstructed at a logarithmic cost.
torch::Tensor logPenaltyReconstructionLoss(
    const torch::Tensor &reconstruction, const torch::Tensor &input, double q);

// Plain MSE reconstruction (the reference's sparseR = 0).
torch::Tensor mseReconstructionLoss(const torch::Tensor &reconstruction, const torch::Tensor &input);

// The pull-away term on the contributions F = x (.) v ([M, L] times the predictor's [1, L]
// weights), kPullAwayEpsilon added before normalising: Images -> mean over i != j of
// cos(F_i, F_j)^2 (M (M - 1) pairs); Features -> mean over l != l' of cos(F_:l, F_:l')^2. A batch
// with fewer than two rows (columns) has no pair and gives 0.
torch::Tensor pullAwayLoss(const torch::Tensor &x, const torch::Tensor &predictorWeight, PullAwayAxis axis);

} // namespace sg::xnn

#include "xnn/xnn_model.h"

namespace sg::xnn {

// Plain copies of the weights, in Srae::layerNames() order (without the decoder unless
// `withDecoder`), and back. fromLayers takes all seven layers or the four without the decoder,
// and throws sg::Error (subject `source`) when a layer is missing or its sizes do not chain
// D -> H1 -> H2 -> L (-> H2 -> H1 -> D) and L -> 1.
std::vector<XnnLayer> toLayers(const Srae &srae, bool withDecoder);
Srae fromLayers(const std::vector<XnnLayer> &layers, int dimension, int xFeatures, const std::string &source);

} // namespace sg::xnn
