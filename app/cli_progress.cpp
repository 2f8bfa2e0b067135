#include "cli_progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace sg::cli {

std::string minutesSeconds(double seconds)
{
    const int total = int(std::lround(std::max(0.0, seconds)));
    char text[32];
    std::snprintf(text, sizeof text, "%d:%02d", total / 60, total % 60);
    return text;
}

ProgressBar::ProgressBar(std::ostream &out) : out_(out)
{ }

void ProgressBar::start(const std::string &phase, int alreadyDone)
{
    phase_ = phase;
    alreadyDone_ = alreadyDone;
    start_ = std::chrono::steady_clock::now();
    lastDraw_ = {};
}

double ProgressBar::secondsLeft(int done, int total) const
{
    const int worked = done - alreadyDone_;
    if (worked <= 0)
        return -1.0;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    return elapsed / worked * std::max(0, total - done);
}

void ProgressBar::draw(int done, int total, bool force)
{
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - lastDraw_ < std::chrono::milliseconds(100))
        return;
    lastDraw_ = now;
    const double fraction = total > 0 ? std::clamp(double(done) / total, 0.0, 1.0) : 0.0;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    constexpr int kWidth = 30;
    const int filled = int(fraction * kWidth);
    const std::string bar = std::string(size_t(filled), '#') + std::string(size_t(kWidth - filled), '.');
    out_ << '\r' << phase_ << " [" << bar << "] " << int(fraction * 100) << "% " << done << '/' << total
         << "  " << minutesSeconds(elapsed) << " elapsed";
    const double left = secondsLeft(done, total);
    if (left >= 0.0 && fraction < 1.0)
        out_ << ", ETA " << minutesSeconds(left);
    out_ << "   " << std::flush;
}

void ProgressBar::finish()
{
    out_ << '\n' << std::flush;
}

} // namespace sg::cli
