"""Shared validators' behaviours that mutation testing showed unpinned (issue #6).

Each test states one rule of §0 or STYLE §2 (validators raise our error naming the field,
the value and the rule; a bool is not a number; a datetime is not a date) that a surviving
mutant of ``aclf_protocol/_validators.py`` broke without any other test noticing. The
validators are built inside the tests, so each test exercises the factory too.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest

from aclf_protocol import InvalidValueError
from aclf_protocol._validators import (
    Validator,
    a_date,
    an_optional_bool,
    decimal_between,
    int_between,
    non_empty_str,
    optional,
)


@attrs.define
class _Holder:
    """Gives the validators a real attrs attribute named ``dose``."""

    dose: object = None


DOSE = attrs.fields(_Holder).dose


def refusal(check: Validator, value: object) -> str:
    """The text of the error *check* raises for *value*."""
    with pytest.raises(InvalidValueError) as caught:
        check(None, DOSE, value)
    return str(caught.value)


class TestIntBetween:
    """STYLE §2: an int, never a bool, within inclusive bounds."""

    def test_both_ends_are_inside(self) -> None:
        """1 and 5 are within 1-5."""
        check = int_between(1, 5, "1-5")
        check(None, DOSE, 1)
        check(None, DOSE, 5)

    @pytest.mark.parametrize("value", [0, 6, True, 2.0])
    def test_refusals(self, value: object) -> None:
        """0, 6, True and 2.0 are refused with the field, the value and the rule."""
        assert refusal(int_between(1, 5, "1-5"), value) == f"dose: 1-5; got {value!r}"


class TestDecimalBetween:
    """§0: a finite Decimal within (low, high], or [low, high] when asked."""

    def test_low_end_excluded_by_default(self) -> None:
        """0 is refused by (0, 10]; 10 is accepted."""
        check = decimal_between(Decimal(0), Decimal(10), "(0, 10]")
        assert refusal(check, Decimal(0)) == "dose: (0, 10]; got Decimal('0')"
        check(None, DOSE, Decimal(10))

    def test_low_end_included_when_asked(self) -> None:
        """0 is accepted by [0, 10]; -0.1 and 10.1 are not."""
        check = decimal_between(Decimal(0), Decimal(10), "[0, 10]", low_inclusive=True)
        check(None, DOSE, Decimal(0))
        assert refusal(check, Decimal("-0.1")) == "dose: [0, 10]; got Decimal('-0.1')"
        assert refusal(check, Decimal("10.1")) == "dose: [0, 10]; got Decimal('10.1')"

    @pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), 5, "5"])
    def test_only_finite_decimals(self, value: object) -> None:
        """NaN, infinity, an int and a string are refused with the rule."""
        check = decimal_between(Decimal(0), Decimal(10), "(0, 10]")
        assert refusal(check, value) == f"dose: (0, 10]; got {value!r}"


class TestSmallValidators:
    """§0: unknown is None; flags, strings and dates refuse what they are not."""

    def test_optional_lets_none_through(self) -> None:
        """§0: None is an unknown fact, not a breach; anything else is checked."""
        check = optional(int_between(1, 5, "1-5"))
        check(None, DOSE, None)
        assert refusal(check, 9) == "dose: 1-5; got 9"

    def test_optional_bool(self) -> None:
        """True, False and None pass; 0 does not."""
        for value in (True, False, None):
            an_optional_bool(None, DOSE, value)
        assert refusal(an_optional_bool, 0) == "dose: must be true, false or null (unknown); got 0"

    @pytest.mark.parametrize("value", [" ", "", 3])
    def test_non_empty_str(self, value: Any) -> None:
        """A blank string or a number is not a non-empty string."""
        assert refusal(non_empty_str, value) == f"dose: must be a non-empty string; got {value!r}"

    def test_a_date(self) -> None:
        """§0: a date passes; a datetime and a string do not."""
        a_date(None, DOSE, date(2021, 10, 1))
        moment = datetime(2021, 10, 1, 12, 0)  # noqa: DTZ001
        assert refusal(a_date, moment) == f"dose: must be a calendar date (§0); got {moment!r}"
        assert (
            refusal(a_date, "2021-10-01") == "dose: must be a calendar date (§0); got '2021-10-01'"
        )


def test_optional_passes_the_instance_on() -> None:
    """§0: optional(v) calls v exactly as attrs would, with the instance being checked."""
    seen: list[object] = []

    def record(instance: object, _attribute: object, _value: object) -> None:
        seen.append(instance)

    holder = _Holder()
    optional(record)(holder, DOSE, 3)
    assert seen == [holder]
