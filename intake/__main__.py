"""`python -m intake` behaves as the `intake` command (:mod:`intake.entry`)."""

import sys

from intake.entry import main

sys.exit(main())
