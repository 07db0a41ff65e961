"""setuptools hooks pyproject.toml has no keys for.

* The cffi extension ``pyemu._core`` (``pyemu/_build_core.py``). The firmware's
  C files in it are compiled with the same warning flags as every other build
  of them (``firmware/cwarn.flags``, the Makefile's CWARN: -Wconversion
  -Werror ...); cffi's generated wrapper, which is not firmware code, with the
  flags ``_build_core.py`` gives it.
* The board images as package data (``pyemu/firmware/``): when the wheel is
  built with ``arm-none-eabi-gcc`` and make on PATH, ``make firmware`` builds
  them (the open images, never provisioned ones) and they are shipped, so an
  installed ``pyemu hil`` and ``pyemu run --target qemu`` need no checkout.
  Without the cross compiler the wheel has no images, and those commands say
  how to give one. ``PYEMU_BUILD_FIRMWARE=0`` leaves them out.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: The images `make firmware` writes to build/firmware/ that the wheel ships.
FIRMWARE_IMAGES = ("qemu_netduinoplus2.elf", "nucleo_f4.elf", "nucleo_f4.bin",
                   "qemu_echo.elf", "nucleo_echo.elf")


def firmware_cflags() -> list:
    """The firmware's warning flags: firmware/cwarn.flags, '#' comments dropped."""
    text = (ROOT / "firmware" / "cwarn.flags").read_text(encoding="utf-8")
    return [flag for line in text.splitlines() for flag in line.split("#", 1)[0].split()]


class BuildExtStrictFirmware(build_ext):
    """Compiles an extension's firmware/*.c sources apart, with the firmware's flags.

    distutils applies one flag list to all sources of an extension; here the
    firmware sources become objects first (strict flags, -Werror) and are
    linked in, and the rest (cffi's wrapper) is compiled as usual.
    """

    def build_extension(self, ext):
        firmware = [s for s in ext.sources if Path(s).parts[:1] == ("firmware",)]
        if not firmware:
            return super().build_extension(ext)
        sources, extra_objects = ext.sources, ext.extra_objects
        objects = self.compiler.compile(
            firmware,
            output_dir=self.build_temp,
            macros=ext.define_macros,
            include_dirs=ext.include_dirs,
            debug=self.debug,
            extra_postargs=[*firmware_cflags(), "-O2"],
            depends=ext.depends,
        )
        ext.sources = [s for s in sources if s not in firmware]
        ext.extra_objects = [*extra_objects, *objects]
        try:
            return super().build_extension(ext)
        finally:
            ext.sources, ext.extra_objects = sources, extra_objects


class BuildPyWithFirmware(build_py):
    """build_py, plus the board images in pyemu/firmware/ when they can be built."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return   # an editable install runs from the checkout: build/firmware/ is used
        dest = Path(self.build_lib) / "pyemu" / "firmware"
        # build/lib outlives a build: images of an earlier one must not ship with this one.
        shutil.rmtree(dest, ignore_errors=True)
        if os.environ.get("PYEMU_BUILD_FIRMWARE", "").strip() == "0":
            return
        missing = [t for t in ("make", "arm-none-eabi-gcc") if shutil.which(t) is None]
        if missing or not (ROOT / "Makefile").is_file():
            print(f"pyemu: board images not included ({', '.join(missing) or 'Makefile'} "
                  f"not found); pyemu hil needs --image or PYEMU_FIRMWARE_DIR", file=sys.stderr)
            return
        # KEYS= on the command line: a KEYS variable in the environment never
        # provisions the shipped images with someone's keys.
        proc = subprocess.run(
            ["make", "--no-print-directory", "firmware", "KEYS=", f"PYTHON={sys.executable}"],
            cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(
                f"pyemu: `make firmware` failed (PYEMU_BUILD_FIRMWARE=0 installs without the "
                f"board images):\n{proc.stdout}{proc.stderr}")
        dest.mkdir(parents=True, exist_ok=True)
        for name in FIRMWARE_IMAGES:
            shutil.copyfile(ROOT / "build" / "firmware" / name, dest / name)


setup(
    cffi_modules=["pyemu/_build_core.py:ffibuilder"],
    cmdclass={"build_ext": BuildExtStrictFirmware, "build_py": BuildPyWithFirmware},
)
