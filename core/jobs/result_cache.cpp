#include "jobs/result_cache.h"

#include <charconv>
#include <cstdio>
#include <string>

namespace sg {

namespace {

// Quoted, with every quote, backslash and control byte escaped: a field's text ends at its
// first unescaped quote, so no choice of strings can make two different keys read alike, and
// the text stays on one line.
void appendQuoted(std::string &out, const std::string &value)
{
    out += '"';
    for (const char c : value) {
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
    out += '"';
}

// Shortest text that reads back as the same double. -0 is written as 0 because the two compare
// equal, so keys holding them are equal keys.
void appendDouble(std::string &out, double value)
{
    if (value == 0.0)
        value = 0.0;
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
}

} // namespace

std::string ResultKey::text() const
{
    std::string out = "model=";
    appendQuoted(out, modelHash);
    out += " image=";
    appendQuoted(out, imageHash);
    out += " method=";
    appendQuoted(out, method);
    out += " resolution=" + std::to_string(resolution);
    out += " target=" + std::to_string(target);
    out += " params={";
    bool first = true;
    for (const auto &[name, value] : params) { // std::map: sorted, so insertion order is moot
        if (!first)
            out += ',';
        first = false;
        appendQuoted(out, name);
        out += '=';
        appendDouble(out, value);
    }
    out += "} seed=" + std::to_string(seed);
    out += " extra=";
    appendQuoted(out, extra);
    return out;
}

} // namespace sg
