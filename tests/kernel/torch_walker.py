"""An independent check of `gradviz export --backend torch`: plain PyTorch only (never gradviz).

    python tests/kernel/torch_walker.py SCRIPT.py ROOT_NAME OUT.json [GRADIENT_EXPRESSION]
    python tests/kernel/torch_walker.py --many JOBS.json

runs SCRIPT.py in plain torch, walks ``ROOT.grad_fn`` breadth-first through ``next_functions``
(children in their order; each node numbered when first reached), registers a pre-hook on every
node to note the order torch's engine runs them, calls ``ROOT.backward(v)`` (v: the expression
evaluated in the script's namespace, else ``ones_like(ROOT)`` for a root that is not a single
number, as the export's stepper does) and writes the walk: node names, edges ``[parent, input
index, child]``, the execution order, and each AccumulateGrad's leaf ``.grad`` afterwards and the
leaf's name (its variable, or ``module_variable.parameter`` from ``named_parameters()``), by the
AccumulateGrad's number.

``--many`` walks several scripts in this one process (a fresh ``import torch`` costs seconds):
JOBS.json is a list of ``[SCRIPT, ROOT_NAME, OUT, GRADIENT_EXPRESSION or null]``; each script runs
as above, in its own fresh namespace (``runpy``) with its own directory as the working directory,
and torch's global grad mode and default dtype are put back after it. A script that fails writes
``{"error": traceback}`` to its OUT and the others still run.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import traceback
from collections import deque

import torch


def walk(root_fn) -> list:
    order, seen, queue = [], {root_fn}, deque([root_fn])
    while queue:
        node = queue.popleft()
        order.append(node)
        for child, _output in node.next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                queue.append(child)
    return order


def leaf_names(namespace: dict) -> dict[int, str]:
    """id(tensor) -> its name: a variable holding it, else ``var.param`` of a module variable."""
    names: dict[int, str] = {}
    for var, value in namespace.items():
        if isinstance(value, torch.Tensor) and not var.startswith("_"):
            names.setdefault(id(value), var)
    for var, value in namespace.items():
        if isinstance(value, torch.nn.Module):
            for param_name, param in value.named_parameters():
                names.setdefault(id(param), f"{var}.{param_name}")
    return names


def main(script: str, root_name: str, out: str, gradient: str | None = None) -> None:
    namespace = runpy.run_path(script, run_name="__main__")
    root = namespace[root_name]
    nodes = walk(root.grad_fn)
    number = {node: k for k, node in enumerate(nodes)}
    edges = [[number[node], i, number[child]] for node in nodes
             for i, (child, _output) in enumerate(node.next_functions) if child is not None]
    ran: list[int] = []
    handles = [node.register_prehook(lambda grads, k=k: ran.append(k)) for k, node in enumerate(nodes)]
    if gradient is not None:
        v = eval(gradient, namespace)  # the test's own expression, as the export evaluates it
    else:
        v = None if root.numel() == 1 else torch.ones_like(root)
    root.backward(v)
    for handle in handles:
        handle.remove()
    names = leaf_names(namespace)
    leaf_grads = {}
    for k, node in enumerate(nodes):
        if type(node).__name__ == "AccumulateGrad":
            grad = node.variable.grad
            leaf_grads[str(k)] = {"name": names.get(id(node.variable)), "dtype": str(grad.dtype),
                                  "values": None if grad is None else grad.detach().tolist()}
    with open(out, "w") as fh:
        json.dump({"names": [node.name() for node in nodes], "edges": edges, "order": ran,
                   "leaf_grads": leaf_grads, "torch": torch.__version__}, fh)


def main_many(jobs_file: str) -> None:
    with open(jobs_file) as fh:
        jobs = json.load(fh)
    start_dir = os.getcwd()
    for script, root_name, out, gradient in jobs:
        grad_enabled, dtype = torch.is_grad_enabled(), torch.get_default_dtype()
        os.chdir(os.path.dirname(os.path.abspath(script)))
        try:
            main(script, root_name, out, gradient)
        except (Exception, SystemExit):  # reported to its test; the next script still runs
            with open(out, "w") as fh:
                json.dump({"error": traceback.format_exc()}, fh)
        finally:
            os.chdir(start_dir)
            torch.set_grad_enabled(grad_enabled)
            torch.set_default_dtype(dtype)


if __name__ == "__main__":
    if sys.argv[1] == "--many":
        main_many(sys.argv[2])
    else:
        main(*sys.argv[1:])
