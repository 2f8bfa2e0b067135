#include "common/error.h"

namespace sg {

namespace {
std::string describe(const std::string &subject, const std::string &problem)
{
    return subject.empty() ? problem : subject + ": " + problem;
}
} // namespace

Error::Error(std::string subject, std::string problem) :
    std::runtime_error(describe(subject, problem)), subject_(std::move(subject)), problem_(std::move(problem))
{ }

} // namespace sg
