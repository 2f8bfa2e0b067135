// RISE (Petsiuk et al.): the target's probability on randomly masked copies of the image,
// averaged with each mask as weight. Masks are smooth random grids: a binary s x s grid with
// P(keep) = p is stretched bilinearly over (s + 1) cells and cropped at a random sub-cell
// shift, so kept regions have soft edges and do not all align with one lattice.

#include "saliency/builtin_methods.h"
#include "saliency/method_support.h"

#include "common/error.h"
#include "image/mat_tensor.h"

#include <algorithm>

namespace sg::saliency {

namespace F = torch::nn::functional;

namespace {

// One well-mixed seed per mask (splitmix64 finaliser): mask i is a function of (seed, i)
// alone, so maps do not depend on the batch size or on out-of-memory retries.
std::uint64_t maskSeed(std::uint64_t seed, std::int64_t index)
{
    std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * std::uint64_t(index + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

class Rise : public SaliencyMethod {
public:
    std::string id() const override { return "rise"; }
    std::string title() const override { return "RISE"; }
    std::string description() const override
    {
        return "Averages random smooth masks weighted by the target's probability on the image "
               "seen through each mask (black where the mask is off).";
    }
    // The side of the random grid: s x s cells over the image.
    std::vector<int> resolutions() const override { return {7, 14, 28, 56, 224}; }
    int defaultResolution() const override { return 7; }
    std::vector<ParamSpec> parameters(int) const override
    {
        return {
            ParamSpec::integer("masks",
                "number of random masks (one forward pass each); more gives a smoother map", 2000, 1, 100000),
            ParamSpec::number("p",
                "probability that a grid cell is kept (the rest of the image is blacked out)", 0.5, 0.01,
                0.99),
        };
    }

    // Heatmap.mask is the unnormalised RISE estimate at input resolution [H, W]:
    // sum_i P_target(x . m_i) m_i / (N p), which for each pixel approximates the expected target
    // probability given the pixel is kept. Heatmap.resolution is the grid side s.
    // The removed part is black in *pixel* space (zero pixels, then normalised), as an image
    // with parts cut out looks; zero in normalised space would be the dataset's mean colour.
    Heatmap run(
        const SaliencyRequest &request, const ProgressFn &progress, const CancelFlag &cancel) const override
    {
        // Counted from before prepare(): its clean pass is one of the run's passes.
        RunMeter meter(request.classifier);
        const PreparedRequest prepared = prepare(*this, request);
        const Classifier &classifier = *prepared.classifier;
        const int grid = prepared.resolution;
        const int height = prepared.height;
        const int width = prepared.width;
        const int count = int(prepared.params.at("masks").integer());
        const double keep = prepared.params.at("p").number();
        const int cellHeight = (height + grid - 1) / grid;
        const int cellWidth = (width + grid - 1) / grid;
        const std::vector<int64_t> stretched{int64_t(grid + 1) * cellHeight, int64_t(grid + 1) * cellWidth};

        torch::NoGradGuard noGrad;
        const c10::Device device = prepared.input.device();
        const InputSpec &spec = classifier.spec().input;
        const at::Tensor pixels = prepared.modelPixels.to(device);
        at::Tensor weighted = torch::zeros({1, height, width}, torch::dtype(torch::kFloat64).device(device));

        int maxBatch = request.maxBatch;
        forEachBatch(count, maxBatch, cancel, [&](int begin, int end) {
            // Grids and shifts are drawn on the CPU (seeds reproduce across devices); the
            // stretching and cropping run on the model's device.
            // Per mask: s*s uniforms for the cells, then two for the shift.
            const int cells = grid * grid;
            const int batch = end - begin;
            at::Tensor draws = torch::empty({batch, cells + 2}, torch::kFloat32);
            for (int i = 0; i < batch; ++i)
                draws[i].copy_(torch::rand({cells + 2}, makeGenerator(maskSeed(request.seed, begin + i))));
            const at::Tensor grids
                = draws.narrow(1, 0, cells).lt(keep).to(torch::kFloat32).view({batch, 1, grid, grid});
            const auto uniform = draws.accessor<float, 2>();
            const auto shiftOf = [](float u, int cell) {
                return std::min<int64_t>(int64_t(u * cell), cell - 1); // uniform in [0, cell)
            };
            std::vector<std::pair<int64_t, int64_t>> shifts;
            for (int i = 0; i < batch; ++i)
                shifts.emplace_back(
                    shiftOf(uniform[i][cells], cellHeight), shiftOf(uniform[i][cells + 1], cellWidth));
            // Half-pixel (align_corners = false) bilinear stretch, as an image resize does:
            // each grid value covers one cell of the stretched mask.
            const at::Tensor large = F::interpolate(grids.to(device),
                F::InterpolateFuncOptions().size(stretched).mode(torch::kBilinear).align_corners(false));
            std::vector<at::Tensor> crops;
            for (size_t i = 0; i < shifts.size(); ++i)
                crops.push_back(
                    large[int64_t(i)].narrow(1, shifts[i].first, height).narrow(2, shifts[i].second, width));
            const at::Tensor masks = torch::stack(crops); // [n, 1, H, W]
            const at::Tensor scores
                = targetProbabilities(classifier, normalise(pixels * masks, spec), prepared.target);
            weighted += (scores.view({-1, 1, 1, 1}) * masks).sum(0, /*keepdim=*/false, torch::kFloat64);
            if (progress) {
                const cv::Mat map = toMat32F(normaliseRange(weighted[0]));
                progress({end, count, &map});
            }
        });

        const at::Tensor estimate = (weighted[0] / (double(count) * keep)).to(torch::kFloat32);
        Heatmap heatmap = makeHeatmap(*this, prepared, estimate, estimate);
        meter.fill(heatmap);
        return heatmap;
    }
};

} // namespace

std::unique_ptr<SaliencyMethod> makeRise()
{
    return std::make_unique<Rise>();
}

} // namespace sg::saliency
