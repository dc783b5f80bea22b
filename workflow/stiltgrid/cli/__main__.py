"""``python -m stiltgrid.cli ...``: the ``stiltgrid`` command without its installed script."""

import sys

from stiltgrid.cli import main

sys.exit(main())
