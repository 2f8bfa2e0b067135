// Folder listing (issue 9, "make room": moved from the GUI to core): which files count as images,
// natural file-name order, and errors that name the folder.

#include "common/error.h"
#include "image/image_folder.h"
#include "image/image_io.h"
#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

namespace sg {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(NaturalLess, DigitRunsCompareAsNumbers)
{
    EXPECT_TRUE(naturalLess("img2", "img10"));
    EXPECT_FALSE(naturalLess("img10", "img2"));
    EXPECT_TRUE(naturalLess("img9.png", "img10.png"));
    EXPECT_TRUE(naturalLess("a1b2", "a1b10")); // every run, not just the first
    EXPECT_TRUE(naturalLess("a2b1", "a10b0"));
    EXPECT_TRUE(naturalLess("x007", "x8")); // leading zeros do not make a number larger
    EXPECT_TRUE(naturalLess("x0", "x00001"));
    // Longer than any integer type: compared as digit strings, never converted.
    EXPECT_TRUE(naturalLess("n99999999999999999999", "n100000000000000000000"));
    EXPECT_FALSE(naturalLess("n100000000000000000000", "n99999999999999999999"));
}

TEST(NaturalLess, IgnoresAsciiCase)
{
    EXPECT_TRUE(naturalLess("alpha", "Beta"));
    EXPECT_FALSE(naturalLess("Beta", "alpha"));
    EXPECT_TRUE(naturalLess("IMG2.png", "img10.PNG"));
    EXPECT_TRUE(naturalLess("Zebra1", "zebra2"));
}

TEST(NaturalLess, PrefixFirstAndDigitsBeforeLetters)
{
    EXPECT_TRUE(naturalLess("img", "img1"));
    EXPECT_TRUE(naturalLess("", "a"));
    EXPECT_FALSE(naturalLess("a", ""));
    EXPECT_TRUE(naturalLess("img1", "imga")); // '1' < 'a', as in byte order
    EXPECT_TRUE(naturalLess("img_2", "imga")); // ASCII order after folding: '_' < 'a'
}

TEST(NaturalLess, IsAStrictTotalOrder)
{
    // Names equal but for case or leading zeros still get one fixed order, so a sort of any
    // listing is deterministic.
    const std::vector<std::string> names
        = {"a", "A", "a1", "a01", "A1", "a001", "b", "B2", "b02", "", "10", "9"};
    for (const std::string &x : names) {
        EXPECT_FALSE(naturalLess(x, x)) << x;
        for (const std::string &y : names) {
            if (x != y) {
                EXPECT_NE(naturalLess(x, y), naturalLess(y, x)) << x << " vs " << y;
            }
            for (const std::string &z : names) {
                if (naturalLess(x, y) && naturalLess(y, z)) {
                    EXPECT_TRUE(naturalLess(x, z)) << x << " < " << y << " < " << z;
                }
            }
        }
    }
}

TEST(NaturalLess, SortsAMixedListAsPeopleExpect)
{
    std::vector<std::string> names
        = {"img10.png", "IMG1.png", "img2.jpg", "Img02b.png", "img2a.png", "img.png", "a100", "A20", "b3"};
    std::mt19937 random(9);
    std::shuffle(names.begin(), names.end(), random);
    std::sort(names.begin(), names.end(), naturalLess);
    EXPECT_THAT(names,
        ElementsAre(
            "A20", "a100", "b3", "img.png", "IMG1.png", "img2.jpg", "img2a.png", "Img02b.png", "img10.png"));
}

TEST(IsSupportedImage, ByExtensionInAnyCaseAndNotHidden)
{
    for (const std::string &extension : imageExtensions()) {
        EXPECT_TRUE(isSupportedImage("photo" + extension)) << extension;
        std::string upper = extension;
        std::transform(
            upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return char(std::toupper(c)); });
        EXPECT_TRUE(isSupportedImage("/some/folder/PHOTO" + upper)) << upper;
    }
    EXPECT_FALSE(isSupportedImage("model.pt"));
    EXPECT_FALSE(isSupportedImage("notes.txt"));
    EXPECT_FALSE(isSupportedImage("png"));
    EXPECT_FALSE(isSupportedImage("photo.png.txt"));
    EXPECT_FALSE(isSupportedImage(".png"));
    EXPECT_FALSE(isSupportedImage("/folder/.thumbnail.jpg")); // hidden files are not listed
    EXPECT_FALSE(isSupportedImage(""));
}

// A folder with images in several cases and formats among things that are not images.
class ImageFolder : public ::testing::Test {
protected:
    void SetUp() override
    {
        for (const char *name : {"img10.png", "img2.PNG", "img1.jpg", "img3.jpeg", "scan.TIFF", "notes.txt",
                 "model.pt", "model.json", ".hidden.png", "noextension"})
            dir.write(name, "not decoded: the listing looks at names only");
        fs::create_directory(dir.path() / "folder.png"); // a folder named like an image
        fs::create_directory(dir.path() / "nested");
        dir.write("nested/img0.png", "subfolders are not listed");
        fs::create_symlink(dir.path() / "missing.png", dir.path() / "broken.png");
        fs::create_symlink(dir.path() / "img1.jpg", dir.path() / "link.webp");
    }

    std::string path(const std::string &name) const { return (dir.path() / name).string(); }

    test::TempDir dir;
};

TEST_F(ImageFolder, ListsSupportedImagesInNaturalOrder)
{
    EXPECT_THAT(listImages(dir.path().string()),
        ElementsAre(path("img1.jpg"), path("img2.PNG"), path("img3.jpeg"), path("img10.png"),
            path("link.webp"), path("scan.TIFF")));
}

TEST_F(ImageFolder, GivesAbsolutePathsForARelativeFolder)
{
    const fs::path before = fs::current_path();
    fs::current_path(dir.path());
    std::vector<std::string> listed;
    std::vector<std::string> fromDot;
    try {
        listed = listImages("nested");
        fromDot = listImages("./nested/");
    } catch (...) {
        fs::current_path(before);
        throw;
    }
    fs::current_path(before);
    EXPECT_THAT(listed, ElementsAre(path("nested/img0.png")));
    EXPECT_EQ(fromDot, listed);
}

TEST_F(ImageFolder, EmptyFolderIsAnEmptyList)
{
    fs::create_directory(dir.path() / "empty");
    EXPECT_THAT(listImages(path("empty")), IsEmpty());
}

std::string listingError(const std::string &folder)
{
    try {
        listImages(folder);
    } catch (const Error &error) {
        EXPECT_EQ(error.subject(), folder);
        EXPECT_THAT(error.what(), HasSubstr(folder));
        return error.problem();
    }
    ADD_FAILURE() << "listImages(" << folder << ") did not throw";
    return "";
}

TEST_F(ImageFolder, MissingFolderErrorNamesIt)
{
    EXPECT_EQ(listingError(path("no-such-folder")), "no such folder");
    EXPECT_EQ(listingError(path("no-such-folder/deeper")), "no such folder");
}

TEST_F(ImageFolder, FileIsNotAFolder)
{
    EXPECT_EQ(listingError(path("img1.jpg")), "not a folder");
}

TEST_F(ImageFolder, UnreadableFolderErrorNamesIt)
{
    if (::geteuid() == 0)
        GTEST_SKIP() << "root reads every folder";
    fs::create_directory(dir.path() / "locked");
    dir.write("locked/img1.png", "");
    fs::permissions(dir.path() / "locked", fs::perms::none);
    const std::string problem = listingError(path("locked"));
    fs::permissions(dir.path() / "locked", fs::perms::owner_all); // so TempDir can remove it
    EXPECT_THAT(problem, HasSubstr("cannot read the folder"));
}

TEST_F(ImageFolder, SkipsUnreadableFiles)
{
    if (::geteuid() == 0)
        GTEST_SKIP() << "root reads every file";
    fs::permissions(dir.path() / "img2.PNG", fs::perms::none);
    EXPECT_THAT(listImages(dir.path().string()),
        ElementsAre(
            path("img1.jpg"), path("img3.jpeg"), path("img10.png"), path("link.webp"), path("scan.TIFF")));
}

} // namespace
} // namespace sg
