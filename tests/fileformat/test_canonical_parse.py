"""The loader's fast JSON parse (``project._parse_canonical``, orjson) reads a file written the
way the designer writes it into the very document the strict parse reads, and takes nothing
else: a duplicate key, NaN, a lone surrogate, deep nesting or any other form goes to the
strict parse, whose refusal and message are the ones given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.fileformat import ProjectFileError, dumps, loads
from designer.fileformat import project
from designer.fileformat.project import _parse_canonical, parse_json
from designer.generate import generate

pytest.importorskip("orjson")  # a dependency (pyproject.toml); the strict path is tested without it below

ROOT = Path(__file__).resolve().parents[2]
SPEC_EXAMPLE = json.loads((ROOT / "tests" / "spec_example.json").read_text(encoding="utf-8"))


def typed(value):
    """The document with the type of every value showing (1 and 1.0 compare equal in Python)."""
    return json.dumps(value, ensure_ascii=False)


def written(doc) -> bytes:
    """Bytes in the form ``dumps`` writes a project."""
    return (json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def strict(data: bytes):
    return parse_json(data.decode("utf-8"))  # text, never the fast path


def refusal(data) -> str:
    with pytest.raises(ProjectFileError) as info:
        loads(data)
    return str(info.value)


def design_files() -> list[bytes]:
    files = [p.read_bytes() for p in sorted((ROOT / "resources" / "examples").glob("*.rackio"))]
    files.append(dumps(generate(2, 3, 4, mix=["vf", "paravirtual", "passthrough", "emulated"], seed=2)).encode())
    return files


@pytest.mark.parametrize("index", range(len(design_files())))
def test_a_written_design_takes_the_fast_path_and_reads_the_same(index):
    data = design_files()[index]
    fast = _parse_canonical(data)
    assert fast is not None, "a file as the designer writes it takes the fast path"
    assert typed(fast) == typed(strict(data))
    assert typed(parse_json(data)) == typed(fast)


def test_the_strict_parse_reads_every_file_without_orjson(monkeypatch):
    for data in design_files():
        with_fast = dumps(loads(data))
        monkeypatch.setattr(project, "_orjson", None)
        assert _parse_canonical(data) is None
        assert dumps(loads(data)) == with_fast
        monkeypatch.undo()


def indented_with(old: str, new: str) -> bytes:
    text = written(SPEC_EXAMPLE).decode("utf-8")
    assert text.count(old) == 1, old
    return text.replace(old, new).encode("utf-8")


# Refused files in the written form: the fast parse declines each, and the message is the
# strict parse's (as for the same text given as str, which never takes the fast path).
REFUSED_WRITTEN = {
    "duplicate-key": (indented_with('"ports": 2,', '"ports": 2,\n      "ports": 2,'), "twice"),
    "duplicate-key-same-value": (indented_with('"ports": 2,', '"ports": 2,\n      "ports": 2,'), "ports"),
    "duplicate-key-in-vnic": (indented_with('"tx_gbps": 8,', '"tx_gbps": 8,\n          "tx_gbps": 8,'), "tx_gbps"),
    "duplicate-top-key": (indented_with('"version": 1,', '"version": 1,\n  "version": 1,'), "version"),
    "nan": (indented_with('"min_gbps": 5', '"min_gbps": NaN'), "NaN"),
    "infinity": (indented_with('"min_gbps": 5', '"min_gbps": Infinity'), "Infinity"),
    "overflowing-number": (indented_with('"min_gbps": 5', '"min_gbps": 1e999'), "finite"),
    "lone-surrogate": (indented_with('"title": "', '"title": "\\udc00'), "surrogate"),
    "huge-integer": (indented_with('"ports": 2,', '"ports": ' + "9" * 40 + ","), "ports"),
    "not-utf8": (written(SPEC_EXAMPLE).replace(b'"title": "', b'"title": "\xff', 1), "UTF-8"),
}


@pytest.mark.parametrize("case", list(REFUSED_WRITTEN))
def test_a_refused_file_in_the_written_form_gets_the_strict_message(case):
    data, word = REFUSED_WRITTEN[case]
    assert _parse_canonical(data) is None
    message = refusal(data)
    assert word in message, message
    if case != "not-utf8":
        assert message == refusal(data.decode("utf-8"))


def test_deep_nesting_in_the_written_form_is_the_strict_refusal():
    doc = dict(SPEC_EXAMPLE, deep=json.loads("[" * 300 + "]" * 300))
    data = json.dumps(doc, indent=2).encode()
    assert _parse_canonical(data) is None  # orjson writes at most 255 levels
    assert refusal(data) == refusal(data.decode())


# JSON values, small enough to write out, including what orjson and json might read differently.
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)), max_leaves=20)


def object_text(pairs) -> str:
    """An object of these (key, value) pairs, a key possibly repeated, in the written form."""
    if not pairs:
        return "{}"
    items = [json.dumps(k, ensure_ascii=False) + ": "
             + json.dumps(v, indent=2, ensure_ascii=False).replace("\n", "\n  ") for k, v in pairs]
    return "{\n  " + ",\n  ".join(items) + "\n}"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "ü", ""]), VALUES), max_size=5),
       st.sampled_from(["as written", "compact", "ascii"]))
def test_whatever_the_fast_parse_takes_is_what_the_strict_parse_reads(pairs, form):
    if form == "as written":
        text = object_text(pairs)
    else:
        text = json.dumps(dict(pairs), indent=None if form == "compact" else 2)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no file holds it
        return
    fast = _parse_canonical(data)
    if form == "as written" and len({k for k, _ in pairs}) < len(pairs):
        assert fast is None, "a repeated key never takes the fast path"
    if fast is not None:
        assert typed(fast) == typed(parse_json(data.decode("utf-8")))
    else:
        try:
            parse_json(data)
        except ProjectFileError as exc:
            assert str(exc) == str(pytest.raises(ProjectFileError, parse_json, text).value)
