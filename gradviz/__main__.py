"""``python -m gradviz [FILE]``: the command line when it exists, else the window directly."""

from __future__ import annotations

import importlib.util
import sys


def _main() -> int:
    if importlib.util.find_spec("gradviz.cli") is not None:
        from gradviz.cli import main

        return main()
    # Until the command line module exists, open the window on the given file.
    from gradviz.qt.app import launch

    return launch(sys.argv[1] if len(sys.argv) > 1 else None)


if __name__ == "__main__":
    sys.exit(_main())
