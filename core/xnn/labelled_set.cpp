#include "xnn/labelled_set.h"

#include "common/csv.h"
#include "common/error.h"
#include "image/image_folder.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sg {

namespace fs = std::filesystem;

namespace {

std::string labelList(const std::vector<std::string> &labels)
{
    std::string text;
    for (size_t i = 0; i < labels.size(); ++i)
        text += (i ? ", " : "") + std::to_string(i) + " \"" + labels[i] + "\"";
    return text;
}

// The class a name stands for (a label, or its index in decimal), or -1.
int classOf(const std::string &name, const std::vector<std::string> &labels)
{
    const auto found = std::find(labels.begin(), labels.end(), name);
    if (found != labels.end())
        return int(found - labels.begin());
    if (name.empty() || name.size() > 9 || !std::all_of(name.begin(), name.end(), ::isdigit))
        return -1;
    const int index = std::stoi(name);
    return index < int(labels.size()) ? index : -1;
}

void checkReadable(const std::string &path, const std::string &manifest, int line)
{
    std::error_code error;
    if (!fs::is_regular_file(path, error))
        throw Error(path, "is missing or not a file (" + manifest + " line " + std::to_string(line) + ")");
    std::ifstream in(path, std::ios::binary);
    if (!in || in.peek() == std::ifstream::traits_type::eof())
        throw Error(path, "cannot be read or is empty (" + manifest + " line " + std::to_string(line) + ")");
}

} // namespace

LabelledSet readLabelledFolder(const std::string &folder, const std::vector<std::string> &labels)
{
    std::error_code error;
    if (!fs::is_directory(folder, error))
        throw Error(folder, "is not a folder");
    std::vector<std::pair<int, std::string>> classFolders;
    for (const fs::directory_entry &entry : fs::directory_iterator(folder, error)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name[0] == '.' || !entry.is_directory(error))
            continue;
        const int label = classOf(name, labels);
        if (label < 0)
            throw Error(entry.path().string(),
                "is not a class of the model: a class folder is named by a label or its index ("
                    + labelList(labels) + ")");
        classFolders.emplace_back(label, entry.path().string());
    }
    if (error)
        throw Error(folder, "cannot be read: " + error.message());
    std::sort(classFolders.begin(), classFolders.end(), [](const auto &a, const auto &b) {
        return a.first != b.first ? a.first < b.first : naturalLess(a.second, b.second);
    });
    LabelledSet set;
    set.source = fs::absolute(folder).string();
    for (const auto &[label, path] : classFolders)
        for (const std::string &image : listImages(path))
            set.images.push_back({image, label});
    if (set.images.empty())
        throw Error(folder,
            "holds no labelled image (expected one subfolder per class, named by a label or its index, "
            "holding "
            "images)");
    return set;
}

LabelledSet readLabelledManifest(const std::string &manifestPath, const std::vector<std::string> &labels)
{
    std::ifstream in(manifestPath);
    if (!in)
        throw Error(manifestPath, "cannot be read");
    const fs::path base = fs::absolute(manifestPath).parent_path();
    LabelledSet set;
    set.source = fs::absolute(manifestPath).string();
    std::string line;
    int lineNumber = 0;
    while (std::getline(in, line)) {
        ++lineNumber;
        const std::string text = trimBlanks(line);
        if (text.empty() || text[0] == '#')
            continue;
        const std::vector<std::string> fields = splitCsvLine(text);
        if (set.images.empty() && lineNumber == 1 && fields.size() == 2 && fields[0] == "file"
            && fields[1] == "label")
            continue;
        const std::string where = "line " + std::to_string(lineNumber);
        if (fields.size() != 2 || fields[0].empty() || fields[1].empty())
            throw Error(manifestPath, where + ": expected two fields `file,label`, got \"" + text + "\"");
        const int label = classOf(fields[1], labels);
        if (label < 0)
            throw Error(manifestPath,
                where + ": \"" + fields[1] + "\" is not a class of the model (" + labelList(labels) + ")");
        fs::path file(fields[0]);
        if (file.is_relative())
            file = base / file;
        const std::string path = file.lexically_normal().string();
        checkReadable(path, manifestPath, lineNumber);
        set.images.push_back({path, label});
    }
    if (in.bad())
        throw Error(manifestPath, "cannot be read");
    if (set.images.empty())
        throw Error(manifestPath, "lists no image");
    return set;
}

LabelledSet readLabelledSet(const std::string &path, const std::vector<std::string> &labels)
{
    std::error_code error;
    if (fs::is_directory(path, error))
        return readLabelledFolder(path, labels);
    if (fs::exists(path, error))
        return readLabelledManifest(path, labels);
    throw Error(path, "does not exist");
}

} // namespace sg
