#include "cli_commands.h"

namespace sg::cli {

std::vector<Command> registerCommands(CLI::App &app, const GlobalOptions &global)
{
    return {addPredictCommand(app, global), addExplainCommand(app, global), addEvaluateCommand(app, global),
        addSagCommand(app, global), addXnnCommand(app, global), addBatchCommand(app, global),
        addMethodsCommand(app, global), addStudyCommand(app, global)};
}

} // namespace sg::cli
