#pragma once
// The one exception type core throws for anything a user can cause: a missing or corrupt file,
// a wrong shape, an absurd parameter. It names the file (or other subject) and the problem, so
// the CLI and the GUI can show it verbatim.

#include <stdexcept>
#include <string>

namespace sg {

class Error : public std::runtime_error {
public:
    // `subject` is usually a file path; empty when the error is about no particular file.
    Error(std::string subject, std::string problem);

    const std::string &subject() const { return subject_; }
    const std::string &problem() const { return problem_; }

private:
    std::string subject_;
    std::string problem_;
};

// The device ran out of memory during a model pass. Batched code catches this, halves its batch
// and retries; it reaches the user only when a single image does not fit.
class OutOfMemoryError : public Error {
public:
    using Error::Error;
};

} // namespace sg
