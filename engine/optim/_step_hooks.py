"""Optimizer step hooks (``register_step_pre_hook`` / ``register_step_post_hook``).

Every ``step`` — the base one and any a subclass defines — is wrapped once so the hooks run
around it, as PyTorch patches each optimizer class's ``step``. A ``step`` that calls
``super().step()`` runs the hooks once, not twice.
"""

from __future__ import annotations

import functools

from .._graph import RemovableHandle


def with_step_hooks(step):
    """Wrap an optimizer class's ``step`` so pre-hooks (which may replace the arguments) run before
    it and post-hooks after it: ``hook(optimizer, args, kwargs)``, args starting with the optimizer."""
    if getattr(step, "_runs_step_hooks", False):
        return step

    @functools.wraps(step)
    def hooked(self, *args, **kwargs):
        if self.__dict__.get("_in_step_hooks"):
            return step(self, *args, **kwargs)
        pre = self.__dict__.get("_optimizer_step_pre_hooks", ())
        post = self.__dict__.get("_optimizer_step_post_hooks", ())
        if not pre and not post:
            return step(self, *args, **kwargs)
        full_args = (self, *args)
        for hook in list(pre):
            result = hook(self, full_args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(
                        f"{step} must return None or a tuple of (new_args, new_kwargs), but got {result}."
                    )
                full_args, kwargs = result
        self.__dict__["_in_step_hooks"] = True
        try:
            out = step(*full_args, **kwargs)
        finally:
            self.__dict__["_in_step_hooks"] = False
        for hook in list(post):
            hook(self, full_args, kwargs)
        return out

    hooked._runs_step_hooks = True
    return hooked


def register(optimizer, kind: str, hook) -> RemovableHandle:
    hooks = optimizer.__dict__.setdefault(f"_optimizer_step_{kind}_hooks", [])
    hooks.append(hook)
    return RemovableHandle(hooks, hook)
