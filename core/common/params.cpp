#include "common/params.h"

#include "common/error.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace sg {

namespace {

const ParamSpec *findSpec(const std::vector<ParamSpec> &schema, const std::string &name)
{
    for (const ParamSpec &spec : schema)
        if (spec.name == name)
            return &spec;
    return nullptr;
}

// The whole of `text` as a double (locale-independent), or nullopt.
std::optional<double> readDouble(const std::string &text)
{
    double value = 0.0;
    const char *end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, value);
    if (text.empty() || result.ec != std::errc() || result.ptr != end)
        return std::nullopt;
    return value;
}

// The whole of `text` as an int64, or nullopt.
std::optional<std::int64_t> readInteger(const std::string &text)
{
    std::int64_t value = 0;
    const char *end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, value);
    if (text.empty() || result.ec != std::errc() || result.ptr != end)
        return std::nullopt;
    return value;
}

std::string lowerCase(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
        [](unsigned char c) { return char(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
    return text;
}

// Shortest text that reads back as the same double.
std::string exactNumberText(double value)
{
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

std::string optionList(const ParamSpec &spec)
{
    std::string list;
    for (const ParamOption &option : spec.options)
        list += (list.empty() ? "" : ", ") + option.name;
    return list;
}

// A value as an error message shows it: `the number 0.5`, `the integer 3`, `true`, `"blur"`.
std::string describe(const ParamValue &value)
{
    std::ostringstream text;
    if (value.isNumber())
        text << "the number " << value.number();
    else if (value.isInteger())
        text << "the integer " << value.integer();
    else if (value.isBoolean())
        text << (value.boolean() ? "true" : "false");
    else
        text << quotedText(value.text());
    return text.str();
}

// What a parameter of `spec`'s kind must be, for an error message.
std::string expected(const ParamSpec &spec)
{
    switch (spec.kind) {
    case ParamKind::Number: return "a number";
    case ParamKind::Integer: return "a whole number";
    case ParamKind::Choice: return "one of " + optionList(spec);
    case ParamKind::Boolean: return "true or false";
    case ParamKind::Path: return "a path";
    }
    return {};
}

// `value` checked against `spec` and converted to the kind's type. Throws sg::Error.
ParamValue resolveOne(const std::string &ownerId, const ParamSpec &spec, const ParamValue &value)
{
    const std::string subject = ownerId + ": parameter \"" + spec.name + "\"";
    const auto wrongType
        = [&] { return Error("", subject + " must be " + expected(spec) + ", not " + describe(value)); };
    switch (spec.kind) {
    case ParamKind::Number:
    case ParamKind::Integer: {
        if (!value.isNumber() && !value.isInteger())
            throw wrongType();
        const double number = value.isNumber() ? value.number() : double(value.integer());
        if (!std::isfinite(number) || number < spec.minimum || number > spec.maximum) {
            std::ostringstream text;
            text << subject << " is ";
            if (value.isNumber())
                text << number;
            else
                text << value.integer();
            text << ", must be in [" << spec.minimum << ", " << spec.maximum << "]";
            throw Error("", text.str());
        }
        if (spec.kind == ParamKind::Number)
            return number;
        if (value.isInteger())
            return value;
        if (std::floor(number) != number) {
            std::ostringstream text;
            text << subject << " must be a whole number, not " << number;
            throw Error("", text.str());
        }
        return std::int64_t(number);
    }
    case ParamKind::Choice:
        if (!value.isText())
            throw wrongType();
        if (spec.optionIndex(value.text()) < 0)
            throw Error("",
                subject + " has no option " + quotedText(value.text()) + " (choose one of " + optionList(spec)
                    + ")");
        return value;
    case ParamKind::Boolean:
        if (!value.isBoolean())
            throw wrongType();
        return value;
    case ParamKind::Path:
        if (!value.isText())
            throw wrongType();
        return value;
    }
    return value;
}

} // namespace

const char *paramKindName(ParamKind kind)
{
    switch (kind) {
    case ParamKind::Number: return "number";
    case ParamKind::Integer: return "integer";
    case ParamKind::Choice: return "choice";
    case ParamKind::Boolean: return "boolean";
    case ParamKind::Path: return "path";
    }
    return "";
}

ParamSpec ParamSpec::number(
    std::string name, std::string description, double defaultValue, double minimum, double maximum)
{
    ParamSpec spec;
    spec.name = std::move(name);
    spec.description = std::move(description);
    spec.kind = ParamKind::Number;
    spec.defaultValue = defaultValue;
    spec.minimum = minimum;
    spec.maximum = maximum;
    return spec;
}

ParamSpec ParamSpec::integer(std::string name, std::string description, std::int64_t defaultValue,
    std::int64_t minimum, std::int64_t maximum)
{
    ParamSpec spec;
    spec.name = std::move(name);
    spec.description = std::move(description);
    spec.kind = ParamKind::Integer;
    spec.defaultValue = defaultValue;
    spec.minimum = double(minimum);
    spec.maximum = double(maximum);
    return spec;
}

ParamSpec ParamSpec::choice(
    std::string name, std::string description, std::string defaultOption, std::vector<ParamOption> options)
{
    ParamSpec spec;
    spec.name = std::move(name);
    spec.description = std::move(description);
    spec.kind = ParamKind::Choice;
    spec.defaultValue = std::move(defaultOption);
    spec.options = std::move(options);
    return spec;
}

ParamSpec ParamSpec::boolean(std::string name, std::string description, bool defaultValue)
{
    ParamSpec spec;
    spec.name = std::move(name);
    spec.description = std::move(description);
    spec.kind = ParamKind::Boolean;
    spec.defaultValue = defaultValue;
    return spec;
}

ParamSpec ParamSpec::path(std::string name, std::string description, std::string defaultValue)
{
    ParamSpec spec;
    spec.name = std::move(name);
    spec.description = std::move(description);
    spec.kind = ParamKind::Path;
    spec.defaultValue = std::move(defaultValue);
    return spec;
}

int ParamSpec::optionIndex(const std::string &option) const
{
    for (size_t i = 0; i < options.size(); ++i)
        if (options[i].name == option)
            return int(i);
    return -1;
}

ParamValues resolveParams(
    const std::string &ownerId, const std::vector<ParamSpec> &schema, const ParamValues &given)
{
    ParamValues resolved;
    for (const ParamSpec &spec : schema)
        resolved[spec.name] = spec.defaultValue;
    for (const auto &[name, value] : given) {
        const ParamSpec *spec = findSpec(schema, name);
        if (!spec) {
            std::string known;
            for (const ParamSpec &s : schema)
                known += (known.empty() ? "" : ", ") + s.name;
            throw Error("", ownerId + ": unknown parameter \"" + name + "\" (known: " + known + ")");
        }
        resolved[name] = resolveOne(ownerId, *spec, value);
    }
    return resolved;
}

std::optional<ParamValue> parseParamValue(const ParamSpec &spec, const std::string &text)
{
    switch (spec.kind) {
    case ParamKind::Number:
        if (const auto number = readDouble(text))
            return ParamValue(*number);
        return std::nullopt;
    case ParamKind::Integer:
        if (const auto integer = readInteger(text))
            return ParamValue(*integer);
        if (const auto number = readDouble(text))
            return ParamValue(*number);
        return std::nullopt;
    case ParamKind::Choice: {
        if (spec.optionIndex(text) >= 0)
            return ParamValue(text);
        // The old numeric spelling: the option's index ("1", also "1.0").
        const auto index = readDouble(text);
        if (index && *index >= 0 && *index < double(spec.options.size()) && std::floor(*index) == *index)
            return ParamValue(spec.options[size_t(*index)].name);
        return ParamValue(text);
    }
    case ParamKind::Boolean: {
        const std::string word = lowerCase(text);
        if (word == "true" || word == "yes" || word == "1")
            return ParamValue(true);
        if (word == "false" || word == "no" || word == "0")
            return ParamValue(false);
        return std::nullopt;
    }
    case ParamKind::Path: return ParamValue(text);
    }
    return std::nullopt;
}

ParamValues parseParamAssignments(const std::string &ownerId, const std::vector<ParamSpec> &schema,
    const std::vector<std::string> &assignments)
{
    ParamValues values;
    for (const std::string &assignment : assignments) {
        const size_t equals = assignment.find('=');
        if (equals == std::string::npos || equals == 0)
            throw Error("", ownerId + ": --param \"" + assignment + "\" must look like NAME=VALUE");
        const std::string name = assignment.substr(0, equals);
        const std::string text = assignment.substr(equals + 1);
        const ParamSpec *spec = findSpec(schema, name);
        if (!spec) {
            values[name] = text; // resolveParams() names it unknown, with the known names
            continue;
        }
        const std::optional<ParamValue> value = parseParamValue(*spec, text);
        if (!value) {
            const bool boolean = spec->kind == ParamKind::Boolean;
            throw Error("",
                ownerId + ": --param " + name + ": " + quotedText(text)
                    + (boolean ? " is not a boolean (true, false, yes, no, 1 or 0)" : " is not a number"));
        }
        values[name] = *value;
    }
    return values;
}

std::string paramValueText(const ParamValue &value)
{
    if (value.isNumber())
        return exactNumberText(value.number());
    if (value.isInteger())
        return std::to_string(value.integer());
    if (value.isBoolean())
        return value.boolean() ? "true" : "false";
    return value.text();
}

std::string canonicalText(const ParamValues &values)
{
    std::string out = "{";
    for (const auto &[name, value] : values) {
        if (out.size() > 1)
            out += ',';
        out += quotedText(name);
        out += '=';
        if (value.isNumber()) {
            // -0 is written as 0 because the two compare equal, so values holding them are equal.
            std::string number = exactNumberText(value.number() == 0.0 ? 0.0 : value.number());
            if (number.find_first_not_of("-0123456789") == std::string::npos)
                number += ".0";
            out += number;
        } else if (value.isText()) {
            out += quotedText(value.text());
        } else {
            out += paramValueText(value);
        }
    }
    return out + "}";
}

std::string quotedText(const std::string &text)
{
    std::string out = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

} // namespace sg
