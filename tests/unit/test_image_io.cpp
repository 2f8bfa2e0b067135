// Image reading: formats, channel order, bit depth, and a clear refusal for every bad file.

#include "common/error.h"
#include "image/image_io.h"
#include "test_support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

namespace sg {
namespace {

using ::testing::HasSubstr;

// A BGR test card (OpenCV's order): left half pure red, right half pure blue, plus noise rows.
cv::Mat testCardBgr(int width = 64, int height = 48)
{
    cv::Mat card(height, width, CV_8UC3, cv::Scalar(0, 0, 255));
    card(cv::Rect(width / 2, 0, width - width / 2, height)).setTo(cv::Scalar(255, 0, 0));
    cv::Mat noise(4, width, CV_8UC3);
    cv::randu(noise, 0, 256);
    noise.copyTo(card(cv::Rect(0, height - 4, width, 4)));
    return card;
}

std::string encode(const cv::Mat &image, const std::string &extension)
{
    std::vector<uchar> bytes;
    EXPECT_TRUE(cv::imencode(extension, image, bytes)) << extension;
    return std::string(bytes.begin(), bytes.end());
}

std::string errorFor(const std::string &path)
{
    try {
        readImage(path);
    } catch (const Error &error) {
        EXPECT_EQ(error.subject(), path);
        return error.problem();
    }
    return "";
}

class ImageFormats : public ::testing::TestWithParam<std::string> { };

TEST_P(ImageFormats, ReadsRgbInRgbOrder)
{
    const test::TempDir dir;
    const std::string extension = GetParam();
    const std::string path = dir.write("card" + extension, encode(testCardBgr(), extension));
    const cv::Mat image = readImage(path);
    ASSERT_EQ(image.type(), CV_8UC3) << extension;
    EXPECT_EQ(image.cols, 64);
    EXPECT_EQ(image.rows, 48);
    const bool lossy = extension == ".jpg" || extension == ".webp";
    const int tolerance = lossy ? 12 : 0;
    const cv::Vec3b left = image.at<cv::Vec3b>(10, 8);
    const cv::Vec3b right = image.at<cv::Vec3b>(10, 56);
    EXPECT_NEAR(left[0], 255, tolerance) << "red comes first: RGB, not BGR";
    EXPECT_NEAR(left[2], 0, tolerance);
    EXPECT_NEAR(right[2], 255, tolerance);
    EXPECT_NEAR(right[0], 0, tolerance);
}

INSTANTIATE_TEST_SUITE_P(AllFormats, ImageFormats,
    ::testing::Values(".png", ".jpg", ".bmp", ".tiff", ".webp"),
    [](const auto &info) { return info.param.substr(1); });

TEST(ImageIo, KeepsGrayAndSixteenBitAndDropsAlpha)
{
    const test::TempDir dir;
    cv::Mat gray(10, 12, CV_8UC1, cv::Scalar(77));
    const cv::Mat grayRead = readImage(dir.write("gray.png", encode(gray, ".png")));
    EXPECT_EQ(grayRead.type(), CV_8UC1);
    EXPECT_EQ(grayRead.at<uchar>(3, 3), 77);

    cv::Mat deep(10, 12, CV_16UC3, cv::Scalar(1000, 2000, 60000)); // BGR
    const cv::Mat deepRead = readImage(dir.write("deep.png", encode(deep, ".png")));
    ASSERT_EQ(deepRead.type(), CV_16UC3);
    EXPECT_EQ(deepRead.at<cv::Vec3w>(5, 5), cv::Vec3w(60000, 2000, 1000));

    cv::Mat withAlpha(10, 12, CV_8UC4, cv::Scalar(10, 20, 30, 40)); // BGRA
    const cv::Mat alphaRead = readImage(dir.write("alpha.png", encode(withAlpha, ".png")));
    ASSERT_EQ(alphaRead.type(), CV_8UC3);
    EXPECT_EQ(alphaRead.at<cv::Vec3b>(0, 0), cv::Vec3b(30, 20, 10));
}

TEST(ImageIo, MissingEmptyAndDirectory)
{
    const test::TempDir dir;
    EXPECT_EQ(errorFor(dir.file("absent.png")), "image file not found");
    EXPECT_EQ(errorFor(dir.write("empty.png", "")), "file is empty");
    EXPECT_EQ(errorFor(dir.path().string()), "is a directory, not an image file");
}

TEST(ImageIo, RefusesFilesThatAreNotImages)
{
    const test::TempDir dir;
    EXPECT_THAT(errorFor(dir.write("notes.png", "hello, this is text")),
        HasSubstr("not a supported image (PNG, JPEG, BMP, TIFF or WebP)"));
}

TEST(ImageIo, RefusesTruncatedFiles)
{
    const test::TempDir dir;
    cv::Mat noise(96, 96, CV_8UC3);
    cv::randu(noise, 0, 256);
    for (const std::string extension : {".png", ".jpg", ".bmp", ".webp"}) {
        const std::string whole = encode(noise, extension);
        const std::string path = dir.write("cut" + extension, whole.substr(0, whole.size() / 2));
        EXPECT_THAT(errorFor(path), HasSubstr("truncated")) << extension;
    }
}

TEST(ImageIo, RefusesCorruptData)
{
    const test::TempDir dir;
    cv::Mat noise(64, 64, CV_8UC3);
    cv::randu(noise, 0, 256);
    std::string bytes = encode(noise, ".png");
    // Scramble the compressed pixel data but keep the header and the end chunk intact.
    for (size_t i = 60; i < bytes.size() - 20; i += 7)
        bytes[i] = char(bytes[i] ^ 0x5A);
    EXPECT_THAT(errorFor(dir.write("scrambled.png", bytes)), HasSubstr("corrupt PNG file"));
}

// A syntactically complete PNG whose header claims `width` x `height` (no pixel data needed:
// the size check happens before decoding).
std::string pngClaiming(std::uint32_t width, std::uint32_t height)
{
    auto be32 = [](std::uint32_t v) {
        return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    };
    std::string png("\x89PNG\r\n\x1A\n", 8);
    png += be32(13) + "IHDR" + be32(width) + be32(height) + std::string("\x08\x02\x00\x00\x00", 5) + be32(0);
    png += be32(0) + "IEND" + std::string("\xAE\x42\x60\x82", 4);
    return png;
}

TEST(ImageIo, RefusesAbsurdlyLargeImagesBeforeDecoding)
{
    const test::TempDir dir;
    EXPECT_EQ(errorFor(dir.write("huge.png", pngClaiming(20000, 20000))),
        "image is 20000x20000 pixels, over the limit of 100 megapixels");

    std::string bmp = encode(cv::Mat(4, 4, CV_8UC3, cv::Scalar(0)), ".bmp");
    const std::int32_t side = 12000;
    std::memcpy(&bmp[18], &side, 4);
    std::memcpy(&bmp[22], &side, 4);
    EXPECT_THAT(errorFor(dir.write("huge.bmp", bmp)), HasSubstr("over the limit of 100 megapixels"));
}

TEST(ImageIo, ProbeReadsSizesFromHeaders)
{
    const cv::Mat card = testCardBgr(40, 30);
    for (const std::string extension : {".png", ".jpg", ".bmp", ".tiff", ".webp"}) {
        const ImageHeader header = probeImage("x", encode(card, extension));
        EXPECT_EQ(header.width, 40) << extension;
        EXPECT_EQ(header.height, 30) << extension;
    }
}

TEST(ImageIo, ExtensionsAreCaseInsensitive)
{
    EXPECT_TRUE(hasImageExtension("a/B.PNG"));
    EXPECT_TRUE(hasImageExtension("c.jpeg"));
    EXPECT_FALSE(hasImageExtension("truth.json"));
}

} // namespace
} // namespace sg
