"""Key files of ``pyemu keys``: format, creation and loading (spec 6.1).

Standard library only, and importing nothing else of pyemu, so that the
board build (firmware/ports/make_keys.py) reads key files with the same code
as the emulator and the client, before the virtual environment exists.

A key file is JSON ``{"format": "pyemu-keys/1", "clinician": HEX, "patient":
HEX}`` (a patient controller's file holds only ``patient``), mode 0600.
Nothing here prints or puts a key in an error message.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
from typing import Dict, Optional, Tuple

KEY_LEN = 32
KEY_FILE_FORMAT = "pyemu-keys/1"
#: Role names as the CLI and key files spell them, in the order pumps store them.
ROLE_NAMES: Tuple[str, ...] = ("clinician", "patient")


class KeyFileError(ValueError):
    """A key file that cannot be used; the message says why (never its keys)."""


def fingerprint(key: bytes) -> str:
    """What tools print instead of a key: the first 4 bytes of its SHA-256, in hex."""
    return hashlib.sha256(key).hexdigest()[:8]


def create_key_file(path: str, roles: Tuple[str, ...] = ROLE_NAMES,
                    keys: Optional[Dict[str, bytes]] = None) -> Dict[str, bytes]:
    """Write fresh 256-bit keys (``secrets``) for ``roles`` into a new file of mode 0600.

    Never overwrites (FileExistsError). ``keys`` copies given keys instead
    (a patient controller's file from a full one). Returns the keys."""
    for role in roles:
        if role not in ROLE_NAMES:
            raise ValueError(f"role must be clinician or patient, got {role!r}")
    chosen = {r: (keys[r] if keys else secrets.token_bytes(KEY_LEN)) for r in roles}
    text = json.dumps({"format": KEY_FILE_FORMAT, **{r: k.hex() for r, k in chosen.items()}}, indent=1)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    return chosen


def load_key_file(path: str) -> Dict[str, bytes]:
    """The role keys in a key file; KeyFileError if it is unreadable, malformed or
    readable by other users."""
    try:
        mode = os.stat(path).st_mode
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc.strerror}") from None
    except ValueError:
        raise KeyFileError(f"{path} is not a pyemu key file (not JSON)") from None
    if mode & 0o077:
        raise KeyFileError(f"key file {path} is readable by other users (mode {mode & 0o777:o}); "
                           f"run: chmod 600 {path}")
    if not isinstance(data, dict) or data.get("format") != KEY_FILE_FORMAT:
        raise KeyFileError(f"{path} is not a pyemu key file (format {KEY_FILE_FORMAT} expected)")
    keys: Dict[str, bytes] = {}
    for role in ROLE_NAMES:
        if role in data:
            try:
                key = bytes.fromhex(data[role])
            except (TypeError, ValueError):
                key = b""
            if len(key) != KEY_LEN or not any(key):
                raise KeyFileError(f"{path}: the {role} key is not {KEY_LEN} non-zero bytes of hex")
            keys[role] = key
    if not keys:
        raise KeyFileError(f"{path} holds no role key")
    return keys


def load_pump_keys(path: str) -> Tuple[bytes, bytes]:
    """(clinician, patient) keys of a key file that provisions a pump (both needed)."""
    keys = load_key_file(path)
    if set(keys) != set(ROLE_NAMES):
        raise KeyFileError(f"{path} must hold both the clinician and the patient key to provision a pump")
    return keys["clinician"], keys["patient"]
