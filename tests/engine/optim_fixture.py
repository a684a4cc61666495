"""Loads tests/fixtures/optim_cases.json and the case builders of tools/record_optim_fixtures.py
(the builders take the torch namespace, so the engine tests build the very same cases)."""

from __future__ import annotations

import importlib.util
import json
import os

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
with open(os.path.join(ROOT, "tests", "fixtures", "optim_cases.json")) as _fh:
    CASES = json.load(_fh)
_spec = importlib.util.spec_from_file_location(
    "record_optim_fixtures", os.path.join(ROOT, "tools", "record_optim_fixtures.py")
)
BUILDERS = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(BUILDERS)


def as_json(value):
    """What ``value`` looks like after a JSON round trip (tuples become lists)."""
    return json.loads(json.dumps(value))
