#pragma once
// Typed parameters. Every analysis (a saliency method, a SAG search, an XNN training) declares
// a schema of ParamSpecs; a request carries ParamValues; resolveParams() is the one place that
// checks values against a schema. The text forms serve the CLI (`--param NAME=VALUE`), the
// GUI's settings and the cache keys. Torch-free; every function is pure and callable from any
// thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sg {

enum class ParamKind {
    Number, // a real number in [minimum, maximum]
    Integer, // a whole number in [minimum, maximum]
    Choice, // one of named options
    Boolean, // on or off
    Path, // a file path (may be empty: none)
};

// "number", "integer", "choice", "boolean", "path".
const char *paramKindName(ParamKind kind);

// One parameter value: a number (double), an integer, a boolean, or a text (a choice's option
// name or a path). resolveParams() gives every value the type of its parameter's kind.
class ParamValue {
public:
    ParamValue() = default; // the number 0
    ParamValue(double value) : value_(value) { }
    ParamValue(int value) : value_(std::int64_t(value)) { }
    ParamValue(std::int64_t value) : value_(value) { }
    ParamValue(bool value) : value_(value) { }
    ParamValue(std::string value) : value_(std::move(value)) { }
    ParamValue(const char *value) : value_(std::string(value)) { }

    bool isNumber() const { return std::holds_alternative<double>(value_); }
    bool isInteger() const { return std::holds_alternative<std::int64_t>(value_); }
    bool isBoolean() const { return std::holds_alternative<bool>(value_); }
    bool isText() const { return std::holds_alternative<std::string>(value_); }

    // The value as its own type; throws std::bad_variant_access when it holds another one (a
    // resolved value of a Number parameter is a number, of an Integer an integer, of a Boolean
    // a boolean, of a Choice or Path a text).
    double number() const { return std::get<double>(value_); }
    std::int64_t integer() const { return std::get<std::int64_t>(value_); }
    bool boolean() const { return std::get<bool>(value_); }
    const std::string &text() const { return std::get<std::string>(value_); }

    // Equal when of the same type and equal value (the number 1 is not the integer 1; -0 == 0).
    friend bool operator==(const ParamValue &a, const ParamValue &b) { return a.value_ == b.value_; }
    friend bool operator!=(const ParamValue &a, const ParamValue &b) { return !(a == b); }

private:
    std::variant<double, std::int64_t, bool, std::string> value_;
};

// Parameter name -> value. A std::map, so equal contents compare equal and iterate in one order.
using ParamValues = std::map<std::string, ParamValue>;

// One option of a Choice parameter.
struct ParamOption {
    std::string name; // what the CLI, result.json and the settings spell: "blur"
    std::string description; // one line, shown by the GUI and `sightglass-cli methods`
};

// One parameter of a schema. Build it with the factory of its kind.
struct ParamSpec {
    std::string name;
    std::string description; // one line, shown as a tooltip and by `sightglass-cli methods`
    ParamKind kind = ParamKind::Number;
    ParamValue defaultValue; // of the kind's type (a Choice: an option's name)
    double minimum = 0.0; // Number, Integer: the inclusive range
    double maximum = 0.0;
    // Choice: in the order offered. An option's index is its old numeric spelling (`fill=1`),
    // which parseParamValue() still reads, so a new option goes at the end.
    std::vector<ParamOption> options;

    static ParamSpec number(
        std::string name, std::string description, double defaultValue, double minimum, double maximum);
    static ParamSpec integer(std::string name, std::string description, std::int64_t defaultValue,
        std::int64_t minimum, std::int64_t maximum);
    static ParamSpec choice(std::string name, std::string description, std::string defaultOption,
        std::vector<ParamOption> options);
    static ParamSpec boolean(std::string name, std::string description, bool defaultValue);
    static ParamSpec path(std::string name, std::string description, std::string defaultValue = {});

    // The index of the option called `option`, or -1 (also for kinds other than Choice).
    int optionIndex(const std::string &option) const;
};

// Checks `given` against `schema` and fills in the defaults: the result holds every parameter
// of the schema, each value of its kind's type. An integer is taken for a Number, a whole
// number for an Integer; nothing else is converted. Throws sg::Error whose message starts with
// `ownerId` (the method's or analysis's id) and names the parameter, for: a name the schema
// lacks, a value of the wrong type, a number that is not finite or out of range, a fraction
// for an Integer, a name that is not one of a Choice's options.
ParamValues resolveParams(
    const std::string &ownerId, const std::vector<ParamSpec> &schema, const ParamValues &given);

// Reads `text` as a value of `spec`'s kind, or nullopt when it cannot be one:
//   Number   a decimal number ("0.5", "1e-3"), independent of the locale
//   Integer  a whole number ("64"); a fraction or exponent reads as a number ("2.5"), which
//            resolveParams() then rejects with its usual message
//   Choice   an option's name, or the option's index ("1", the old numeric spelling); any
//            other text is kept as it is for resolveParams() to reject with the options listed
//   Boolean  true/false, yes/no, 1/0 (any letter case)
//   Path     the text as it is
// Reads back paramValueText() of a value of the kind as the same value.
std::optional<ParamValue> parseParamValue(const ParamSpec &spec, const std::string &text);

// Reads command-line assignments "NAME=VALUE" against `schema` with parseParamValue(). A name
// the schema lacks keeps its value as text, so resolveParams() reports it with the known names;
// a later assignment of a name replaces an earlier one. Throws sg::Error, starting with
// `ownerId`, for an assignment without a name or '=', or a value its kind cannot read.
ParamValues parseParamAssignments(const std::string &ownerId, const std::vector<ParamSpec> &schema,
    const std::vector<std::string> &assignments);

// The plain text of a value: a number as the shortest text that reads back exactly, an integer's
// digits, "true"/"false", a text as it is. For display and the GUI's settings.
std::string paramValueText(const ParamValue &value);

// The canonical one-line text of `values`, for cache keys: {"name"=value,...} in name order,
// names and texts quoted and escaped (quotedText), numbers exact (shortest round-trip text,
// -0 as 0, always with a '.' or an exponent, so the number 1 reads "1.0" and the integer 1
// "1"), booleans true/false. Equal values give equal text, different values different text.
std::string canonicalText(const ParamValues &values);

// `text` in double quotes with every quote and backslash escaped and control bytes written as
// \xHH: a quoted field ends at its first unescaped quote, so no two strings read alike.
std::string quotedText(const std::string &text);

} // namespace sg
