"""cffi builder for ``pyemu._core``: the firmware's C (core, codec, device) compiled for the host.

cffi runs this file with exec, not import, so it must not import ``pyemu``.
Every ``*.cdef`` file in ``pyemu/_cdef`` is one layer's declarations; every
``*.c`` in the firmware's portable folders is compiled in, and the host port
(``firmware/ports/host``: the serve loop's usual turn). Board ports are not.

Flags: setup.py compiles the firmware sources apart with the firmware's own
warning flags (``firmware/cwarn.flags``, as the Makefile does: -Wconversion
-Wsign-conversion -Wpedantic -Werror ...). ``extra_compile_args`` below apply
to cffi's generated wrapper only, which is not firmware code: it breaks
-Wpedantic (casts between object and function pointers, which cffi needs) and
-Wmissing-prototypes (``PyInit__core``), and a compiler upgrade must not stop
an install, so it gets -Wall -Wextra without -Werror.
"""
import glob
import os

from cffi import FFI

_here = os.path.dirname(os.path.abspath(__file__))
_root = os.path.dirname(_here)
_layers = ("core", "plant", "proto", "device", "crypto", os.path.join("ports", "host"))
_firmware = os.path.join(_root, "firmware")

ffibuilder = FFI()

for cdef in sorted(glob.glob(os.path.join(_here, "_cdef", "*.cdef"))):
    with open(cdef, encoding="utf-8") as f:
        ffibuilder.cdef(f.read())

_sources = sorted(
    os.path.relpath(path, _root)
    for layer in _layers
    for path in glob.glob(os.path.join(_firmware, layer, "*.c"))
)
_headers = sorted(
    os.path.basename(path)
    for layer in _layers
    for path in glob.glob(os.path.join(_firmware, layer, "*.h"))
)

ffibuilder.set_source(
    "pyemu._core",
    "".join(f'#include "{h}"\n' for h in _headers),
    sources=_sources,
    include_dirs=[os.path.relpath(os.path.join(_firmware, layer), _root) for layer in _layers],
    extra_compile_args=["-std=c99", "-O2", "-Wall", "-Wextra"],   # the wrapper's (see above)
)

if __name__ == "__main__":
    ffibuilder.compile(tmpdir=os.path.join(_root, "build", "cffi"), verbose=False)
