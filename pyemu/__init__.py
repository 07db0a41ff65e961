"""pyemu: emulator of an implantable intrathecal drug pump's firmware.

The dosing core is C (``firmware/``), bound through cffi (``pyemu.pump.core``);
the wire protocol lives in ``pyemu.protocol``; transports, the emulated
device, the host client and the CLI are modules of their own
(docs/architecture.md).

The face for scripts is the pump interface and its two implementations::

    from pyemu import Client, Pump, Prescription

    pump = Pump()                                   # the C core in this process
    # or: pump = Client.connect("/dev/pts/5")       # a pump on the wire
    pump.refill(20_000_000, "baclofen", 2000)
    pump.prescribe(Prescription.simple("baclofen", 2000, 500_000, 1500))
    print(pump.advance_by(86_400_000).reservoir_nl)

These names load on first use (module ``__getattr__``), so ``import pyemu``
stays light and loads neither the C extension nor the wire stack.
"""
import importlib
from typing import Any, List

__version__ = "0.1.0"

#: name -> the module it lives in, imported on first use of the name.
_FACE = {
    "Client": "pyemu.pump.client",
    "Pump": "pyemu.pump.core",
    "PumpError": "pyemu.pump.core",
    "PumpInterface": "pyemu.pump.interface",
    "Refusal": "pyemu.pump.errors",
    "DeviceRefused": "pyemu.pump.errors",
    "Prescription": "pyemu.pump.records",
    "RateStep": "pyemu.pump.records",
    "Status": "pyemu.pump.records",
    "Event": "pyemu.pump.records",
    "Reconciliation": "pyemu.pump.records",
}

__all__ = ["__version__", *_FACE]


def __getattr__(name: str) -> Any:
    module = _FACE.get(name)
    if module is None:
        raise AttributeError(f"module 'pyemu' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value      # later uses skip this function
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(_FACE))
