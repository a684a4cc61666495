"""How far backward has got inside each drawn group (a collapsed module, a fold), kept by counts.

A group's box shows "3,120/5,000 nodes done" and takes the colour of its members' states. Asking
every member's state on every step made one step cost O(members): a 5,000-node fold turned a
backward step into 200 ms of Python. :class:`GroupProgress` keeps, per group, each member's last
known state and the count of each state; a step updates only the members that changed (the
stepper's ``take_changed``), so reading a group's progress is O(1).

Qt-free: the scene (``gradviz/qt/graph_scene.py``) owns one and asks it for ``progress(group)``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping


class GroupProgress:
    """``members``: group id -> ``[(member node id, the object the stepper knows it by)]`` (only
    the members backward runs, i.e. the ``grad_fn`` nodes)."""

    def __init__(self, members: Mapping[str, list[tuple[str, object]]]) -> None:
        self._members = {group: list(items) for group, items in members.items()}
        self._group_of: dict[str, str] = {}
        self._obj: dict[str, object] = {}
        for group, items in self._members.items():
            for member, obj in items:
                self._group_of[member] = group
                self._obj[member] = obj
        self._state: dict[str, str] = {}
        self._counts: dict[str, Counter] = {group: Counter() for group in self._members}

    def rebuild(self, stepper) -> None:
        """Ask every member's state (the first look at a stepper, or after a jump)."""
        self._state = {member: stepper.state_of(obj) for member, obj in self._obj.items()}
        for group, items in self._members.items():
            self._counts[group] = Counter(self._state[member] for member, _ in items)

    def update(self, members: Iterable[str], stepper) -> set[str]:
        """Take the states of the nodes in ``members`` that belong to a group (others are
        ignored); the groups whose counts changed."""
        touched = set()
        for member in members:
            group = self._group_of.get(member)
            if group is None:
                continue
            new = stepper.state_of(self._obj[member])
            old = self._state.get(member)
            if new == old:
                continue
            self._state[member] = new
            counts = self._counts[group]
            if old is not None:
                counts[old] -= 1
            counts[new] += 1
            touched.add(group)
        return touched

    def progress(self, group: str) -> tuple[str | None, str]:
        """The group's state ("current", "done", "ready" or None) and its badge text."""
        total = len(self._members.get(group, ()))
        if not total:
            return None, ""
        counts = self._counts[group]
        done = counts["done"] + counts["current"]
        if counts["current"]:
            state = "current"
        elif done == total:
            state = "done"
        elif done or counts["ready"]:
            state = "ready"
        else:
            return None, ""
        return state, f"{done:,}/{total:,} nodes done"
