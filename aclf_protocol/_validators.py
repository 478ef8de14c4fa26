"""Shared attrs validators: they raise :class:`InvalidValueError` naming field, value, rule.

Stock ``attrs.validators.instance_of(int)`` lets ``True`` through and raises ``TypeError``;
these do neither (STYLE §2).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from attrs import Attribute

from aclf_protocol.errors import InvalidValueError

__all__ = [
    "Validator",
    "a_date",
    "an_optional_bool",
    "decimal_between",
    "int_between",
    "non_empty_str",
    "optional",
    "require_date",
    "require_instance",
]

Validator = Callable[[Any, "Attribute[Any]", Any], None]
T = TypeVar("T")


def require_date(value: object, field: str, rule: str = "must be a calendar date (§0)") -> date:
    """*value* if it is a calendar ``date`` (not a ``datetime``), else an error naming *field*."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidValueError(field, value, rule)
    return value


def require_instance(value: object, kind: type[T], field: str, rule: str) -> T:
    """*value* if it is a *kind*, else an error naming *field* and *rule*."""
    if not isinstance(value, kind):
        raise InvalidValueError(field, value, rule)
    return value


def int_between(low: int, high: int, rule: str) -> Validator:
    """Accept an ``int``, never a ``bool``, with ``low <= value <= high``."""

    def check(_instance: object, attribute: Attribute[Any], value: object) -> None:
        if type(value) is not int or not low <= value <= high:
            raise InvalidValueError(attribute.name, value, rule)

    return check


def decimal_between(
    low: Decimal, high: Decimal, rule: str, *, low_inclusive: bool = False
) -> Validator:
    """Accept a finite ``Decimal`` with ``low < value <= high`` (``low <=`` if inclusive)."""

    def check(_instance: object, attribute: Attribute[Any], value: object) -> None:
        if not isinstance(value, Decimal) or not value.is_finite():
            raise InvalidValueError(attribute.name, value, rule)
        above = value >= low if low_inclusive else value > low
        if not (above and value <= high):
            raise InvalidValueError(attribute.name, value, rule)

    return check


def optional(validator: Validator) -> Validator:
    """Let ``None`` (an unknown fact, §0) through; check anything else with *validator*."""

    def check(instance: object, attribute: Attribute[Any], value: object) -> None:
        if value is not None:
            validator(instance, attribute, value)

    return check


def an_optional_bool(_instance: object, attribute: Attribute[Any], value: object) -> None:
    """``True``, ``False`` or ``None`` (unknown)."""
    if value is not None and not isinstance(value, bool):
        raise InvalidValueError(attribute.name, value, "must be true, false or null (unknown)")


def non_empty_str(_instance: object, attribute: Attribute[Any], value: object) -> None:
    """A string with at least one non-blank character."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(attribute.name, value, "must be a non-empty string")


def a_date(_instance: object, attribute: Attribute[Any], value: object) -> None:
    """A calendar ``date`` (not a ``datetime``: no time of day, no zone, §0)."""
    require_date(value, attribute.name)
