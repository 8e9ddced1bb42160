"""`python -m intake` behaves as the `intake` command."""

import sys

from intake.cli import main

sys.exit(main())
