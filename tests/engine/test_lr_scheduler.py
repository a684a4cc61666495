"""engine.optim.lr_scheduler against PyTorch 2.13: lr (and momentum) trajectories over 20 steps,
state-dict keys, warnings and errors recorded in tests/fixtures/optim_cases.json."""

from __future__ import annotations

import warnings

import pytest
from optim_fixture import BUILDERS, CASES

import engine
from engine.optim import lr_scheduler as S

SCHEDULES = dict(BUILDERS.scheduler_cases(engine))
PLATEAUS = dict(BUILDERS.plateau_cases(engine))


def _approx(rows):
    return [pytest.approx(row, rel=1e-12, abs=1e-15) for row in rows]


@pytest.mark.parametrize("run", CASES["scheduler_runs"], ids=lambda r: r["label"])
def test_schedule_matches_pytorch(run):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # stepping the optimizer first must not warn
        sched, lrs, momenta = BUILDERS.run_scheduler(engine, SCHEDULES[run["label"]])
    assert lrs == _approx(run["lrs"])
    assert momenta == _approx(run["momenta"])
    assert getattr(sched, "last_epoch", None) == run["last_epoch"]
    assert BUILDERS._state_keys(sched) == run["state_keys"]


def test_one_cycle_cycles_adams_beta1():
    lrs, betas = BUILDERS.run_scheduler(
        engine, lambda o: S.OneCycleLR(o, max_lr=0.3, total_steps=12), steps=12, adam=True)[1:]
    expected_lrs, expected_betas = CASES["onecycle_adam"]
    assert lrs == _approx(expected_lrs)
    assert betas == _approx(expected_betas)


def test_cyclic_lr_cycles_adams_beta1():
    lrs, betas = BUILDERS.run_scheduler(
        engine, lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=3), steps=12, adam=True)[1:]
    expected_lrs, expected_betas = CASES["cyclic_adam"]
    assert lrs == _approx(expected_lrs)
    assert betas == _approx(expected_betas)


@pytest.mark.parametrize("run", CASES["plateau_runs"], ids=lambda r: r["label"])
def test_reduce_on_plateau_matches_pytorch(run):
    sched, lrs, _ = BUILDERS.run_scheduler(engine, PLATEAUS[run["label"]], metrics=CASES["plateau_metrics"])
    assert lrs == _approx(run["lrs"])
    assert BUILDERS._state_keys(sched) == run["state_keys"]
    assert sched.best == run["best"] and sched.num_bad_epochs == run["num_bad_epochs"]


def test_reduce_on_plateau_accepts_a_zero_dim_tensor_metric():
    opt = BUILDERS.scheduler_optimizer(engine)
    sched = S.ReduceLROnPlateau(opt, patience=0)
    sched.step(engine.tensor(1.0))
    sched.step(engine.tensor(2.0))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.005])


def test_warnings_match_pytorch():
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        found = BUILDERS._scheduler_warnings(engine)
    assert found == CASES["scheduler_warnings"]


def test_errors_match_pytorch():
    found = BUILDERS._errors(engine, [
        ("not_optimizer", lambda: S.StepLR(object(), 2)),
        ("linear_start", lambda: S.LinearLR(BUILDERS.scheduler_optimizer(engine), start_factor=0)),
        ("constant_factor", lambda: S.ConstantLR(BUILDERS.scheduler_optimizer(engine), factor=2)),
        ("plateau_factor", lambda: S.ReduceLROnPlateau(BUILDERS.scheduler_optimizer(engine), factor=1.0)),
        ("plateau_mode", lambda: S.ReduceLROnPlateau(BUILDERS.scheduler_optimizer(engine), mode="avg")),
        ("onecycle_total", lambda: S.OneCycleLR(BUILDERS.scheduler_optimizer(engine), max_lr=1.0)),
        ("onecycle_overrun", lambda: BUILDERS._overrun(engine)),
        ("sequential_milestones", lambda: BUILDERS._sequential_bad(engine)),
        ("resume_without_initial_lr", lambda: S.StepLR(BUILDERS.scheduler_optimizer(engine), 2, last_epoch=3)),
        ("warm_restarts_t0", lambda: S.CosineAnnealingWarmRestarts(BUILDERS.scheduler_optimizer(engine), T_0=0)),
    ])
    assert found == CASES["scheduler_errors"]


def test_state_dict_round_trip_resumes_the_schedule():
    opt = BUILDERS.scheduler_optimizer(engine)
    sched = S.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        opt.step()
        sched.step()
    saved = sched.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 3
    opt2 = BUILDERS.scheduler_optimizer(engine)
    opt2.load_state_dict(opt.state_dict())
    resumed = S.StepLR(opt2, step_size=2, gamma=0.5)
    resumed.load_state_dict(saved)
    opt2.step()
    resumed.step()
    assert resumed.last_epoch == 4
    assert resumed.get_last_lr() == pytest.approx([0.1 * 0.25, 0.05 * 0.25])


def test_initial_lr_is_recorded_and_the_constructor_steps_once():
    opt = BUILDERS.scheduler_optimizer(engine)
    sched = S.ExponentialLR(opt, gamma=0.5)
    assert sched.last_epoch == 0 and sched._step_count == 1
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    assert sched.base_lrs == [0.1, 0.05]
