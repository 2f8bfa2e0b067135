#pragma once
// Writing a command's result files all-or-nothing: files are written under temporary names and
// renamed into place only when every one succeeded, so a cancelled or failed run leaves no
// partial files, and existing results are never overwritten without --force.

#include "common/cancel.h"

#include <string>
#include <vector>

namespace sg::cli {

// The flag Ctrl-C sets, so a long run cancels between batches (the SIGINT handler is installed
// on the first call). Main thread.
const CancelFlag &interruptFlag();

// Makes SIGTERM (what Slurm sends at a time limit or pre-emption) set interruptFlag() too, so a
// long run stops between batches and keeps what it finished. Main thread.
void cancelOnTerminate();

// Writes `text` to `path`. Throws sg::Error naming the file when the write fails.
void writeTextFile(const std::string &path, const std::string &text);

// Replaces `path` with `text` all-or-nothing: writes a hidden temporary file beside it
// (".NAME.partial") and renames it into place, so a reader (or a kill) never sees half a file.
// Throws sg::Error naming the file when the write or the rename fails.
void replaceFile(const std::string &path, const std::string &text);

// The hidden temporary name of `name` (".NAME.partial"), which ResultFiles and replaceFile()
// write before renaming.
std::string temporaryName(const std::string &name);

class ResultFiles {
public:
    // Checks that `directory` can take `names` (creating it when missing). Throws sg::Error when
    // one of them exists and `overwrite` is false, or the directory cannot be created.
    ResultFiles(std::string directory, std::vector<std::string> names, bool overwrite);
    // Removes any temporary file left behind, and the directory if this object created it and
    // nothing was committed.
    ~ResultFiles();

    // The temporary path to write `name` to.
    std::string temporaryPath(const std::string &name) const;
    // Renames every temporary file to its final name.
    void commit();

private:
    std::string directory_;
    std::vector<std::string> names_;
    bool createdDirectory_ = false;
    bool committed_ = false;
};

} // namespace sg::cli
