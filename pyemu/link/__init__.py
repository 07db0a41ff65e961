"""The link layer: byte transports (pty, serial, TCP, Unix socket), the lossy test line,
the observer fan-out, and the authenticated session (keys, sealing).

May import: pyemu.protocol, pyemu.units.
"""
