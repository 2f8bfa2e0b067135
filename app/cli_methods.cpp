// sightglass-cli methods [--json]: the saliency method registry with its parameters, each with
// its kind (number, integer, choice, boolean, path), default, range or options.

#include "cli_commands.h"

#include "jobs/explanation_json.h"
#include "saliency/method.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace sg::cli {

namespace {

bool hasRange(const ParamSpec &spec)
{
    return spec.kind == ParamKind::Number || spec.kind == ParamKind::Integer;
}

nlohmann::json parametersJson(const SaliencyMethod &method, int resolution)
{
    nlohmann::json parameters = nlohmann::json::array();
    for (const ParamSpec &spec : method.parameters(resolution)) {
        nlohmann::json parameter = {{"name", spec.name}, {"kind", paramKindName(spec.kind)},
            {"description", spec.description}, {"default", paramValueJson(spec.defaultValue)}};
        if (hasRange(spec)) {
            parameter["minimum"] = spec.minimum;
            parameter["maximum"] = spec.maximum;
        }
        if (spec.kind == ParamKind::Choice) {
            nlohmann::json options = nlohmann::json::array();
            for (const ParamOption &option : spec.options)
                options.push_back({{"name", option.name}, {"description", option.description}});
            parameter["options"] = options;
        }
        parameters.push_back(parameter);
    }
    return parameters;
}

nlohmann::json describe(const SaliencyMethod &method)
{
    nlohmann::json result = {{"id", method.id()}, {"title", method.title()},
        {"description", method.description()}, {"needs_split", method.needsSplit()}};
    if (method.resolutions().empty()) {
        result["resolutions"] = nlohmann::json::array();
        result["parameters"] = parametersJson(method, kDefaultResolution);
        return result;
    }
    nlohmann::json resolutions = nlohmann::json::array();
    for (int resolution : method.resolutions())
        resolutions.push_back(
            {{"resolution", resolution}, {"parameters", parametersJson(method, resolution)}});
    result["resolutions"] = resolutions;
    result["default_resolution"] = method.defaultResolution();
    return result;
}

void printText(const SaliencyMethod &method)
{
    std::cout << method.id() << "  " << method.title() << "\n  " << method.description() << '\n';
    const auto resolutions = method.resolutions();
    if (resolutions.empty()) {
        std::cout << "  resolution: fixed by the model (its feature map)\n";
    } else {
        std::cout << "  resolutions:";
        for (int resolution : resolutions)
            std::cout << ' ' << resolution << (resolution == method.defaultResolution() ? "*" : "");
        std::cout << "  (* default)\n";
    }
    for (const ParamSpec &spec : method.parameters(method.defaultResolution())) {
        std::cout << "    " << spec.name << " = " << paramValueText(spec.defaultValue) << "  "
                  << paramKindName(spec.kind);
        if (hasRange(spec))
            std::cout << " [" << spec.minimum << ", " << spec.maximum << "]";
        std::cout << "  " << spec.description << '\n';
        for (const ParamOption &option : spec.options)
            std::cout << "        " << option.name << "  " << option.description << '\n';
    }
    if (method.needsSplit())
        std::cout << "  needs a model that exports features/head\n";
}

} // namespace

Command addMethodsCommand(CLI::App &app, const GlobalOptions &)
{
    auto json = std::make_shared<bool>(false);
    CLI::App *command = app.add_subcommand("methods", "List the saliency methods and their parameters");
    command->add_flag("--json", *json, "Print JSON, with the defaults at every resolution");
    return {command, [json] {
                nlohmann::json all = nlohmann::json::array();
                for (const SaliencyMethod *method : MethodRegistry::builtin().all()) {
                    if (*json)
                        all.push_back(describe(*method));
                    else
                        printText(*method);
                }
                if (*json)
                    std::cout << all.dump(2) << '\n';
                return 0;
            }};
}

} // namespace sg::cli
