#include "common/csv.h"

namespace sg {

std::string trimBlanks(const std::string &text)
{
    const size_t begin = text.find_first_not_of(" \t\r");
    if (begin == std::string::npos)
        return "";
    const size_t end = text.find_last_not_of(" \t\r");
    return text.substr(begin, end - begin + 1);
}

std::vector<std::string> splitCsvLine(const std::string &line)
{
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                fields.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                fields.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else {
            fields.back() += c;
        }
    }
    for (std::string &field : fields)
        field = trimBlanks(field);
    return fields;
}

std::string csvQuote(const std::string &text)
{
    std::string clean;
    for (char c : text)
        clean += (c == '\n' || c == '\r') ? ' ' : c;
    if (clean.find_first_of(",\"") == std::string::npos)
        return clean;
    std::string quoted = "\"";
    for (char c : clean)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

} // namespace sg
