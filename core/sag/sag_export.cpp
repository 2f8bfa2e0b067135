#include "sag/sag_export.h"

#include "common/error.h"
#include "image/mat_tensor.h"
#include "sag/cell_scorer.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace sg {

namespace {

using nlohmann::json;

constexpr double kPadding = 6.0; // points between a node's border and its thumbnail
constexpr double kLabelHeight = 20.0; // points below the thumbnail for the percentage
constexpr double kMargin = 8.0; // points around the drawing

struct Colour {
    int r, g, b;
};

// The reference's fills: snow1 above 0.9, snow3 above 0.5, snow4 otherwise.
Colour fillColour(double relative)
{
    return relative > 0.9 ? Colour{255, 250, 250}
        : relative > 0.5  ? Colour{205, 201, 201}
                          : Colour{139, 137, 137};
}

std::string hex(const Colour &c)
{
    char text[8];
    std::snprintf(text, sizeof text, "#%02x%02x%02x", c.r, c.g, c.b);
    return text;
}

std::string base64(const std::string &bytes)
{
    static const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (size_t i = 0; i < bytes.size(); i += 3) {
        const unsigned a = static_cast<unsigned char>(bytes[i]);
        const unsigned b = i + 1 < bytes.size() ? static_cast<unsigned char>(bytes[i + 1]) : 0u;
        const unsigned c = i + 2 < bytes.size() ? static_cast<unsigned char>(bytes[i + 2]) : 0u;
        const unsigned triple = (a << 16) | (b << 8) | c;
        out += alphabet[(triple >> 18) & 63];
        out += alphabet[(triple >> 12) & 63];
        out += i + 1 < bytes.size() ? alphabet[(triple >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? alphabet[triple & 63] : '=';
    }
    return out;
}

std::string fixed(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", value);
    return text;
}

// Where a node's thumbnail goes: a square at the top of its box.
struct Thumb {
    double x, y, side;
};

Thumb thumbOf(const SagLayoutNode &node)
{
    const double side
        = std::max(1.0, std::min(node.width - 2 * kPadding, node.height - kLabelHeight - 2 * kPadding));
    return {node.centre.x - side / 2, node.centre.y - node.height / 2 + kPadding, side};
}

// Points of a cubic Bezier chain, sampled for drawing as a polyline.
std::vector<SagPoint> sampled(const std::vector<SagPoint> &spline)
{
    std::vector<SagPoint> points;
    if (spline.empty())
        return points;
    points.push_back(spline[0]);
    for (size_t i = 0; i + 3 < spline.size(); i += 3)
        for (int s = 1; s <= 16; ++s) {
            const double t = s / 16.0;
            const double u = 1 - t;
            const auto &p0 = spline[i], &p1 = spline[i + 1], &p2 = spline[i + 2], &p3 = spline[i + 3];
            points.push_back(
                {u * u * u * p0.x + 3 * u * u * t * p1.x + 3 * u * t * t * p2.x + t * t * t * p3.x,
                    u * u * u * p0.y + 3 * u * u * t * p1.y + 3 * u * t * t * p2.y + t * t * t * p3.y});
        }
    return points;
}

// The three corners of an arrow head from `from` (the curve's end) to `tip`.
std::vector<SagPoint> arrowHead(const SagPoint &from, const SagPoint &tip)
{
    const double dx = tip.x - from.x, dy = tip.y - from.y;
    const double nx = -dy * 0.35, ny = dx * 0.35; // a head as wide as 0.7 of its length
    return {tip, {from.x + nx, from.y + ny}, {from.x - nx, from.y - ny}};
}

void checkLayout(const SagResult &result, const SagLayout &layout)
{
    if (layout.nodes.size() != result.graph.nodes.size() || layout.edges.size() != result.graph.edges.size())
        throw Error("", "sag: the layout does not belong to this graph (node or edge counts differ)");
}

json cellsJson(const std::vector<int> &cells)
{
    return json(cells);
}

} // namespace

std::string pngBytes(const cv::Mat &rgb)
{
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    std::vector<uchar> bytes;
    if (!cv::imencode(".png", bgr, bytes))
        throw Error("", "cannot encode a PNG image");
    return std::string(bytes.begin(), bytes.end());
}

json sagResultJson(const SagResult &result)
{
    const SagRequest &request = result.request;
    json roots = json::array();
    for (const SagRoot &root : result.roots)
        roots.push_back({{"cells", cellsJson(root.cells)}, {"probability", root.probability},
            {"relative", root.relative}, {"round", root.round}});
    const SagStatistics &s = result.statistics;
    return {
        {"target", {{"index", result.target}, {"label", result.label}, {"probability", result.probability}}},
        {"grid", {{"rows", result.gridRows}, {"cols", result.gridCols}}},
        {"threshold", {{"relative", request.threshold}, {"absolute", result.threshold}}},
        {"request",
            {{"mode", sagModeName(request.mode)}, {"baseline", sagBaselineName(request.baseline)},
                {"upsampling", sagUpsamplingName(request.upsampling)}, {"beam_width", request.beamWidth},
                {"successors", request.successors}, {"max_roots", request.maxRoots},
                {"max_shared_cells", request.maxSharedCells}, {"roots_shown", request.rootsShown},
                {"expand_threshold", request.expandThreshold}, {"branching", request.branching},
                {"node_limit", request.nodeLimit}, {"cache", !request.noCache}, {"seed", request.seed}}},
        {"ranking", result.ranking},
        {"roots", roots},
        {"diverse", result.diverse},
        {"shown", result.shown},
        {"baseline_suffices", result.baselineSuffices},
        {"seconds", s.seconds},
        {"forward_passes", s.forwardPasses},
        {"backward_passes", s.backwardPasses},
        {"statistics",
            {{"ranking_passes", s.rankingPasses}, {"search_passes", s.searchPasses},
                {"minimisation_passes", s.minimisationPasses}, {"graph_passes", s.graphPasses},
                {"sets_scored", s.setsScored}, {"cache_hits", s.cacheHits}, {"distinct_sets", s.distinctSets},
                {"beam_steps", s.beamSteps}, {"minimisations", s.minimisations},
                {"supersets_skipped", s.supersetsSkipped}, {"rounds", s.rounds},
                {"excluded_cells", s.excludedCells}, {"stop_reason", s.stopReason}}},
        {"graph",
            {{"nodes", result.graph.nodes.size()}, {"edges", result.graph.edges.size()},
                {"cut", result.graph.cut}}},
    };
}

json sagGraphJson(const SagResult &result, const SagLayout &layout)
{
    checkLayout(result, layout);
    json out = sagResultJson(result);
    json nodes = json::array();
    for (size_t i = 0; i < result.graph.nodes.size(); ++i) {
        const SagNode &node = result.graph.nodes[i];
        const SagLayoutNode &place = layout.nodes[i];
        nodes.push_back({{"id", i}, {"cells", cellsJson(node.cells)}, {"probability", node.probability},
            {"relative", node.relative}, {"percent", node.percent}, {"root", node.root},
            {"root_index", node.rootIndex}, {"depth", node.depth}, {"expanded", node.expanded},
            {"cut", node.cut}, {"x", place.centre.x}, {"y", place.centre.y}, {"width", place.width},
            {"height", place.height}});
    }
    json edges = json::array();
    for (size_t i = 0; i < result.graph.edges.size(); ++i) {
        const SagEdge &edge = result.graph.edges[i];
        json spline = json::array();
        for (const SagPoint &p : layout.edges[i].spline)
            spline.push_back({p.x, p.y});
        json entry = {{"parent", edge.parent}, {"child", edge.child}, {"removed_cell", edge.removedCell},
            {"spline", spline}};
        if (layout.edges[i].arrow)
            entry["arrow_tip"] = {layout.edges[i].arrowTip.x, layout.edges[i].arrowTip.y};
        edges.push_back(entry);
    }
    out["graph"] = {{"nodes", nodes}, {"edges", edges}, {"cut", result.graph.cut},
        {"layout", {{"width", layout.width}, {"height", layout.height}, {"units", "points"}}}};
    return out;
}

namespace {

// `image` (resized to width x height) with each pixel scaled by floor + (1 - floor) * U(cells).
cv::Mat scaledByCells(const cv::Mat &image, const std::vector<int> &cells, int rows, int cols,
    SagUpsampling upsampling, int width, int height, double floor)
{
    if (image.empty())
        throw Error("", "sag: no image to draw");
    cv::Mat rgb;
    if (image.size() != cv::Size(width, height))
        cv::resize(image, rgb, cv::Size(width, height), 0, 0, cv::INTER_AREA);
    else
        rgb = image;
    const at::Tensor mask
        = sag::cellMasks({sag::setOf(cells)}, rows, cols, height, width, upsampling, torch::kCPU);
    const cv::Mat weights = toMat32F(mask[0][0].clamp(0.0, 1.0) * (1.0 - floor) + floor);
    std::vector<cv::Mat> planes(size_t(rgb.channels()), weights);
    cv::Mat weightsN;
    cv::merge(planes, weightsN);
    cv::Mat floatImage;
    rgb.convertTo(floatImage, CV_32FC(rgb.channels()));
    cv::multiply(floatImage, weightsN, floatImage);
    cv::Mat out;
    floatImage.convertTo(out, CV_8UC(rgb.channels())); // rounds to nearest
    return out;
}

} // namespace

cv::Mat sagNodeImage(const cv::Mat &image, const std::vector<int> &cells, int rows, int cols,
    SagUpsampling upsampling, int width, int height)
{
    return scaledByCells(image, cells, rows, cols, upsampling, width, height, 0.15);
}

cv::Mat sagShownImage(const cv::Mat &image, const std::vector<int> &cells, int rows, int cols,
    SagUpsampling upsampling, int width, int height)
{
    return scaledByCells(image, cells, rows, cols, upsampling, width, height, 0.0);
}

std::string sagSvg(
    const SagResult &result, const SagLayout &layout, const cv::Mat &image, int inputWidth, int inputHeight)
{
    checkLayout(result, layout);
    const double width = layout.width + 2 * kMargin;
    const double height = layout.height + 2 * kMargin;
    std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\""
        + fixed(width) + "pt\" height=\"" + fixed(height) + "pt\" viewBox=\"0 0 " + fixed(width) + " "
        + fixed(height) + "\">\n";
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"black\"/>\n";
    svg += "<g transform=\"translate(" + fixed(kMargin) + "," + fixed(kMargin) + ")\">\n";
    for (size_t i = 0; i < layout.edges.size(); ++i) {
        const SagLayoutEdge &edge = layout.edges[i];
        if (edge.spline.empty())
            continue;
        std::string path = "M" + fixed(edge.spline[0].x) + "," + fixed(edge.spline[0].y);
        for (size_t p = 1; p + 2 < edge.spline.size(); p += 3)
            path += " C" + fixed(edge.spline[p].x) + "," + fixed(edge.spline[p].y) + " "
                + fixed(edge.spline[p + 1].x) + "," + fixed(edge.spline[p + 1].y) + " "
                + fixed(edge.spline[p + 2].x) + "," + fixed(edge.spline[p + 2].y);
        svg += "<path class=\"edge\" d=\"" + path
            + "\" fill=\"none\" stroke=\"white\" stroke-width=\"1.5\"><title>P"
            + std::to_string(result.graph.edges[i].removedCell) + " removed</title></path>\n";
        if (edge.arrow) {
            const auto head = arrowHead(edge.spline.back(), edge.arrowTip);
            svg += "<polygon points=\"";
            for (const SagPoint &p : head)
                svg += fixed(p.x) + "," + fixed(p.y) + " ";
            svg += "\" fill=\"white\"/>\n";
        }
    }
    for (size_t i = 0; i < layout.nodes.size(); ++i) {
        const SagNode &node = result.graph.nodes[i];
        const SagLayoutNode &place = layout.nodes[i];
        const Colour fill = fillColour(node.relative);
        std::string cells;
        for (int cell : node.cells)
            cells += (cells.empty() ? "P" : " P") + std::to_string(cell);
        svg += "<g class=\"node\" id=\"n" + std::to_string(i) + "\"><title>"
            + (cells.empty() ? "(no cells)" : cells) + "</title>\n";
        svg += "<rect x=\"" + fixed(place.centre.x - place.width / 2) + "\" y=\""
            + fixed(place.centre.y - place.height / 2) + "\" width=\"" + fixed(place.width) + "\" height=\""
            + fixed(place.height) + "\" fill=\"" + hex(fill) + "\" stroke=\""
            + (node.root ? "#ffd700" : hex(fill)) + "\" stroke-width=\"" + (node.root ? "4" : "2") + "\"/>\n";
        const Thumb thumb = thumbOf(place);
        const cv::Mat picture = sagNodeImage(image, node.cells, result.gridRows, result.gridCols,
            result.request.upsampling, inputWidth, inputHeight);
        svg += "<image x=\"" + fixed(thumb.x) + "\" y=\"" + fixed(thumb.y) + "\" width=\"" + fixed(thumb.side)
            + "\" height=\"" + fixed(thumb.side)
            + "\" preserveAspectRatio=\"none\" xlink:href=\"data:image/png;base64,"
            + base64(pngBytes(picture)) + "\"/>\n";
        svg += "<text x=\"" + fixed(place.centre.x) + "\" y=\"" + fixed(place.centre.y + place.height / 2 - 6)
            + "\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"14\" font-weight=\"bold\" "
              "fill=\"black\">"
            + std::to_string(node.percent) + "%</text>\n</g>\n";
    }
    svg += "</g>\n</svg>\n";
    return svg;
}

cv::Mat sagRaster(const SagResult &result, const SagLayout &layout, const cv::Mat &image, int inputWidth,
    int inputHeight, double scale)
{
    checkLayout(result, layout);
    const auto px = [&](double v) { return int(std::lround((v + kMargin) * scale)); };
    cv::Mat canvas(std::max(1, px(layout.height + kMargin)), std::max(1, px(layout.width + kMargin)), CV_8UC3,
        cv::Scalar(0, 0, 0));
    const cv::Scalar white(255, 255, 255);
    for (const SagLayoutEdge &edge : layout.edges) {
        std::vector<cv::Point> line;
        for (const SagPoint &p : sampled(edge.spline))
            line.emplace_back(px(p.x), px(p.y));
        if (line.size() > 1)
            cv::polylines(
                canvas, line, false, white, std::max(1, int(std::lround(1.5 * scale))), cv::LINE_AA);
        if (edge.arrow && !edge.spline.empty()) {
            std::vector<cv::Point> head;
            for (const SagPoint &p : arrowHead(edge.spline.back(), edge.arrowTip))
                head.emplace_back(px(p.x), px(p.y));
            cv::fillConvexPoly(canvas, head, white, cv::LINE_AA);
        }
    }
    for (size_t i = 0; i < layout.nodes.size(); ++i) {
        const SagNode &node = result.graph.nodes[i];
        const SagLayoutNode &place = layout.nodes[i];
        const Colour fill = fillColour(node.relative);
        const cv::Point topLeft(px(place.centre.x - place.width / 2), px(place.centre.y - place.height / 2));
        const cv::Point bottomRight(
            px(place.centre.x + place.width / 2), px(place.centre.y + place.height / 2));
        cv::rectangle(canvas, topLeft, bottomRight, cv::Scalar(fill.r, fill.g, fill.b), cv::FILLED);
        if (node.root)
            cv::rectangle(canvas, topLeft, bottomRight, cv::Scalar(255, 215, 0),
                std::max(2, int(std::lround(3 * scale))));
        const Thumb thumb = thumbOf(place);
        const int side = std::max(1, int(std::lround(thumb.side * scale)));
        const cv::Mat picture = sagNodeImage(image, node.cells, result.gridRows, result.gridCols,
            result.request.upsampling, inputWidth, inputHeight);
        cv::Mat resized;
        cv::resize(picture, resized, cv::Size(side, side), 0, 0, cv::INTER_AREA);
        const cv::Rect target(px(thumb.x), px(thumb.y), side, side);
        const cv::Rect inside = target & cv::Rect(0, 0, canvas.cols, canvas.rows);
        if (inside.area() > 0)
            resized(cv::Rect(inside.x - target.x, inside.y - target.y, inside.width, inside.height))
                .copyTo(canvas(inside));
        const std::string label = std::to_string(node.percent) + "%";
        const double fontScale = 0.5 * scale;
        int baseline = 0;
        const cv::Size text = cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, fontScale, 1, &baseline);
        cv::putText(canvas, label,
            cv::Point(px(place.centre.x) - text.width / 2, px(place.centre.y + place.height / 2 - 6)),
            cv::FONT_HERSHEY_SIMPLEX, fontScale, cv::Scalar(0, 0, 0), std::max(1, int(std::lround(scale))),
            cv::LINE_AA);
    }
    return canvas;
}

} // namespace sg
