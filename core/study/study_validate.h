#pragma once
// Checking a parsed protocol against the world: unique ids, files that exist, an answer set
// that the model's sidecar labels contain, a method the registry knows, and a complete
// preparation. Every problem comes back with its JSON path. Torch-free header.

#include "study/study_protocol.h"

#include <vector>

namespace sg {

struct ValidationOptions {
    bool requirePrepared = true; // also report an incomplete or outdated preparation (at /prepared)
};

// Reads `path`, parses it and checks it; returns every issue (parse issues first). Reads the
// model's sidecar (not the model), the images' and XNN files' presence, and the prepared folder.
// Any thread; never throws for a problem of the study (each is an issue).
std::vector<StudyIssue> validateStudyFile(const std::string &path, const ValidationOptions &options = {});

// The checks beyond parsing for an already parsed study, appended to `issues`.
void checkStudyReferences(
    const Study &study, const ValidationOptions &options, std::vector<StudyIssue> &issues);

} // namespace sg
