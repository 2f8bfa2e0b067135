// The compare plan (issue 9, "make room": moved from the GUI to core). The expected lists are
// written out by hand from the rules the Compare tab followed in ui/main_window.cpp: the chosen
// method at each resolution that fits, then every other method that can run at its default.

#include "jobs/compare_plan.h"
#include "saliency/method.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sg {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Cell = std::pair<std::string, int>; // (method, resolution)

// (method, resolution) of each entry, in order.
std::vector<Cell> cells(const std::vector<CompareEntry> &plan)
{
    std::vector<Cell> result;
    for (const CompareEntry &entry : plan)
        result.emplace_back(entry.request.method, entry.request.resolution);
    return result;
}

std::vector<std::string> titles(const std::vector<CompareEntry> &plan)
{
    std::vector<std::string> result;
    for (const CompareEntry &entry : plan)
        result.push_back(entry.title);
    return result;
}

// The defaults of `method` at `resolution` (the method's default for kDefaultResolution).
ParamValues defaultsAt(const std::string &method, int resolution)
{
    const SaliencyMethod &m = MethodRegistry::builtin().get(method);
    ParamValues values;
    for (const ParamSpec &spec :
        m.parameters(resolution == kDefaultResolution ? m.defaultResolution() : resolution))
        values[spec.name] = spec.defaultValue;
    return values;
}

ExplanationRequest chosen(const std::string &method, int resolution, ParamValues params = {})
{
    ExplanationRequest request;
    request.method = method;
    request.resolution = resolution;
    request.params = std::move(params);
    return request;
}

constexpr CompareModel kCues{112, 112, true}; // models/demo/cues.json
constexpr CompareModel kFashion{28, 28, true}; // models/demo/fashion.json
const int kFixed = kDefaultResolution;

TEST(ComparePlan, CuesModelWithIgosChosen)
{
    const std::vector<CompareEntry> plan = comparePlan(chosen("igos", 28), kCues);
    EXPECT_THAT(cells(plan),
        ElementsAre(Cell{"igos", 7}, Cell{"igos", 14}, Cell{"igos", 28}, Cell{"igos", 56}, Cell{"igospp", 28},
            Cell{"gradcam", kFixed}, Cell{"ig", kFixed}, Cell{"rise", 7}, Cell{"occlusion", 14}));
    EXPECT_THAT(titles(plan),
        ElementsAre("I-GOS 7\u00d77", "I-GOS 14\u00d714", "I-GOS 28\u00d728", "I-GOS 56\u00d756",
            "iGOS++ 28\u00d728", "Grad-CAM", "Integrated Gradients", "RISE 7\u00d77",
            "Occlusion 14\u00d714"));
}

TEST(ComparePlan, ParamsAreTheChosenOnesOnlyInTheChosenCell)
{
    const ParamValues mine = {{"iterations", 3}};
    ExplanationRequest request = chosen("igos", 28, mine);
    request.target = 2;
    request.seed = 77;
    request.maxBatch = 5;
    request.evaluate = false;
    const std::vector<CompareEntry> plan = comparePlan(request, kCues);
    ASSERT_EQ(plan.size(), 9u);
    for (const CompareEntry &entry : plan) {
        const ExplanationRequest &cell = entry.request;
        SCOPED_TRACE(entry.title);
        EXPECT_EQ(cell.target, 2);
        EXPECT_EQ(cell.seed, 77u);
        EXPECT_EQ(cell.maxBatch, 5);
        EXPECT_FALSE(cell.evaluate);
        if (cell.method == "igos" && cell.resolution == 28)
            EXPECT_EQ(cell.params, mine); // as given: the panel's cell shares its cache entry
        else
            EXPECT_EQ(cell.params, defaultsAt(cell.method, cell.resolution)); // every value spelled out
    }
}

TEST(ComparePlan, SmallModelDropsResolutionsThatDoNotFit)
{
    EXPECT_THAT(cells(comparePlan(chosen("igos", 7), kFashion)),
        ElementsAre(Cell{"igos", 7}, Cell{"igos", 14}, Cell{"igos", 28}, Cell{"igospp", 28},
            Cell{"gradcam", kFixed}, Cell{"ig", kFixed}, Cell{"rise", 7}, Cell{"occlusion", 14}));
    // 10 x 30: the shorter side counts. Only RISE's 7 fits; I-GOS and iGOS++ (default 28) and
    // occlusion (14) are dropped, the fixed-resolution methods stay.
    EXPECT_THAT(cells(comparePlan(chosen("rise", 7), CompareModel{10, 30, true})),
        ElementsAre(Cell{"rise", 7}, Cell{"gradcam", kFixed}, Cell{"ig", kFixed}));
}

TEST(ComparePlan, MethodsNeedingASplitNeedAModelWithOne)
{
    const std::vector<CompareEntry> plan
        = comparePlan(chosen("occlusion", 14), CompareModel{112, 112, false});
    EXPECT_THAT(cells(plan),
        ElementsAre(Cell{"occlusion", 7}, Cell{"occlusion", 14}, Cell{"occlusion", 28}, Cell{"occlusion", 56},
            Cell{"igos", 28}, Cell{"igospp", 28}, Cell{"ig", kFixed}, Cell{"rise", 7}));
}

TEST(ComparePlan, FixedResolutionMethodChosenHasOneCell)
{
    const ParamValues mine = {{"steps", 8}};
    const std::vector<CompareEntry> plan = comparePlan(chosen("ig", kFixed, mine), kCues);
    EXPECT_THAT(cells(plan),
        ElementsAre(Cell{"ig", kFixed}, Cell{"igos", 28}, Cell{"igospp", 28}, Cell{"gradcam", kFixed},
            Cell{"rise", 7}, Cell{"occlusion", 14}));
    EXPECT_EQ(plan.front().request.params, mine);
}

TEST(ComparePlan, ChosenResolutionNotInThePlanLeavesEveryCellAtDefaults)
{
    // 224 does not fit 112 px, so no cell is the chosen one and the chosen params are unused.
    const std::vector<CompareEntry> plan = comparePlan(chosen("igos", 224, {{"iterations", 3}}), kCues);
    ASSERT_EQ(plan.size(), 9u);
    for (const CompareEntry &entry : plan)
        EXPECT_EQ(entry.request.params, defaultsAt(entry.request.method, entry.request.resolution))
            << entry.title;
}

TEST(ComparePlan, UnknownChosenMethodGivesEveryOtherMethod)
{
    EXPECT_THAT(cells(comparePlan(chosen("no-such-method", 28), kCues)),
        ElementsAre(Cell{"igos", 28}, Cell{"igospp", 28}, Cell{"gradcam", kFixed}, Cell{"ig", kFixed},
            Cell{"rise", 7}, Cell{"occlusion", 14}));
}

// A registry of made-up methods: the plan follows whatever the registry holds, in its order.
class FakeMethod : public SaliencyMethod {
public:
    FakeMethod(std::string id, std::vector<int> resolutions, int defaultResolution, bool needsSplit) :
        id_(std::move(id)),
        resolutions_(std::move(resolutions)),
        default_(defaultResolution),
        split_(needsSplit)
    { }
    std::string id() const override { return id_; }
    std::string title() const override { return "Fake " + id_; }
    std::string description() const override { return "made up"; }
    std::vector<int> resolutions() const override { return resolutions_; }
    int defaultResolution() const override { return default_; }
    std::vector<ParamSpec> parameters(int resolution) const override
    {
        return {ParamSpec::number("scale", "resolution-dependent", double(resolution), 0, 1e6)};
    }
    bool needsSplit() const override { return split_; }
    Heatmap run(const SaliencyRequest &, const ProgressFn &, const CancelFlag &) const override { return {}; }

private:
    std::string id_;
    std::vector<int> resolutions_;
    int default_;
    bool split_;
};

TEST(ComparePlan, FollowsAnyRegistry)
{
    MethodRegistry registry;
    registry.add(std::make_unique<FakeMethod>("zeta", std::vector<int>{4, 8, 16}, 8, false));
    registry.add(std::make_unique<FakeMethod>("alpha", std::vector<int>{}, 3, true));
    registry.add(std::make_unique<FakeMethod>("mid", std::vector<int>{2, 32}, 32, false));
    const std::vector<CompareEntry> plan
        = comparePlan(chosen("mid", 2), CompareModel{20, 20, true}, registry);
    EXPECT_THAT(cells(plan), ElementsAre(Cell{"mid", 2}, Cell{"zeta", 8}, Cell{"alpha", kFixed}));
    EXPECT_THAT(titles(plan), ElementsAre("Fake mid 2\u00d72", "Fake zeta 8\u00d78", "Fake alpha"));
    // A fixed-resolution method's params come from its schema at its defaultResolution().
    EXPECT_EQ(plan[2].request.params, (ParamValues{{"scale", 3.0}}));
    EXPECT_EQ(plan[1].request.params, (ParamValues{{"scale", 8.0}}));
    EXPECT_THAT(comparePlan(chosen("mid", 2), CompareModel{1, 1, false}, registry), IsEmpty());

    // The chosen method's other cells take its defaults at their own resolution.
    const std::vector<CompareEntry> zeta
        = comparePlan(chosen("zeta", 8, {{"scale", 0.5}}), CompareModel{20, 20, false}, registry);
    // "mid" (default 32) does not fit 20 px; "alpha" needs a split this model lacks.
    EXPECT_THAT(cells(zeta), ElementsAre(Cell{"zeta", 4}, Cell{"zeta", 8}, Cell{"zeta", 16}));
    EXPECT_EQ(zeta[0].request.params, (ParamValues{{"scale", 4.0}}));
    EXPECT_EQ(zeta[1].request.params, (ParamValues{{"scale", 0.5}}));
    EXPECT_EQ(zeta[2].request.params, (ParamValues{{"scale", 16.0}}));
}

TEST(RequestTitle, NamesTheMethodAndResolution)
{
    EXPECT_EQ(requestTitle(chosen("igos", 28)), "I-GOS 28\u00d728");
    EXPECT_EQ(requestTitle(chosen("igos", kDefaultResolution)), "I-GOS");
    EXPECT_EQ(requestTitle(chosen("gradcam", kDefaultResolution)), "Grad-CAM");
    EXPECT_EQ(requestTitle(chosen("no-such-method", 14)), "no-such-method 14\u00d714");
}

TEST(CompareModelOf, ReadsTheSpec)
{
    ModelSpec spec;
    spec.input.width = 64;
    spec.input.height = 48;
    EXPECT_FALSE(compareModel(spec).hasSplit);
    spec.featuresMethod = "features";
    spec.headMethod = "head";
    const CompareModel model = compareModel(spec);
    EXPECT_EQ(model.inputWidth, 64);
    EXPECT_EQ(model.inputHeight, 48);
    EXPECT_TRUE(model.hasSplit);
}

} // namespace
} // namespace sg
