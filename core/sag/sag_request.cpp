#include "sag/sag_request.h"

#include "common/error.h"
#include "jobs/result_cache.h"

#include <algorithm>
#include <charconv>

namespace sg {

namespace {

Error requestError(const std::string &problem)
{
    return Error("", "sag: " + problem);
}

void checkRange(const std::string &name, long long value, long long low, long long high)
{
    if (value < low || value > high)
        throw requestError(name + " " + std::to_string(value) + " is out of range (" + std::to_string(low)
            + " to " + std::to_string(high) + ")");
}

std::string exact(double value)
{
    if (value == 0.0)
        value = 0.0; // -0 and 0 compare equal, so they give one key
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

} // namespace

namespace {

// Each option's name, in the schema's order; one table per option serves both directions.
template <class Enum> struct Named {
    Enum value;
    const char *name;
};
constexpr Named<SagMode> kModes[] = {{SagMode::Default, "default"}, {SagMode::Reference, "reference"}};
constexpr Named<SagBaseline> kBaselines[] = {{SagBaseline::Black, "black"}, {SagBaseline::Blur, "blur"}};
constexpr Named<SagUpsampling> kUpsamplings[]
    = {{SagUpsampling::Bilinear, "bilinear"}, {SagUpsampling::Blocks, "blocks"}};

template <class Enum, std::size_t N> const char *nameOf(const Named<Enum> (&names)[N], Enum value)
{
    for (const Named<Enum> &named : names)
        if (named.value == value)
            return named.name;
    return names[0].name;
}

template <class Enum, std::size_t N>
Enum valueOf(const Named<Enum> (&names)[N], const std::string &name, const std::string &what)
{
    std::string choices;
    for (const Named<Enum> &named : names) {
        if (name == named.name)
            return named.value;
        choices += (choices.empty() ? "" : " or ") + std::string(named.name);
    }
    throw requestError(what + " \"" + name + "\" is not known (choose " + choices + ")");
}

} // namespace

const char *sagModeName(SagMode mode)
{
    return nameOf(kModes, mode);
}

const char *sagBaselineName(SagBaseline baseline)
{
    return nameOf(kBaselines, baseline);
}

const char *sagUpsamplingName(SagUpsampling upsampling)
{
    return nameOf(kUpsamplings, upsampling);
}

SagMode sagModeFromName(const std::string &name, const std::string &what)
{
    return valueOf(kModes, name, what);
}

SagBaseline sagBaselineFromName(const std::string &name, const std::string &what)
{
    return valueOf(kBaselines, name, what);
}

SagUpsampling sagUpsamplingFromName(const std::string &name, const std::string &what)
{
    return valueOf(kUpsamplings, name, what);
}

bool SagRequest::operator==(const SagRequest &other) const
{
    return gridRows == other.gridRows && gridCols == other.gridCols && threshold == other.threshold
        && beamWidth == other.beamWidth && successors == other.successors && maxRoots == other.maxRoots
        && mode == other.mode && baseline == other.baseline && upsampling == other.upsampling
        && maxSharedCells == other.maxSharedCells && rootsShown == other.rootsShown
        && expandThreshold == other.expandThreshold && branching == other.branching
        && nodeLimit == other.nodeLimit && noCache == other.noCache && target == other.target
        && seed == other.seed;
}

void validateSagRequest(const SagRequest &request, const InputSpec &input, int classCount)
{
    for (const auto &[name, side, inputSide] : {std::tuple{"grid rows", request.gridRows, input.height},
             {"grid columns", request.gridCols, input.width}}) {
        if (side < kSagMinGrid || side > kSagMaxGrid)
            throw requestError(std::string(name) + " " + std::to_string(side) + " is out of range ("
                + std::to_string(kSagMinGrid) + " to " + std::to_string(kSagMaxGrid) + ")");
        if (side > inputSide)
            throw requestError(std::string(name) + " " + std::to_string(side)
                + " is larger than the model input (" + std::to_string(input.width) + "x"
                + std::to_string(input.height) + ")");
    }
    // Written so that NaN fails too.
    if (!(request.threshold > 0.0 && request.threshold <= 1.0))
        throw requestError("threshold " + exact(request.threshold)
            + " is out of range (above 0, at most 1: a fraction of the full image's probability)");
    if (!(request.expandThreshold >= 0.0 && request.expandThreshold <= 1.0))
        throw requestError(
            "expansion threshold " + exact(request.expandThreshold) + " is out of range (0 to 1)");
    const int cells = request.gridRows * request.gridCols;
    checkRange("beam width", request.beamWidth, 1, 64);
    checkRange("successors", request.successors, 1, cells);
    checkRange("max roots", request.maxRoots, 1, 1000);
    checkRange("max shared cells", request.maxSharedCells, 0, cells);
    checkRange("roots shown", request.rootsShown, 1, 16);
    checkRange("branching", request.branching, 1, cells);
    checkRange("node limit", request.nodeLimit, 1, 10000);
    checkRange("batch size", request.maxBatch, 1, 1 << 20);
    if (request.target < -1 || request.target >= classCount)
        throw requestError("target class " + std::to_string(request.target)
            + " is out of range (the model has " + std::to_string(classCount) + " classes, 0 to "
            + std::to_string(classCount - 1) + ")");
}

const std::vector<ParamSpec> &sagParameterSchema()
{
    static const std::vector<ParamSpec> schema = [] {
        const SagRequest d;
        return std::vector<ParamSpec>{
            ParamSpec::integer(
                "grid_rows", "Cells down the model input", d.gridRows, kSagMinGrid, kSagMaxGrid),
            ParamSpec::integer(
                "grid_cols", "Cells across the model input", d.gridCols, kSagMinGrid, kSagMaxGrid),
            ParamSpec::number("threshold",
                "A cell set suffices when it keeps the probability above this fraction of the full image's",
                d.threshold, 0.0, 1.0),
            ParamSpec::integer("beam_width", "Cell sets kept per beam step", d.beamWidth, 1, 64),
            ParamSpec::integer(
                "successors", "Best-ranked cells tried per beam set", d.successors, 1, kSagMaxCells),
            ParamSpec::integer(
                "max_roots", "Stop once more explanations than this were found", d.maxRoots, 1, 1000),
            ParamSpec::choice("mode", "Search rules", sagModeName(d.mode),
                {{"default", "each set scored once, duplicates dropped, batched, diverse drawing"},
                    {"reference", "the reference code's choices, for one-to-one comparison"}}),
            ParamSpec::choice("baseline", "What hidden cells show", sagBaselineName(d.baseline),
                {{"black", "zero pixels (the reference)"}, {"blur", "the I-GOS blur of the image"}}),
            ParamSpec::choice("upsampling", "How cells reach the input", sagUpsamplingName(d.upsampling),
                {{"bilinear", "bilinear with aligned corners: soft tents (the reference)"},
                    {"blocks", "hard rectangular blocks"}}),
            ParamSpec::integer("max_shared_cells", "Most cells two drawn explanations may share",
                d.maxSharedCells, 0, kSagMaxCells),
            ParamSpec::integer("roots_shown", "Explanations drawn as the graph's roots", d.rootsShown, 1, 16),
            ParamSpec::number("expand_threshold", "Nodes at or below this relative confidence are leaves",
                d.expandThreshold, 0.0, 1.0),
            ParamSpec::integer("branching", "Children per expanded node", d.branching, 1, kSagMaxCells),
            ParamSpec::integer("node_limit", "Most nodes in the graph", d.nodeLimit, 1, 10000),
            ParamSpec::boolean("no_cache", "Score every cell set anew (no memo)", d.noCache),
        };
    }();
    return schema;
}

SagRequest sagRequestWithParams(const SagRequest &base, const ParamValues &values)
{
    const ParamValues v = resolveParams("sag", sagParameterSchema(), values);
    SagRequest request = base;
    request.gridRows = int(v.at("grid_rows").integer());
    request.gridCols = int(v.at("grid_cols").integer());
    request.threshold = v.at("threshold").number();
    request.beamWidth = int(v.at("beam_width").integer());
    request.successors = int(v.at("successors").integer());
    request.maxRoots = int(v.at("max_roots").integer());
    request.mode = sagModeFromName(v.at("mode").text());
    request.baseline = sagBaselineFromName(v.at("baseline").text());
    request.upsampling = sagUpsamplingFromName(v.at("upsampling").text());
    request.maxSharedCells = int(v.at("max_shared_cells").integer());
    request.rootsShown = int(v.at("roots_shown").integer());
    request.expandThreshold = v.at("expand_threshold").number();
    request.branching = int(v.at("branching").integer());
    request.nodeLimit = int(v.at("node_limit").integer());
    request.noCache = v.at("no_cache").boolean();
    return request;
}

std::string sagCacheKey(const std::string &modelHash, const std::string &imageHash, const SagRequest &request)
{
    ResultKey key;
    key.modelHash = modelHash;
    key.imageHash = imageHash;
    key.method = "sag";
    key.target = request.target;
    key.seed = request.seed;
    key.extra = "grid=" + std::to_string(request.gridRows) + "x" + std::to_string(request.gridCols)
        + " threshold=" + exact(request.threshold) + " beam=" + std::to_string(request.beamWidth)
        + " successors=" + std::to_string(request.successors) + " roots=" + std::to_string(request.maxRoots)
        + " mode=" + sagModeName(request.mode) + " baseline=" + sagBaselineName(request.baseline)
        + " upsampling=" + sagUpsamplingName(request.upsampling)
        + " shared=" + std::to_string(request.maxSharedCells) + " shown=" + std::to_string(request.rootsShown)
        + " expand=" + exact(request.expandThreshold) + " branching=" + std::to_string(request.branching)
        + " nodes=" + std::to_string(request.nodeLimit) + " cache=" + (request.noCache ? "off" : "on");
    return key.text();
}

} // namespace sg
