// Typed parameters (issue 9): the schema kinds, the one validation (resolveParams) with each of
// its errors, the command-line parser with the old numeric spellings, and the canonical text of
// cache keys with exact, round-trippable doubles.

#include "common/error.h"
#include "common/params.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace sg {
namespace {

using ::testing::HasSubstr;

// One parameter of every kind.
std::vector<ParamSpec> schema()
{
    return {
        ParamSpec::number("rate", "a real number", 0.5, 0.0, 1.0),
        ParamSpec::integer("steps", "a whole number", 20, 1, 1000),
        ParamSpec::choice("fill", "what covers a window", "blur",
            {{"blur", "the blurred image"}, {"black", "zero pixels"}, {"mean", "the mean colour"}}),
        ParamSpec::boolean("exact", "on or off", false),
        ParamSpec::path("weights", "a file", ""),
    };
}

const ParamSpec &specNamed(const std::vector<ParamSpec> &specs, const std::string &name)
{
    for (const ParamSpec &spec : specs)
        if (spec.name == name)
            return spec;
    throw std::logic_error("no spec " + name);
}

// The problem of the sg::Error resolveParams throws for `given` (empty when it throws none).
std::string resolveError(const ParamValues &given)
{
    try {
        resolveParams("toy", schema(), given);
    } catch (const Error &error) {
        return error.problem();
    }
    return {};
}

std::string parseError(const std::vector<std::string> &assignments)
{
    try {
        parseParamAssignments("toy", schema(), assignments);
    } catch (const Error &error) {
        return error.problem();
    }
    return {};
}

ParamValue parsed(const std::string &name, const std::string &text)
{
    return parseParamAssignments("toy", schema(), {name + "=" + text}).at(name);
}

// ------------------------------------------------------------------------ schema and values

TEST(ParamSpec, FactoriesSetTheKindAndTheDefaultOfItsType)
{
    const auto specs = schema();
    EXPECT_EQ(specNamed(specs, "rate").kind, ParamKind::Number);
    EXPECT_TRUE(specNamed(specs, "rate").defaultValue.isNumber());
    EXPECT_EQ(specNamed(specs, "steps").kind, ParamKind::Integer);
    EXPECT_EQ(specNamed(specs, "steps").defaultValue, ParamValue(20));
    EXPECT_EQ(specNamed(specs, "steps").maximum, 1000.0);
    const ParamSpec &fill = specNamed(specs, "fill");
    EXPECT_EQ(fill.kind, ParamKind::Choice);
    EXPECT_EQ(fill.defaultValue, ParamValue("blur"));
    EXPECT_EQ(fill.optionIndex("black"), 1);
    EXPECT_EQ(fill.optionIndex("grey"), -1);
    EXPECT_EQ(specNamed(specs, "exact").defaultValue, ParamValue(false));
    EXPECT_EQ(specNamed(specs, "weights").defaultValue, ParamValue(""));
    EXPECT_STREQ(paramKindName(ParamKind::Number), "number");
    EXPECT_STREQ(paramKindName(ParamKind::Integer), "integer");
    EXPECT_STREQ(paramKindName(ParamKind::Choice), "choice");
    EXPECT_STREQ(paramKindName(ParamKind::Boolean), "boolean");
    EXPECT_STREQ(paramKindName(ParamKind::Path), "path");
}

TEST(ParamValue, EqualOnlyForTheSameTypeAndValue)
{
    EXPECT_EQ(ParamValue(0.5), ParamValue(0.5));
    EXPECT_EQ(ParamValue(-0.0), ParamValue(0.0));
    EXPECT_NE(ParamValue(1.0), ParamValue(1)); // a number is not an integer
    EXPECT_NE(ParamValue(1), ParamValue(true));
    EXPECT_NE(ParamValue("1"), ParamValue(1));
    EXPECT_EQ(ParamValue("blur"), ParamValue(std::string("blur")));
    const ParamValues a = {{"fill", "blur"}, {"steps", 3}};
    ParamValues b = {{"steps", 3}, {"fill", "blur"}};
    EXPECT_EQ(a, b);
    b["steps"] = 3.0;
    EXPECT_NE(a, b);
}

// ------------------------------------------------------------------------ resolveParams

TEST(ResolveParams, FillsEveryDefaultWithItsKindsType)
{
    const ParamValues resolved = resolveParams("toy", schema(), {});
    const ParamValues expected
        = {{"rate", 0.5}, {"steps", 20}, {"fill", "blur"}, {"exact", false}, {"weights", ""}};
    EXPECT_EQ(resolved, expected);
}

TEST(ResolveParams, KeepsGivenValuesAndConvertsOnlyBetweenNumbers)
{
    const ParamValues resolved = resolveParams("toy", schema(),
        {{"rate", 1}, {"steps", 64.0}, {"fill", "black"}, {"exact", true}, {"weights", "/tmp/w.pt"}});
    EXPECT_EQ(resolved.at("rate"), ParamValue(1.0)); // an integer for a number
    EXPECT_EQ(resolved.at("steps"), ParamValue(64)); // a whole number for an integer
    EXPECT_EQ(resolved.at("fill"), ParamValue("black"));
    EXPECT_EQ(resolved.at("exact"), ParamValue(true));
    EXPECT_EQ(resolved.at("weights"), ParamValue("/tmp/w.pt"));
    // Resolving is idempotent.
    EXPECT_EQ(resolveParams("toy", schema(), resolved), resolved);
}

TEST(ResolveParams, RejectsAnUnknownNameListingTheKnownOnes)
{
    EXPECT_EQ(resolveError({{"stepz", 3}}),
        "toy: unknown parameter \"stepz\" (known: rate, steps, fill, exact, weights)");
}

TEST(ResolveParams, RejectsNumbersOutOfRangeOrNotFinite)
{
    EXPECT_EQ(resolveError({{"steps", -3}}), "toy: parameter \"steps\" is -3, must be in [1, 1000]");
    EXPECT_EQ(resolveError({{"steps", 1001}}), "toy: parameter \"steps\" is 1001, must be in [1, 1000]");
    EXPECT_EQ(resolveError({{"rate", 1.5}}), "toy: parameter \"rate\" is 1.5, must be in [0, 1]");
    EXPECT_EQ(resolveError({{"rate", -1e-9}}), "toy: parameter \"rate\" is -1e-09, must be in [0, 1]");
    EXPECT_THAT(resolveError({{"rate", std::nan("")}}), HasSubstr("toy: parameter \"rate\" is nan"));
    EXPECT_THAT(resolveError({{"steps", std::numeric_limits<double>::infinity()}}),
        HasSubstr("toy: parameter \"steps\" is inf"));
    // The bounds themselves are in range.
    EXPECT_EQ(resolveError({{"rate", 0.0}, {"steps", 1000}}), "");
}

TEST(ResolveParams, RejectsFractionsForIntegers)
{
    EXPECT_EQ(resolveError({{"steps", 2.5}}), "toy: parameter \"steps\" must be a whole number, not 2.5");
}

TEST(ResolveParams, RejectsUnknownChoiceNamesListingTheOptions)
{
    EXPECT_EQ(resolveError({{"fill", "grey"}}),
        "toy: parameter \"fill\" has no option \"grey\" (choose one of blur, black, mean)");
    EXPECT_EQ(resolveError({{"fill", ""}}),
        "toy: parameter \"fill\" has no option \"\" (choose one of blur, black, mean)");
    EXPECT_EQ(resolveError({{"fill", "Black"}}), // names are exact
        "toy: parameter \"fill\" has no option \"Black\" (choose one of blur, black, mean)");
}

TEST(ResolveParams, RejectsValuesOfTheWrongType)
{
    // The numeric spellings are the parser's business; a C++ caller passes the typed value.
    EXPECT_EQ(resolveError({{"fill", 1}}),
        "toy: parameter \"fill\" must be one of blur, black, mean, not the integer 1");
    EXPECT_EQ(
        resolveError({{"exact", 1}}), "toy: parameter \"exact\" must be true or false, not the integer 1");
    EXPECT_EQ(resolveError({{"rate", true}}), "toy: parameter \"rate\" must be a number, not true");
    EXPECT_EQ(resolveError({{"steps", "20"}}), "toy: parameter \"steps\" must be a whole number, not \"20\"");
    EXPECT_EQ(
        resolveError({{"weights", 0.5}}), "toy: parameter \"weights\" must be a path, not the number 0.5");
}

TEST(ResolveParams, ErrorsAreSgErrorsWithoutASubject)
{
    try {
        resolveParams("igos", schema(), {{"fill", "grey"}});
        FAIL() << "no error";
    } catch (const Error &error) {
        EXPECT_EQ(error.subject(), "");
        EXPECT_EQ(error.problem().rfind("igos: ", 0), 0u) << error.problem();
    }
}

// ------------------------------------------------------------------------ the parser

TEST(ParseParams, ReadsEachKind)
{
    EXPECT_EQ(parsed("rate", "0.25"), ParamValue(0.25));
    EXPECT_EQ(parsed("rate", "1e-3"), ParamValue(1e-3));
    EXPECT_EQ(parsed("steps", "64"), ParamValue(64));
    EXPECT_EQ(parsed("fill", "black"), ParamValue("black"));
    EXPECT_EQ(parsed("weights", "/data/a=b.pt"), ParamValue("/data/a=b.pt")); // split at the first '='
    EXPECT_EQ(parsed("weights", ""), ParamValue(""));
}

TEST(ParseParams, ReadsTheOldNumericSpellingOfAChoiceAsThatOption)
{
    EXPECT_EQ(parsed("fill", "0"), ParamValue("blur"));
    EXPECT_EQ(parsed("fill", "1"), ParamValue("black"));
    EXPECT_EQ(parsed("fill", "2"), ParamValue("mean"));
    EXPECT_EQ(parsed("fill", "1.0"), ParamValue("black"));
    // No such index: kept as text, so resolveParams names it with the options.
    EXPECT_EQ(parsed("fill", "3"), ParamValue("3"));
    EXPECT_EQ(parsed("fill", "-1"), ParamValue("-1"));
    EXPECT_EQ(parsed("fill", "0.5"), ParamValue("0.5"));
    EXPECT_THAT(resolveError({{"fill", parsed("fill", "3")}}), HasSubstr("has no option \"3\""));
}

TEST(ParseParams, ReadsBooleansInEverySpelling)
{
    for (const char *yes : {"true", "1", "yes", "TRUE", "Yes"})
        EXPECT_EQ(parsed("exact", yes), ParamValue(true)) << yes;
    for (const char *no : {"false", "0", "no", "False", "NO"})
        EXPECT_EQ(parsed("exact", no), ParamValue(false)) << no;
    EXPECT_EQ(parseError({"exact=maybe"}),
        "toy: --param exact: \"maybe\" is not a boolean (true, false, yes, no, 1 or 0)");
    EXPECT_THAT(parseError({"exact=2"}), HasSubstr("is not a boolean"));
}

TEST(ParseParams, RejectsTextThatIsNotANumber)
{
    EXPECT_EQ(parseError({"steps=many"}), "toy: --param steps: \"many\" is not a number");
    EXPECT_EQ(parseError({"rate=0.5x"}), "toy: --param rate: \"0.5x\" is not a number");
    EXPECT_EQ(parseError({"rate="}), "toy: --param rate: \"\" is not a number");
    EXPECT_EQ(parseError({"rate= 0.5"}), "toy: --param rate: \" 0.5\" is not a number");
}

TEST(ParseParams, LeavesRangeAndFractionsToTheValidation)
{
    EXPECT_EQ(parsed("steps", "2.5"), ParamValue(2.5));
    EXPECT_EQ(resolveError({{"steps", parsed("steps", "2.5")}}),
        "toy: parameter \"steps\" must be a whole number, not 2.5");
    EXPECT_EQ(resolveError({{"steps", parsed("steps", "-3")}}),
        "toy: parameter \"steps\" is -3, must be in [1, 1000]");
    EXPECT_EQ(
        resolveParams("toy", schema(), {{"steps", parsed("steps", "1e2")}}).at("steps"), ParamValue(100));
}

TEST(ParseParams, RejectsAssignmentsWithoutANameOrEquals)
{
    EXPECT_EQ(parseError({"steps"}), "toy: --param \"steps\" must look like NAME=VALUE");
    EXPECT_EQ(parseError({"=3"}), "toy: --param \"=3\" must look like NAME=VALUE");
}

TEST(ParseParams, KeepsUnknownNamesForTheValidationToReport)
{
    const ParamValues values = parseParamAssignments("toy", schema(), {"stepz=3"});
    EXPECT_EQ(values.at("stepz"), ParamValue("3"));
    EXPECT_THAT(resolveError(values), HasSubstr("toy: unknown parameter \"stepz\""));
}

TEST(ParseParams, ALaterAssignmentReplacesAnEarlierOne)
{
    const ParamValues values = parseParamAssignments("toy", schema(), {"steps=3", "fill=1", "steps=4"});
    EXPECT_EQ(values, (ParamValues{{"steps", 4}, {"fill", "black"}}));
}

TEST(ParseParams, ReadsBackTheTextOfEveryValue)
{
    const auto specs = schema();
    const std::vector<std::pair<std::string, ParamValue>> values = {{"rate", 0.1}, {"rate", 0.1 + 0.2},
        {"rate", 1.0 / 3.0}, {"rate", 5e-324}, {"rate", 1.7976931348623157e308}, {"rate", -2.5e-17},
        {"rate", std::nextafter(1.0, 2.0)}, {"steps", 7}, {"steps", -9000000000}, {"fill", "mean"},
        {"exact", true}, {"exact", false}, {"weights", "/a path/with spaces"}};
    for (const auto &[name, value] : values) {
        const std::string text = paramValueText(value);
        const auto back = parseParamValue(specNamed(specs, name), text);
        ASSERT_TRUE(back) << name << " " << text;
        EXPECT_EQ(*back, value) << name << " " << text;
    }
}

// ------------------------------------------------------------------------ canonical text

// The number written for `value` in the canonical text of {"x": value}.
std::string canonicalNumber(double value)
{
    const std::string text = canonicalText({{"x", value}});
    const std::string prefix = "{\"x\"=";
    EXPECT_EQ(text.substr(0, prefix.size()), prefix);
    EXPECT_EQ(text.back(), '}');
    return text.substr(prefix.size(), text.size() - prefix.size() - 1);
}

TEST(CanonicalText, WritesDoublesExactlyAndReadably)
{
    for (const double value : {0.1, 0.1 + 0.2, 1.0 / 3.0, 1e-300, 5e-324, 1.7976931348623157e308, 123456789.0,
             -42.0, std::nextafter(0.01, 1.0), 3.141592653589793}) {
        const std::string text = canonicalNumber(value);
        double back = 0.0;
        const auto result = std::from_chars(text.data(), text.data() + text.size(), back);
        ASSERT_EQ(result.ec, std::errc()) << text;
        ASSERT_EQ(result.ptr, text.data() + text.size()) << text;
        EXPECT_EQ(std::memcmp(&back, &value, sizeof value), 0) << text << " reads back as another double";
    }
    EXPECT_EQ(canonicalNumber(0.3), "0.3");
    EXPECT_EQ(canonicalNumber(0.1 + 0.2), "0.30000000000000004");
    EXPECT_EQ(canonicalNumber(1000.0), "1000.0"); // never like an integer
    EXPECT_EQ(canonicalNumber(-0.0), "0.0"); // -0 == 0
}

TEST(CanonicalText, WritesEveryKindDistinctly)
{
    const ParamValues values
        = {{"rate", 1.0}, {"steps", 1}, {"fill", "blur"}, {"exact", true}, {"weights", "a \"b\"\\c\n"}};
    EXPECT_EQ(canonicalText(values),
        "{\"exact\"=true,\"fill\"=\"blur\",\"rate\"=1.0,\"steps\"=1,\"weights\"=\"a \\\"b\\\"\\\\c\\x0a\"}");
    EXPECT_EQ(canonicalText({}), "{}");
    // The same digits as different types give different text.
    const std::vector<ParamValue> lookalikes = {1.0, 1, true, "1", "true", "1.0"};
    for (size_t i = 0; i < lookalikes.size(); ++i)
        for (size_t j = 0; j < lookalikes.size(); ++j)
            EXPECT_EQ(canonicalText({{"x", lookalikes[i]}}) == canonicalText({{"x", lookalikes[j]}}), i == j)
                << i << " " << j;
}

TEST(CanonicalText, NamesAndTextsCannotRunIntoEachOther)
{
    EXPECT_NE(canonicalText({{"a=1,b", 2}}), canonicalText({{"a", 1}, {"b", 2}}));
    EXPECT_NE(canonicalText({{"a", "x\",\"b\"=\"y"}}), canonicalText({{"a", "x"}, {"b", "y"}}));
    EXPECT_EQ(quotedText("a\"b\\c\x7f"), "\"a\\\"b\\\\c\\x7f\"");
}

} // namespace
} // namespace sg
