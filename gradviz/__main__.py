"""``python -m gradviz [FILE]`` / ``python -m gradviz export ...``: the same command line as ``gradviz``."""

from __future__ import annotations

import sys

from gradviz.cli import main

if __name__ == "__main__":
    sys.exit(main())
