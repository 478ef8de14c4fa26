"""The field checks of ``aclf_protocol._validators`` (§0, STYLE §2).

A check raises our error naming the field, the value and the rule; a bool is not a number; a
datetime is not a date; ``None`` is an unknown fact where a field allows it. Checks run as
attrs validators through a real ``__init__`` (a small model built here), and are asked
directly with :meth:`Check.problem` and :meth:`Check.require`. The checks are built inside the
tests too, so each test exercises its factory (docs/mutation.md, "built at import").
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import attrs
import pytest

from aclf_protocol import InvalidValueError
from aclf_protocol._validators import (
    BOUNDS,
    Bounds,
    Check,
    a_bool,
    a_date,
    an_optional_bool,
    an_optional_date,
    boolean,
    bounded_decimal,
    bounded_int,
    bounds_of,
    decimal_between,
    identifier,
    instance_of,
    int_between,
    is_calendar_date,
    member_of,
    non_empty_str,
    optional,
    require_date,
    require_instance,
    require_on,
)
from tests.fixtures import BAD_IDS

MOMENT = datetime(2021, 10, 1, 12, 0)  # noqa: DTZ001


def holder(check: Check) -> type:
    """A frozen model whose one field ``dose`` is checked by *check* in ``__init__``."""

    @attrs.frozen
    class Holder:
        dose: object = attrs.field(validator=check)

    return Holder


def refused(check: Check, value: object) -> InvalidValueError:
    """The error the model's ``__init__`` raises for *value* (the check as attrs runs it)."""
    with pytest.raises(InvalidValueError) as caught:
        holder(check)(value)
    return caught.value


def accepted(check: Check, value: object) -> bool:
    """Whether ``__init__`` accepts *value*, and the direct questions agree."""
    problem = check.problem("dose", value)
    try:
        holder(check)(value)
    except InvalidValueError:
        assert problem is not None
        return False
    assert problem is None
    assert check.require(value, "dose") is value
    return True


def assert_refusal(check: Check, value: object, rule: str) -> None:
    """*value* is refused naming the field ``dose``, the value itself and *rule*."""
    err = refused(check, value)
    assert (type(err), err.field, err.value, err.rule) == (InvalidValueError, "dose", value, rule)


class TestIdentifier:
    """§0 v2 "Text": an id is non-empty printable text, no line breaks, no blank at the ends."""

    @pytest.mark.parametrize("value", ["RJ-001", "a", "SAE 12/3", "患者-7", "Ø-1"])
    def test_printable_text_is_an_id(self, value: str) -> None:
        """Inner spaces and any script's printable letters are fine."""
        assert accepted(identifier, value)

    @pytest.mark.parametrize("value", [*BAD_IDS, 7, None, b"RJ-001"])
    def test_control_characters_line_breaks_and_edge_blanks_are_refused(
        self, value: object
    ) -> None:
        """Refused naming the field, the value as given and the §0 rule (D-ID-TEXT)."""
        assert_refusal(identifier, value, identifier.rule)
        assert "(§0)" in identifier.rule


class TestIntBetween:
    """STYLE §2: an int, never a bool, within inclusive bounds."""

    def test_both_ends_are_inside(self) -> None:
        """1 and 5 are within 1-5."""
        check = int_between(1, 5, "1-5")
        assert accepted(check, 1)
        assert accepted(check, 5)

    @pytest.mark.parametrize("value", [0, 6, True, 2.0, None])
    def test_refusals(self, value: object) -> None:
        """0, 6, True, 2.0 and None are refused with the field, the value and the rule."""
        assert_refusal(int_between(1, 5, "1-5"), value, "1-5")

    def test_or_none(self) -> None:
        """With or_none, None passes and anything else is still checked."""
        check = int_between(1, 5, "1-5", or_none=True)
        assert accepted(check, None)
        assert accepted(check, 1)
        assert accepted(check, 5)
        assert_refusal(check, 6, "1-5")
        assert_refusal(check, 0, "1-5")


class TestDecimalBetween:
    """§0: a finite Decimal within (low, high], or [low, high] when asked."""

    def test_low_end_excluded_by_default(self) -> None:
        """0 is refused by (0, 10]; 10 is accepted."""
        check = decimal_between(Decimal(0), Decimal(10), "(0, 10]")
        assert_refusal(check, Decimal(0), "(0, 10]")
        assert accepted(check, Decimal(10))
        assert accepted(check, Decimal("0.0001"))

    def test_low_end_included_when_asked(self) -> None:
        """0 is accepted by [0, 10]; -0.1 and 10.1 are not."""
        check = decimal_between(Decimal(0), Decimal(10), "[0, 10]", low_inclusive=True)
        assert accepted(check, Decimal(0))
        assert accepted(check, Decimal(10))
        assert_refusal(check, Decimal("-0.1"), "[0, 10]")
        assert_refusal(check, Decimal("10.1"), "[0, 10]")

    @pytest.mark.parametrize("low_inclusive", [False, True])
    @pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), 5, "5", None])
    def test_only_finite_decimals(self, value: object, *, low_inclusive: bool) -> None:
        """NaN, infinity, an int, a string and None are refused with the rule."""
        check = decimal_between(Decimal(0), Decimal(10), "r", low_inclusive=low_inclusive)
        assert_refusal(check, value, "r")

    @pytest.mark.parametrize("low_inclusive", [False, True])
    def test_or_none(self, *, low_inclusive: bool) -> None:
        """With or_none, None passes; NaN and out-of-range values still do not."""
        check = decimal_between(
            Decimal(0), Decimal(10), "r", low_inclusive=low_inclusive, or_none=True
        )
        assert accepted(check, None)
        assert accepted(check, Decimal(5))
        assert_refusal(check, Decimal("NaN"), "r")
        assert_refusal(check, Decimal(11), "r")


class TestSmallChecks:
    """§0: unknown is None; flags, strings, dates and members refuse what they are not."""

    def test_optional_lets_none_through(self) -> None:
        """§0: None is an unknown fact, not a breach; anything else is checked."""
        check = optional(int_between(1, 5, "1-5"))
        assert accepted(check, None)
        assert accepted(check, 2)
        assert_refusal(check, 9, "1-5")

    def test_optional_bool(self) -> None:
        """True, False and None pass; 0 and "false" do not."""
        for value in (True, False, None):
            assert accepted(an_optional_bool, value)
        assert_refusal(an_optional_bool, 0, "must be true, false or null (unknown)")
        assert_refusal(an_optional_bool, "false", "must be true, false or null (unknown)")

    def test_bool(self) -> None:
        """True and False pass; None and 1 do not; the rule may be worded by the caller."""
        assert accepted(a_bool, True)
        assert accepted(a_bool, False)
        assert_refusal(a_bool, None, "must be true or false")
        assert_refusal(boolean("r (§5 I3)"), 1, "r (§5 I3)")

    @pytest.mark.parametrize("value", [" ", "", 3, None])
    def test_non_empty_str(self, value: object) -> None:
        """A blank string, a number or None is not a non-empty string."""
        assert_refusal(non_empty_str, value, "must be a non-empty string")
        assert accepted(non_empty_str, " x ")

    def test_a_date(self) -> None:
        """§0: a date passes; a datetime, a string and None do not."""
        assert accepted(a_date, date(2021, 10, 1))
        for value in (MOMENT, "2021-10-01", None):
            assert_refusal(a_date, value, "must be a calendar date (§0)")

    def test_an_optional_date(self) -> None:
        """§0: a date or None passes; a datetime does not."""
        assert accepted(an_optional_date, None)
        assert accepted(an_optional_date, date(2021, 10, 1))
        assert_refusal(an_optional_date, MOMENT, "must be a calendar date (§0)")

    def test_is_calendar_date(self) -> None:
        """§0: a datetime is a date in Python, never here."""
        assert is_calendar_date(date(2021, 10, 1))
        assert not is_calendar_date(MOMENT)
        assert not is_calendar_date("2021-10-01")

    def test_instance_of(self) -> None:
        """An instance of the kind passes, anything else is refused with the rule."""
        check = instance_of(Decimal, "a Decimal")
        assert accepted(check, Decimal(1))
        assert_refusal(check, 1, "a Decimal")

    def test_member_of_lists_the_values(self) -> None:
        """§9: the rule lists the members' values; the value itself is refused."""

        class Colour(enum.Enum):
            RED = "red"
            DARK_BLUE = "dark_blue"

        check = member_of(Colour, "§6.1")
        assert accepted(check, Colour.RED)
        assert_refusal(check, "red", "must be one of 'red', 'dark_blue' (§6.1)")


class TestAskedDirectly:
    """§9: a reader asks a check about a value without an instance, naming the field."""

    def test_problem_names_field_value_rule(self) -> None:
        """problem() returns the error, not raises it; shown replaces the value in it."""
        check = int_between(1, 5, "1-5")
        assert check.problem("labs.x", 3) is None
        err = check.problem("labs.x", 9)
        assert err is not None
        assert (err.field, err.value, err.rule) == ("labs.x", 9, "1-5")
        shown = check.problem("w", Decimal(0), "0")
        assert shown is not None
        assert (shown.field, shown.value) == ("w", "0")

    def test_require_returns_or_raises(self) -> None:
        """require() gives the value back, or raises naming the field and what was sent."""
        check = decimal_between(Decimal(0), Decimal(10), "r")
        assert check.require(Decimal(1), "w") == Decimal(1)
        with pytest.raises(InvalidValueError) as caught:
            check.require(Decimal(0), "w", shown="0")
        assert (caught.value.field, caught.value.value, caught.value.rule) == ("w", "0", "r")
        with pytest.raises(InvalidValueError) as plain:
            check.require(Decimal(11), "w")
        assert plain.value.value == Decimal(11)

    def test_require_date(self) -> None:
        """§0: a date comes back; a datetime is refused under the field, with the rule."""
        assert require_date(date(2021, 10, 1), "on") == date(2021, 10, 1)
        with pytest.raises(InvalidValueError) as caught:
            require_date(MOMENT, "on")
        assert (caught.value.field, caught.value.rule) == ("on", "must be a calendar date (§0)")
        with pytest.raises(InvalidValueError) as worded:
            require_date("x", "on", "r (§6.5)")
        assert worded.value.rule == "r (§6.5)"

    def test_require_on(self) -> None:
        """§0: the as-of date of every evaluation, checked under the name ``on``."""
        assert require_on(date(2021, 10, 1)) == date(2021, 10, 1)
        with pytest.raises(InvalidValueError) as caught:
            require_on(MOMENT)
        assert (caught.value.field, caught.value.rule) == ("on", "must be a calendar date (§0)")

    def test_boolean_default_rule(self) -> None:
        """A flag's default rule says what it wants."""
        assert boolean().rule == "must be true or false"
        assert_refusal(boolean(), "yes", "must be true or false")

    def test_require_instance(self) -> None:
        """An instance comes back; anything else is refused under the field, with the rule."""
        assert require_instance(3, int, "n", "r") == 3
        with pytest.raises(InvalidValueError) as caught:
            require_instance("3", int, "n", "r")
        assert (caught.value.field, caught.value.value, caught.value.rule) == ("n", "3", "r")


class TestBoundsInMetadata:
    """D-LAB-BOUNDS: a bounded field's range is declared once, in its attrs metadata."""

    def test_bounded_fields_carry_their_bounds(self) -> None:
        """The validator and metadata["bounds"] say the same range; other metadata is kept."""

        @attrs.frozen(kw_only=True)
        class Model:
            count: int = bounded_int(1, 9, "1-9")
            level: Decimal | None = bounded_decimal(
                Decimal(0), Decimal(2), "(0, 2]", default=None, metadata={"unit": "g"}
            )
            low: Decimal = bounded_decimal(Decimal(1), Decimal(2), "[1, 2]", low_inclusive=True)

        assert bounds_of(Model, "count") == Bounds(1, 9, low_inclusive=True)
        assert bounds_of(Model, "level") == Bounds(0, 2)
        assert bounds_of(Model, "low") == Bounds(1, 2, low_inclusive=True)
        assert attrs.fields(Model).level.metadata == {BOUNDS: Bounds(0, 2), "unit": "g"}
        Model(count=1, low=Decimal(1))  # level defaults to None, an unknown (§0)
        Model(count=9, level=Decimal(2), low=Decimal(2))
        with pytest.raises(InvalidValueError) as caught:
            Model(count=10, low=Decimal(1))
        assert (caught.value.field, caught.value.rule) == ("count", "1-9")
        with pytest.raises(InvalidValueError) as level:
            Model(count=1, level=Decimal(0), low=Decimal(1))
        assert (level.value.field, level.value.rule) == ("level", "(0, 2]")
        with pytest.raises(InvalidValueError):
            Model(count=1, low=None)  # type: ignore[arg-type]  # no default: None is refused
        with pytest.raises(InvalidValueError):
            Model(count=None, low=Decimal(1))  # type: ignore[arg-type]

    def test_optional_int_field(self) -> None:
        """A bounded int field with a None default allows None (he_grade, §7.2)."""

        @attrs.frozen
        class Model:
            grade: int | None = bounded_int(0, 4, "0-4", default=None)

        assert Model().grade is None
        with pytest.raises(InvalidValueError):
            Model(grade=5)

    def test_unbounded_field(self) -> None:
        """A field without bounds has none."""

        @attrs.frozen
        class Model:
            name: str = "x"

        assert bounds_of(Model, "name") is None

    def test_bounds_convert_to_decimal(self) -> None:
        """Bounds hold Decimals, whatever number they were given."""
        bounds = Bounds(0, "2.5")
        assert (bounds.low, bounds.high, bounds.low_inclusive) == (
            Decimal(0),
            Decimal("2.5"),
            False,
        )
