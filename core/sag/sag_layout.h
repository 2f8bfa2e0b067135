#pragma once
// Laying out a SAG graph with Graphviz (`dot` through libgvc/libcgraph) into plain numbers for
// the GUI and the exporters. No Graphviz header here: only sag_layout.cpp includes it.

#include "sag/sag_result.h"

#include <string>
#include <vector>

namespace sg {

struct SagPoint {
    double x = 0.0;
    double y = 0.0;
};

// Sizes in points (1/72 inch); coordinates with the origin at the top left, y down.
struct SagLayoutOptions {
    std::string engine = "dot"; // a Graphviz layout engine
    double nodeWidth = 108.0; // every node is a fixed-size box (a thumbnail and a label)
    double nodeHeight = 126.0;
    double rankSeparation = 36.0; // between levels
    double nodeSeparation = 18.0; // between neighbours on a level
};

struct SagLayoutNode {
    SagPoint centre;
    double width = 0.0;
    double height = 0.0;
};

struct SagLayoutEdge {
    // A piecewise cubic Bezier curve: start, then three points per segment (Graphviz's spline),
    // ending where the arrow head starts.
    std::vector<SagPoint> spline;
    bool arrow = false; // an arrow head from the curve's end to `arrowTip`
    SagPoint arrowTip;
};

struct SagLayout {
    double width = 0.0; // the drawing's bounding box
    double height = 0.0;
    std::vector<SagLayoutNode> nodes; // one per SagGraph node, same order
    std::vector<SagLayoutEdge> edges; // one per SagGraph edge, same order
    std::string messages; // what Graphviz reported (warnings), for logs
};

// The graph as Graphviz DOT text: `strict digraph`, one fixed-size box per node named n<id>,
// labelled with its percentage and cells, roots with a thicker border, fill colour by relative
// confidence (the reference's snow1 > 0.9 > snow3 > 0.5 > snow4). Pure; any thread.
std::string sagDot(const SagResult &result, const SagLayoutOptions &options = {});

// Lays out sagDot(result, options) with `options.engine`. Any thread (calls into Graphviz are
// serialised: the library is not thread-safe). Graphviz's messages are captured, never printed.
// Throws sg::Error ("graphviz: ..." with Graphviz's own message) when the text cannot be read,
// the engine is unknown or the layout fails. An empty graph gives an empty layout.
SagLayout layoutSag(const SagResult &result, const SagLayoutOptions &options = {});

} // namespace sg
