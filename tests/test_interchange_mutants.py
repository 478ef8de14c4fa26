"""Interchange behaviours that mutation testing showed unpinned (issue #6, docs/mutation.md).

Each test states one rule of §0 or §9 (ISO dates only, exact decimals, whole numbers, every
problem of a record reported with its path, issue #5) that a surviving mutant of
``aclf_protocol/interchange.py`` broke without any other test noticing. Texts are compared
word for word: §0 says an error names the field, the value and the rule.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from aclf_protocol import (
    InvalidRecordError,
    InvalidValueError,
    ProtocolError,
    Sex,
    UnknownKeyError,
)
from aclf_protocol.interchange import (
    RecordReader,
    at,
    date_to_json,
    decimal_to_json,
    lenient_decimal,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_enum,
    parse_int,
    parse_str,
    raise_problems,
    records_of,
)


def refusal(call: Any) -> str:
    """The text of the ``InvalidValueError`` that *call* raises."""
    with pytest.raises(InvalidValueError) as caught:
        call()
    return str(caught.value)


class TestParsers:
    """§0, §9: each parser's accepted values and refusals."""

    def test_dates(self) -> None:
        """§0: only YYYY-MM-DD of a real day, or a date; never a datetime or 30 February."""
        assert parse_date("2024-02-29", "d") == date(2024, 2, 29)
        rule = "must be an ISO 8601 date YYYY-MM-DD (§9)"
        assert refusal(lambda: parse_date("2021-02-30", "d")) == f"d: {rule}; got '2021-02-30'"
        assert refusal(lambda: parse_date(20210930, "d")) == f"d: {rule}; got 20210930"
        moment = datetime(2021, 1, 1)  # noqa: DTZ001
        assert refusal(lambda: parse_date(moment, "d")) == f"d: {rule}; got {moment!r}"

    def test_lenient_decimal(self) -> None:
        """§0: a float via its repr, an int exactly, text stripped; the rest unchanged."""
        assert lenient_decimal(0.1) == Decimal("0.1")
        assert lenient_decimal(7) == Decimal(7)
        assert lenient_decimal(" 2.5 ") == Decimal("2.5")
        assert lenient_decimal(True) is True
        assert lenient_decimal("abc") == "abc"
        assert lenient_decimal([1]) == [1]

    def test_decimals(self) -> None:
        """§9: a finite number or numeric string; NaN and words are refused."""
        assert parse_decimal("62.30", "w") == Decimal("62.30")
        rule = "must be a finite number or numeric string (§9)"
        assert refusal(lambda: parse_decimal("NaN", "w")) == f"w: {rule}; got 'NaN'"
        assert refusal(lambda: parse_decimal(True, "w")) == f"w: {rule}; got True"

    def test_whole_numbers(self) -> None:
        """§9: 3, 3.0, "3.0" are 3; 3.5, True and infinity are not whole numbers."""
        assert [parse_int(v, "n") for v in (3, 3.0, "3.0", "1e99")] == [3, 3, 3, 10**99]
        rule = "must be a whole number (§9)"
        for bad in (3.5, True, float("inf"), "x"):
            assert refusal(lambda bad=bad: parse_int(bad, "n")) == f"n: {rule}; got {bad!r}"

    def test_whole_number_digit_limit(self) -> None:
        """§9: 10^99 is read; 10^100 is refused before int() could hang."""
        assert refusal(lambda: parse_int("1e100", "n")) == (
            "n: must be a whole number < 10^100 (§9); got '1e100'"
        )

    def test_bools_strings_enums(self) -> None:
        """§9: true/false only; a non-blank string; an enum by member or by value."""
        assert parse_bool(False, "b") is False
        assert refusal(lambda: parse_bool(0, "b")) == "b: must be true or false (§9); got 0"
        assert parse_str("x", "s") == "x"
        assert refusal(lambda: parse_str(" ", "s")) == "s: must be a non-empty string (§9); got ' '"
        assert parse_enum(Sex, Sex.MALE, "sex") is Sex.MALE
        assert parse_enum(Sex, "female", "sex") is Sex.FEMALE
        assert refusal(lambda: parse_enum(Sex, "F", "sex")) == (
            "sex: must be one of 'male', 'female' (§9); got 'F'"
        )

    def test_writers(self) -> None:
        """§9: integral decimals as ints, exact floats as floats, the rest as strings."""
        assert decimal_to_json(Decimal("2.0")) == 2
        assert type(decimal_to_json(Decimal("2.0"))) is int
        assert decimal_to_json(Decimal("14.2")) == 14.2
        assert decimal_to_json(Decimal("0.1234567890123456789")) == "0.1234567890123456789"
        assert date_to_json(date(2021, 9, 30)) == "2021-09-30"


class TestRecordLists:
    """§9: a list argument is a list, never one record or a string."""

    def test_records_of(self) -> None:
        """§9: a tuple is read item by item; a dict, a string and a number are refused."""
        assert records_of(({"a": 1},), "plans") == [{"a": 1}]
        rule = "must be a list of records (§9)"
        assert refusal(lambda: records_of({"a": 1}, "plans")) == f"plans: {rule}; got {{'a': 1}}"
        assert refusal(lambda: records_of("ab", "plans")) == f"plans: {rule}; got 'ab'"
        assert refusal(lambda: records_of(5, "events")) == f"events: {rule}; got 5"


class TestProblems:
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
        assert str(one.value) == "labs.inr: r; got 0"
        problems = (InvalidValueError("a", 1, "r"), InvalidValueError("b", 2, "s"))
        with pytest.raises(InvalidRecordError) as many, at("labs"):
            raise InvalidRecordError(problems)
        assert str(many.value) == "2 problems: labs.a: r; got 1 | labs.b: s; got 2"


def read(record: object) -> dict[str, Any]:
    """A test record: ``name`` (required text), ``part`` (a nested one) and ``items``."""
    r = RecordReader(record, what="thing")
    values = {
        "name": r.get("name", parse_str, required=True),
        "part": r.nested("part", read),
        "items": r.each("items", read),
    }
    return r.build(lambda: values)


class TestRecordReader:
    """§9, issue #5: every problem of a record, each with its path."""

    def test_not_an_object(self) -> None:
        """§9: a record with a number as key is not a JSON object."""
        assert refusal(lambda: read({1: "x"})) == (
            "thing: must be a JSON object with string keys (§9); got {1: 'x'}"
        )

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
        assert [str(p) for p in caught.value.problems] == [
            "name: is required (§9); got None",
            "part.name: must be a non-empty string (§9); got ' '",
            "part.zz: is not a known key (§9); got 1",
            "items[1]: must be a JSON object with string keys (§9); got 7",
            "items[2].name: is required (§9); got None",
            "a_unknown: is not a known key (§9); got 3",
            "b_unknown: is not a known key (§9); got 2",
        ]
        assert type(caught.value.problems[2]) is UnknownKeyError

    def test_wrong_shapes(self) -> None:
        """§9: a nested record that is a list, and a list that is a record, are named."""
        with pytest.raises(ProtocolError) as caught:
            read({"name": "a", "part": [1], "items": {"name": "b"}})
        assert [str(p) for p in caught.value.problems] == [
            "part: must be a JSON object with string keys (§9); got [1]",
            "items: must be a JSON array (§9); got {'name': 'b'}",
        ]
