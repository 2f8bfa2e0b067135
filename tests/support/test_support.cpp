#include "test_support.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sg::test {

namespace fs = std::filesystem;

std::string sourcePath(const std::string &relative)
{
    return (fs::path(SG_SOURCE_DIR) / relative).string();
}

std::string readBytes(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

nlohmann::json readJson(const std::string &path)
{
    return nlohmann::json::parse(readBytes(path));
}

std::vector<CueSample> cueSamples(const std::string &folder)
{
    const auto truth = readJson(folder + "/truth.json");
    std::vector<CueSample> samples;
    for (const auto &image : truth.at("images")) {
        CueSample sample;
        sample.file = folder + "/" + image.at("file").get<std::string>();
        sample.label = image.at("label").get<int>();
        for (const auto &cue : image.at("cues"))
            sample.cues.push_back(cue.at("box").get<std::array<int, 4>>());
        samples.push_back(sample);
    }
    return samples;
}

void generateCueSamples(int seed, int count, const std::string &folder)
{
    const std::string command = "/usr/bin/python3 '" + sourcePath("models/cues/make_dataset.py") + "' --seed "
        + std::to_string(seed) + " --count " + std::to_string(count) + " --out '" + folder + "' >/dev/null";
    if (std::system(command.c_str()) != 0)
        throw std::runtime_error("the cues generator failed: " + command);
}

const Classifier &cellsumModel()
{
    static const auto classifier = Classifier::load(sourcePath("tests/data/models/cellsum.pt"), "cpu");
    return *classifier;
}

const CellsumWeights &cellsumWeights()
{
    static const CellsumWeights weights = [] {
        const auto json = readJson(sourcePath("tests/data/models/cellsum_weights.json"));
        CellsumWeights w;
        w.v = json.at("v").get<std::vector<double>>();
        w.b = json.at("b").get<double>();
        return w;
    }();
    return weights;
}

TempDir::TempDir()
{
    std::random_device random;
    path_ = fs::temp_directory_path() / ("sightglass-test-" + std::to_string(random()));
    fs::create_directories(path_);
}

TempDir::~TempDir()
{
    std::error_code ignored;
    fs::remove_all(path_, ignored);
}

std::string TempDir::write(const std::string &name, const std::string &bytes) const
{
    const std::string target = file(name);
    std::ofstream(target, std::ios::binary) << bytes;
    return target;
}

CommandResult runCli(const std::string &arguments)
{
    const TempDir scratch;
    const std::string errPath = scratch.file("stderr.txt");
    const std::string command = "cd '" + std::string(SG_SOURCE_DIR) + "' && '" + SG_CLI_PATH + "' "
        + arguments + " 2>'" + errPath + "'";
    CommandResult result;
    FILE *pipe = popen(command.c_str(), "r");
    if (!pipe)
        throw std::runtime_error("cannot run " + command);
    char buffer[4096];
    size_t got = 0;
    while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0)
        result.out.append(buffer, got);
    const int status = pclose(pipe);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.err = readBytes(errPath);
    return result;
}

ChildCli::ChildCli(
    const std::vector<std::string> &arguments, const std::string &outPath, const std::string &errPath)
{
    const std::string root = sourcePath("");
    std::vector<std::string> argv{"sightglass-cli"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    std::vector<char *> pointers;
    for (std::string &argument : argv)
        pointers.push_back(argument.data());
    pointers.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0)
        throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        const int out = open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int err = open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || err < 0 || chdir(root.c_str()) != 0 || dup2(out, STDOUT_FILENO) < 0
            || dup2(err, STDERR_FILENO) < 0)
            _exit(127);
        execv(SG_CLI_PATH, pointers.data());
        _exit(127);
    }
}

ChildCli::~ChildCli()
{
    if (!reaped_) {
        kill(pid_, SIGKILL);
        wait();
    }
}

bool ChildCli::running()
{
    if (reaped_)
        return false;
    const pid_t done = waitpid(pid_, &status_, WNOHANG);
    reaped_ = done == pid_;
    return !reaped_;
}

void ChildCli::signal(int signal)
{
    if (!reaped_)
        kill(pid_, signal);
}

int ChildCli::wait()
{
    if (!reaped_) {
        waitpid(pid_, &status_, 0);
        reaped_ = true;
    }
    return status_;
}

InterruptedRun interruptCli(const std::vector<std::string> &arguments, const std::string &startedPath,
    std::chrono::milliseconds delay)
{
    return interruptCli(
        arguments, [&](const std::string &) { return fs::exists(startedPath); }, delay);
}

InterruptedRun interruptCli(const std::vector<std::string> &arguments,
    const std::function<bool(const std::string &err)> &started, std::chrono::milliseconds delay)
{
    const TempDir scratch;
    const std::string errors = scratch.file("err.txt");
    ChildCli child(arguments, "/dev/null", errors);
    InterruptedRun run;
    const auto launched = std::chrono::steady_clock::now();
    const auto errorsSoFar = [&] { return fs::exists(errors) ? readBytes(errors) : std::string(); };
    while (!started(errorsSoFar()) && std::chrono::steady_clock::now() - launched < std::chrono::seconds(60))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    run.started = started(errorsSoFar());
    if (run.started)
        std::this_thread::sleep_for(delay);
    const auto interrupt = std::chrono::steady_clock::now();
    child.signal(run.started ? SIGINT : SIGKILL);
    const int status = child.wait();
    run.secondsAfterSignal
        = std::chrono::duration<double>(std::chrono::steady_clock::now() - interrupt).count();
    run.exited = WIFEXITED(status);
    run.exitCode = run.exited ? WEXITSTATUS(status) : -1;
    run.err = readBytes(errors);
    return run;
}

} // namespace sg::test
