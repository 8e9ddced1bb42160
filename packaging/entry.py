"""The frozen app's one entry point: the window with no arguments, the commands with some.

``intake.entry.main`` makes that choice (the window through its supervisor when there are no
arguments, a supervised window process for ``--session``, a command otherwise, so a
headless command never loads Qt's widgets), which is what this file runs.
PyInstaller needs a script rather than a console_scripts entry point.
"""

import sys

from intake.entry import main

if __name__ == "__main__":
    sys.exit(main())
