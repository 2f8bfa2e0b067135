#pragma once
// Shared helpers for Sightglass tests: repository paths, temporary folders, running the CLI.

#include "model/classifier.h"

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace sg::test {

// A path inside the source tree, e.g. sourcePath("models/demo/cues.pt").
std::string sourcePath(const std::string &relative);

// Reads a JSON file; fails the calling test (via exception) if it cannot.
nlohmann::json readJson(const std::string &path);

// A fresh empty directory removed when the object goes out of scope.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;

    const std::filesystem::path &path() const { return path_; }
    std::string file(const std::string &name) const { return (path_ / name).string(); }
    // Writes `bytes` to `name` inside the directory and returns the full path.
    std::string write(const std::string &name, const std::string &bytes) const;

private:
    std::filesystem::path path_;
};

// One image of a cues folder (resources/samples/cues or one the generator wrote) with its ground
// truth (the folder's truth.json).
struct CueSample {
    std::string file; // absolute path
    int label = 0;
    // Boxes [x0, y0, x1, y1) of the cues of its class present in the image, model-input pixels.
    std::vector<std::array<int, 4>> cues;
};
std::vector<CueSample> cueSamples(const std::string &folder = sourcePath("resources/samples/cues"));

// Runs the cues generator (models/cues/make_dataset.py, on /usr/bin/python3) for `count` images
// from `seed` into `folder`; throws std::runtime_error if it fails.
void generateCueSamples(int seed, int count, const std::string &folder);

// The toy model tests/data/models/cellsum.pt (tests/data/make_metric_fixtures.py), loaded once
// on the CPU, and its weights from cellsum_weights.json: its logits are [0, d], d = b + sum over
// the 7x7 cells of v[cell] * (the cell's mean normalised input). Test thread only.
const Classifier &cellsumModel();
struct CellsumWeights {
    std::vector<double> v; // 49, row-major cells
    double b = 0.0;
};
const CellsumWeights &cellsumWeights();

// Reads a whole file as bytes.
std::string readBytes(const std::string &path);

struct CommandResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

// Runs `sightglass-cli <arguments>` through the shell from the source root (arguments are
// passed verbatim, so quote what needs quoting) and captures both streams.
CommandResult runCli(const std::string &arguments);

// A CLI run in the background: `sightglass-cli <arguments>` (argv, no shell) from the source
// root, standard output and error going to the files `outPath` and `errPath` (truncated).
// The destructor kills (SIGKILL) and reaps a child still running. Test thread only.
class ChildCli {
public:
    ChildCli(
        const std::vector<std::string> &arguments, const std::string &outPath, const std::string &errPath);
    ~ChildCli();
    ChildCli(const ChildCli &) = delete;
    ChildCli &operator=(const ChildCli &) = delete;

    // True while it runs (reaps it once it ended).
    bool running();
    // Sends `signal`.
    void signal(int signal);
    // Waits for the end; the wait status as waitpid() gives it.
    int wait();

private:
    int pid_ = -1;
    bool reaped_ = false;
    int status_ = 0;
};

// A CLI run interrupted with SIGINT: how it ended and how long after the signal.
struct InterruptedRun {
    bool started = false; // `startedPath` appeared within a minute (else no signal was sent)
    bool exited = false; // it ended by exiting (not by a signal)
    int exitCode = -1;
    double secondsAfterSignal = 0.0;
    std::string err;
};

// Runs `sightglass-cli <arguments>` (argv, no shell) from the source root, waits until
// `startedPath` exists (the run made its output folder: the model is loaded and the work has
// begun; on a busy machine that alone can take seconds), waits `delay` more, sends SIGINT and
// waits for the process to end.
InterruptedRun interruptCli(const std::vector<std::string> &arguments, const std::string &startedPath,
    std::chrono::milliseconds delay = std::chrono::milliseconds(500));
// The same, waiting until `started` (given the run's standard error so far) is true instead.
InterruptedRun interruptCli(const std::vector<std::string> &arguments,
    const std::function<bool(const std::string &err)> &started, std::chrono::milliseconds delay);

} // namespace sg::test
