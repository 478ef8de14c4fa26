"""Reading and writing records (§0, §9): ``aclf_protocol.interchange``.

ISO dates only, exact decimals, whole numbers; every problem of a record reported with its
path; a record read once, its values checked once by the model's validators. The parsers'
refusal texts are the product (the CLI prints them): they are kept in the golden file
``tests/golden/interchange/refusals.txt``, one case a line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aclf_protocol import (
    InconsistentRecordError,
    InvalidRecordError,
    InvalidValueError,
    ProtocolError,
    Sex,
    UnknownKeyError,
)
from aclf_protocol._validators import int_between
from aclf_protocol.errors import DuplicateKeyError, InvalidJsonError
from aclf_protocol.interchange import (
    NUMERAL_RULE,
    Readings,
    RecordReader,
    at,
    date_to_json,
    decimal_to_json,
    lenient_decimal,
    loads,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_enum,
    parse_int,
    parse_str,
    raise_problems,
    records_of,
)
from tests.fixtures import assert_golden
from tests.strategies import plain_key_json

MOMENT = datetime(2021, 1, 1)  # noqa: DTZ001


def refused(call: Any) -> InvalidValueError:
    """The ``InvalidValueError`` that *call* raises."""
    with pytest.raises(InvalidValueError) as caught:
        call()
    return caught.value


#: (case, call) whose refusal text the golden file holds, in this order.
REFUSALS: list[tuple[str, Callable[[], object]]] = [
    ("date 30 February", lambda: parse_date("2021-02-30", "d")),
    ("date as a number", lambda: parse_date(20210930, "d")),
    ("date without dashes", lambda: parse_date("20210930", "d")),
    ("date, a datetime", lambda: parse_date(MOMENT, "d")),
    ("decimal NaN", lambda: parse_decimal("NaN", "w")),
    ("decimal True", lambda: parse_decimal(True, "w")),
    ("whole 3.5", lambda: parse_int(3.5, "n")),
    ("whole True", lambda: parse_int(True, "n")),
    ("whole infinity", lambda: parse_int(float("inf"), "n")),
    ("whole text", lambda: parse_int("x", "n")),
    ("whole 10^100", lambda: parse_int(Decimal("1e100"), "n")),
    ("whole 10^100 as text", lambda: parse_int("1" + "0" * 100, "n")),
    ("whole 3.0 as text", lambda: parse_int("3.0", "n")),
    ("decimal with blanks", lambda: parse_decimal(" 62.5 ", "w")),
    ("decimal with _", lambda: parse_decimal("6_2.5", "w")),
    ("bool 0", lambda: parse_bool(0, "b")),
    ("string blank", lambda: parse_str(" ", "s")),
    ("enum F", lambda: parse_enum(Sex, "F", "sex")),
    ("enum unhashable", lambda: parse_enum(Sex, ["male"], "sex")),
    ("records, a dict", lambda: records_of({"a": 1}, "plans")),
    ("records, a string", lambda: records_of("ab", "plans")),
    ("records, a number", lambda: records_of(5, "events")),
]


def test_refusal_texts() -> None:
    """§0, §9: each refusal names the field, the value and the rule, one line each."""
    lines = [f"{case}: {refused(call)}" for case, call in REFUSALS]
    assert_golden("interchange/refusals.txt", "\n".join(lines) + "\n")


def repeat_key_at(value: object, target: str, path: str = "") -> str:
    """JSON text of *value* in which the object at path *target* repeats its first key."""
    if isinstance(value, dict):
        prefix = f"{path}." if path else ""
        items = [
            f"{json.dumps(k)}: {repeat_key_at(v, target, f'{prefix}{k}')}" for k, v in value.items()
        ]
        if path == target:
            first = next(iter(value))
            items.append(f"{json.dumps(first)}: {json.dumps(value[first])}")
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return (
            "["
            + ", ".join(repeat_key_at(v, target, f"{path}[{i}]") for i, v in enumerate(value))
            + "]"
        )
    return json.dumps(value)


def walk(value: object, path: str = "") -> list[tuple[str, object]]:
    """Every (path, node) of *value*."""
    found: list[tuple[str, object]] = [(path, value)]
    if isinstance(value, dict):
        prefix = f"{path}." if path else ""
        for k, v in value.items():
            found += walk(v, f"{prefix}{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += walk(v, f"{path}[{i}]")
    return found


def object_paths(value: object) -> list[str]:
    """The paths of the non-empty objects in *value* (``""`` for the root)."""
    return [path for path, node in walk(value) if isinstance(node, dict) and node]


class TestJsonText:
    """§0 v2: one JSON reader; a repeated key is refused with its path, never the last wins."""

    def test_plain_text_is_read_with_exact_numbers(self) -> None:
        """Numbers with a fraction are exact Decimals; text and bytes alike."""
        assert loads('{"inr": 2.6, "grade": 3, "ok": true}') == {
            "inr": Decimal("2.6"),
            "grade": 3,
            "ok": True,
        }
        assert loads(b'[1, {"a": null}]') == [1, {"a": None}]

    @pytest.mark.parametrize(
        ("text", "path", "key"),
        [
            ('{"weight_kg": "62.5", "weight_kg": "350"}', "weight_kg", "weight_kg"),
            ('{"labs": {"weight_kg": 1, "weight_kg": 2}}', "labs.weight_kg", "weight_kg"),
            ('[{}, {}, {}, {"history": {"hiv": true, "hiv": false}}]', "[3].history.hiv", "hiv"),
            (
                '{"events": [{}, {"causality": "x", "causality": "y"}]}',
                "events[1].causality",
                "causality",
            ),
            ('{"a": [[{"b": 1, "b": 1}]]}', "a[0][0].b", "b"),
        ],
    )
    def test_a_repeated_key_is_named_by_its_path(self, text: str, path: str, key: str) -> None:
        """The error is a DuplicateKeyError: its path to the key, the key as its value."""
        with pytest.raises(DuplicateKeyError) as caught:
            loads(text)
        assert (caught.value.field, caught.value.value) == (path, key)
        assert caught.value.to_dict()["code"] == "duplicate_key"

    def test_every_repeat_is_listed_in_document_order(self) -> None:
        """Repeats in several objects, even inside a value a repeat replaced, are all named."""
        with pytest.raises(InvalidRecordError) as caught:
            loads('{"x": {"b": 1, "b": 2}, "y": 1, "x": {"c": 1, "c": 2}, "z": 1, "z": 1}')
        assert [p.field for p in caught.value.problems] == ["x", "z", "x.b", "x.c"]
        assert {type(p) for p in caught.value.problems} == {DuplicateKeyError}

    @pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
    def test_nan_and_infinity_are_refused_at_their_path(self, constant: str) -> None:
        """Python's parser takes NaN and Infinity; they are not JSON and no lab value."""
        err = refused(lambda: loads(f'{{"labs": {{"inr": {constant}}}}}'))
        assert (err.field, err.value) == ("labs.inr", constant)
        assert refused(lambda: loads(constant, what="record")).field == "record"

    @pytest.mark.parametrize(
        "text",
        ['{"inr": 2.6', "", "[" * 100_000, "1" * 5000, b"\xff\xfe\xfd", '{"a": 1} {"a": 2}'],
    )
    def test_what_is_not_json_is_an_invalid_json_error(self, text: str | bytes) -> None:
        """Broken, too deep, an integer past Python's digit limit, bad UTF-8: never a traceback."""
        with pytest.raises(InvalidJsonError) as caught:
            loads(text, what="patient")
        assert caught.value.field == "patient"
        assert caught.value.rule.startswith("not valid JSON")
        assert caught.value.to_dict()["code"] == "invalid_json"

    @pytest.mark.parametrize(
        "number", ["\u0666\u0662.5", "\uff16\uff12", "+5", ".5", "5.", "0x10", "06"]
    )
    def test_json_numbers_are_ascii(self, number: str) -> None:
        """§9 v2: a JSON number in other scripts' digits or odd forms is not JSON."""
        with pytest.raises(InvalidJsonError):
            loads(f'{{"weight_kg": {number}}}')

    def test_a_long_text_is_not_kept_whole(self) -> None:
        """The error keeps the opening 200 characters of a text that is not JSON."""
        err = refused(lambda: loads("[" + "1, " * 10_000))
        assert isinstance(err.value, str)
        assert len(err.value) == 203
        assert err.value.endswith("...")

    def test_deeply_nested_repeat_is_found(self) -> None:
        """Paths are found without recursion: a repeat 500 arrays deep is named."""
        text = "[" * 500 + '{"k": 1, "k": 2}' + "]" * 500
        assert refused(lambda: loads(text)).field == "[0]" * 499 + "[0].k"

    @given(value=plain_key_json, data=st.data())
    def test_any_repeated_key_at_any_depth_is_refused_with_its_path(
        self, value: object, data: st.DataObject
    ) -> None:
        """Law (§0 v2): text whose object at path P repeats key K raises naming P.K and K."""
        paths = object_paths(value)
        if not paths:
            assert loads(json.dumps(value)) == value
            return
        target = data.draw(st.sampled_from(paths))
        with pytest.raises(DuplicateKeyError) as caught:
            loads(repeat_key_at(value, target))
        first = object_keys_at(value, target)
        assert caught.value.value == first
        assert caught.value.field == (f"{target}.{first}" if target else first)


def object_keys_at(value: object, target: str) -> str:
    """The first key of the object at path *target* of *value*."""
    for path, node in walk(value):
        if path == target and isinstance(node, dict):
            return str(next(iter(node)))
    raise AssertionError(target)


class TestDates:
    """§0: only YYYY-MM-DD of a real day, or a date; never a datetime or 30 February."""

    def test_accepted(self) -> None:
        """A leap day and a date value are read."""
        assert parse_date("2024-02-29", "d") == date(2024, 2, 29)
        assert parse_date(date(2021, 9, 30), "d") == date(2021, 9, 30)

    @pytest.mark.parametrize("value", ["2021-02-30", 20210930, "20210930", "2021-W40-1", MOMENT])
    def test_refused(self, value: object) -> None:
        """Not a real day, not ISO text, or a datetime: refused with the value."""
        err = refused(lambda: parse_date(value, "d"))
        assert (err.field, err.value) == ("d", value)
        assert err.rule == "must be an ISO 8601 date YYYY-MM-DD (§9)"


class TestNumbers:
    """§0, §9: exact decimals and whole numbers."""

    def test_lenient_decimal(self) -> None:
        """§0: a float via its repr, an int exactly, a JSON numeral; the rest unchanged."""
        assert lenient_decimal(0.1) == Decimal("0.1")
        assert lenient_decimal(7) == Decimal(7)
        assert lenient_decimal("-2.5e1") == Decimal(-25)
        assert lenient_decimal(" 2.5 ") == " 2.5 "  # §9 v2: no blanks around a numeral
        same = Decimal("1.10")
        assert lenient_decimal(same) is same
        assert lenient_decimal(True) is True
        assert lenient_decimal("abc") == "abc"
        assert lenient_decimal([1]) == [1]

    def test_decimals(self) -> None:
        """§9: a finite number or numeric string, kept exactly; NaN and words are refused."""
        assert str(parse_decimal("62.30", "w")) == "62.30"
        for bad in (True, float("inf"), [1]):
            err = refused(lambda bad=bad: parse_decimal(bad, "w"))
            assert (err.field, err.value) == ("w", bad)
            assert err.rule == "must be a finite number or numeric string (§9)"
        for text in ("NaN", "abc"):
            err = refused(lambda text=text: parse_decimal(text, "w"))
            assert (err.field, err.value, err.rule) == ("w", text, NUMERAL_RULE)

    def test_whole_numbers(self) -> None:
        """§9: 3, 3.0, "3" are 3; 3.5, True and infinity are not whole numbers."""
        assert [parse_int(v, "n") for v in (3, 3.0, "3", "-0", "9" * 99)] == [
            3,
            3,
            3,
            0,
            10**99 - 1,
        ]
        for bad in (3.5, True, float("inf")):
            err = refused(lambda bad=bad: parse_int(bad, "n"))
            assert (err.field, err.value, err.rule) == ("n", bad, "must be a whole number (§9)")

    @pytest.mark.parametrize("text", ["x", "3.0", "1e2", "+3", "03", " 3", "3_0", "\uff13"])
    def test_whole_number_text_is_a_json_integer(self, text: str) -> None:
        """§9 v2: a whole number as a string is a JSON integer numeral in ASCII digits."""
        err = refused(lambda: parse_int(text, "n"))
        assert (err.field, err.value) == ("n", text)
        assert "a JSON integer in ASCII digits" in err.rule

    def test_whole_numbers_from_decimals_and_text(self) -> None:
        """§9: a Decimal 3.0 and the text "3" are 3; a fraction, 10^999999999 and None are not."""
        assert [parse_int(v, "n") for v in (3, 3.0, "3", Decimal("3.0"))] == [3, 3, 3, 3]
        for bad in (3.5, "3.5", "1e999999999", float("inf"), None):
            assert refused(lambda bad=bad: parse_int(bad, "n")).field == "n"

    def test_whole_number_digit_limit(self) -> None:
        """§9: 10^100 - 1 is read; 10^100 is refused before int() could fail or hang."""
        assert parse_int(Decimal("1e99"), "n") == 10**99
        for big in (Decimal("1e100"), "1" + "0" * 100, "9" * 5000):
            err = refused(lambda big=big: parse_int(big, "n"))
            assert (err.value, err.rule) == (big, "must be a whole number < 10^100 (§9)")

    def test_writers(self) -> None:
        """§9: integral decimals as ints, exact floats as floats, the rest as strings."""
        assert decimal_to_json(Decimal("2.0")) == 2
        assert type(decimal_to_json(Decimal("2.0"))) is int
        assert decimal_to_json(Decimal("14.2")) == 14.2
        assert decimal_to_json(Decimal("0.1234567890123456789")) == "0.1234567890123456789"
        assert date_to_json(date(2021, 9, 30)) == "2021-09-30"


class TestFlagsTextEnums:
    """§9: true/false only; a non-blank string; an enum by member or by value."""

    def test_bools(self) -> None:
        """False is false; 0 is not a boolean."""
        assert parse_bool(False, "b") is False
        assert parse_bool(True, "b") is True
        err = refused(lambda: parse_bool(0, "b"))
        assert (err.field, err.value, err.rule) == ("b", 0, "must be true or false (§9)")

    def test_strings(self) -> None:
        """A non-blank string is kept as sent; a blank one is refused."""
        assert parse_str("x", "s") == "x"
        err = refused(lambda: parse_str(" ", "s"))
        assert (err.field, err.value, err.rule) == ("s", " ", "must be a non-empty string (§9)")

    def test_enums(self) -> None:
        """A member or its value is read; anything else is refused listing the values."""
        assert parse_enum(Sex, Sex.MALE, "sex") is Sex.MALE
        assert parse_enum(Sex, "female", "sex") is Sex.FEMALE
        for bad in ("F", ["male"], None):
            err = refused(lambda bad=bad: parse_enum(Sex, bad, "sex"))
            assert (err.field, err.value) == ("sex", bad)
            assert err.rule == "must be one of 'male', 'female' (§9)"


class TestRecordLists:
    """§9: a list argument is a list, never one record or a string."""

    def test_records_of(self) -> None:
        """§9: a tuple is read item by item; a dict, a string and a number are refused."""
        assert records_of(({"a": 1},), "plans") == [{"a": 1}]
        for bad, name in (({"a": 1}, "plans"), ("ab", "plans"), (5, "events")):
            err = refused(lambda bad=bad, name=name: records_of(bad, name))
            assert (err.field, err.value, err.rule) == (name, bad, "must be a list of records (§9)")


class TestProblemPaths:
    """Issue #5: problems are collected, prefixed with their path and raised together."""

    def test_raise_problems(self) -> None:
        """Issue #5: none raises nothing, one raises itself, two raise a record error."""
        raise_problems([])
        one = InvalidValueError("a", 1, "r")
        with pytest.raises(InvalidValueError) as single:
            raise_problems([one])
        assert single.value is one
        two = InvalidValueError("b", 2, "s")
        with pytest.raises(InvalidRecordError) as many:
            raise_problems([one, two])
        assert many.value.problems == (one, two)

    def test_at_prefixes_one_and_many(self) -> None:
        """§9: at('labs') puts 'labs.' before a single problem and before each of many."""
        with pytest.raises(InvalidValueError) as one, at("labs"):
            raise InvalidValueError("inr", 0, "r")
        assert (one.value.field, one.value.value, one.value.rule) == ("labs.inr", 0, "r")
        problems = (InvalidValueError("a", 1, "r"), InvalidValueError("b", 2, "s"))
        with pytest.raises(InvalidRecordError) as many, at("labs"):
            raise InvalidRecordError(problems)
        assert [p.field for p in many.value.problems] == ["labs.a", "labs.b"]


def read(record: object) -> dict[str, Any]:
    """A test record: ``name`` (required text), ``part`` (a nested one) and ``items``."""
    r = RecordReader(record, what="thing")
    values = {
        "name": r.get("name", parse_str, required=True),
        "part": r.nested("part", read),
        "items": r.each("items", read),
    }
    return r.build(lambda: values)


def fields_rules(err: ProtocolError) -> list[tuple[str, str]]:
    """Each problem's path and rule, in order."""
    return [(p.field, p.rule) for p in err.problems]


class TestRecordReader:
    """§9: every problem of a record, each with its path."""

    def test_not_an_object(self) -> None:
        """§9: a record with a number as key is not a JSON object, and is named as a whole."""
        err = refused(lambda: read({1: "x"}))
        assert (err.field, err.value) == ("thing", {1: "x"})
        assert err.rule == "must be a JSON object with string keys (§9)"

    def test_nested_not_an_object(self) -> None:
        """§9: a nested record with a number as key is named by its key in the parent."""
        err = refused(lambda: read({"name": "a", "part": {1: "x"}}))
        assert (err.field, err.value) == ("part", {1: "x"})
        assert err.rule == "must be a JSON object with string keys (§9)"

    def test_good_record(self) -> None:
        """§9: nested records and lists of records are read through."""
        assert read({"name": "a", "part": {"name": "b"}, "items": [{"name": "c"}]}) == {
            "name": "a",
            "part": {"name": "b", "part": None, "items": []},
            "items": [{"name": "c", "part": None, "items": []}],
        }

    def test_every_problem_with_its_path(self) -> None:
        """Issue #5: missing, nested, listed, non-object and unknown keys, in reading order."""
        record = {
            "part": {"name": " ", "zz": 1},
            "items": [{"name": "ok"}, 7, {}],
            "b_unknown": 2,
            "a_unknown": 3,
        }
        with pytest.raises(InvalidRecordError) as caught:
            read(record)
        obj = "must be a JSON object with string keys (§9)"
        assert fields_rules(caught.value) == [
            ("name", "is required (§9)"),
            ("part.name", "must be a non-empty string (§9)"),
            ("part.zz", "is not a known key (§9)"),
            ("items[1]", obj),
            ("items[2].name", "is required (§9)"),
            ("a_unknown", "is not a known key (§9)"),
            ("b_unknown", "is not a known key (§9)"),
        ]
        assert [p.value for p in caught.value.problems] == [None, " ", 1, 7, None, 3, 2]
        assert type(caught.value.problems[2]) is UnknownKeyError

    def test_wrong_shapes(self) -> None:
        """§9: a nested record that is a list, and a list that is a record, are named."""
        with pytest.raises(ProtocolError) as caught:
            read({"name": "a", "part": [1], "items": {"name": "b"}})
        assert fields_rules(caught.value) == [
            ("part", "must be a JSON object with string keys (§9)"),
            ("items", "must be a JSON array (§9)"),
        ]
        assert [p.value for p in caught.value.problems] == [[1], {"name": "b"}]


@attrs.frozen(kw_only=True)
class Dose:
    """A small model: its validators are the only checks of what a reader takes."""

    count: int = attrs.field(validator=int_between(1, 9, "1-9"))
    level: int | None = attrs.field(default=None, validator=int_between(0, 5, "0-5", or_none=True))
    flag: object = None

    def __attrs_post_init__(self) -> None:
        if self.level == self.count:
            raise InconsistentRecordError("level", self.level, "must differ from count")


READINGS = Readings({"count": parse_int, "level": parse_int})
LEVEL_ONLY = Readings({"level": parse_int})


def read_dose(record: object, *, as_read: bool = False) -> Dose:
    """A ``Dose`` through take / get / build_model."""
    r = RecordReader(record, what="dose")
    values = r.take(LEVEL_ONLY) if as_read else r.take(READINGS, frozenset({"count"}))
    if as_read and (count := r.get("count", parse_int, required=True, as_read=True)) is not None:
        values["count"] = count
    return r.build_model(Dose, values)


class TestModelBuilding:
    """Issue #5: a model is built once, its validators the only checks; else every problem."""

    def test_a_clean_record_is_built(self) -> None:
        """The values read are the model's, missing keys take their defaults."""
        assert read_dose({"count": "3"}) == Dose(count=3)
        assert read_dose({"count": 3, "level": 2.0}) == Dose(count=3, level=2)

    def test_every_field_problem(self) -> None:
        """Two fields out of range give two problems, each from the field's own check."""
        with pytest.raises(InvalidRecordError) as caught:
            read_dose({"count": 10, "level": 6})
        assert fields_rules(caught.value) == [("count", "1-9"), ("level", "0-5")]

    def test_read_problems_and_field_problems_together(self) -> None:
        """A value that cannot be read and a value out of range are both reported."""
        with pytest.raises(InvalidRecordError) as caught:
            read_dose({"count": 10, "level": "x", "extra": 1})
        assert fields_rules(caught.value) == [
            ("level", "must be a whole number; as a string, a JSON integer in ASCII digits (§9)"),
            ("count", "1-9"),
            ("extra", "is not a known key (§9)"),
        ]

    def test_required(self) -> None:
        """A missing required key is a problem; the model is not built."""
        err = refused(lambda: read_dose({}))
        assert (err.field, err.value, err.rule) == ("count", None, "is required (§9)")

    def test_take_reports_in_reading_order(self) -> None:
        """Issue #5: missing required keys and unreadable values, in the order of the readings."""
        readings = Readings({"a": parse_int, "b": "must be b (§9)", "c": parse_int})
        r = RecordReader({"a": "x", "c": None}, what="t")
        assert r.take(readings, frozenset({"b", "c"})) == {}
        assert fields_rules(InvalidRecordError(tuple(r.problems))) == [
            ("a", "must be a whole number; as a string, a JSON integer in ASCII digits (§9)"),
            ("b", "is required (§9)"),
            ("c", "is required (§9)"),
        ]

    def test_as_read_problem_after_a_list_item_problem(self) -> None:
        """A list item's problem (items[0].name) keeps its place before a later as-read key."""

        @attrs.frozen
        class Listed:
            items: object = None
            count: int = attrs.field(default=1, validator=int_between(1, 9, "1-9"))

        r = RecordReader({"items": [{}], "count": 10, "zz": 0}, what="t")
        values = {
            "items": r.each("items", read),
            "count": r.get("count", parse_int, as_read=True),
        }
        with pytest.raises(InvalidRecordError) as caught:
            r.build_model(Listed, values)
        assert fields_rules(caught.value) == [
            ("items[0].name", "is required (§9)"),
            ("count", "1-9"),
            ("zz", "is not a known key (§9)"),
        ]

    def test_as_read_problem_before_an_earlier_read_key(self) -> None:
        """An as-read key read first goes before the problems of keys read after it."""
        r = RecordReader({"count": 10, "level": "x"}, what="dose")
        values: dict[str, object] = {"count": r.get("count", parse_int, as_read=True)}
        r.take(LEVEL_ONLY)
        with pytest.raises(InvalidRecordError) as caught:
            r.build_model(Dose, values)
        assert [p.field for p in caught.value.problems] == ["count", "level"]

    def test_readings_split(self) -> None:
        """A Readings knows which keys pass as given and which are parsed, in order."""
        readings = Readings({"a": parse_int, "b": "rule", "c": parse_str})
        assert readings.passed == ("b",)
        assert readings.parsed == (("a", parse_int), ("c", parse_str))
        assert readings.order == {"a": 0, "b": 1, "c": 2}

    def test_a_cross_field_rule_is_raised_as_it_is(self) -> None:
        """§0: a rule spanning fields (__attrs_post_init__) is raised as the model raised it."""
        err = refused(lambda: read_dose({"count": 3, "level": 3}))
        assert type(err) is InconsistentRecordError
        assert (err.field, err.rule) == ("level", "must differ from count")

    def test_as_read_problems_show_the_value_sent_in_reading_order(self) -> None:
        """A problem of an as-read key shows the value as sent, where the key was read."""
        with pytest.raises(InvalidRecordError) as caught:
            read_dose({"level": "x", "count": 10.0}, as_read=True)
        assert fields_rules(caught.value) == [
            ("level", "must be a whole number; as a string, a JSON integer in ASCII digits (§9)"),
            ("count", "1-9"),
        ]
        assert caught.value.problems[1].value == 10.0

    def test_a_passed_value_is_worded_as_read(self) -> None:
        """A value taken as given is checked by the model only, its problem worded as read."""

        @attrs.frozen
        class Flagged:
            flag: object = attrs.field(default=None, validator=int_between(0, 1, "0-1"))

        r = RecordReader({"flag": "yes"}, what="x")
        values = r.take(Readings({"flag": "must be 0 or 1 (§9)"}))
        err = refused(lambda: r.build_model(Flagged, values))
        assert (err.field, err.value, err.rule) == ("flag", "yes", "must be 0 or 1 (§9)")
        good = RecordReader({"flag": 1}, what="x")
        assert (
            good.build_model(Flagged, good.take(Readings({"flag": "must be 0 or 1 (§9)"}))).flag
            == 1
        )

    def test_translate_rewrites_a_field_problem(self) -> None:
        """A field read from another key reports under that key (as SI keys do, §7.1)."""
        r = RecordReader({"count_x10": 200}, what="dose")
        r.take(Readings({"count_x10": parse_int}))

        def renamed(err: InvalidValueError) -> InvalidValueError:
            return InvalidValueError("count_x10", 200, f"{err.rule} once divided")

        err = refused(lambda: r.build_model(Dose, {"count": 20}, translate={"count": renamed}))
        assert (err.field, err.value, err.rule) == ("count_x10", 200, "1-9 once divided")
