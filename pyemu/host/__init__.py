"""The host layer: the emulated device and its serve loop, the state file,
recordings of what crossed a port, and the QEMU/board bridge.

May import: pyemu.pump, pyemu.link, pyemu.protocol, pyemu.units, pyemu._core.
"""
