"""``python -m pyemu`` is the ``pyemu`` command."""
from pyemu.cli.main import main

raise SystemExit(main())
