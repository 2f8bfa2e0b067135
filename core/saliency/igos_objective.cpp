#include "saliency/igos_objective.h"

namespace sg::saliency {

namespace {

// Edge sensitivity of the bilateral TV weights, in normalised intensity units (IGOS_pp).
constexpr double kBilateralSigma = 0.01;

enum class PathKind { Deletion, Insertion };

// Total variation (beta = 2) of a [1, 1, s, s] mask: two means of squared neighbour differences.
at::Tensor totalVariation(const at::Tensor &mask)
{
    const at::Tensor m = mask[0][0];
    const at::Tensor vertical = (m.slice(0, 1) - m.slice(0, 0, -1)).pow(2).mean();
    const at::Tensor horizontal = (m.slice(1, 1) - m.slice(1, 0, -1)).pow(2).mean();
    return vertical + horizontal;
}

// IGOS_pp's bilateral TV, quirks kept: vertical weights square the channel-mean difference,
// horizontal weights average the per-channel exponentials.
at::Tensor bilateralTotalVariation(
    const at::Tensor &mask, const at::Tensor &vertical, const at::Tensor &horizontal, int height, int width)
{
    const at::Tensor u = upsample(mask, height, width)[0][0];
    const at::Tensor bilateralV = (vertical * (u.slice(0, 1) - u.slice(0, 0, -1)).pow(2)).mean();
    const at::Tensor bilateralH = (horizontal * (u.slice(1, 1) - u.slice(1, 0, -1)).pow(2)).mean();
    return 0.5 * (totalVariation(mask) + bilateralV + bilateralH);
}

} // namespace

IgosSettings igosSettings(const ParamValues &params, bool plusPlus)
{
    IgosSettings settings;
    settings.iterations = int(params.at("iterations").integer());
    settings.steps = int(params.at("steps").integer());
    settings.l1 = params.at("l1").number();
    settings.l2 = params.at("l2").number();
    settings.alpha = params.at("alpha").number();
    settings.noise = params.at("noise").number();
    settings.reference = params.at("reference").boolean();
    settings.breakTies = params.at("ties").boolean();
    settings.plusPlus = plusPlus;
    return settings;
}

// A score term: sign, path kind and the upsampled mask it integrates along.
struct IgosObjective::Term {
    double sign;
    PathKind kind;
    at::Tensor mask; // [1, 1, H, W]
};

IgosObjective::IgosObjective(const PreparedRequest &prepared, const IgosSettings &settings) :
    prepared_(prepared), settings_(settings), baseline_(blurredBaseline(prepared))
{
    if (settings.plusPlus) {
        const at::Tensor I = prepared.input[0];
        const at::Tensor dv = (I.slice(1, 0, -1) - I.slice(1, 1)).mean(0);
        const at::Tensor dh = I.slice(2, 0, -1) - I.slice(2, 1);
        weightsVertical_ = torch::exp(-dv.pow(2) / kBilateralSigma);
        weightsHorizontal_ = torch::exp(-dh.pow(2) / kBilateralSigma).mean(0);
    }
}

at::Tensor IgosObjective::combined(const std::vector<at::Tensor> &masks)
{
    return masks.size() == 1 ? masks[0] : masks[0] * masks[1];
}

// Sets terms.sparsity and terms.smoothness; returns their sum as a tensor (for autograd).
at::Tensor IgosObjective::regulariser(const std::vector<at::Tensor> &masks, IgosTerms &terms) const
{
    const at::Tensor mask = combined(masks);
    const at::Tensor sparsity = settings_.l1 * (1.0 - mask).abs().mean();
    at::Tensor smoothness;
    if (settings_.plusPlus)
        smoothness = settings_.l2
            * bilateralTotalVariation(
                mask, weightsVertical_, weightsHorizontal_, prepared_.height, prepared_.width);
    else
        smoothness = settings_.l2 * totalVariation(mask);
    terms.sparsity = sparsity.item<double>();
    terms.smoothness = smoothness.item<double>();
    return sparsity + smoothness;
}

std::vector<IgosObjective::Term> IgosObjective::terms(const std::vector<at::Tensor> &masks) const
{
    const int h = prepared_.height;
    const int w = prepared_.width;
    const at::Tensor deletion = upsample(masks[0], h, w);
    if (!settings_.plusPlus)
        return {{1.0, PathKind::Deletion, deletion}};
    const at::Tensor insertion = upsample(masks[1], h, w);
    const at::Tensor both = deletion * insertion;
    // L_score = D(U Md) - Ins(U Mi) + D(U Md * U Mi) - Ins(U Md * U Mi)
    return {
        {1.0, PathKind::Deletion, deletion},
        {-1.0, PathKind::Insertion, insertion},
        {1.0, PathKind::Deletion, both},
        {-1.0, PathKind::Insertion, both},
    };
}

// Images [begin, end) of the flattened (term, path step) batch.
at::Tensor IgosObjective::pathImages(
    const std::vector<Term> &allTerms, const at::Tensor &noise, int begin, int end) const
{
    std::vector<at::Tensor> images;
    for (int index = begin; index < end; ++index) {
        const Term &term = allTerms[size_t(index / settings_.steps)];
        const double fraction = double(index % settings_.steps + 1) / settings_.steps;
        const at::Tensor m = term.mask * fraction;
        const at::Tensor &kept = term.kind == PathKind::Deletion ? prepared_.input : baseline_;
        const at::Tensor &replaced = term.kind == PathKind::Deletion ? baseline_ : prepared_.input;
        images.push_back(kept * m + replaced * (1.0 - m));
    }
    const at::Tensor batch = torch::cat(images, 0);
    return noise.defined() ? batch + noise.slice(0, begin, end) : batch;
}

// Weighted sum of target probabilities for images [begin, end): each term's interval score is
// the mean over its path, times its sign.
at::Tensor IgosObjective::scoreSum(
    const std::vector<Term> &allTerms, const at::Tensor &probabilities, int begin) const
{
    std::vector<double> weights;
    for (int i = 0; i < probabilities.size(0); ++i)
        weights.push_back(allTerms[size_t((begin + i) / settings_.steps)].sign / settings_.steps);
    return (probabilities * torch::tensor(weights, probabilities.options())).sum();
}

// Adds each image's probability / steps to its term's (unsigned) interval score.
void IgosObjective::addTermValues(
    const at::Tensor &probabilities, int begin, std::vector<double> &values) const
{
    const at::Tensor p = probabilities.detach().to(torch::kCPU, torch::kFloat64).contiguous();
    const auto a = p.accessor<double, 1>();
    for (int i = 0; i < p.size(0); ++i)
        values[size_t((begin + i) / settings_.steps)] += a[i] / settings_.steps;
}

void IgosObjective::setScores(const std::vector<double> &values, IgosTerms &terms)
{
    terms.deletion = values[0];
    if (values.size() == 4) {
        terms.insertion = values[1];
        terms.deletionBoth = values[2];
        terms.insertionBoth = values[3];
    }
}

IgosGradient IgosObjective::gradient(const std::vector<at::Tensor> &masks, const at::Tensor &noise,
    int &maxBatch, const CancelFlag &cancel) const
{
    torch::AutoGradMode gradMode(true);
    std::vector<at::Tensor> leaves;
    for (const at::Tensor &mask : masks)
        leaves.push_back(mask.detach().requires_grad_(true));
    // IGOS_pp halves iGOS++'s score gradients (not its loss) to balance them with the regulariser.
    const double scoreScale = settings_.plusPlus ? 0.5 : 1.0;
    double score = 0.0;
    std::vector<double> values(settings_.plusPlus ? 4 : 1, 0.0);
    std::vector<at::Tensor> sums(leaves.size());
    forEachBatch(imageCount(), maxBatch, cancel, [&](int begin, int end) {
        const std::vector<Term> allTerms = terms(leaves);
        const at::Tensor images = pathImages(allTerms, noise, begin, end);
        const at::Tensor probabilities = targetScores(prepared_, images);
        const at::Tensor part = scoreSum(allTerms, probabilities, begin);
        // A slice may hold only terms that ignore one of the masks: allow unused leaves.
        const auto grads = torch::autograd::grad({part * scoreScale}, leaves, {}, false, false, true);
        prepared_.classifier->recordBackward(end - begin);
        for (size_t i = 0; i < leaves.size(); ++i)
            if (grads[i].defined())
                sums[i] = sums[i].defined() ? sums[i] + grads[i] : grads[i];
        score += part.item<double>();
        addTermValues(probabilities, begin, values);
    });
    IgosGradient result;
    setScores(values, result.terms);
    const at::Tensor reg = regulariser(leaves, result.terms);
    const auto regGrads = torch::autograd::grad({reg}, leaves);
    result.terms.total = score + reg.item<double>();
    for (size_t i = 0; i < leaves.size(); ++i)
        result.gradients.push_back((sums[i].defined() ? sums[i] + regGrads[i] : regGrads[i]).detach());
    return result;
}

IgosTerms IgosObjective::evaluate(const std::vector<at::Tensor> &masks, const at::Tensor &noise,
    int &maxBatch, const CancelFlag &cancel) const
{
    torch::NoGradGuard noGrad;
    const std::vector<Term> allTerms = terms(masks);
    double score = 0.0;
    std::vector<double> values(allTerms.size(), 0.0);
    forEachBatch(imageCount(), maxBatch, cancel, [&](int begin, int end) {
        const at::Tensor images = pathImages(allTerms, noise, begin, end);
        const at::Tensor probabilities = targetScores(prepared_, images);
        score += scoreSum(allTerms, probabilities, begin).item<double>();
        addTermValues(probabilities, begin, values);
    });
    IgosTerms result;
    setScores(values, result);
    result.total = score + regulariser(masks, result).item<double>();
    return result;
}

} // namespace sg::saliency
