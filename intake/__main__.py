"""`python -m intake` behaves as the `intake` command: without a command it opens the window
through the supervisor (:func:`intake.app.main`, which loads neither Qt nor the vault), and
``--session R W`` is a window process that supervisor started."""

import sys

from intake.supervisor import SESSION_FLAG


def _run() -> int:
    args = sys.argv[1:]
    if not args or args[0] == SESSION_FLAG:
        from intake.app import main as window

        return window(args)
    from intake.cli.main import main

    return main()


sys.exit(_run())
