// The SAG graph (research/sag.md §3.1-3.2): the drawn roots and the subsets reached by removing
// one cell at a time, one node per distinct set.

#include "sag/sag_search.h"
#include "sag/search_parts.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

namespace sg {

int sagReferencePercent(double relative)
{
    const float v = float(relative);
    const float rounded = std::nearbyintf(v * 1000.0f) / 1000.0f; // numpy.around(v, 3), float32
    return int(double(rounded) * 100.0);
}

bool sagGraphIsAcyclic(const SagGraph &graph)
{
    const int count = int(graph.nodes.size());
    std::vector<std::vector<int>> children(static_cast<size_t>(count));
    std::vector<int> incoming(static_cast<size_t>(count), 0);
    for (const SagEdge &edge : graph.edges) {
        if (edge.parent < 0 || edge.parent >= count || edge.child < 0 || edge.child >= count)
            return false;
        children[size_t(edge.parent)].push_back(edge.child);
        ++incoming[size_t(edge.child)];
    }
    // Kahn: a cycle leaves nodes that never reach zero incoming edges.
    std::vector<int> ready;
    for (int n = 0; n < count; ++n)
        if (incoming[size_t(n)] == 0)
            ready.push_back(n);
    int removed = 0;
    while (!ready.empty()) {
        const int n = ready.back();
        ready.pop_back();
        ++removed;
        for (int child : children[size_t(n)])
            if (--incoming[size_t(child)] == 0)
                ready.push_back(child);
    }
    return removed == count;
}

namespace sag {

namespace {

struct Builder {
    const GraphSettings &settings;
    CellScorer &scorer;
    SagGraph graph;
    std::unordered_map<CellSet, int> index;

    void fill(SagNode &node, float probability) const
    {
        node.probability = probability;
        const float relative = probability / float(settings.fullProbability);
        node.relative = settings.referencePercent ? double(relative) : probability / settings.fullProbability;
        node.percent = settings.referencePercent ? sagReferencePercent(relative)
                                                 : int(std::lround(100.0 * node.relative));
    }

    bool expands(const SagNode &node) const
    {
        if (node.cells.size() < 2)
            return false;
        if (settings.referencePercent)
            return node.percent > int(std::lround(100.0 * settings.expandThreshold));
        return node.relative > settings.expandThreshold;
    }

    // Adds a node for `set` unless the limit is reached; returns its id or -1.
    int add(const CellSet &set, float probability, int depth)
    {
        if (int(graph.nodes.size()) >= settings.nodeLimit)
            return -1;
        SagNode node;
        node.cells = cellsOf(set);
        node.depth = depth;
        fill(node, probability);
        graph.nodes.push_back(node);
        index[set] = int(graph.nodes.size()) - 1;
        return int(graph.nodes.size()) - 1;
    }
};

} // namespace

SagGraph buildGraph(const std::vector<SagRoot> &roots, const std::vector<int> &rootIndices,
    const GraphSettings &settings, CellScorer &scorer)
{
    Builder builder{settings, scorer, {}, {}};
    SagGraph &graph = builder.graph;
    std::vector<int> frontier;
    for (size_t r = 0; r < roots.size(); ++r) {
        const CellSet set = setOf(roots[r].cells);
        int id = builder.index.count(set) ? builder.index.at(set)
                                          : builder.add(set, float(roots[r].probability), 0);
        if (id < 0) {
            graph.cut = true;
            continue;
        }
        graph.nodes[size_t(id)].root = true;
        graph.nodes[size_t(id)].rootIndex = rootIndices[r];
        frontier.push_back(id);
    }

    while (!frontier.empty()) {
        // Every set this level needs, scored in one call (one batch in default mode).
        std::vector<int> expanding;
        std::vector<CellSet> wanted;
        for (int id : frontier) {
            SagNode &node = graph.nodes[size_t(id)];
            if (!builder.expands(node))
                continue;
            node.expanded = true;
            expanding.push_back(id);
            const CellSet set = setOf(node.cells);
            const size_t considered = settings.referenceChildren
                ? std::min(node.cells.size(), size_t(settings.branching))
                : node.cells.size();
            for (size_t i = 0; i < considered; ++i) {
                CellSet child = set;
                child.reset(size_t(node.cells[i]));
                wanted.push_back(child);
            }
        }
        const std::vector<float> scores = scorer.score(wanted);

        std::vector<int> next;
        size_t offset = 0;
        for (int id : expanding) {
            const std::vector<int> cells = graph.nodes[size_t(id)].cells;
            const size_t considered = settings.referenceChildren
                ? std::min(cells.size(), size_t(settings.branching))
                : cells.size();
            // Children in drawing order: the reference's by ascending removed cell; by default
            // the largest confidence drops first (lowest probability), ties by cell id.
            std::vector<size_t> order(considered);
            std::iota(order.begin(), order.end(), size_t(0));
            if (!settings.referenceChildren) {
                std::stable_sort(order.begin(), order.end(),
                    [&](size_t a, size_t b) { return scores[offset + a] < scores[offset + b]; });
                order.resize(std::min(order.size(), size_t(settings.branching)));
            }
            for (size_t i : order) {
                CellSet child = setOf(cells);
                child.reset(size_t(cells[i]));
                int childId = builder.index.count(child) ? builder.index.at(child) : -1;
                if (childId < 0) {
                    childId = builder.add(child, scores[offset + i], graph.nodes[size_t(id)].depth + 1);
                    if (childId < 0) {
                        graph.nodes[size_t(id)].cut = true;
                        graph.cut = true;
                        continue;
                    }
                    next.push_back(childId);
                }
                const bool known = std::any_of(graph.edges.begin(), graph.edges.end(),
                    [&](const SagEdge &e) { return e.parent == id && e.child == childId; });
                if (!known)
                    graph.edges.push_back({id, childId, cells[i]});
            }
            offset += considered;
        }
        frontier = next;
    }
    return graph;
}

} // namespace sag

} // namespace sg
