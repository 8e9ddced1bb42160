"""The frozen app's one entry point: the window with no arguments, the commands with some.

``intake.cli.main.main`` already makes that choice (it imports the GUI only when there are no
arguments, so a headless command never loads Qt's widgets), which is what this file runs.
PyInstaller needs a script rather than a console_scripts entry point.
"""

import sys

from intake.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
