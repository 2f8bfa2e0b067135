// From decoded image to model pixels and input tensor, checked against hand computations.

#include "image/mat_tensor.h"
#include "image/preprocess.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace sg {
namespace {

InputSpec rgbSpec(int width, int height)
{
    InputSpec spec;
    spec.width = width;
    spec.height = height;
    spec.channels = 3;
    spec.mean = {0.0f, 0.0f, 0.0f};
    spec.std = {1.0f, 1.0f, 1.0f};
    return spec;
}

TEST(Preprocess, SameSizeIsNotResampled)
{
    cv::Mat image(5, 7, CV_8UC3);
    cv::randu(image, 0, 256);
    const cv::Mat pixels = toModelPixels(image, rgbSpec(7, 5));
    ASSERT_EQ(pixels.type(), CV_32FC3);
    for (int y = 0; y < 5; ++y)
        for (int x = 0; x < 7; ++x)
            for (int c = 0; c < 3; ++c)
                EXPECT_FLOAT_EQ(pixels.at<cv::Vec3f>(y, x)[c], image.at<cv::Vec3b>(y, x)[c] / 255.0f);
}

TEST(Preprocess, RgbToGrayUsesRec601Weights)
{
    cv::Mat image(1, 1, CV_8UC3, cv::Scalar(255, 0, 51)); // R=255, G=0, B=51 in RGB order
    InputSpec spec = rgbSpec(1, 1);
    spec.channels = 1;
    spec.mean = {0.0f};
    spec.std = {1.0f};
    const cv::Mat gray = toModelPixels(image, spec);
    ASSERT_EQ(gray.type(), CV_32FC1);
    EXPECT_NEAR(gray.at<float>(0, 0), 0.299f * 1.0f + 0.114f * 0.2f, 1e-6);
}

TEST(Preprocess, GrayToRgbRepeatsAndSixteenBitScales)
{
    cv::Mat gray(2, 2, CV_16UC1, cv::Scalar(65535));
    const cv::Mat rgb = toModelPixels(gray, rgbSpec(2, 2));
    ASSERT_EQ(rgb.type(), CV_32FC3);
    EXPECT_EQ(rgb.at<cv::Vec3f>(1, 1), cv::Vec3f(1.0f, 1.0f, 1.0f));
}

TEST(Preprocess, ShrinkingAveragesAreas)
{
    // A 4x4 checkerboard of 0/255 shrunk to 2x2 by area averaging is uniformly 0.5.
    cv::Mat board(4, 4, CV_8UC1);
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x)
            board.at<uchar>(y, x) = (x + y) % 2 ? 255 : 0;
    InputSpec spec = rgbSpec(2, 2);
    spec.channels = 1;
    const cv::Mat small = toModelPixels(board, spec);
    ASSERT_EQ(small.size(), cv::Size(2, 2));
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 2; ++x)
            EXPECT_NEAR(small.at<float>(y, x), 0.5f, 1e-6);
}

TEST(Preprocess, TensorAppliesRangeMeanAndStdPerChannel)
{
    InputSpec spec = rgbSpec(3, 2);
    spec.rangeLow = -1.0f;
    spec.rangeHigh = 1.0f;
    spec.mean = {0.1f, 0.2f, 0.3f};
    spec.std = {0.5f, 2.0f, 4.0f};
    cv::Mat pixels(2, 3, CV_32FC3);
    cv::randu(pixels, 0.0f, 1.0f);
    const at::Tensor tensor = toInputTensor({pixels, pixels}, spec);
    ASSERT_EQ(tensor.sizes(), (std::vector<int64_t>{2, 3, 2, 3}));
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 3; ++x)
            for (int c = 0; c < 3; ++c) {
                const float value = -1.0f + 2.0f * pixels.at<cv::Vec3f>(y, x)[c];
                const float expected = (value - spec.mean[c]) / spec.std[c];
                EXPECT_NEAR(tensor[1][c][y][x].item<float>(), expected, 1e-6);
            }
}

TEST(Preprocess, MapToMatCopiesValues)
{
    const at::Tensor map = torch::arange(6, torch::kFloat64).view({2, 3});
    const cv::Mat mat = toMat32F(map);
    ASSERT_EQ(mat.type(), CV_32FC1);
    EXPECT_FLOAT_EQ(mat.at<float>(1, 2), 5.0f);
}

} // namespace
} // namespace sg
