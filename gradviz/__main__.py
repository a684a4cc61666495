"""``python -m gradviz [FILE]``: the command line when it exists, else the window directly."""

from __future__ import annotations

import sys


def _main() -> int:
    try:
        from gradviz.cli import main
    except ImportError:
        # The CLI module is written separately; until it exists, open the window on the given file.
        from gradviz.qt.app import launch

        return launch(sys.argv[1] if len(sys.argv) > 1 else None)
    return main()


if __name__ == "__main__":
    sys.exit(_main())
