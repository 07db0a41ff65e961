"""The pump layer: one typed pump interface (:mod:`pyemu.pump.interface`), its
two implementations (the in-process C core, :mod:`pyemu.pump.core`, and the
wire client, :mod:`pyemu.pump.client`), and the records both return.

May import: pyemu.link, pyemu.protocol, pyemu.units, pyemu._core.
"""
