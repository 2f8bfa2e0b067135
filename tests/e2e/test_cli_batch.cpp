// sightglass-cli batch end to end (issue 13): a run killed midway (SIGKILL, a real child) and
// resumed gives the uninterrupted run's summary without redoing finished work, and no output
// file is ever seen half-written; two shards merged give the one-process summary; Ctrl-C keeps
// finished results; an error on one image is recorded and the run goes on; bad input is a clear
// error; the per-image folders hold what `explain`, `sag` and `xnn explain` write.

#include "test_support.h"

#include "common/csv.h"
#include "image/npy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sg {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

const std::string kModel = "models/demo/cues.pt";
constexpr int kImages = 6;
constexpr int kAnalyses = 2; // gradcam, occlusion-7
constexpr size_t kSecondsColumn = 9;

// The first kImages cues samples with their truth.json, in a folder of their own.
const std::string &sampleFolder()
{
    static const test::TempDir folder;
    static const bool copied = [] {
        const fs::path samples = test::sourcePath("resources/samples/cues");
        for (int i = 0; i < kImages; ++i) {
            char name[16];
            std::snprintf(name, sizeof name, "%05d.png", i);
            fs::copy_file(samples / name, folder.path() / name);
        }
        fs::copy_file(samples / "truth.json", folder.path() / "truth.json");
        return true;
    }();
    (void)copied;
    static const std::string path = folder.path().string();
    return path;
}

// Fast analyses (Grad-CAM, 7x7 occlusion) with their deletion/insertion curves, on one thread so
// the numbers do not depend on the machine.
std::vector<std::string> batchArguments(const std::string &out, const std::vector<std::string> &extra = {})
{
    std::vector<std::string> arguments = {"--threads", "1", "batch", "--model", kModel, "--images",
        sampleFolder(), "--methods", "gradcam,occlusion", "--resolutions", "7", "--evaluate", "--out", out};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return arguments;
}

std::string shellLine(const std::vector<std::string> &arguments)
{
    std::string line;
    for (const std::string &argument : arguments)
        line += (line.empty() ? "" : " ") + ("'" + argument + "'");
    return line;
}

std::vector<std::vector<std::string>> csvRows(const std::string &path)
{
    std::istringstream text(test::readBytes(path));
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(text, line))
        rows.push_back(splitCsvLine(line));
    return rows;
}

// The summary without its seconds column (the only one that may differ between runs).
std::vector<std::vector<std::string>> withoutSeconds(std::vector<std::vector<std::string>> rows)
{
    for (auto &row : rows)
        if (row.size() > kSecondsColumn)
            row.erase(row.begin() + long(kSecondsColumn));
    return rows;
}

// The summary of one uninterrupted single-process run, made once.
const std::string &referenceSummary()
{
    static const test::TempDir dir;
    static const std::string summary = [] {
        const auto run = test::runCli(shellLine(batchArguments(dir.file("reference"))));
        if (run.exitCode != 0)
            throw std::runtime_error("the reference batch run failed: " + run.err);
        return dir.file("reference/summary.csv");
    }();
    return summary;
}

// Watches a folder tree with inotify and lists every visible file (a name not starting with
// '.') that was created or written where it stands instead of appearing by a rename: an atomic
// writer only ever renames finished temporary files onto visible names.
class TreeWatch {
public:
    explicit TreeWatch(const fs::path &root) : fd_(inotify_init1(IN_NONBLOCK)) { add(root); }
    ~TreeWatch() { close(fd_); }
    TreeWatch(const TreeWatch &) = delete;
    TreeWatch &operator=(const TreeWatch &) = delete;

    void drain()
    {
        alignas(inotify_event) char buffer[64 * 1024];
        for (;;) {
            const ssize_t size = read(fd_, buffer, sizeof buffer);
            if (size <= 0)
                return;
            for (char *at = buffer; at < buffer + size;) {
                const auto *event = reinterpret_cast<const inotify_event *>(at);
                at += sizeof(inotify_event) + event->len;
                if (event->len == 0 || !folders_.count(event->wd))
                    continue;
                const std::string name = event->name;
                const fs::path path = folders_.at(event->wd) / name;
                if (event->mask & IN_ISDIR) {
                    if (event->mask & (IN_CREATE | IN_MOVED_TO))
                        add(path);
                } else if (name[0] != '.' && (event->mask & (IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE))) {
                    writtenInPlace_.insert(path.string());
                }
            }
        }
    }

    const std::set<std::string> &writtenInPlace() const { return writtenInPlace_; }

private:
    void add(const fs::path &folder)
    {
        const int watch = inotify_add_watch(
            fd_, folder.c_str(), IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR);
        if (watch < 0)
            return;
        folders_[watch] = folder;
        std::error_code ec;
        for (const auto &entry : fs::directory_iterator(folder, ec))
            if (entry.is_directory(ec))
                add(entry.path());
    }

    int fd_;
    std::map<int, fs::path> folders_;
    std::set<std::string> writtenInPlace_;
};

// Reads every visible file under `root` as what its name says it is; adds one line to
// `problems` for each that is not complete (an unparseable JSON, a truncated .npy, PNG or CSV).
// A file once found complete is not read again while its inode stays the same (a file changed
// in place is what TreeWatch reports).
void checkComplete(const fs::path &root, std::vector<std::string> &problems)
{
    static std::set<std::pair<std::string, ino_t>> checked;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const fs::path path = it->path();
        const std::string name = path.filename().string();
        if (name[0] == '.' || !it->is_regular_file(ec))
            continue;
        struct stat info { };
        if (stat(path.c_str(), &info) != 0 || checked.count({path.string(), info.st_ino}))
            continue;
        std::string bytes;
        try {
            bytes = test::readBytes(path.string());
        } catch (const std::exception &) {
            continue; // replaced or removed since the listing
        }
        const std::string extension = path.extension().string();
        bool complete = true;
        if (extension == ".json") {
            complete = json::accept(bytes);
        } else if (extension == ".csv") {
            complete = !bytes.empty() && bytes.back() == '\n';
            std::istringstream lines(bytes);
            for (std::string line; complete && std::getline(lines, line);)
                complete = splitCsvLine(line).size() == 13;
        } else if (extension == ".png") {
            complete
                = !cv::imdecode(std::vector<uchar>(bytes.begin(), bytes.end()), cv::IMREAD_UNCHANGED).empty();
        } else if (extension == ".npy") {
            try {
                complete = !readNpy(path.string()).empty();
            } catch (const std::exception &) {
                complete = false;
            }
        }
        if (!complete)
            problems.push_back(path.string() + " is incomplete");
        else
            checked.insert({path.string(), info.st_ino});
    }
}

int countOf(const std::string &text, const std::string &part)
{
    int count = 0;
    for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
        ++count;
    return count;
}

struct RowFile {
    std::string bytes;
    ino_t inode = 0;
    json row;
};

// The finished analyses under `out` (their batch-row.json), by folder.
std::map<std::string, RowFile> finishedRows(const fs::path &out)
{
    std::map<std::string, RowFile> rows;
    for (const auto &entry : fs::recursive_directory_iterator(out))
        if (entry.path().filename() == "batch-row.json") {
            struct stat info { };
            stat(entry.path().c_str(), &info);
            RowFile file{test::readBytes(entry.path().string()), info.st_ino, {}};
            file.row = json::parse(file.bytes);
            rows[entry.path().parent_path().string()] = file;
        }
    return rows;
}

// Runs a child to its end, watching its output tree all the while; `stopWhen` (given its
// standard output so far) true sends SIGKILL. Returns the wait status.
int watchRun(const std::vector<std::string> &arguments, const fs::path &out, TreeWatch &watch,
    std::vector<std::string> &problems, const std::function<bool(const std::string &)> &stopWhen = {})
{
    const test::TempDir logs;
    test::ChildCli child(arguments, logs.file("out.txt"), logs.file("err.txt"));
    const auto started = std::chrono::steady_clock::now();
    while (child.running() && std::chrono::steady_clock::now() - started < std::chrono::minutes(5)) {
        watch.drain();
        checkComplete(out, problems);
        if (stopWhen && fs::exists(logs.file("out.txt")) && stopWhen(test::readBytes(logs.file("out.txt")))) {
            child.signal(SIGKILL);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const int status = child.wait();
    watch.drain();
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        ADD_FAILURE() << "batch exited with " << WEXITSTATUS(status) << ": "
                      << test::readBytes(logs.file("err.txt"));
    return status;
}

TEST(CliBatch, KilledMidwayResumesWithoutRedoingFinishedWorkOrPartialFiles)
{
    const auto reference = csvRows(referenceSummary());
    ASSERT_EQ(reference.size(), size_t(1 + kImages * kAnalyses));
    const test::TempDir dir;
    const fs::path out = dir.path() / "run";
    fs::create_directories(out);
    TreeWatch watch(out);
    std::vector<std::string> problems;

    // Killed once three results are reported (of twelve).
    const int killed = watchRun(batchArguments(out.string()), out, watch, problems,
        [](const std::string &stdoutSoFar) { return countOf(stdoutSoFar, "batch [") >= 3; });
    ASSERT_TRUE(WIFSIGNALED(killed) && WTERMSIG(killed) == SIGKILL)
        << "the run ended before it could be killed midway";
    checkComplete(out, problems);
    EXPECT_FALSE(test::readJson((out / "summary.json").string()).at("complete").get<bool>());
    const std::map<std::string, RowFile> before = finishedRows(out);
    ASSERT_GE(before.size(), 3u);
    ASSERT_LT(before.size(), size_t(kImages * kAnalyses)) << "the run was killed after it finished";

    const int resumed = watchRun(batchArguments(out.string(), {"--resume"}), out, watch, problems);
    ASSERT_TRUE(WIFEXITED(resumed) && WEXITSTATUS(resumed) == 0);

    // The summary is the uninterrupted run's.
    const auto summary = csvRows((out / "summary.csv").string());
    EXPECT_EQ(withoutSeconds(summary), withoutSeconds(reference));

    // Finished results were not redone: their records are the same files, and the resumed run
    // spent exactly the passes of the results that were not finished.
    for (const auto &[folder, file] : finishedRows(out))
        if (before.count(folder)) {
            EXPECT_EQ(file.inode, before.at(folder).inode) << folder << " was written again";
            EXPECT_EQ(file.bytes, before.at(folder).bytes) << folder;
        }
    std::int64_t passesLeft = 0;
    for (size_t r = 1; r < reference.size(); ++r)
        passesLeft += std::stoll(reference[r][10]) + std::stoll(reference[r][11]);
    for (const auto &[folder, file] : before)
        passesLeft -= file.row.at("forward_passes").get<std::int64_t>()
            + file.row.at("backward_passes").get<std::int64_t>();
    const json description = test::readJson((out / "summary.json").string());
    EXPECT_TRUE(description.at("complete").get<bool>());
    const json &run = description.at("runs").back();
    EXPECT_EQ(run.at("skipped").get<size_t>(), before.size());
    EXPECT_EQ(run.at("computed").get<size_t>(), size_t(kImages * kAnalyses) - before.size());
    EXPECT_EQ(run.at("forward_passes").get<std::int64_t>() + run.at("backward_passes").get<std::int64_t>(),
        passesLeft);

    // Every analysis folder holds what `explain` writes, and no file was ever partial.
    for (const auto &[folder, file] : finishedRows(out))
        for (const char *name : {"saliency.npy", "mask.npy", "overlay.png", "result.json"})
            EXPECT_TRUE(fs::exists(fs::path(folder) / name)) << folder << " lacks " << name;
    EXPECT_EQ(finishedRows(out).size(), size_t(kImages * kAnalyses));
    EXPECT_THAT(problems, ::testing::IsEmpty());
    EXPECT_THAT(watch.writtenInPlace(), ::testing::IsEmpty()) << "files written in place, not renamed";
}

TEST(CliBatch, TwoShardsMergedEqualOneProcess)
{
    const auto reference = csvRows(referenceSummary());
    const test::TempDir dir;
    const std::string out = dir.file("shards");
    {
        // Both shards at once into one folder, as the tasks of a job array do.
        test::ChildCli first(batchArguments(out, {"--shard", "1/2"}), "/dev/null", dir.file("err1.txt"));
        test::ChildCli second(batchArguments(out, {"--shard", "2/2"}), "/dev/null", dir.file("err2.txt"));
        const int a = first.wait();
        const int b = second.wait();
        ASSERT_TRUE(WIFEXITED(a) && WEXITSTATUS(a) == 0) << test::readBytes(dir.file("err1.txt"));
        ASSERT_TRUE(WIFEXITED(b) && WEXITSTATUS(b) == 0) << test::readBytes(dir.file("err2.txt"));
    }
    // Round robin: shard 1 takes the 1st, 3rd, 5th image.
    std::set<std::string> firstImages;
    for (const auto &row : csvRows(out + "/summary-1-of-2.csv"))
        firstImages.insert(row[0]);
    EXPECT_EQ(firstImages, (std::set<std::string>{"image", "00000.png", "00002.png", "00004.png"}));

    const auto merge = test::runCli("batch merge " + out);
    ASSERT_EQ(merge.exitCode, 0) << merge.err;
    EXPECT_THAT(merge.out, HasSubstr("2 shards, 12 rows"));
    EXPECT_EQ(withoutSeconds(csvRows(out + "/summary.csv")), withoutSeconds(reference));

    // Shards that do not make one run are refused, naming the file and the problem.
    const std::string shard1 = out + "/summary-1-of-2.csv";
    const std::string shard2 = out + "/summary-2-of-2.csv";
    const auto altered = [&](const std::string &name, const std::function<void(json &)> &change) {
        const fs::path folder = dir.path() / name;
        fs::create_directories(folder);
        fs::copy_file(shard2, folder / "summary-2-of-2.csv");
        json description = test::readJson(out + "/summary-2-of-2.json");
        change(description);
        std::ofstream(folder / "summary-2-of-2.json") << description.dump(2);
        return (folder / "summary-2-of-2.csv").string();
    };
    const std::string unfinished = altered("unfinished", [](json &d) { d["complete"] = false; });
    const std::string otherSeed = altered("seed", [](json &d) { d["settings"]["seed"] = 7; });
    const std::string otherSplit = altered("split", [](json &d) { d["shard"]["count"] = 3; });
    const std::string otherImages = altered("images", [](json &d) { d["images"].erase(0); });
    struct Case {
        std::string inputs;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {shard1, "shard 2/2 is missing"},
        {shard1 + " " + shard1, "are both shard 1/2"},
        {shard1 + " " + unfinished, "did not finish; run it again with --resume"},
        {shard1 + " " + otherSeed, "was made with other settings than " + shard1 + " (seed differs)"},
        {shard1 + " " + otherSplit, "belong to different splits"},
        {shard1 + " " + otherImages, "was run over other images than " + shard1},
        {shard1 + " " + dir.file("none.csv"), dir.file("none.csv") + ": does not exist"},
        {dir.path().string(), "holds no shard summaries"},
    };
    for (const Case &c : cases) {
        const auto run = test::runCli("batch merge --out " + dir.file("merged.csv") + " " + c.inputs);
        EXPECT_EQ(run.exitCode, 1) << c.inputs;
        EXPECT_THAT(run.err, HasSubstr(c.expected)) << c.inputs;
        EXPECT_FALSE(fs::exists(dir.file("merged.csv"))) << c.inputs;
    }
    const auto again = test::runCli("batch merge " + out);
    EXPECT_EQ(again.exitCode, 1);
    EXPECT_THAT(again.err, HasSubstr("summary.csv: already exists; pass --force"));
}

TEST(CliBatch, CtrlCKeepsFinishedResultsAndLeavesNoPartialFile)
{
    const auto reference = csvRows(referenceSummary());
    const test::TempDir dir;
    const std::string out = dir.file("run");
    const auto run = test::interruptCli(
        batchArguments(out), out + "/00001.png/gradcam/batch-row.json", std::chrono::milliseconds(0));
    ASSERT_TRUE(run.started) << run.err;
    ASSERT_TRUE(run.exited);
    EXPECT_EQ(run.exitCode, 130) << run.err;
    EXPECT_THAT(run.err, HasSubstr("results are kept (no partial files); run it again with --resume"));
    for (const auto &entry : fs::recursive_directory_iterator(out))
        EXPECT_EQ(entry.path().filename().string().find(".partial"), std::string::npos) << entry.path();
    const json description = test::readJson(out + "/summary.json");
    EXPECT_FALSE(description.at("complete").get<bool>());
    EXPECT_TRUE(description.at("runs").back().at("cancelled").get<bool>());
    const size_t kept = csvRows(out + "/summary.csv").size() - 1;
    EXPECT_EQ(kept, finishedRows(out).size());

    const auto resumed = test::runCli(shellLine(batchArguments(out, {"--resume"})));
    ASSERT_EQ(resumed.exitCode, 0) << resumed.err;
    EXPECT_THAT(resumed.out, HasSubstr("batch: resuming; " + std::to_string(kept) + " of 12 results"));
    EXPECT_EQ(withoutSeconds(csvRows(out + "/summary.csv")), withoutSeconds(reference));
}

TEST(CliBatch, DrawsAProgressBarWithEtaOnATerminal)
{
    if (!fs::exists("/usr/bin/script"))
        GTEST_SKIP() << "needs script(1) (util-linux) for a terminal";
    const test::TempDir dir;
    const fs::path images = dir.path() / "images";
    fs::create_directories(images);
    for (const char *name : {"00000.png", "00001.png", "00002.png"})
        fs::copy_file(test::sourcePath("resources/samples/cues") + "/" + name, images / name);
    // script(1) gives the run a pseudo-terminal for its standard output.
    const std::string command = "cd '" + test::sourcePath("") + "' && /usr/bin/script -qec \"" + SG_CLI_PATH
        + " batch --model " + kModel + " --images " + images.string() + " --methods gradcam --out "
        + dir.file("out") + "\" /dev/null";
    test::CommandResult run;
    FILE *pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char buffer[4096];
    for (size_t got; (got = fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        run.out.append(buffer, got);
    const int status = pclose(pipe);
    run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    ASSERT_EQ(run.exitCode, 0) << run.out;
    EXPECT_THAT(run.out, HasSubstr("\rbatch [##########....................] 33% 1/3"));
    EXPECT_THAT(run.out, HasSubstr(", ETA "));
    EXPECT_THAT(run.out, HasSubstr("] 100% 3/3"));
    EXPECT_THAT(run.out, ::testing::Not(HasSubstr("batch [1/3]"))); // no plain lines on a terminal
}

TEST(CliBatch, AnErrorOnOneImageIsRecordedAndTheRunGoesOn)
{
    const test::TempDir dir;
    const fs::path images = dir.path() / "images";
    fs::create_directories(images);
    fs::copy_file(test::sourcePath("resources/samples/cues/00000.png"), images / "00000.png");
    fs::copy_file(test::sourcePath("resources/samples/cues/00001.png"), images / "00002.png");
    std::ofstream(images / "00001.png") << "this is not a PNG";
    const auto run = test::runCli("batch --model " + kModel + " --images " + images.string()
        + " --methods gradcam --out " + dir.file("out"));
    ASSERT_EQ(run.exitCode, 0) << run.err;
    EXPECT_THAT(run.err, HasSubstr("1 analyses failed"));
    EXPECT_THAT(run.out, HasSubstr("batch [2/3] 00001.png gradcam: error: "));
    const auto rows = csvRows(dir.file("out/summary.csv"));
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[1][0], "00000.png");
    EXPECT_EQ(rows[1][12], "");
    EXPECT_EQ(rows[2][0], "00001.png");
    EXPECT_THAT(rows[2][12], HasSubstr((images / "00001.png").string()));
    EXPECT_EQ(rows[2][5], ""); // no probability
    EXPECT_EQ(rows[3][0], "00002.png");
    EXPECT_EQ(rows[3][12], "");
    EXPECT_FALSE(rows[3][5].empty());
    // The failed analysis is recorded too: a resumed run has nothing left to do.
    const auto again = test::runCli("batch --model " + kModel + " --images " + images.string()
        + " --methods gradcam --resume --out " + dir.file("out"));
    ASSERT_EQ(again.exitCode, 0) << again.err;
    EXPECT_THAT(again.out, HasSubstr("(0 computed, 3 done before; 0 errors)"));
}

TEST(CliBatch, ManifestRowsKeepTheirOrderAndNames)
{
    const test::TempDir dir;
    fs::create_directories(dir.path() / "a");
    fs::copy_file(test::sourcePath("resources/samples/cues/00003.png"), dir.path() / "a" / "00003.png");
    fs::copy_file(test::sourcePath("resources/samples/cues/00001.png"), dir.path() / "a" / "00001.png");
    const std::string manifest = dir.write("list.csv", "file\n# a comment\na/00003.png\n\n\"a/00001.png\"\n");
    const auto run = test::runCli(
        "batch --model " + kModel + " --images " + manifest + " --methods gradcam --out " + dir.file("out"));
    ASSERT_EQ(run.exitCode, 0) << run.err;
    const auto rows = csvRows(dir.file("out/summary.csv"));
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[1][0], "a/00003.png");
    EXPECT_EQ(rows[2][0], "a/00001.png");
    EXPECT_TRUE(fs::exists(dir.file("out/00003.png/gradcam/saliency.npy")));
    EXPECT_EQ(rows[1][8], ""); // no truth.json beside the manifest: no pointing game
}

TEST(CliBatch, BadInputIsAClearError)
{
    const test::TempDir dir;
    const std::string empty = dir.file("empty");
    fs::create_directories(empty);
    const std::string manifest = dir.write("list.csv", "file\nmissing.png\n");
    const std::string images = " --images " + sampleFolder();
    const std::string model = " --model " + kModel;
    const std::string out = " --out " + dir.file("out");
    struct Case {
        std::string arguments;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {model + images + " --methods gradcam --shard 3/2" + out,
            "--shard \"3/2\" must be K/N with 1 <= K <= N"},
        {model + images + " --methods gradcam --shard 0/0" + out, "--shard \"0/0\" must be K/N"},
        {" --model models/demo/missing.pt" + images + " --methods gradcam" + out, "models/demo/missing.pt"},
        {model + " --images " + empty + " --methods gradcam" + out, empty + ": holds no images"},
        {model + " --images " + dir.file("nowhere") + " --methods gradcam" + out,
            dir.file("nowhere") + ": does not exist"},
        {model + " --images " + manifest + " --methods gradcam" + out,
            "missing.png: does not exist (" + manifest + ", line 2)"},
        {model + images + " --methods nosuch" + out, "unknown saliency method \"nosuch\""},
        {model + images + " --methods occlusion --resolutions 5" + out,
            "--resolutions: occlusion offers 7, 14"},
        {model + images + out, "nothing to do; give --methods, --sag or --xnn"},
        {images + " --methods gradcam" + out, "--model, --images and --out are required"},
    };
    for (const Case &c : cases) {
        const auto run = test::runCli("batch" + c.arguments);
        EXPECT_EQ(run.exitCode, 1) << c.arguments << "\n" << run.err;
        EXPECT_THAT(run.err, HasSubstr(c.expected)) << c.arguments;
        EXPECT_FALSE(fs::exists(dir.file("out"))) << c.arguments;
    }

    // An existing run is continued only with --resume, and only with the same settings.
    const std::string one = dir.file("one");
    fs::create_directories(one);
    fs::copy_file(test::sourcePath("resources/samples/cues/00000.png"), fs::path(one) / "00000.png");
    const std::string first = "batch" + model + " --images " + one + " --methods gradcam" + out;
    ASSERT_EQ(test::runCli(first).exitCode, 0);
    const auto again = test::runCli(first);
    EXPECT_EQ(again.exitCode, 1);
    EXPECT_THAT(
        again.err, HasSubstr("summary.json: already describes a batch run in this folder; pass --resume"));
    const auto other = test::runCli(first + " --seed 3 --resume");
    EXPECT_EQ(other.exitCode, 1);
    EXPECT_THAT(other.err, HasSubstr("was written by a run with other settings (seed differs)"));
}

TEST(CliBatch, FoldersHoldWhatExplainSagAndXnnExplainWrite)
{
    const test::TempDir dir;
    const fs::path images = dir.path() / "images";
    fs::create_directories(images);
    const std::string image = test::sourcePath("resources/samples/cues/00004.png");
    fs::copy_file(image, images / "00004.png");
    const std::string xnn = "models/demo/cues-1.xnn";
    const auto run = test::runCli("batch --model " + kModel + " --images " + images.string()
        + " --methods occlusion --resolutions 7 --sag --xnn " + xnn + " --xnn-map gradient-input --out "
        + dir.file("out"));
    ASSERT_EQ(run.exitCode, 0) << run.err;
    const fs::path folder = dir.path() / "out" / "00004.png";
    const auto names = [](const fs::path &path) {
        std::set<std::string> found;
        for (const auto &entry : fs::directory_iterator(path))
            found.insert(entry.path().filename().string());
        return found;
    };

    const auto explain = test::runCli("explain --model " + kModel + " --image " + image
        + " --method occlusion --resolution 7 --out " + dir.file("explain"));
    ASSERT_EQ(explain.exitCode, 0) << explain.err;
    std::set<std::string> expected = names(dir.path() / "explain");
    expected.insert("batch-row.json");
    EXPECT_EQ(names(folder / "occlusion-7"), expected);
    EXPECT_EQ(test::readBytes((folder / "occlusion-7/saliency.npy").string()),
        test::readBytes(dir.file("explain/saliency.npy")));

    EXPECT_EQ(names(folder / "sag"),
        (std::set<std::string>{
            "batch-row.json", "result.json", "sag.dot", "sag.json", "sag.png", "sag.svg"}));
    const json sag = test::readJson((folder / "sag/result.json").string());
    EXPECT_EQ(sag.at("image"), (images / "00004.png").string());
    EXPECT_EQ(sag.at("target").at("index"), 1);

    const auto concepts = test::runCli("xnn explain --model " + kModel + " --xnn " + xnn + " --image " + image
        + " --map gradient-input --out " + dir.file("xnn"));
    ASSERT_EQ(concepts.exitCode, 0) << concepts.err;
    expected = names(dir.path() / "xnn");
    expected.insert("batch-row.json");
    EXPECT_EQ(names(folder / "xnn"), expected);
    const json batchXnn = test::readJson((folder / "xnn/xnn.json").string());
    const json cliXnn = test::readJson(dir.file("xnn/xnn.json"));
    EXPECT_EQ(batchXnn.at("contributions"), cliXnn.at("contributions"));
    EXPECT_EQ(batchXnn.at("class"), cliXnn.at("class"));

    const auto rows = csvRows(dir.file("out/summary.csv"));
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[1][1], "occlusion");
    EXPECT_EQ(rows[2][1], "sag");
    EXPECT_EQ(rows[2][2], "7");
    EXPECT_EQ(rows[3][1], "xnn");
    EXPECT_EQ(rows[3][3], std::to_string(cliXnn.at("class").at("index").get<int>()));
    EXPECT_EQ(rows[2][8], ""); // no pointing game for a SAG
}

} // namespace
} // namespace sg
