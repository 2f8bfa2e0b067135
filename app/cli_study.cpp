// sightglass-cli study validate FILE [--no-prepared]
//                study prepare FILE
//                study export DB --out results.csv [--force]
//                study summary DB [--json]

#include "cli_commands.h"
#include "cli_output.h"

#include "common/error.h"
#include "study/study_analysis.h"
#include "study/study_prepare.h"
#include "study/study_store.h"
#include "study/study_validate.h"

#include <filesystem>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace sg::cli {

namespace {

struct StudyOptions {
    std::string file;
    bool skipPrepared = false;
    std::string database;
    std::string out;
    bool force = false;
    bool json = false;
};

int runValidate(const StudyOptions &options)
{
    const std::vector<StudyIssue> issues
        = validateStudyFile(options.file, ValidationOptions{!options.skipPrepared});
    if (issues.empty()) {
        std::cout << options.file << ": valid" << (options.skipPrepared ? "" : " and prepared") << '\n';
        return 0;
    }
    std::cerr << formatIssues(issues);
    std::cerr << options.file << ": " << issues.size() << (issues.size() == 1 ? " problem\n" : " problems\n");
    return 1;
}

int runPrepare(const StudyOptions &options, const GlobalOptions &global)
{
    std::vector<StudyIssue> issues;
    const Study study = readStudy(options.file, issues);
    if (issues.empty())
        checkStudyReferences(study, ValidationOptions{false}, issues);
    if (!issues.empty()) {
        std::cerr << formatIssues(issues);
        throw Error(options.file, "cannot prepare a study with problems");
    }
    const bool terminal = isatty(STDERR_FILENO);
    int lastItem = -1;
    const PrepareProgressFn progress = [&](const PrepareProgress &p) {
        // One line per item started (logs and tests read these); a live percentage on a terminal.
        if (p.item != lastItem) {
            lastItem = p.item;
            if (terminal)
                std::cerr << '\n';
            std::cerr << "prepare: item " << p.item + 1 << " of " << p.items << ": " << p.current->key
                      << (p.skipped ? " (already prepared)" : "") << (terminal ? "" : "\n") << std::flush;
        } else if (terminal && p.itemTotal > 0) {
            std::cerr << "\rprepare: item " << p.item + 1 << " of " << p.items << ": " << p.current->key
                      << " " << (100 * p.itemDone / p.itemTotal) << "%" << std::flush;
        }
    };
    PrepareReport report;
    try {
        report = prepareStudy(study, global.device, progress, interruptFlag());
    } catch (const Cancelled &) {
        std::cerr << "\nsightglass-cli: cancelled; finished items are kept, run prepare again to resume\n";
        return 130;
    }
    if (terminal)
        std::cerr << '\n';
    const PreparationStatus status = checkPrepared(study);
    std::cout << study.id << ": " << report.computed << " computed, " << report.skipped
              << " already prepared -> " << study.preparedFolder
              << (status.ready ? " (ready)" : " (NOT ready)") << '\n';
    return status.ready ? 0 : 1;
}

int runExport(const StudyOptions &options)
{
    if (!std::filesystem::exists(options.database))
        throw Error(options.database, "no such study database");
    if (std::filesystem::exists(options.out) && !options.force)
        throw Error(options.out, "exists; pass --force to overwrite it");
    const StudyStore store(options.database);
    const std::vector<ResponseRow> rows = store.responses();
    const std::string temporary = options.out + ".tmp";
    writeTextFile(temporary, responsesCsv(rows));
    std::filesystem::rename(temporary, options.out);
    std::cout << rows.size() << " answered trials -> " << options.out << '\n';
    return 0;
}

int runSummary(const StudyOptions &options)
{
    if (!std::filesystem::exists(options.database))
        throw Error(options.database, "no such study database");
    const StudyStore store(options.database);
    const StudySummary summary = summarizeResponses(store.responses());
    if (!options.json)
        std::cout << options.database << ": " << store.journalDescription() << '\n';
    std::cout << (options.json ? summaryJson(summary) : formatSummary(summary));
    return 0;
}

} // namespace

Command addStudyCommand(CLI::App &app, const GlobalOptions &global)
{
    auto options = std::make_shared<StudyOptions>();
    CLI::App *command = app.add_subcommand(
        "study", "User studies: check and prepare protocols, export and summarise answers");
    command->require_subcommand(1);

    CLI::App *validate
        = command->add_subcommand("validate", "Check a protocol; lists every problem with its JSON path");
    validate->add_option("file", options->file, "Study protocol (.json)")->required();
    validate->add_flag("--no-prepared", options->skipPrepared, "Do not require the study to be prepared");

    CLI::App *prepare
        = command->add_subcommand("prepare", "Compute every explanation the study shows (resumable)");
    prepare->add_option("file", options->file, "Study protocol (.json)")->required();

    CLI::App *exportCommand = command->add_subcommand("export", "Write every answered trial as one CSV row");
    exportCommand->add_option("database", options->database, "Study database (.sqlite)")->required();
    exportCommand->add_option("--out,-o", options->out, "CSV file to write")->required();
    exportCommand->add_flag("--force", options->force, "Overwrite an existing --out");

    CLI::App *summary = command->add_subcommand("summary",
        "Accuracy per block and condition (Wilson 95%), a test between conditions, response times");
    summary->add_option("database", options->database, "Study database (.sqlite)")->required();
    summary->add_flag("--json", options->json, "Machine-readable output");

    return {command, [=, &global] {
                if (validate->parsed())
                    return runValidate(*options);
                if (prepare->parsed())
                    return runPrepare(*options, global);
                if (exportCommand->parsed())
                    return runExport(*options);
                return runSummary(*options);
            }};
}

} // namespace sg::cli
