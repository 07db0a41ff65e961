"""Write the fuzzers' seed corpus from the golden vectors (protocol/vectors/*.json).

    python firmware/fuzz/make_corpus.py        # rewrites firmware/fuzz/corpus/

corpus/proto/: every vector's wire bytes, one file each. corpus/device/: a
mode byte (see fuzz_device.c) followed by every vector's wire bytes, for a
new and for a programmed pump, plus sessions that chain the valid requests
(so the fuzzer starts from streams that reach deep into the dispatcher).
tests/security/test_fuzz_c.py fails if the checked-in corpus is out of date.
"""
from __future__ import annotations

import json
import os
import sys
from typing import Dict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VECTORS = os.path.join(ROOT, "protocol", "vectors")


def corpus() -> Dict[str, bytes]:
    """{relative path: contents} of the whole seed corpus."""
    out: Dict[str, bytes] = {}
    requests = []
    for name in sorted(os.listdir(VECTORS)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(VECTORS, name)) as f:
            vectors = json.load(f)["vectors"]
        for v in vectors:
            wire = bytes.fromhex(v["wire"])
            key = f"{name[:-5]}-{v['name']}"
            out[f"proto/{key}"] = wire
            out[f"device/new-{key}"] = b"\x00" + wire
            out[f"device/programmed-{key}"] = b"\x0b" + wire   # + telemetry, save/load
            frames = v.get("expect", {}).get("frames", [])
            if name == "valid.json" and frames and frames[0]["flags"] == 0:
                requests.append(wire)
    # Every valid request in a row, and twice (the second pass is answered from the cache).
    out["device/session-all-requests"] = b"\x01" + b"".join(requests)
    out["device/session-replayed"] = b"\x09" + b"".join(requests) * 2
    out["proto/session-all-requests"] = b"".join(requests)
    return out


def main() -> int:
    target = os.path.join(HERE, "corpus")
    for rel, data in corpus().items():
        path = os.path.join(target, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
