#pragma once
// The CLI's subcommands. Each registers its options on the parser and returns a runner that
// reports through stdout/stderr and returns the process exit code (0 ok, 1 a user error).

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace sg::cli {

struct GlobalOptions {
    int threads = 0;
    std::string device = "auto";
};

struct Command {
    CLI::App *subcommand = nullptr;
    std::function<int()> run;
};

// Adds every subcommand to `app`; the runners read `global` when they run.
std::vector<Command> registerCommands(CLI::App &app, const GlobalOptions &global);

// One entry per subcommand, each defined in its own cli_<name>.cpp.
Command addPredictCommand(CLI::App &app, const GlobalOptions &global);
Command addEvaluateCommand(CLI::App &app, const GlobalOptions &global);
Command addExplainCommand(CLI::App &app, const GlobalOptions &global);
Command addSagCommand(CLI::App &app, const GlobalOptions &global);
Command addMethodsCommand(CLI::App &app, const GlobalOptions &global);
Command addXnnCommand(CLI::App &app, const GlobalOptions &global);
Command addStudyCommand(CLI::App &app, const GlobalOptions &global);
Command addBatchCommand(CLI::App &app, const GlobalOptions &global);

} // namespace sg::cli
