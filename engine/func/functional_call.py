"""``functional_call``: run a module with some parameters and buffers replaced for one call."""

from __future__ import annotations

from typing import Any


def _owner(module, dotted: str):
    """(the submodule that holds ``dotted``'s last name, that name)."""
    *path, leaf = dotted.split(".")
    for part in path:
        module = getattr(module, part)
    return module, leaf


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` with the given tensors standing in for its parameters/buffers
    (names as in ``named_parameters()``); the module is restored afterwards, even on error."""
    if isinstance(parameter_and_buffer_dicts, dict):
        replacements = dict(parameter_and_buffer_dicts)
    else:
        replacements = {}
        for d in parameter_and_buffer_dicts:
            for key, value in d.items():
                if key in replacements:
                    raise ValueError(
                        f"{key} appeared in multiple dictionaries; behavior of functional call is ambiguous"
                    )
                replacements[key] = value
    known = dict(module.named_parameters(remove_duplicate=False))
    known.update(dict(module.named_buffers(remove_duplicate=False)))
    if strict:
        missing = sorted(set(known) - set(replacements))
        unexpected = sorted(set(replacements) - set(known))
        if missing or unexpected:
            parts = []
            if unexpected:
                parts.append("Unexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
            if missing:
                parts.append("Missing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(
                type(module).__name__, "\n\t".join(parts)))
    if tie_weights:  # a name sharing its tensor with a replaced one is replaced too
        by_tensor = {id(known[k]): v for k, v in replacements.items() if k in known}
        for name, tensor in known.items():
            if name not in replacements and id(tensor) in by_tensor:
                replacements[name] = by_tensor[id(tensor)]
    saved = []
    try:
        for name, value in replacements.items():
            owner, leaf = _owner(module, name)
            table = owner._parameters if leaf in owner._parameters else owner._buffers
            if leaf not in table:
                table = owner.__dict__
            saved.append((table, leaf, table.get(leaf, _MISSING)))
            table[leaf] = value
        if args is None:
            args = ()
        elif not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for table, leaf, old in reversed(saved):
            if old is _MISSING:
                table.pop(leaf, None)
            else:
                table[leaf] = old


_MISSING = object()
