#pragma once
// A one-line progress bar for long CLI runs (xnn training, batch): the elapsed time and the
// estimated time left, redrawn in place on a terminal at most ten times a second.

#include <chrono>
#include <iosfwd>
#include <string>

namespace sg::cli {

// "M:SS" of a duration in seconds (negative ones as 0:00).
std::string minutesSeconds(double seconds);

class ProgressBar {
public:
    // Draws on `out` (std::cerr or std::cout); the stream must outlive the bar. Main thread.
    explicit ProgressBar(std::ostream &out);

    // Starts a phase. `alreadyDone` units count as done but not towards the rate, so a resumed
    // run's ETA is not fooled by the work it skips.
    void start(const std::string &phase, int alreadyDone = 0);
    // Redraws (throttled unless `force`): `done` of `total` units.
    void draw(int done, int total, bool force = false);
    // Ends the line.
    void finish();

    // Seconds left at the rate of this phase so far; negative while nothing was done yet.
    double secondsLeft(int done, int total) const;

private:
    std::ostream &out_;
    std::string phase_;
    int alreadyDone_ = 0;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point lastDraw_;
};

} // namespace sg::cli
