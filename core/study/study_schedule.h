#pragma once
// A participant's schedule: every trial they will see, in order, with the condition shown. It is
// a pure function of (protocol, participant index, participant seed), so a restarted runner gets
// the same schedule, and the store keeps a copy to prove it.
//
// Randomness (README.md, "Schedule"): one std::mt19937_64 seeded with the participant seed; each
// block with shuffle on, in protocol order, is shuffled by Fisher-Yates from the last position
// down, j = uniformBelow(i + 1), where uniformBelow(n) draws 64-bit words and rejects those at or
// above the largest multiple of n (no modulo bias). std::shuffle and std::uniform_int_distribution
// are not used: their outputs differ between standard libraries.
//
// Counterbalancing: a cyclic Latin square over the protocol's conditions, L[r][c] = (r + c) mod k,
// r = participant index mod k. Between subjects, participant r sees condition L[r][0] throughout;
// within subjects, trial i (protocol order) of a block gets condition L[r][i mod k], so over any
// k consecutive participants each trial is shown once under each condition. A block with a fixed
// `condition` uses it for everyone.

#include "study/study_protocol.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace sg {

struct ScheduledTrial {
    int position = 0; // 0-based order in the participant's session
    int blockIndex = 0; // into Study::blocks
    std::string blockId;
    BlockKind blockKind = BlockKind::Test;
    int trialIndex = 0; // into the block's trials (protocol order)
    std::string trialId;
    TrialKind trialKind = TrialKind::Classify;
    std::string condition; // condition id (recorded even when the block shows no explanation)
    // What is shown, relative to the study folder (the image as written) or, for predict-model
    // trials, to the prepared folder ("masked/<trial>.png"); empty for questionnaire items.
    std::string stimulus;
    // The explanation shown, relative to the prepared folder ("<condition>/<trial>"); empty when
    // none is (condition none, show_explanation false, questionnaires).
    std::string explanation;
    std::string truth; // the answer key; predict-model: empty until applyPreparation
    bool feedback = false;
    bool confidence = false;
    bool attentionCheck = false;
};

struct Schedule {
    int participantIndex = 0;
    std::uint64_t seed = 0;
    int latinRow = 0; // participant index mod condition count
    std::vector<ScheduledTrial> trials;
};

// The seed recorded for a participant when none is given: FNV-1a 64 of
// "<study seed>:<participant id>". Pure.
std::uint64_t participantSeed(std::uint64_t studySeed, const std::string &participantId);

// The cyclic Latin square of order k (k >= 1): row r, column c holds (r + c) mod k. Pure.
std::vector<std::vector<int>> latinSquare(int k);

// Uniform integer in [0, n) from `rng` by rejection (n >= 1). Pure given the engine's state.
std::uint64_t uniformBelow(std::mt19937_64 &rng, std::uint64_t n);

// Fisher-Yates as documented above; the permutation depends only on the engine's state.
template <typename T> void shuffleInPlace(std::vector<T> &items, std::mt19937_64 &rng)
{
    for (size_t i = items.size(); i > 1; --i) {
        const size_t j = size_t(uniformBelow(rng, i));
        std::swap(items[i - 1], items[j]);
    }
}

// The schedule of participant `participantIndex` (0-based registration order) with `seed`.
// Instructions blocks contribute no trials (a runner shows a block's text when it reaches the
// block). Pure; any thread. The protocol must have parsed without issues.
Schedule buildSchedule(const Study &study, int participantIndex, std::uint64_t seed);

// Relative paths inside the prepared folder (study_prepare.h writes them).
std::string explanationKey(const std::string &conditionId, const std::string &trialId);
std::string maskedStimulusKey(const std::string &trialId); // "masked/<trial>.png"

} // namespace sg
