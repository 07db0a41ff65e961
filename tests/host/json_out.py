"""What the CLI tests ask of a command's ``--json`` output."""
import json


def one_json(out):
    """stdout must hold exactly one JSON object; returns it."""
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out
    obj = json.loads(lines[0])
    assert isinstance(obj, dict)
    return obj
