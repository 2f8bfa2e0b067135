#include "cli_output.h"

#include "common/error.h"

#include <csignal>
#include <filesystem>
#include <fstream>

namespace sg::cli {

namespace fs = std::filesystem;

namespace {
CancelFlag interrupted{false};
extern "C" void onInterrupt(int)
{
    interrupted = true;
}
} // namespace

const CancelFlag &interruptFlag()
{
    static const bool installed = (std::signal(SIGINT, onInterrupt), true);
    (void)installed;
    return interrupted;
}

void cancelOnTerminate()
{
    interruptFlag();
    std::signal(SIGTERM, onInterrupt);
}

void writeTextFile(const std::string &path, const std::string &text)
{
    std::ofstream out(path, std::ios::binary);
    out << text;
    out.close();
    if (!out)
        throw Error(path, "cannot write file (disk full?)");
}

std::string temporaryName(const std::string &name)
{
    return "." + name + ".partial";
}

void replaceFile(const std::string &path, const std::string &text)
{
    const fs::path final(path);
    const fs::path temporary = final.parent_path() / temporaryName(final.filename().string());
    writeTextFile(temporary.string(), text);
    std::error_code ec;
    fs::rename(temporary, final, ec);
    if (ec) {
        const std::string problem = "cannot write (" + ec.message() + ")";
        fs::remove(temporary, ec);
        throw Error(path, problem);
    }
}

ResultFiles::ResultFiles(std::string directory, std::vector<std::string> names, bool overwrite) :
    directory_(std::move(directory)), names_(std::move(names))
{
    std::error_code ec;
    if (fs::exists(directory_, ec) && !fs::is_directory(directory_, ec))
        throw Error(directory_, "exists and is not a directory");
    if (!fs::exists(directory_, ec)) {
        if (!fs::create_directories(directory_, ec))
            throw Error(directory_, "cannot create directory (" + ec.message() + ")");
        createdDirectory_ = true;
    }
    if (!overwrite)
        for (const std::string &name : names_)
            if (fs::exists(fs::path(directory_) / name, ec))
                throw Error((fs::path(directory_) / name).string(),
                    "already exists; pass --force to overwrite, or choose another --out");
}

ResultFiles::~ResultFiles()
{
    std::error_code ec;
    for (const std::string &name : names_)
        fs::remove(temporaryPath(name), ec);
    if (createdDirectory_ && !committed_)
        fs::remove(directory_, ec); // only succeeds when empty
}

std::string ResultFiles::temporaryPath(const std::string &name) const
{
    return (fs::path(directory_) / temporaryName(name)).string();
}

void ResultFiles::commit()
{
    for (const std::string &name : names_) {
        std::error_code ec;
        fs::rename(temporaryPath(name), fs::path(directory_) / name, ec);
        if (ec)
            throw Error((fs::path(directory_) / name).string(), "cannot write (" + ec.message() + ")");
    }
    committed_ = true;
}

} // namespace sg::cli
