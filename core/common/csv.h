#pragma once
// The little CSV that manifests and batch summaries use: one record a line, fields separated by
// commas, a field in double quotes may hold commas and doubled quotes. Pure; any thread.

#include <string>
#include <vector>

namespace sg {

// `text` without leading and trailing blanks (spaces, tabs, '\r').
std::string trimBlanks(const std::string &text);

// The fields of one line, each trimmed of surrounding blanks (and a trailing '\r').
std::vector<std::string> splitCsvLine(const std::string &line);

// `text` as one field: quoted when it holds a comma or a quote; newlines become spaces, so a
// record stays on one line.
std::string csvQuote(const std::string &text);

} // namespace sg
