"""GraphModel: the engine's backward graph as a networkx DiGraph."""

import engine
from engine._graph import AccumulateGrad
from gradviz.kernel.graph_builder import GraphModel, attach_variable_names, tensor_names


def small_graph():
    x = engine.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = engine.tensor([[1.0, 0.0, 2.0], [0.5, 1.0, -1.0]], requires_grad=True)
    target = engine.tensor([0.5, 0.25])
    h = (w @ x).tanh()
    loss = ((h - target) * (h - target)).sum()
    namespace = {"x": x, "w": w, "target": target, "h": h, "loss": loss}
    return loss, namespace


def kinds(model):
    counts = {}
    for _, kind in model.graph.nodes(data="kind"):
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def test_nodes_and_edges_follow_next_functions():
    loss, ns = small_graph()
    model = GraphModel.from_root(loss, tensor_names(ns))
    g = model.graph
    assert model.root_id == model.id_of(loss.grad_fn)
    # Every grad_fn edge matches next_functions exactly.
    for node_id, data in g.nodes(data=True):
        if data["kind"] != "grad_fn" or isinstance(data["obj"], AccumulateGrad):
            continue
        expected = [
            (model.id_of(fn), i) for i, (fn, _) in enumerate(data["obj"].next_functions) if fn is not None
        ]
        got = sorted(
            (v, d["input_index"]) for _, v, d in g.out_edges(node_id, data=True) if not d.get("constant")
        )
        assert got == sorted(expected)
    # Sum, Mul, Sub, Sub, Tanh, Mv + two AccumulateGrad; x and w leaves; target as a constant.
    names = sorted(d["name"] for _, d in g.nodes(data=True) if d["kind"] == "grad_fn")
    assert names == sorted(
        ["SumBackward0", "MulBackward0", "SubBackward0", "SubBackward0", "TanhBackward0", "MvBackward0",
         "torch::autograd::AccumulateGrad", "torch::autograd::AccumulateGrad"]
    )
    assert kinds(model) == {"grad_fn": 8, "tensor": 2}
    assert g.number_of_edges() == 1 + 2 + 2 + 1 + 2 + 2


def test_accumulate_grad_points_to_its_leaf_with_name_and_shape():
    loss, ns = small_graph()
    model = GraphModel.from_root(loss, tensor_names(ns))
    w_id = model.id_of(ns["w"])
    data = model.graph.nodes[w_id]
    assert data["kind"] == "tensor" and data["name"] == "w" and data["shape"] == (2, 3)
    assert data["label"] == "w\n2×3"
    (acc,) = model.graph.predecessors(w_id)
    assert isinstance(model.graph.nodes[acc]["obj"], AccumulateGrad)
    assert model.graph.nodes[acc]["label"] == "AccumulateGrad"


def test_saved_constant_input_appears_faint():
    a = engine.ones(3, requires_grad=True)
    k = engine.full((3,), 2.0)
    y = (a * k).sum()
    model = GraphModel.from_root(y, {id(a): "a", id(k): "k"})
    const = model.id_of(k)
    assert model.graph.nodes[const]["kind"] == "constant"
    (edge,) = model.graph.in_edges(const, data=True)
    assert edge[2]["constant"] is True and edge[2]["input_index"] == 1


def test_shapes_and_variable_labels():
    loss, ns = small_graph()
    model = GraphModel.from_root(loss, tensor_names(ns))
    attach_variable_names(model, {"h": ns["h"], "loss": loss})
    tanh = model.graph.nodes[model.id_of(ns["h"].grad_fn)]
    assert tanh["shape"] == (2,) and tanh["dtype"] == "torch.float32"
    assert tanh["label"] == "TanhBackward0\nh: 2"
    assert model.graph.nodes[model.root_id]["shape"] == ()


def test_ids_are_deterministic():
    a, ns_a = small_graph()
    b, ns_b = small_graph()
    ma = GraphModel.from_root(a, tensor_names(ns_a))
    mb = GraphModel.from_root(b, tensor_names(ns_b))
    assert list(ma.graph.nodes(data="name")) == list(mb.graph.nodes(data="name"))
    assert list(ma.graph.edges) == list(mb.graph.edges)


def test_shared_subexpression_is_one_node():
    x = engine.ones(2, requires_grad=True)
    y = x.exp()
    z = (y * y).sum()
    model = GraphModel.from_root(z)
    mul = model.id_of(z.grad_fn.next_functions[0][0])
    exp = model.id_of(y.grad_fn)
    (edge,) = model.graph.out_edges(mul, data=True)
    assert edge[2]["input_index"] == 0 and edge[2]["input_indices"] == (0, 1)
    assert model.graph.has_edge(mul, exp)
    assert sum(1 for _, d in model.graph.nodes(data=True) if d["name"] == "ExpBackward0") == 1


def test_max_nodes_truncates():
    x = engine.ones(1, requires_grad=True)
    y = x
    for _ in range(50):
        y = y * 1.5
    model = GraphModel.from_root(y, max_nodes=10)
    assert len(model) == 10
    assert model.truncated
    assert not GraphModel.from_root(y).truncated


def test_leaf_root_is_one_tensor_node():
    x = engine.ones(2, requires_grad=True)
    model = GraphModel.from_root(x, {id(x): "x"})
    assert len(model) == 1 and model.graph.nodes[model.root_id]["kind"] == "tensor"


def with_modules():
    from engine._state import STATE
    from engine.nn.parameter import Parameter

    x = engine.ones(2, requires_grad=True)
    weight = Parameter(engine.ones(2))
    STATE.module_path = "enc.fc1"
    a = x * weight
    STATE.module_path = "enc.fc2"
    b = a.exp()
    STATE.module_path = "head"
    c = b.sum()
    STATE.module_path = ""
    return c, x, weight


def test_modules_and_collapse_expand():
    c, x, weight = with_modules()
    model = GraphModel.from_root(c)
    assert model.modules() == ["enc", "enc.fc1", "enc.fc2", "head"]
    assert model.top_modules() == ["enc", "head"]
    full = model.graph.number_of_nodes()
    collapsed = model.collapsed({"enc"})
    group = collapsed.nodes["module:enc"]
    # Mul, Exp, and the parameter with its AccumulateGrad; the input x stays outside.
    assert group["kind"] == "module" and group["count"] == 4
    assert model.id_of(weight) in group["members"]
    assert collapsed.number_of_nodes() == full - 4 + 1
    assert collapsed.has_edge(model.root_id, "module:enc")
    x_acc = next(iter(model.graph.predecessors(model.id_of(x))))
    assert collapsed.has_edge("module:enc", x_acc)
    assert not any(n in collapsed for n in group["members"])
    # Collapsing only the inner module keeps its sibling visible; expanding restores everything.
    inner = model.collapsed({"enc.fc2"})
    assert inner.nodes["module:enc.fc2"]["count"] == 1
    assert model.collapsed(set()) is model.graph


def test_tensor_names_include_module_parameters():
    class Fake:
        def named_parameters(self):
            yield "fc.weight", w

    w = engine.ones(2, requires_grad=True)
    names = tensor_names({"model": Fake(), "w2": engine.ones(1)})
    assert names[id(w)] == "model.fc.weight"
