"""repair_json: each known Azure defect, what stays unrepairable, and linear time on hostile text."""

from __future__ import annotations

import time

import orjson
import pytest

from azure_eventhub.decoding.message import Decoded, Record, decode_message
from azure_eventhub.decoding.repair import MAX_CHARS, MAX_DEPTH, repair_json

REPAIRS = {
    # Azure Functions' FunctionAppLogs: properties written as a Python-style dict.
    "single-quoted-keys-and-values": (
        "{'appName':'func-a','levelId': 2}",
        '{"appName":"func-a","levelId": 2}',
    ),
    "unescaped-inner-quotes-in-a-value": (
        "{'message':'Executing 'Functions.Foo' (Reason='Timer fired', Id=1)','levelId': 2}",
        """{"message":"Executing 'Functions.Foo' (Reason='Timer fired', Id=1)","levelId": 2}""",
    ),
    "inner-quote-then-comma-but-no-next-key": (
        "{'m':'a', b','n':1}",
        """{"m":"a', b","n":1}""",
    ),
    "inner-quote-then-colon-in-a-value": (
        "{'m':'Key 'x': y','n':1}",
        """{"m":"Key 'x': y","n":1}""",
    ),
    "single-quoted-items": ("['a', 'b, c', 'd']", '["a", "b, c", "d"]'),
    "inner-quote-in-an-item": ("['it's', 'x']", """["it's", "x"]"""),
    "escaped-single-quote": (r"{'a': 'it\'s'}", """{"a": "it's"}"""),
    "double-quote-inside-single-quoted": ("""{'a': 'say "hi"'}""", r'{"a": "say \"hi\""}'),
    "escaped-double-quote-inside-single-quoted": (r"""{'a': 'say \"hi\"'}""", r'{"a": "say \"hi\""}'),
    "escaped-backslash-before-closing-quote": (r"{'a': 'C:\\', 'b': 1}", r'{"a": "C:\\", "b": 1}'),
    "python-hex-and-long-unicode-escapes": (r"{'a': '\x41\U0001F600'}", r'{"a": "\u0041\ud83d\ude00"}'),
    "unknown-escape-keeps-its-backslash": (r"{'a': '\q'}", r'{"a": "\\q"}'),
    "double-quoted-value-with-escaped-single-quote": (r'{"a": "it\'s"}', """{"a": "it's"}"""),
    "python-literals": ("{'a': True, 'b': False, 'c': None}", '{"a": true, "b": false, "c": null}'),
    "python-literals-in-a-list": ("[True,False,None,true]", "[true,false,null,true]"),
    "literal-words-inside-strings-untouched": (
        "{'a': 'True', \"b\": \"None\", 'c': None}",
        '{"a": "True", "b": "None", "c": null}',
    ),
    "raw-new-line-in-double-quoted": ('{"a": "line 1\nline 2\r\n\tend"}', r'{"a": "line 1\nline 2\r\n\tend"}'),
    "raw-control-characters": ('{"a": "x\x00y\x1fz\x08"}', r'{"a": "x\u0000y\u001fz\b"}'),
    "raw-new-line-in-single-quoted": ("{'a': 'at A\n   at B'}", r'{"a": "at A\n   at B"}'),
    "blob-data-placeholder": ('{"properties": [ 227 B blob data ]}', '{"properties": "[227 B blob data]"}'),
    "blob-data-placeholder-on-lines": ('{"p": [\n        218 B blob data\n    ]}', '{"p": "[218 B blob data]"}'),
    "blob-data-in-a-list": ("[[ 12 KB blob data ], 1]", '["[12 KB blob data]", 1]'),
    "trailing-comma-in-object": ('{"a": 1, "b": [1, 2,],}', '{"a": 1, "b": [1, 2]}'),
    "trailing-comma-after-single-quoted": ("{'a': 'x',}", '{"a": "x"}'),
    "nan-and-infinity-left-for-the-parser": ("{'a': NaN, 'b': -Infinity}", '{"a": NaN, "b": -Infinity}'),
    "everything-at-once": (
        """{"records": [{"category": "FunctionAppLogs", "properties": {'message':'it's
broken','ok':True,'blob':[ 3 B blob data ],},},]}""",
        r"""{"records": [{"category": "FunctionAppLogs", "properties": """
        r"""{"message":"it's\nbroken","ok":true,"blob":"[3 B blob data]"}}]}""",
    ),
}


@pytest.mark.parametrize("text, repaired", REPAIRS.values(), ids=REPAIRS.keys())
def test_repairs(text: str, repaired: str) -> None:
    assert repair_json(text) == repaired


UNREPAIRABLE = {
    "valid-json-needs-no-repair": '{"a": [1, "x", true]}',
    "unquoted-key": "{a: 1}",
    "missing-comma": '{"a": 1 "b": 2}',
    "truncated": "{'a': 1",
    "unterminated-string": "{'a': 'x",
    "unterminated-double-quoted": '{"a": "x\n',
    "text-after-the-value": "{'a': 1} trailing",
    "two-objects": "{'a': 1}{'b': 2}",
    "comment": '{"a": 1 /* no */}',
    "bare-word": "{'a': yes}",
    "colon-missing": "{'a' 1}",
    "closing-mismatch": "{'a': [1}",
    "too-deep": "[" * (MAX_DEPTH + 1) + "'x'" + "]" * (MAX_DEPTH + 1),
}


@pytest.mark.parametrize("text", UNREPAIRABLE.values(), ids=UNREPAIRABLE.keys())
def test_unrepairable(text: str) -> None:
    assert repair_json(text) is None


def test_text_longer_than_the_limit_is_not_repaired() -> None:
    text = "{'a': '" + "x" * MAX_CHARS + "'}"
    assert repair_json(text) is None


def test_repaired_body_yields_the_records_a_valid_one_would() -> None:
    valid = b'{"records": [{"category": "F", "properties": {"appName": "a", "levelId": 2, "ok": true}}, {"x": null}]}'
    broken = b"""{"records": [{"category": "F", "properties": {'appName': 'a', 'levelId': 2, 'ok': True}},
                 {'x': None},]}"""
    from_valid = decode_message(valid)
    from_broken = decode_message(broken)
    assert from_broken.records == from_valid.records
    assert from_broken.outcomes == {"repaired": 2}
    assert from_valid.outcomes == {"json": 2}


def test_unrepairable_body_is_forwarded_as_text() -> None:
    body = b"{records: [{'a': 1}]}"
    assert decode_message(body) == Decoded([Record(body.decode(), None, 0)], {"text": 1})


def test_repaired_text_with_a_huge_integer_keeps_it() -> None:
    (record,) = decode_message(b"{'n': 123456789012345678901234567890}").records
    assert record.text == '{"n":123456789012345678901234567890}'


def test_repaired_records_parse_with_orjson() -> None:
    for text, repaired in REPAIRS.values():
        if "NaN" not in repaired:
            orjson.loads(repaired)


# Linear time: each body is 5 MB of what a repair scanner finds hardest (runs of quotes, escapes,
# tokens, nesting, look-ahead bait). A backtracking regex would take hours on several of them.
MB5 = 5 * 1024 * 1024
HOSTILE = {
    "inner-quotes-unterminated": "{'a':'" + "x'" * (MB5 // 2),
    "inner-quotes-terminated": "{'a':'" + "x'" * (MB5 // 2) + "}",
    "key-look-ahead-bait": "{'a':'" + "',''" * (MB5 // 4),
    "key-look-ahead-bait-spaced": "{'a':'" + "', 'k'" * (MB5 // 6),
    "quotes-only": "{'a':" + "'" * MB5,
    "backslashes": "{'a':'" + "\\" * MB5,
    "escaped-quotes": "{'a':'" + "\\'" * (MB5 // 2),
    "white-space": "{'a" + " " * MB5,
    "numbers-then-trailing-comma": "[" + "1," * (MB5 // 2),
    "python-literals": "[" + "True," * (MB5 // 5) + "1]",
    "single-quoted-keys": "{" + "'a':1," * (MB5 // 6),
    "empty-lists": "[" + "[]," * (MB5 // 3),
    "nested-one-item-lists": "[" + "[1]," * (MB5 // 4),
    "blob-placeholders": "[" + "[ 1 B blob data ]," * (MB5 // 18),
    "blob-prefixes": "[" + "[ 1 B blob " * (MB5 // 11),
    "new-lines-in-a-string": '{"a":"' + "x\n" * (MB5 // 2) + '"}',
    "deep": "[" * MB5,
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_5_mb_body_is_repaired_or_refused_in_linear_time(text: str) -> None:
    started = time.perf_counter()
    decode_message(text.encode())
    # About 0.6 us a character at worst on a 2-core CI machine: 3 s; 15 s leaves room for noise.
    assert time.perf_counter() - started < 15
