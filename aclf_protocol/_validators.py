"""Every field check of ``aclf_protocol``, in one place (STYLE §2).

A check is a :class:`Check` made by :func:`check`: an attrs validator raising
:class:`InvalidValueError` naming field, value and rule. Stock
``attrs.validators.instance_of(int)`` lets ``True`` through and raises ``TypeError``; these do
neither. A check is also asked directly, without an instance: :meth:`Check.problem` (what a
record reader collects) and :meth:`Check.require` (a function argument). Numeric
fields carry their :class:`Bounds` in attrs metadata (``metadata["bounds"]``), read by the
validator and by the JSON Schemas alike (§9).

>>> grade = int_between(1, 5, "CTCAE grade 1-5 (§6.1)")
>>> grade.require(3, "grade")
3
>>> print(grade.problem("grade", True))
grade: CTCAE grade 1-5 (§6.1); got True
"""

from __future__ import annotations

import enum
import weakref
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeGuard, TypeVar, cast

import attrs

from aclf_protocol.errors import InvalidValueError

__all__ = [
    "BOUNDS",
    "Bounds",
    "Check",
    "a_bool",
    "a_date",
    "an_optional_bool",
    "an_optional_date",
    "boolean",
    "bounded_decimal",
    "bounded_int",
    "bounds_of",
    "check",
    "decimal_between",
    "identifier",
    "instance_of",
    "int_between",
    "is_calendar_date",
    "is_check",
    "is_identifier",
    "member_of",
    "non_empty_str",
    "optional",
    "require_date",
    "require_instance",
    "require_on",
]

T = TypeVar("T")
#: The attrs metadata key of a numeric field's :class:`Bounds`.
BOUNDS = "bounds"
_SAME: Any = object()


@attrs.frozen
class Bounds:
    """The range a numeric field allows: ``low < x <= high`` (``low <=`` if inclusive)."""

    low: Decimal = attrs.field(converter=Decimal)
    high: Decimal = attrs.field(converter=Decimal)
    low_inclusive: bool = False


class Check(Protocol):
    """An attrs validator that raises :class:`InvalidValueError` naming field, value, rule.

    Called by attrs with ``(instance, attribute, value)``; asked directly, without an
    instance, by :meth:`problem` and :meth:`require`. Made by :func:`check`.
    """

    rule: str
    accepts: Callable[[Any], bool]

    def __call__(self, instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        """Raise for *attribute*'s name unless *value* keeps the rule (attrs calls this)."""

    def problem(self, field: str, value: object, shown: object = _SAME) -> InvalidValueError | None:
        """The problem of *value* at *field* (showing *shown* if given), or ``None``."""

    def require(self, value: T, field: str, shown: object = _SAME) -> T:
        """*value* if it keeps the rule, else the error naming *field* (and *shown*)."""


#: Every check made here (for :func:`is_check`); weak, so checks built in tests may go.
_CHECKS: weakref.WeakSet[Any] = weakref.WeakSet()


def check(accepts: Callable[[Any], bool], rule: str) -> Check:
    """The :class:`Check` that *accepts* says a value passes, raising with *rule* otherwise.

    A plain function, not an object with ``__call__``: attrs calls it for every field of
    every record, and a function call is the cheaper one.
    """

    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not accepts(value):
            raise InvalidValueError(attribute.name, value, rule)

    def problem(field: str, value: object, shown: object = _SAME) -> InvalidValueError | None:
        if accepts(value):
            return None
        return InvalidValueError(field, value if shown is _SAME else shown, rule)

    def require(value: T, field: str, shown: object = _SAME) -> T:
        if not accepts(value):
            raise InvalidValueError(field, value if shown is _SAME else shown, rule)
        return value

    made: Any = validate
    made.rule, made.accepts, made.problem, made.require = rule, accepts, problem, require
    _CHECKS.add(made)
    return cast("Check", made)


def is_check(value: object) -> TypeGuard[Check]:
    """Whether *value* is a :class:`Check` made by :func:`check`."""
    return value in _CHECKS  # a value that cannot be weakly referred to is not in it


def is_calendar_date(value: object) -> bool:
    """A ``date`` that is not a ``datetime`` (no time of day, no zone, §0)."""
    return isinstance(value, date) and not isinstance(value, datetime)


def _is_bool(value: object) -> bool:
    return value is True or value is False


def int_between(low: int, high: int, rule: str, *, or_none: bool = False) -> Check:
    """Accept an ``int``, never a ``bool``, with ``low <= value <= high`` (or ``None``)."""
    if or_none:
        return check(lambda v: v is None or (type(v) is int and low <= v <= high), rule)
    return check(lambda v: type(v) is int and low <= v <= high, rule)


def decimal_between(
    low: Decimal, high: Decimal, rule: str, *, low_inclusive: bool = False, or_none: bool = False
) -> Check:
    """Accept a finite ``Decimal`` with ``low < value <= high`` (``low <=`` if inclusive).

    With *or_none*, ``None`` too (an unknown fact, §0): one test, not a wrapper (speed).
    """
    if low_inclusive:
        return check(
            lambda v: (
                (v is None and or_none)
                or (isinstance(v, Decimal) and v.is_finite() and low <= v <= high)
            ),
            rule,
        )
    return check(
        lambda v: (
            (v is None and or_none)
            or (isinstance(v, Decimal) and v.is_finite() and low < v <= high)
        ),
        rule,
    )


def optional(inner: Check) -> Check:
    """Let ``None`` (an unknown fact, §0) through; check anything else with *inner*."""
    accepts = inner.accepts
    return check(lambda v: v is None or accepts(v), inner.rule)


def instance_of(kind: type, rule: str) -> Check:
    """Accept an instance of *kind*."""
    return check(lambda v: isinstance(v, kind), rule)


def member_of(kind: type[enum.Enum], section: str) -> Check:
    """Accept a member of *kind*; the rule lists the values (``must be one of 'a', 'b' (§x)``)."""
    allowed = ", ".join(repr(m.value) for m in kind)
    return instance_of(kind, f"must be one of {allowed} ({section})")


def bounded_int(low: int, high: int, rule: str, **field: Any) -> Any:
    """An attrs field holding an ``int`` in ``low..high``, its :class:`Bounds` in metadata."""
    validator = int_between(low, high, rule, or_none=field.get("default", _SAME) is None)
    return attrs.field(
        validator=validator, metadata={BOUNDS: Bounds(low, high, low_inclusive=True)}, **field
    )


def bounded_decimal(
    low: Decimal, high: Decimal, rule: str, *, low_inclusive: bool = False, **field: Any
) -> Any:
    """An attrs field holding a finite ``Decimal`` in bounds, its :class:`Bounds` in metadata."""
    or_none = field.get("default", _SAME) is None
    validator = decimal_between(low, high, rule, low_inclusive=low_inclusive, or_none=or_none)
    metadata = {BOUNDS: Bounds(low, high, low_inclusive), **field.pop("metadata", {})}
    return attrs.field(validator=validator, metadata=metadata, **field)


def bounds_of(cls: type, name: str) -> Bounds | None:
    """The :class:`Bounds` of field *name* of attrs class *cls*, if it has any."""
    bounds: Bounds | None = attrs.fields_dict(cls)[name].metadata.get(BOUNDS)
    return bounds


#: ``True``, ``False`` or ``None`` (unknown).
an_optional_bool = check(
    lambda v: v is None or v is True or v is False, "must be true, false or null (unknown)"
)


def boolean(rule: str = "must be true or false") -> Check:
    """Accept ``True`` or ``False`` only (no 0/1)."""
    return check(_is_bool, rule)


#: ``True`` or ``False``.
a_bool = boolean()
#: A string with at least one non-blank character.
non_empty_str = check(
    lambda v: isinstance(v, str) and bool(v.strip()), "must be a non-empty string"
)


def is_identifier(value: object) -> bool:
    """Non-empty printable text, no blank at either end (§0 *v2* "Text").

    ``str.isprintable`` refuses control characters (``\\n``, ``\\t``, ``\\x00``, U+0085),
    line and paragraph separators (U+2028), other spaces than the ASCII one and invisible
    format characters (U+200B): an id holding one breaks text output or looks like another.

    >>> [is_identifier(v) for v in ("RJ-001", "a\\nb", " RJ-001", "RJ\\u2028001", "", 7)]
    [True, False, False, False, False, False]
    """
    return isinstance(value, str) and value.isprintable() and value != "" and value == value.strip()


#: An identifier (``patient_id``, ``event_id``): non-empty printable text, no control
#: characters or line breaks, no blank at either end (§0 *v2*; D-ID-TEXT).
identifier = check(
    is_identifier,
    "must be non-empty printable text without control characters, line breaks "
    "or blanks at either end (§0)",
)
#: A calendar ``date`` (not a ``datetime``: no time of day, no zone, §0).
a_date = check(is_calendar_date, "must be a calendar date (§0)")
#: A calendar date or ``None``.
an_optional_date = optional(a_date)


def require_date(value: object, field: str, rule: str = a_date.rule) -> date:
    """*value* if it is a calendar ``date`` (not a ``datetime``), else an error naming *field*."""
    if not is_calendar_date(value):
        raise InvalidValueError(field, value, rule)
    return value  # type: ignore[return-value]


def require_on(on: object) -> date:
    """The date ``on`` that a result is computed as of (§0): a calendar date, by that name."""
    return require_date(on, "on")


def require_instance(value: object, kind: type[T], field: str, rule: str) -> T:
    """*value* if it is a *kind*, else an error naming *field* and *rule*."""
    if not isinstance(value, kind):
        raise InvalidValueError(field, value, rule)
    return value
