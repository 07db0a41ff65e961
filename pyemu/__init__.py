"""pyemu: emulator of an implantable intrathecal drug pump's firmware.

The dosing core is C (``firmware/``), bound through cffi (``pyemu.pump.core``);
the wire protocol lives in ``pyemu.protocol``; transports, the emulated
device, the host client and the CLI are modules of their own.
"""
__version__ = "0.1.0"
