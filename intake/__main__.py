"""`python -m intake` behaves as the `intake` command."""

import sys

from intake.cli.main import main

sys.exit(main())
