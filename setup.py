"""setuptools hook for the cffi extension: pyproject.toml has no key for cffi_modules."""
from setuptools import setup

setup(cffi_modules=["pyemu/_build_core.py:ffibuilder"])
