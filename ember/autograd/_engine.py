"""The backward engine.

Design
------
* The graph is the ``Node`` objects reachable from the roots through their edges. An edge points
  at another node (``(node, output_index)``) or at a leaf tensor (``(leaf, -1)``), which plays
  torch's ``AccumulateGrad``.
* Walk once, iteratively (deep graphs must not hit Python's recursion limit), collecting the
  reachable nodes and counting the edges into each leaf. Then run the nodes in torch's order,
  the most recently created ready node first, summing incoming gradients in a per-node buffer.
  A node is created after the nodes its edges point at, so its consumers all have larger
  creation numbers: the reachable node with the largest number is always ready, and running
  nodes by decreasing creation number is exactly that order (no dependency counts or ready
  heap needed). A leaf's summed gradient is delivered when its last edge has been passed.
* vjp rules are ember ops. The engine runs them under ``no_grad`` unless ``create_graph``, so
  higher-order gradients need no extra code.
* Leaves: hooks run on the summed gradient, then ``.grad`` is set (a private copy the first
  time, so two leaves never share one array) or accumulated in place (out of place when
  ``create_graph``). ``grad()`` captures instead of accumulating and runs only the part of the
  graph that reaches its inputs.
"""
from __future__ import annotations

import weakref
from itertools import zip_longest
from operator import attrgetter

from .._backend import np as _np
from .._tensor import Tensor, _make
from . import grad_mode
from .anomaly_mode import ENABLED as ANOMALY, check_grads

__all__ = ["run_backward"]


def _sum(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _walk(root_nodes):
    """The nodes reachable from the roots (latest created first) and the edge count per leaf."""
    leaves = {}
    seen = set(root_nodes)
    nodes = list(root_nodes)
    for node in nodes:  # a work list: it grows while it is walked
        for e in node.edges:
            if e is None:
                continue
            child = e[0]
            if e[1] < 0:
                leaves[child] = leaves.get(child, 0) + 1
            elif child not in seen:
                seen.add(child)
                nodes.append(child)
    if len(nodes) > 1:
        nodes.sort(key=_SEQ, reverse=True)
    return nodes, leaves


_SEQ = attrgetter("seq")
_NONE = {}


def _needed(nodes, targets_nodes, targets_leaves):
    """Nodes from which a captured input can be reached (others need not run)."""
    need = set()
    for node in reversed(nodes):  # children first: they are created before their consumers
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

    nodes, leaf_deps = _walk(root_nodes)
    need = None
    if inputs is not None:
        need = _needed(nodes, {n for n, _ in capture_nodes}, capture_leaves)
    simple = need is None and not (capture_nodes or capture_leaves)

    leaf_bufs = {}
    state = grad_mode.STATE
    prev = state.enabled
    state.enabled = bool(create_graph)
    try:
        for t, g in leaf_roots:
            _deliver(t, g, capture_leaves, captured, accumulate, create_graph, handed)
        for node in nodes:
            grads = buffers.pop(node, None)
            if grads is None:  # no gradient reached this node: it only passes on Nones
                in_grads = ()
            elif simple and not node.special and not ANOMALY[0]:
                in_grads = node.run(grads, retain_graph)  # no hooks, captures or zero-filling
            else:
                in_grads = _call_node(node, grads, retain_graph, need, capture_nodes, captured)
            # zip_longest: a rule may return fewer gradients than the node has edges
            for e, g in zip_longest(node.edges, in_grads):
                if e is None:
                    continue
                child, idx = e
                if idx >= 0:  # a node: sum into its buffer (it runs after all its consumers)
                    if g is not None:
                        buf = buffers.get(child)
                        if buf is None:
                            if child.special:  # may have several outputs
                                buf = buffers[child] = [None] * len(child.out_meta)
                                buf[idx] = g
                            else:  # one output
                                buffers[child] = [g]
                        else:
                            buf[idx] = g if buf[idx] is None else buf[idx] + g
                    continue
                left = leaf_deps[child] - 1
                if left:  # more edges into the leaf to come: hold the gradient
                    leaf_deps[child] = left
                    if g is not None:
                        lg = leaf_bufs.get(child)
                        leaf_bufs[child] = g if lg is None else lg + g
                    continue
                if leaf_bufs:
                    lg = leaf_bufs.pop(child, None)
                    if lg is not None:
                        g = lg if g is None else lg + g
                if g is not None:
                    _deliver(child, g, capture_leaves, captured, accumulate, create_graph, handed)
    finally:
        state.enabled = prev

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


def _call_node(node, grads, retain_graph, need, capture_nodes, captured):
    """Run a node with its hooks, captures, anomaly checks and zero-filled missing gradients."""
    if node.pre_hooks or node.retained or capture_nodes:
        _node_pre(node, grads, capture_nodes, captured)
    if need is not None and node not in need:
        return ()
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


_F32, _F64 = _np.dtype(_np.float32), _np.dtype(_np.float64)
POST_HOOKS = [False]  # set once any leaf registers a post-accumulate-grad hook


def _deliver(leaf, g, capture_leaves, captured, accumulate, create_graph, handed):
    """A leaf's summed gradient: hooks, then captured (``grad``) or accumulated into ``.grad``."""
    if leaf._hooks:
        for h in list(leaf._hooks.values()):
            r = h(g)
            if r is not None:
                g = r
    if capture_leaves:
        slots = capture_leaves.get(id(leaf))
        if slots:
            for s in slots:
                captured[s] = g
    if not accumulate:
        return
    acc = leaf._grad
    if acc is None:
        if create_graph and g._requires_grad:
            leaf._grad = g
        else:
            arr = g._data
            if arr.base is not None or id(arr) in handed or not arr.flags.writeable:
                arr = arr.copy()
            handed.add(id(arr))
            leaf._grad = _make(arr)
    elif create_graph:
        leaf._grad = acc + g
    elif acc._requires_grad:
        leaf._grad = _make(acc._data + g._data)
    else:
        a, b = acc._data, g._data
        dt = a.dtype
        if a.ndim == 0 and b.ndim == 0 and (dt is _F32 or dt is _F64) and b.dtype is dt:
            # 0-d: a ufunc call costs ~10x this float add and store. The sum is the same:
            # the exact sum of two float32 values rounds correctly via float64.
            a[()] = a.item() + b.item()
        else:
            a += b
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
    node.special = True
    if node.pre_hooks is None:
        node.pre_hooks = {}
    d = node.pre_hooks.get(t._out_idx)
    if d is None:
        d = node.pre_hooks[t._out_idx] = OrderedDict()
    return d


def retain(t: Tensor) -> None:
    node = t._node
    node.special = True
    if node.retained is None:
        node.retained = {}
    node.retained[t._out_idx] = weakref.ref(t)
