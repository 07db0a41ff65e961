"""pyemu's benchmark (`make bench`): every figure and its peer measured in one run.

Sections, each a module returning rows of the one table:

- ``sim``       7 device-years of therapy through the Python API, against the oracle
- ``codec``     frames/s of the Python and C codecs beside pymavlink and pymodbus
- ``link``      STATUS round trip over a pty beside raw-pty and pyserial echoes
- ``footprint`` board image flash/RAM and instructions per simulated day (callgrind)
- ``fleet``     fleet patient-years per wall second on one and two workers

``python -m bench`` prints the table and writes ``bench-results/bench.json``.
"""
