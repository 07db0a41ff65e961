"""The generated files (C codec, cdef, embedded table, vectors, spec reference) match messages.json."""
import gen  # protocol/tools/gen.py (tests/protocol/conftest.py puts it on the path)


def test_generated_files_are_current() -> None:
    """Invariant: every generated file equals what `python protocol/tools/gen.py` would write now.

    Fails when messages.json, the generator or the vector cases changed without
    regenerating, so the C and Python codecs can never drift apart unnoticed.
    """
    stale = [str(p.relative_to(gen.ROOT)) for p in gen.stale()]
    assert stale == [], f"run `python protocol/tools/gen.py`; stale: {stale}"


def test_table_is_consistent() -> None:
    """Invariant: ids are unique and outside the reserved ranges; every reply named exists."""
    s = gen.load_table()
    reserved = [(r["from"], r["to"]) for r in s.raw["reserved_ids"]]
    for m in s.messages.values():
        assert not any(lo <= m.id <= hi for lo, hi in reserved), m.name
        for r in m.replies:
            assert r in s.messages, (m.name, r)
        assert m.max_size <= s.frame["max_payload"]
    assert s.frame["header_len"] + s.frame["max_payload"] + s.frame["auth_trailer_len"] + s.frame["crc_len"] \
        == s.frame["max_raw"] <= 254
