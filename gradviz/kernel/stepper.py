"""Where the old in-process ``Stepper`` lived; issue 11 merged it into :mod:`.stepping`.

The import-linter contracts in ``pyproject.toml`` still name this module among the kernel-side
modules the app must not import, and a contract naming a missing module fails. Until they name
:mod:`.engine_stepping`, :mod:`.engine_documents` and :mod:`.step_messages` instead, this module
stays, as a second address of the engine's stepper (no code of its own).
"""

from gradviz.kernel.engine_stepping import EngineStepper

__all__ = ["EngineStepper"]
