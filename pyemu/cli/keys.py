"""``pyemu keys``: make key files and provision an emulator's state file with them.

Authenticated sessions (``protocol/spec.md`` section 6) need two per-pump
secret keys, one per role (clinician, patient)::

    pyemu keys create pump.keys                      # both keys, mode 0600, never overwritten
    pyemu keys create patient.keys --from pump.keys --role patient   # a patient controller's file
    pyemu keys provision --state pump.state --keys pump.keys         # into a stopped emulator's state
    pyemu keys show pump.keys                        # fingerprints only

Keys are never printed: every command shows fingerprints (the first 4 bytes
of a key's SHA-256). ``pyemu serve --keys FILE`` provisions at start instead.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, Optional

from pyemu.cli.common import EXIT_OK, EXIT_STATE, EXIT_USAGE, error
from pyemu.host.statefile import StateFile, StateFileError
from pyemu.link.auth import KeyFileError, create_key_file, fingerprint, load_key_file, load_pump_keys

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``pyemu keys`` and its commands."""
    keys = subparsers.add_parser(
        "keys", help="create session keys and provision a pump with them",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        # the module docstring, without its reST markup (``x`` and the :: before examples)
        description=__doc__.split("\n\n", 1)[1].split("Keys are never", 1)[0].strip()
        .replace("``", "").replace("::", ":"),
    )
    sub = keys.add_subparsers(dest="keys_command", metavar="COMMAND", required=True)
    p = sub.add_parser("create", help="a new key file with fresh random keys (mode 0600)")
    p.add_argument("file", metavar="KEYFILE")
    p.add_argument("--from", dest="source", metavar="KEYFILE",
                   help="copy keys from this file instead of making new ones")
    p.add_argument("--role", choices=("clinician", "patient"), action="append",
                   help="only this role's key (repeat for both; default: both)")
    p.set_defaults(func=_create)
    p = sub.add_parser("provision", help="store a key file's keys in a stopped emulator's state file")
    p.add_argument("--state", required=True, metavar="FILE", help="the state file of 'pyemu serve --state'")
    p.add_argument("--keys", required=True, metavar="KEYFILE")
    p.add_argument("--serial-number", type=int, default=None, metavar="N",
                   help="serial number of a new pump, if the state file does not exist yet")
    p.set_defaults(func=_provision)
    p = sub.add_parser("show", help="the roles and fingerprints in a key file")
    p.add_argument("file", metavar="KEYFILE")
    p.set_defaults(func=_show)


def _describe(keys: dict) -> str:

    return ", ".join(f"{role} {fingerprint(key)}" for role, key in sorted(keys.items()))


def _create(args: argparse.Namespace) -> int:

    roles = tuple(args.role or ("clinician", "patient"))
    source: Optional[dict] = None
    try:
        if args.source:
            source = load_key_file(args.source)
            missing = [r for r in roles if r not in source]
            if missing:
                error(f"{args.source} holds no {' or '.join(missing)} key")
                return EXIT_USAGE
        keys = create_key_file(args.file, roles, source)
    except KeyFileError as exc:
        error(str(exc))
        return EXIT_USAGE
    except FileExistsError:
        error(f"{args.file} exists; key files are never overwritten (choose another name)")
        return EXIT_USAGE
    except OSError as exc:
        error(f"cannot create {args.file}: {exc.strerror}")
        return EXIT_USAGE
    print(f"{args.file}: {_describe(keys)} (mode 0600; keep it secret)")
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:

    try:
        print(f"{args.file}: {_describe(load_key_file(args.file))}")
    except KeyFileError as exc:
        error(str(exc))
        return EXIT_USAGE
    return EXIT_OK


def _provision(args: argparse.Namespace) -> int:
    # deferred: the C extension loads only to provision a pump's state file
    from pyemu.pump.core import Config, PumpError
    from pyemu.host.device import Device, DeviceError

    try:
        clinician, patient = load_pump_keys(args.keys)
    except KeyFileError as exc:
        error(str(exc))
        return EXIT_USAGE
    keys = {"clinician": clinician, "patient": patient}
    try:
        with StateFile(args.state) as state:
            image = state.load()
            if image is None:
                config = Config(serial=args.serial_number) if args.serial_number is not None else None
                device = Device(config)
            else:
                device = Device.load(image)
            device.provision(clinician, patient)
            # Both generations hold the keys: a fallback to FILE.prev never
            # brings back a keyless (open) pump (pyemu/host/statefile.py, keys rule).
            state.save(device.save(), both_generations=True)
    except StateFileError as exc:
        error(str(exc))
        return EXIT_STATE
    except (DeviceError, PumpError, ValueError) as exc:
        error(f"state file {args.state}: {exc}")
        return EXIT_STATE
    except OSError as exc:
        error(f"state file {args.state}: cannot write it ({exc.strerror or exc}); "
              f"it has not been changed")
        return EXIT_STATE
    print(f"{args.state}: provisioned with {_describe(keys)}; start it with "
          f"'pyemu serve --state {args.state}', talk to it with 'pyemu ctl --key {args.keys}'",
          file=sys.stdout)
    return EXIT_OK
