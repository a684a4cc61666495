"""GroupProgress: counts kept from the changed members only give what asking every member gives."""

from __future__ import annotations

import random

from gradviz.model.group_progress import GroupProgress

STATES = ("pending", "waiting", "ready", "current", "done")


class FakeStepper:
    def __init__(self, states: dict[str, str]) -> None:
        self.states = states

    def state_of(self, obj) -> str:
        return self.states.get(obj, "pending")


def brute_force(members: list[str], stepper) -> tuple[str | None, str]:
    """The rule the scene used before the counts, member by member."""
    states = [stepper.state_of(m) for m in members]
    if not states:
        return None, ""
    done = sum(s in ("done", "current") for s in states)
    if "current" in states:
        return "current", f"{done:,}/{len(states):,} nodes done"
    if done == len(states):
        return "done", f"{done:,}/{len(states):,} nodes done"
    if done or "ready" in states:
        return "ready", f"{done:,}/{len(states):,} nodes done"
    return None, ""


def test_incremental_counts_match_asking_every_member():
    rng = random.Random(7)
    groups = {f"g{k}": [f"n{k}_{i}" for i in range(rng.randint(0, 40))] for k in range(6)}
    progress = GroupProgress({g: [(m, m) for m in ms] for g, ms in groups.items()})
    stepper = FakeStepper({})
    progress.rebuild(stepper)
    everyone = [m for ms in groups.values() for m in ms] + ["outsider"]
    for _ in range(300):
        changed = rng.sample(everyone, rng.randint(1, 8))
        for m in changed:
            stepper.states[m] = rng.choice(STATES)
        touched = progress.update(changed, stepper)
        assert touched <= set(groups)
        for g, ms in groups.items():
            assert progress.progress(g) == brute_force(ms, stepper), g


def test_all_done_reads_done_and_the_badge_counts_members():
    progress = GroupProgress({"fold:1": [("a", "a"), ("b", "b"), ("c", "c")]})
    stepper = FakeStepper({"a": "done", "b": "done"})
    progress.rebuild(stepper)
    assert progress.progress("fold:1") == ("ready", "2/3 nodes done")
    stepper.states["c"] = "current"
    assert progress.update(["c"], stepper) == {"fold:1"}
    assert progress.progress("fold:1") == ("current", "3/3 nodes done")
    stepper.states["c"] = "done"
    progress.update(["c"], stepper)
    assert progress.progress("fold:1") == ("done", "3/3 nodes done")
    assert progress.progress("unknown") == (None, "")
