#include "sag/sag_layout.h"

#include "common/error.h"

#include <gvc.h>

#include <charconv>
#include <cstdio>
#include <memory>
#include <mutex>

namespace sg {

namespace {

constexpr double kPointsPerInch = 72.0;

std::mutex graphvizMutex;
std::string *capturedMessages = nullptr; // set while the mutex is held

extern "C" int captureGraphvizMessage(char *message)
{
    if (capturedMessages && message)
        *capturedMessages += message;
    return 0;
}

std::string number(double value)
{
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

std::string fillColour(double relative)
{
    return relative > 0.9 ? "snow1" : relative > 0.5 ? "snow3" : "snow4";
}

std::string cellsText(const std::vector<int> &cells)
{
    std::string text;
    for (int cell : cells)
        text += (text.empty() ? "P" : " P") + std::to_string(cell);
    return text.empty() ? "(none)" : text;
}

// Everything Graphviz allocated for one layout, released in the right order.
struct Session {
    GVC_t *context = nullptr;
    Agraph_t *graph = nullptr;
    bool laidOut = false;

    ~Session()
    {
        if (laidOut)
            gvFreeLayout(context, graph);
        if (graph)
            agclose(graph);
        if (context)
            gvFreeContext(context);
    }
};

std::string trimmed(std::string text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

} // namespace

std::string sagDot(const SagResult &result, const SagLayoutOptions &options)
{
    const SagGraph &graph = result.graph;
    std::string dot = "strict digraph sag {\n";
    dot += "  graph [rankdir=TB, ranksep=" + number(options.rankSeparation / kPointsPerInch)
        + ", nodesep=" + number(options.nodeSeparation / kPointsPerInch) + ", bgcolor=black];\n";
    dot += "  node [shape=box, style=filled, fixedsize=true, width="
        + number(options.nodeWidth / kPointsPerInch)
        + ", height=" + number(options.nodeHeight / kPointsPerInch)
        + ", fontsize=14, fontcolor=black, labelloc=b, penwidth=2];\n";
    dot += "  edge [color=white];\n";
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        const SagNode &node = graph.nodes[i];
        dot += "  n" + std::to_string(i) + " [label=\"" + std::to_string(node.percent) + "%\", tooltip=\""
            + cellsText(node.cells) + "\", fillcolor=" + fillColour(node.relative)
            + ", color=" + fillColour(node.relative) + (node.root ? ", penwidth=4" : "") + "];\n";
    }
    for (const SagEdge &edge : graph.edges)
        dot += "  n" + std::to_string(edge.parent) + " -> n" + std::to_string(edge.child) + " [tooltip=\"P"
            + std::to_string(edge.removedCell) + " removed\"];\n";
    dot += "}\n";
    return dot;
}

SagLayout layoutSag(const SagResult &result, const SagLayoutOptions &options)
{
    SagLayout layout;
    if (result.graph.nodes.empty())
        return layout;
    const std::string dot = sagDot(result, options);

    std::lock_guard<std::mutex> lock(graphvizMutex);
    std::string messages;
    capturedMessages = &messages;
    const agusererrf previous = agseterrf(captureGraphvizMessage);
    const agerrlevel_t previousLevel = agseterr(AGWARN);
    struct Restore {
        agusererrf function;
        agerrlevel_t level;
        ~Restore()
        {
            agseterrf(function);
            agseterr(level);
            capturedMessages = nullptr;
        }
    } restore{previous, previousLevel};
    agreseterrors();

    Session session;
    session.context = gvContext();
    if (!session.context)
        throw Error("", "graphviz: cannot create a context (" + trimmed(messages) + ")");
    session.graph = agmemread(dot.c_str());
    if (!session.graph)
        throw Error("", "graphviz: cannot read the graph (" + trimmed(messages) + ")");
    if (gvLayout(session.context, session.graph, options.engine.c_str()) != 0)
        throw Error("", "graphviz: the " + options.engine + " layout failed: " + trimmed(messages));
    session.laidOut = true;

    const boxf box = GD_bb(session.graph);
    layout.width = box.UR.x - box.LL.x;
    layout.height = box.UR.y - box.LL.y;
    const auto place = [&](pointf p) { return SagPoint{p.x - box.LL.x, box.UR.y - p.y}; };

    layout.nodes.resize(result.graph.nodes.size());
    for (size_t i = 0; i < result.graph.nodes.size(); ++i) {
        Agnode_t *node = agnode(session.graph, const_cast<char *>(("n" + std::to_string(i)).c_str()), 0);
        if (!node)
            throw Error("", "graphviz: node n" + std::to_string(i) + " is missing from the layout");
        layout.nodes[i]
            = {place(ND_coord(node)), ND_width(node) * kPointsPerInch, ND_height(node) * kPointsPerInch};
    }
    layout.edges.resize(result.graph.edges.size());
    for (size_t i = 0; i < result.graph.edges.size(); ++i) {
        const SagEdge &edge = result.graph.edges[i];
        Agnode_t *tail
            = agnode(session.graph, const_cast<char *>(("n" + std::to_string(edge.parent)).c_str()), 0);
        Agnode_t *head
            = agnode(session.graph, const_cast<char *>(("n" + std::to_string(edge.child)).c_str()), 0);
        Agedge_t *e = tail && head ? agedge(session.graph, tail, head, nullptr, 0) : nullptr;
        if (!e || !ED_spl(e) || ED_spl(e)->size < 1)
            throw Error("",
                "graphviz: edge n" + std::to_string(edge.parent) + " -> n" + std::to_string(edge.child)
                    + " has no route in the layout");
        const bezier &curve = ED_spl(e)->list[0];
        SagLayoutEdge &out = layout.edges[i];
        for (int p = 0; p < curve.size; ++p)
            out.spline.push_back(place(curve.list[p]));
        out.arrow = curve.eflag != 0;
        if (out.arrow)
            out.arrowTip = place(curve.ep);
    }
    layout.messages = trimmed(messages);
    return layout;
}

} // namespace sg
