"""The ``pyemu`` command: one module per subcommand, and :mod:`pyemu.cli.common`
(exit codes, option types). The only layer that uses argparse or prints JSON.

May import every other layer.
"""
