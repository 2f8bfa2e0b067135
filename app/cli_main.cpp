// sightglass-cli: the headless front end. Parsing and wiring only; the work is in core.

#include "cli_commands.h"
#include "cli_output.h"

#include "common/error.h"
#include "common/version.h"
#include "model/runtime.h"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char **argv)
{
    // Ctrl+C from the first moment: an interrupt while the model loads cancels the command at
    // its first batch (no files written) instead of killing it mid-way.
    sg::cli::interruptFlag();
    CLI::App app{"Sightglass: explain image classifiers from the command line", "sightglass-cli"};
    app.set_version_flag(
        "--version", std::string("sightglass-cli ") + sg::kVersion, "Print the version and exit");
    app.require_subcommand(1);

    sg::cli::GlobalOptions global;
    app.add_option("--threads", global.threads, "Compute threads (0 = all cores)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--device", global.device, "auto, cpu, cuda or cuda:N")->capture_default_str();

    const auto commands = sg::cli::registerCommands(app, global);
    CLI11_PARSE(app, argc, argv);

    try {
        sg::initRuntime(global.threads);
        for (const auto &command : commands)
            if (command.subcommand->parsed())
                return command.run();
    } catch (const sg::Error &error) {
        std::cerr << "sightglass-cli: error: " << error.what() << '\n';
        return 1;
    } catch (const std::exception &error) {
        std::cerr << "sightglass-cli: internal error: " << error.what() << '\n';
        return 3;
    }
    return 2;
}
