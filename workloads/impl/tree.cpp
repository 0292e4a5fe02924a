// tree: pipelined double binary tree (CONTRACT section 5), after NCCL's double binary tree (ncclGetBtree /
// ncclGetDtree in NCCL's graph/trees.cc) and Sanders, Speck and Traeff's two-tree algorithms. Everything is
// over group indices 0..n-1; transfers name global rank ids.
//
// Tree 0 is NCCL's "btree": index 0 is the root and has a single child, the largest power of two below n;
// below it index x, with b its lowest set bit, has children x - b/2 and x + b/2 (the latter only when < n,
// falling back to smaller offsets) and odd indices are leaves. Tree 1 is its mirror i -> n-1-i when n is even
// and its shift i -> i+1 (mod n) when n is odd, so the interior nodes of one tree are (all but at most one)
// leaves of the other. Both trees have depth D = ceil(log2 n).
//
// Pipeline depth: k = tree_pipeline_chunks(S) = clamp(floor(S / 64 KiB), 1, 64) (alpha_beta.h).
//
//   all_reduce: halves = split_even(S, 2); tree h carries half h, split into k pipeline chunks
//               split_even(halves[h], k); chunk c of half h has id h*k + c. In tree h a node v at depth d
//               (root depth 0) sends chunk c to its parent, reducing, in phase c + D - d (its children sent
//               it one phase earlier), and receives the fully reduced chunk c from its parent in phase c + D
//               + d - 1, which forwards it at once; so the root receives chunk c reduced in phase c + D - 1
//               and starts broadcasting it in phase c + D. Chunk c moves one level per phase, the reduce of
//               later chunks overlapping the broadcast of earlier ones. 2D + k - 1 phases. Every edge of each
//               tree carries its half once up and once down: 2(n-1) S bytes in all, as for a ring, but
//               unevenly spread (an interior node of one tree that is a leaf of the other sends and receives
//               2S, a ring rank 2(n-1)/n S). Where the two trees share an edge (in opposite directions, such
//               as 1-2 for n = 4), a rank sends its peer two transfers in one phase, a reduce up one tree and
//               a broadcast down the other. They stay two messages: the NIC shares a port among messages in
//               turn, so one message per chunk shares it per chunk as the alpha-beta model does (merged into
//               one two-chunk message, the schedule ran 23-44% slower in the engine).
//   broadcast:  one binary tree in heap order from group[0] (children of i: 2i+1, 2i+2; depth
//               floor(log2 n)); S is split into k chunks split_even(S, k), id c; a node at depth d receives
//               chunk c from its parent in phase c + d - 1 and forwards it in phase c + d.
//               k + floor(log2 n) - 1 phases; (n-1) S bytes in all.
// all_gather, reduce_scatter and all_to_all are not supported.
//
// node_tree: the tree as NCCL runs it across nodes (NCCL's graph/connect.cc, connectTrees): inside each
// domain (TopologyFacts::inner_domain: the domain of global rank r is r / inner_domain; members in group
// order) the ranks form a chain, and the domains' chain heads form the double binary tree over the G domains
// (NCCL's ncclGetDtree: tree 0 as above, tree 1 its mirror or shift). Tree 0's chains run in group order
// from each domain's first member, tree 1's in reverse from its last, so the two trees leave a domain through
// different ranks (and NICs), each crossing between domains joining ranks of the same local index. In tree
// h the parent of chain member j > 0 is member j - 1, and a head's parent is the head of its domain's parent
// in the domain tree. all_reduce only, scheduled exactly as tree's all_reduce over these two trees (halves,
// k pipeline chunks, 2D + k - 1 phases with D the deepest node: (m - 1) + ceil(log2 G) for domains of m).
// Without facts, or in one domain, both trees are chains over the whole group.
#include <algorithm>

#include "workloads/alpha_beta.h"
#include "workloads/impl/algorithms.h"

namespace pjbit::workloads {

int tree_pipeline_chunks(std::uint64_t size_bytes) {
  constexpr std::uint64_t kChunk = 64 * 1024;
  return static_cast<int>(std::clamp<std::uint64_t>(size_bytes / kChunk, 1, 64));
}

int tree_depth(int n) {
  int depth = 0;
  while ((1 << depth) < n)
    ++depth;
  return depth;
}

namespace impl {

namespace {

// NCCL's ncclGetBtree for one index: its parent and children.
void btree_node(int n, int x, int* up, std::vector<int>* down) {
  int bit = 1;
  for (; bit < n; bit <<= 1) {
    if ((bit & x) != 0) break;
  }
  down->clear();
  if (x == 0) {
    *up = -1;
    if (n > 1) down->push_back(bit >> 1);
    return;
  }
  int parent = (x ^ bit) | (bit << 1);
  if (parent >= n) parent = x ^ bit;
  *up = parent;
  int low = bit >> 1;
  if (low == 0) return;
  down->push_back(x - low);
  int second = x + low;
  while (second >= n) {  // the right child of a node near the end: the largest offset that fits
    low >>= 1;
    second = low == 0 ? -1 : x + low;
  }
  if (second >= 0) down->push_back(second);
}

void fill_depths(BinaryTree& t, int root) {
  t.depth.assign(t.parent.size(), 0);
  std::vector<int> stack = {root};
  while (!stack.empty()) {
    const int v = stack.back();
    stack.pop_back();
    for (int c : t.children[static_cast<std::size_t>(v)]) {
      t.depth[static_cast<std::size_t>(c)] = t.depth[static_cast<std::size_t>(v)] + 1;
      stack.push_back(c);
    }
  }
}

}  // namespace

BinaryTree double_tree(int n, int which) {
  BinaryTree t;
  t.parent.assign(static_cast<std::size_t>(n), -1);
  t.children.assign(static_cast<std::size_t>(n), {});
  // Tree 1 relabels tree 0: index to_tree1(x) plays the role tree 0 gives x.
  const auto to_tree1 = [n](int x) { return n % 2 == 0 ? n - 1 - x : (x + 1) % n; };
  int root = 0;
  for (int x = 0; x < n; ++x) {
    int up = -1;
    std::vector<int> down;
    btree_node(n, x, &up, &down);
    const int i = which == 0 ? x : to_tree1(x);
    t.parent[static_cast<std::size_t>(i)] = up < 0 ? -1 : (which == 0 ? up : to_tree1(up));
    if (up < 0) root = i;
    for (int c : down)
      t.children[static_cast<std::size_t>(i)].push_back(which == 0 ? c : to_tree1(c));
  }
  fill_depths(t, root);
  return t;
}

namespace {

BinaryTree heap_tree(int n) {
  BinaryTree t;
  t.parent.assign(static_cast<std::size_t>(n), -1);
  t.children.assign(static_cast<std::size_t>(n), {});
  for (int i = 1; i < n; ++i) {
    t.parent[static_cast<std::size_t>(i)] = (i - 1) / 2;
    t.children[static_cast<std::size_t>((i - 1) / 2)].push_back(i);
  }
  fill_depths(t, 0);
  return t;
}

// all_reduce over two trees, each carrying half of the buffer in k pipeline chunks (the schedule of the
// header comment).
Schedule double_tree_all_reduce(const std::vector<int>& group, std::uint64_t size_bytes,
                                const BinaryTree (&trees)[2]) {
  const int n = static_cast<int>(group.size());
  const int k = tree_pipeline_chunks(size_bytes);
  int depth = 0;  // the deepest node of either tree
  for (const BinaryTree& t : trees)
    depth = std::max(depth, *std::max_element(t.depth.begin(), t.depth.end()));
  const std::vector<std::uint64_t> halves = split_even(size_bytes, 2);
  std::vector<std::uint64_t> sizes = split_even(halves[0], k);
  const std::vector<std::uint64_t> second = split_even(halves[1], k);
  sizes.insert(sizes.end(), second.begin(), second.end());
  ScheduleBuilder b(group, 2 * depth + k - 1, std::move(sizes));
  for (int h = 0; h < 2; ++h) {
    const BinaryTree& t = trees[h];
    for (int v = 0; v < n; ++v) {
      const int up = t.parent[static_cast<std::size_t>(v)];
      if (up < 0) continue;
      const int d = t.depth[static_cast<std::size_t>(v)];
      for (int c = 0; c < k; ++c) {
        b.transfer(c + depth - d, v, up, {h * k + c}, /*reduce=*/true);
        b.transfer(c + depth + d - 1, up, v, {h * k + c}, /*reduce=*/false);
      }
    }
  }
  return b.take();
}

// Tree `which` of node_tree over the group's domains (header comment).
BinaryTree node_tree_of(int n, const std::vector<std::vector<int>>& domains, int which) {
  const int g = static_cast<int>(domains.size());
  const BinaryTree across = double_tree(g, which);
  BinaryTree t;
  t.parent.assign(static_cast<std::size_t>(n), -1);
  t.children.assign(static_cast<std::size_t>(n), {});
  // Member j of domain d's chain in this tree.
  const auto chain = [&](int d, std::size_t j) {
    const std::vector<int>& m = domains[static_cast<std::size_t>(d)];
    return which == 0 ? m[j] : m[m.size() - 1 - j];
  };
  int root = -1;
  for (int d = 0; d < g; ++d) {
    const std::size_t size = domains[static_cast<std::size_t>(d)].size();
    for (std::size_t j = 1; j < size; ++j) {
      t.parent[static_cast<std::size_t>(chain(d, j))] = chain(d, j - 1);
      t.children[static_cast<std::size_t>(chain(d, j - 1))].push_back(chain(d, j));
    }
    const int head = chain(d, 0);
    const int up = across.parent[static_cast<std::size_t>(d)];
    if (up < 0) {
      root = head;
    } else {
      t.parent[static_cast<std::size_t>(head)] = chain(up, 0);
      t.children[static_cast<std::size_t>(chain(up, 0))].push_back(head);
    }
  }
  fill_depths(t, root);
  return t;
}

class Tree final : public ICollective {
 public:
  std::string_view name() const override { return "tree"; }

  bool supports(Op op) const override { return op == Op::AllReduce || op == Op::Broadcast; }

  Schedule build(Op op, const std::vector<int>& group, std::uint64_t size_bytes) const override {
    require_buildable(*this, op, group);
    const int n = static_cast<int>(group.size());
    const int k = tree_pipeline_chunks(size_bytes);
    if (op == Op::Broadcast) {
      const BinaryTree t = heap_tree(n);
      const int depth = *std::max_element(t.depth.begin(), t.depth.end());
      ScheduleBuilder b(group, k + depth - 1, split_even(size_bytes, k));
      for (int v = 1; v < n; ++v) {
        const int d = t.depth[static_cast<std::size_t>(v)];
        for (int c = 0; c < k; ++c)
          b.transfer(c + d - 1, t.parent[static_cast<std::size_t>(v)], v, {c}, /*reduce=*/false);
      }
      return b.take();
    }
    // all_reduce: depth ceil(log2 n) in both trees
    const BinaryTree trees[2] = {double_tree(n, 0), double_tree(n, 1)};
    return double_tree_all_reduce(group, size_bytes, trees);
  }
};

class NodeTree final : public ICollective {
 public:
  std::string_view name() const override { return "node_tree"; }

  bool supports(Op op) const override { return op == Op::AllReduce; }

  Schedule build(Op op, const std::vector<int>& group, std::uint64_t size_bytes) const override {
    return build_on(op, group, size_bytes, TopologyFacts{});
  }

  Schedule build_on(Op op, const std::vector<int>& group, std::uint64_t size_bytes,
                    const TopologyFacts& facts) const override {
    require_buildable(*this, op, group);
    const int n = static_cast<int>(group.size());
    const std::vector<std::vector<int>> domains = group_domains(group, facts);
    const BinaryTree trees[2] = {node_tree_of(n, domains, 0), node_tree_of(n, domains, 1)};
    return double_tree_all_reduce(group, size_bytes, trees);
  }
};

}  // namespace

const ICollective& tree() {
  static const Tree algorithm;
  return algorithm;
}

const ICollective& node_tree() {
  static const NodeTree algorithm;
  return algorithm;
}

}  // namespace impl
}  // namespace pjbit::workloads
