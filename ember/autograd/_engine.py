"""The backward engine.

Design
------
* The graph is the ``Node`` objects reachable from the roots through their edges. An edge points
  at another node (``(node, output_index)``) or at a leaf tensor (``(leaf, -1)``), which plays
  torch's ``AccumulateGrad``.
* Walk once, iteratively (deep graphs must not hit Python's recursion limit), counting for
  each node and leaf how many edges point at it. Then run nodes in torch's order — the most
  recently created ready node first (a heap on the creation sequence) — summing incoming
  gradients in a per-node buffer; a node runs when all of its consumers have run.
* vjp rules are ember ops. The engine runs them under ``no_grad`` unless ``create_graph``, so
  higher-order gradients need no extra code.
* Leaves: hooks run on the summed gradient, then ``.grad`` is set (a private copy the first
  time, so two leaves never share one array) or accumulated in place (out of place when
  ``create_graph``). ``grad()`` captures instead of accumulating and runs only the part of the
  graph that reaches its inputs.
"""
from __future__ import annotations

import heapq
import weakref

from .._tensor import Tensor, _make
from . import grad_mode
from ._node import Node
from .anomaly_mode import ENABLED as ANOMALY, check_grads

__all__ = ["run_backward"]


def _sum(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _walk(root_nodes, with_order=False):
    """Count incoming edges of every node and leaf reachable from the roots."""
    deps = {}
    roots = set(root_nodes)
    stack = list(root_nodes)
    order = [] if with_order else None
    while stack:
        node = stack.pop()
        if with_order:
            order.append(node)
        for e in node.edges:
            if e is None:
                continue
            child = e[0]
            n = deps.get(child)
            if n is None:
                deps[child] = 1
                if e[1] >= 0 and child not in roots:  # first visit of a node
                    stack.append(child)
            else:
                deps[child] = n + 1
    return deps, order


_NONE = {}


def _needed(order, targets_nodes, targets_leaves):
    """Nodes from which a captured input can be reached (others need not run)."""
    need = set()
    # Children come after parents in `order` only loosely; iterate to a fixed point cheaply by
    # walking in reverse creation order (a child is always created before its consumer).
    for node in sorted(order, key=lambda n: n.seq):
        if node in targets_nodes:
            need.add(node)
            continue
        for e in node.edges:
            if e is not None and (e[0] in need or id(e[0]) in targets_leaves):
                need.add(node)
                break
    return need


def _run_tensor_hooks(node, idx, g):
    hooks = node.pre_hooks.get(idx) if node.pre_hooks else None
    if hooks:
        for h in list(hooks.values()):
            r = h(g)
            if r is not None:
                g = r
    return g


def _retain(node, idx, g):
    ref = node.retained.get(idx)
    t = ref() if ref is not None else None
    if t is not None:
        if t._grad is None:
            t._grad = _make(g._data.copy()) if not g._requires_grad else g
        else:
            t._grad = t._grad + g


def run_backward(roots, root_grads, retain_graph, create_graph, inputs=None,
                 allow_unused=False, accumulate=True):
    """Propagate ``root_grads`` from ``roots``; accumulate into leaves or return input grads."""
    capture_nodes = capture_leaves = _NONE  # read-only unless gradients are captured
    captured = {}
    if inputs is not None:
        capture_nodes, capture_leaves = {}, {}
        for i, t in enumerate(inputs):
            if t._node is not None:
                capture_nodes.setdefault((t._node, t._out_idx), []).append(i)
            else:
                capture_leaves.setdefault(id(t), []).append(i)

    buffers = {}
    root_nodes = []
    handed = set()  # arrays already stored somewhere: never store one twice
    leaf_roots = []
    for t, g in zip(roots, root_grads):
        handed.add(id(g._data))
        if t._node is None:
            leaf_roots.append((t, g))
            continue
        buf = buffers.get(t._node)
        if buf is None:
            buf = buffers[t._node] = [None] * len(t._node.out_meta)
            root_nodes.append(t._node)
        buf[t._out_idx] = _sum(buf[t._out_idx], g)

    deps, order = _walk(root_nodes, inputs is not None)
    need = None
    if inputs is not None:
        need = _needed(order, {n for n, _ in capture_nodes}, capture_leaves)
    plain = not (capture_nodes or capture_leaves)
    sink = _Sink(capture_leaves, captured, accumulate, create_graph, handed)

    leaf_bufs = {}
    push, pop = heapq.heappush, heapq.heappop
    prev = grad_mode.STATE.enabled
    grad_mode.STATE.enabled = bool(create_graph)
    try:
        for t, g in leaf_roots:
            sink.deliver(t, g)
        heap = [(-n.seq, n) for n in root_nodes if deps.get(n, 0) == 0]
        heapq.heapify(heap)  # creation sequence numbers are unique: nodes never compare
        while heap:
            node = pop(heap)[1]
            grads = buffers.pop(node, None)  # a buffer exists only once a gradient arrived
            in_grads = None
            if grads is not None:
                if node.pre_hooks or node.retained or not plain:
                    _node_pre(node, grads, capture_nodes, captured)
                if need is not None and node not in need:
                    pass
                elif len(grads) == 1 and not (node.prehooks_node or node.hooks or ANOMALY[0]):
                    in_grads = node.run(grads, retain_graph)
                else:
                    in_grads = _call_node(node, grads, retain_graph)
            edges = node.edges
            if in_grads is None:
                in_grads = (None,) * len(edges)
            elif len(in_grads) < len(edges):
                in_grads = tuple(in_grads) + (None,) * (len(edges) - len(in_grads))
            for e, g in zip(edges, in_grads):
                if e is None:
                    continue
                child, idx = e
                left = deps[child] - 1
                deps[child] = left
                if idx >= 0:
                    if g is not None:
                        buf = buffers.get(child)
                        if buf is None:
                            buf = buffers[child] = [None] * len(child.out_meta)
                        buf[idx] = g if buf[idx] is None else buf[idx] + g
                    if left == 0:
                        push(heap, (-child.seq, child))
                elif left == 0:
                    if leaf_bufs:
                        lg = leaf_bufs.pop(child, None)
                        if lg is not None:
                            g = lg if g is None else lg + g
                    if g is not None:
                        sink.deliver(child, g)
                elif g is not None:
                    lg = leaf_bufs.get(child)
                    leaf_bufs[child] = g if lg is None else lg + g
    finally:
        grad_mode.STATE.enabled = prev

    if inputs is None:
        return None
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(i)
        if g is None and not allow_unused:
            raise RuntimeError("One of the differentiated Tensors appears to not have been used "
                               "in the graph. Set allow_unused=True if this is the desired "
                               "behavior.")
        result.append(g)
    return tuple(result)


def _node_pre(node, grads, capture_nodes, captured):
    """Tensor hooks, retained grads and captures on a node's incoming gradients."""
    for idx in range(len(grads)):
        if grads[idx] is None:
            continue
        if node.pre_hooks:
            grads[idx] = _run_tensor_hooks(node, idx, grads[idx])
        if node.retained:
            _retain(node, idx, grads[idx])
        slots = capture_nodes.get((node, idx))
        if slots:
            for s in slots:
                captured[s] = grads[idx]


def _call_node(node, grads, retain_graph):
    """Run a node with its hooks, anomaly checks and zero-filled missing output gradients."""
    if len(grads) > 1 and None in grads:  # zeros for differentiable outputs only
        diff = node.op.diff_outputs
        grads = [g if g is not None or not diff[i] else _zeros(*node.out_meta[i])
                 for i, g in enumerate(grads)]
    if node.prehooks_node:
        for h in list(node.prehooks_node.values()):
            r = h(tuple(grads))
            if r is not None:
                grads = list(r)
    in_grads = node.run(tuple(grads), retain_graph)
    if ANOMALY[0]:
        check_grads(node, in_grads)
    if node.hooks:
        for h in list(node.hooks.values()):
            r = h(in_grads, tuple(grads))
            if r is not None:
                in_grads = tuple(r)
    return in_grads


def _zeros(shape, np_dtype):
    from .._backend import np
    return _make(np.zeros(shape, dtype=np_dtype))


POST_HOOKS = [False]  # set once any leaf registers a post-accumulate-grad hook


class _Sink:
    """Where leaf gradients go: hooks, then captured (``grad``) or accumulated into ``.grad``."""

    __slots__ = ("capture_leaves", "captured", "accumulate", "create_graph", "handed")

    def __init__(self, capture_leaves, captured, accumulate, create_graph, handed):
        self.capture_leaves = capture_leaves
        self.captured = captured
        self.accumulate = accumulate
        self.create_graph = create_graph
        self.handed = handed

    def deliver(self, leaf, g):
        if leaf._hooks:
            for h in list(leaf._hooks.values()):
                r = h(g)
                if r is not None:
                    g = r
        if self.capture_leaves:
            slots = self.capture_leaves.get(id(leaf))
            if slots:
                for s in slots:
                    self.captured[s] = g
        if not self.accumulate:
            return
        acc = leaf._grad
        if acc is None:
            if self.create_graph and g._requires_grad:
                leaf._grad = g
            else:
                arr = g._data
                handed = self.handed
                if arr.base is not None or id(arr) in handed or not arr.flags.writeable:
                    arr = arr.copy()
                handed.add(id(arr))
                leaf._grad = _make(arr)
        elif self.create_graph:
            leaf._grad = acc + g
        elif acc._requires_grad:
            leaf._grad = _make(acc._data + g._data)
        else:
            acc._data += g._data
            acc._version_box[0] += 1
        if POST_HOOKS[0]:
            post = leaf.__dict__.get("_post_accumulate_hooks")
            if post:
                for h in list(post.values()):
                    h(leaf)


def tensor_pre_hook_dict(t: Tensor):
    """The hook dict ``register_hook`` appends to (node pre-hooks for non-leaves)."""
    from collections import OrderedDict
    if t._node is None:
        if t._hooks is None:
            t._hooks = OrderedDict()
        return t._hooks
    node = t._node
    if node.pre_hooks is None:
        node.pre_hooks = {}
    d = node.pre_hooks.get(t._out_idx)
    if d is None:
        d = node.pre_hooks[t._out_idx] = OrderedDict()
    return d


def retain(t: Tensor) -> None:
    node = t._node
    if node.retained is None:
        node.retained = {}
    node.retained[t._out_idx] = weakref.ref(t)
