"""``python -m ui.cli`` runs the ``qa`` command (what tests spawn, so they run the tree under test)."""
import sys

from ui.cli.main import main

sys.exit(main())
