// The batch plan (issue 13): shard parsing and the round-robin split, the summary's CSV lines.

#include "common/csv.h"
#include "common/error.h"
#include "jobs/batch_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sg {
namespace {

using ::testing::HasSubstr;

TEST(BatchPlan, ShardsAreKofNWithKFrom1ToN)
{
    EXPECT_EQ(parseShard("1/1"), (Shard{1, 1}));
    EXPECT_EQ(parseShard("3/4"), (Shard{3, 4}));
    for (const char *bad : {"3/2", "0/0", "0/2", "1/0", "2", "a/b", "-1/2", "1/2/3", "", "1 /2"}) {
        try {
            parseShard(bad);
            ADD_FAILURE() << bad << " was accepted";
        } catch (const Error &error) {
            EXPECT_THAT(error.what(), HasSubstr("--shard \"" + std::string(bad) + "\" must be K/N")) << bad;
        }
    }
}

TEST(BatchPlan, ShardsSplitEveryImageExactlyOnceAndEvenly)
{
    for (int count = 1; count <= 5; ++count)
        for (std::size_t images = 0; images <= 11; ++images) {
            std::vector<std::size_t> sizes(static_cast<std::size_t>(count), 0);
            for (std::size_t p = 0; p < images; ++p) {
                int owners = 0;
                for (int k = 1; k <= count; ++k)
                    if (inShard(p, {k, count})) {
                        ++owners;
                        ++sizes[size_t(k - 1)];
                    }
                EXPECT_EQ(owners, 1) << p << " of " << images << " in " << count << " shards";
            }
            // Round robin: shard k takes positions k-1, k-1+N, ...: the first shards one more.
            for (int k = 1; k <= count; ++k)
                EXPECT_EQ(
                    sizes[size_t(k - 1)], images / size_t(count) + (size_t(k - 1) < images % size_t(count)));
        }
    EXPECT_TRUE(inShard(0, {1, 2}));
    EXPECT_TRUE(inShard(3, {2, 2}));
}

TEST(BatchPlan, CsvLinesQuoteWhatNeedsItAndReadBack)
{
    BatchRow row;
    row.image = "a, \"b\".png";
    row.method = "igos";
    row.resolution = 7;
    row.target = 2;
    row.label = "blue-disk|red-triangle";
    row.probability = 0.5;
    row.pointingHit = true;
    row.seconds = 1.25;
    row.forwardPasses = 10;
    row.backwardPasses = 3;
    row.error = "line one\nline two";
    const std::string line = batchCsvLine(row);
    EXPECT_EQ(line,
        "\"a, \"\"b\"\".png\",igos,7,2,blue-disk|red-triangle,0.500000,,,1,1.250,10,3,line one line two\n");
    const auto fields = splitCsvLine(line.substr(0, line.size() - 1));
    ASSERT_EQ(fields.size(), 13u);
    EXPECT_EQ(fields[0], row.image);
    EXPECT_EQ(batchRowJson(batchRowFromJson(batchRowJson(row))), batchRowJson(row));
    EXPECT_EQ(batchSummaryName({1, 1}), "summary.csv");
    EXPECT_EQ(batchDescriptionName({2, 3}), "summary-2-of-3.json");
}

} // namespace
} // namespace sg
