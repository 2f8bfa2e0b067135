#pragma once
// A trained XNN as plain data: for each explained class, the SRAE's weights, the input scaling,
// the training report and the prototypes. What xnn_train.h produces, xnn_file.h stores and
// xnn_explain.h reads. Torch-free.

#include <cstdint>
#include <string>
#include <vector>

namespace sg {

// The default layer an XNN reads (embedding.h lists them all).
constexpr const char *kXnnLayer = "features:global-average";

// One affine layer, W row-major [out, in] and b [out].
struct XnnLayer {
    // encoder1, encoder2, encoder3, [decoder3, decoder2, decoder1,] predictor: files keep the
    // decoder only when training was asked to (it serves training, not explanation).
    std::string name;
    int inputs = 0;
    int outputs = 0;
    std::vector<float> weight;
    std::vector<float> bias;

    bool operator==(const XnnLayer &other) const;
};

// Mean losses over one epoch's batches (each term unweighted; `total` with the round's weights).
struct XnnEpochLoss {
    int round = 0; // 1-based rebalancing round
    int epoch = 0; // 1-based within the round
    double total = 0.0;
    double prediction = 0.0; // faithfulness MSE
    double reconstruction = 0.0; // log penalty (or MSE when sparse reconstruction is off)
    double pullAway = 0.0;
};

struct XnnClassReport {
    std::vector<XnnEpochLoss> epochs; // every round's fine-tuning epochs, in order
    int rounds = 0; // rebalancing rounds run
    bool balanced = false; // the last round met the acceptance rule
    // The round whose weights were kept: the accepted one, or when none was accepted the most
    // faithful (lowest training RMSE) of them all.
    int keptRound = 0;
    double alphaRec = 0.0; // weights of the kept round
    double alphaPt = 0.0;
    std::vector<double> meanContributions; // m_j = mean over training images of x_j v_j
    double trainRmse = 0.0; // RMSE of the XNN score against the model's score, training images
    double heldOutRmse = 0.0; // the same on held-out images (0 when none are held out)
    // RMSE on held-out images of always answering the training images' mean score: the
    // faithfulness a constant reaches, for comparison.
    double heldOutMeanRmse = 0.0;
    double scoreMin = 0.0; // range of the model's score for this class over all images
    double scoreMax = 0.0;
};

struct XnnClassModel {
    int classIndex = 0;
    std::string label;
    std::string layer = kXnnLayer; // the XnnModel's layer, kept here so one class can be explained alone
    // z is scaled per dimension by 1 / inputScale[k] before the SRAE reads it (see README).
    std::vector<float> inputScale;
    std::vector<XnnLayer> layers; // Srae::layerNames() order
    XnnClassReport report;
    // For each x-feature, the training images (paths) that activate it most, most first. Files
    // store them relative to the file's folder; readXnnFile gives them relative to the current
    // folder again (absolute when the file's path is).
    std::vector<std::vector<std::string>> prototypes;
    // The prototypes' thumbnails (PNG, longer side kPrototypeThumbnailSide), parallel to
    // `prototypes`, so a file shows its prototypes where its training images are not; empty for
    // an image that could not be read at training time, and for files from before thumbnails.
    std::vector<std::vector<std::string>> prototypeThumbnails;
};

constexpr int kPrototypeThumbnailSide = 96;

struct XnnModel {
    std::string modelHash; // modelContentHash of the classifier whose embedding it explains
    std::string layer; // Embedding::layer
    int dimension = 0; // D
    int xFeatures = 0; // L
    std::uint64_t seed = 0;
    std::vector<XnnClassModel> classes;
    int trainImages = 0;
    int heldOutImages = 0;
    // Fraction of held-out images on which the highest XNN score names the model's top class;
    // -1 unless every class of the model was trained (and images were held out).
    double heldOutAgreement = -1.0;
};

} // namespace sg
