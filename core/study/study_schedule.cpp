#include "study/study_schedule.h"

#include "common/file_hash.h"

namespace sg {

std::uint64_t participantSeed(std::uint64_t studySeed, const std::string &participantId)
{
    return std::stoull(bytesHash(std::to_string(studySeed) + ":" + participantId), nullptr, 16);
}

std::vector<std::vector<int>> latinSquare(int k)
{
    std::vector<std::vector<int>> square(static_cast<size_t>(k), std::vector<int>(static_cast<size_t>(k)));
    for (int r = 0; r < k; ++r)
        for (int c = 0; c < k; ++c)
            square[size_t(r)][size_t(c)] = (r + c) % k;
    return square;
}

std::uint64_t uniformBelow(std::mt19937_64 &rng, std::uint64_t n)
{
    // Largest multiple of n that fits in 2^64: words at or above it are redrawn.
    const std::uint64_t limit = n == 0 ? 0 : (~std::uint64_t(0) / n) * n;
    for (;;) {
        const std::uint64_t word = rng();
        if (word < limit)
            return word % n;
    }
}

std::string explanationKey(const std::string &conditionId, const std::string &trialId)
{
    return conditionId + "/" + trialId;
}

std::string maskedStimulusKey(const std::string &trialId)
{
    return "masked/" + trialId + ".png";
}

Schedule buildSchedule(const Study &study, int participantIndex, std::uint64_t seed)
{
    Schedule schedule;
    schedule.participantIndex = participantIndex;
    schedule.seed = seed;
    const int k = int(study.conditions.size());
    schedule.latinRow = k > 0 ? participantIndex % k : 0;
    const auto square = latinSquare(k);
    std::mt19937_64 rng(seed);

    for (size_t b = 0; b < study.blocks.size(); ++b) {
        const StudyBlock &block = study.blocks[b];
        if (block.kind == BlockKind::Instructions)
            continue;
        std::vector<ScheduledTrial> items;
        for (size_t i = 0; i < block.trials.size(); ++i) {
            const StudyTrial &trial = block.trials[i];
            ScheduledTrial item;
            item.blockIndex = int(b);
            item.blockId = block.id;
            item.blockKind = block.kind;
            item.trialIndex = int(i);
            item.trialId = trial.id;
            item.trialKind = trial.kind;
            if (!block.condition.empty()) {
                item.condition = block.condition;
            } else if (k > 0) {
                const int column = study.assignment == Assignment::Within ? int(i) % k : 0;
                item.condition
                    = study.conditions[size_t(square[size_t(schedule.latinRow)][size_t(column)])].id;
            }
            const bool question = trial.kind == TrialKind::Likert || trial.kind == TrialKind::FreeText;
            item.stimulus
                = trial.kind == TrialKind::PredictModel ? maskedStimulusKey(trial.id) : trial.imageRef;
            const StudyCondition *condition = study.condition(item.condition);
            if (!question && block.showExplanation && condition && condition->kind != ConditionKind::None)
                item.explanation = explanationKey(item.condition, trial.id);
            item.truth = trial.truth;
            item.feedback = block.feedback && !question;
            item.confidence = block.confidence && !question;
            item.attentionCheck = trial.attentionCheck;
            items.push_back(std::move(item));
        }
        if (block.shuffle)
            shuffleInPlace(items, rng);
        for (ScheduledTrial &item : items) {
            item.position = int(schedule.trials.size());
            schedule.trials.push_back(std::move(item));
        }
    }
    return schedule;
}

} // namespace sg
