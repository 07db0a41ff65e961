"""``python -m pyemu`` is the ``pyemu`` command."""
from pyemu.cli import main

raise SystemExit(main())
