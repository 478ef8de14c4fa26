"""Helpers behind every ``from_dict`` / ``to_dict`` (SPEC §9).

Records come in as plain JSON-compatible dicts. Reading one collects *every* problem with its
path before raising (§9): one problem raises that :class:`InvalidValueError`, several an
:class:`InvalidRecordError` whose ``.problems`` lists them.

Writing follows §9: ISO 8601 dates, decimals as strings, enums as their lower-case values,
lab values as JSON numbers (as strings only where a float could not carry the exact value).
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeGuard, TypeVar

import attrs

from aclf_protocol.errors import (
    InvalidRecordError,
    InvalidValueError,
    ProtocolError,
    UnknownKeyError,
)

__all__ = [
    "RecordReader",
    "at",
    "date_to_json",
    "decimal_to_json",
    "iter_records",
    "lenient_decimal",
    "parse_bool",
    "parse_date",
    "parse_decimal",
    "parse_enum",
    "parse_int",
    "parse_str",
    "raise_problems",
    "records_of",
]

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)

# §0 / STYLE §8: date.fromisoformat alone also takes 20211004 and 2021-W40-1.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Digits a whole number read from text may have: far above any count we hold (10^18 cells).
_INT_DIGITS = 100


@contextmanager
def at(path: str) -> Iterator[None]:
    """Put *path* before the field of any error raised inside (``labs`` + ``inr``)."""
    try:
        yield
    except InvalidValueError as err:
        raise err.under(path) from None
    except InvalidRecordError as err:
        raise InvalidRecordError(tuple(p.under(path) for p in err.problems)) from None


def iter_records(values: object, name: str) -> Iterator[object]:
    """A lazy iterator over a list-like argument; a single record, a string or a number is
    refused at once, before anything is read."""
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise InvalidValueError(name, values, "must be a list of records (§9)")
    return iter(values)


def records_of(values: object, name: str) -> list[object]:
    """The items of a list-like argument; a single record, a string or a number is refused.

    >>> records_of(5, "plans")
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InvalidValueError: plans: must be a list of records (§9); got 5
    """
    return list(iter_records(values, name))


def raise_problems(problems: list[InvalidValueError]) -> None:
    """Raise nothing for no problem, the problem itself for one, all of them for several."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InvalidRecordError(tuple(problems))


def parse_date(value: object, field: str) -> date:
    """An ISO 8601 calendar date ``YYYY-MM-DD`` (or a ``date``) as a ``date``.

    >>> parse_date("2021-09-30", "start")
    datetime.date(2021, 9, 30)
    >>> parse_date("20210930", "start")
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InvalidValueError: start: must be an ISO 8601 date ... got '20210930'
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    rule = "must be an ISO 8601 date YYYY-MM-DD (§9)"
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise InvalidValueError(field, value, rule)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValueError(field, value, rule) from None


def lenient_decimal(value: object) -> object:
    """A ``Decimal`` for a number or numeric string; anything else is returned unchanged.

    Used as an attrs converter: the field's validator then rejects what is not a finite
    ``Decimal`` with the field's name. A float goes through its shortest ``repr`` (§0), so
    ``62.3`` becomes ``Decimal("62.3")``, not ``62.2999999999999971578…``.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return value
    return value


def parse_decimal(value: object, field: str) -> Decimal:
    """A finite ``Decimal`` from a JSON number or numeric string (§9); never NaN or infinity.

    >>> parse_decimal(62.3, "weight_kg")
    Decimal('62.3')
    >>> parse_decimal("NaN", "weight_kg")
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InvalidValueError: weight_kg: must be a finite number ... got 'NaN'
    """
    converted = lenient_decimal(value)
    if not isinstance(converted, Decimal) or not converted.is_finite():
        raise InvalidValueError(field, value, "must be a finite number or numeric string (§9)")
    return converted


def parse_int(value: object, field: str) -> int:
    """A whole number from a JSON integer, an integral float or an integral numeric string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    rule = "must be a whole number (§9)"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    number = lenient_decimal(value) if isinstance(value, str) else value
    if isinstance(number, Decimal) and number.is_finite() and number == number.to_integral():
        if number.adjusted() >= _INT_DIGITS:  # int("1e999999999") would never return
            raise InvalidValueError(field, value, f"must be a whole number < 10^{_INT_DIGITS} (§9)")
        return int(number)
    raise InvalidValueError(field, value, rule)


def parse_bool(value: object, field: str) -> bool:
    """A JSON ``true`` or ``false``; no 0/1 or "yes"."""
    if isinstance(value, bool):
        return value
    raise InvalidValueError(field, value, "must be true or false (§9)")


def parse_str(value: object, field: str) -> str:
    """A non-empty string."""
    if isinstance(value, str) and value.strip():
        return value
    raise InvalidValueError(field, value, "must be a non-empty string (§9)")


def parse_enum(kind: type[E], value: object, field: str) -> E:
    """The member of *kind* whose value is *value* (enums travel as lower-case values, §9)."""
    if isinstance(value, kind):
        return value
    for member in kind:
        if member.value == value:
            return member
    allowed = ", ".join(repr(m.value) for m in kind)
    raise InvalidValueError(field, value, f"must be one of {allowed} (§9)")


def decimal_to_json(value: Decimal) -> int | float | str:
    """A JSON number when it carries *value* exactly, else the decimal string (§9, lossless).

    >>> decimal_to_json(Decimal("14.2")), decimal_to_json(Decimal("2"))
    (14.2, 2)
    >>> decimal_to_json(Decimal("0.1234567890123456789"))
    '0.1234567890123456789'
    """
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return str(value)


def date_to_json(value: date) -> str:
    """ISO 8601 ``YYYY-MM-DD``."""
    return value.isoformat()


_OBJECT_RULE = "must be a JSON object with string keys (§9)"


def _is_object(value: object) -> TypeGuard[Mapping[str, Any]]:
    return isinstance(value, Mapping) and all(isinstance(k, str) for k in value)


class RecordReader:
    """Reads one JSON object field by field, collecting every problem (§9).

    Paths in the problems are relative to this record; a parent reader puts its key in front.
    """

    def __init__(self, record: object, *, what: str) -> None:
        self.problems: list[InvalidValueError] = []
        self._seen: set[str] = set()
        if not _is_object(record):
            raise InvalidValueError(what, record, _OBJECT_RULE)
        self.record: Mapping[str, Any] = record

    def get(
        self, key: str, parse: Callable[[object, str], T], *, required: bool = False
    ) -> T | None:
        """The parsed value at *key*; ``None`` when missing or null (an unknown fact, §9)."""
        self._seen.add(key)
        raw = self.record.get(key)
        if raw is None:
            if required:
                self.problems.append(InvalidValueError(key, raw, "is required (§9)"))
            return None
        try:
            return parse(raw, key)
        except InvalidValueError as err:
            self.problems.append(err)
            return None

    def nested(self, key: str, from_dict: Callable[[object], T]) -> T | None:
        """The sub-record at *key* read by *from_dict*; its problems come back under *key*."""
        self._seen.add(key)
        raw = self.record.get(key)
        if raw is None:
            return None
        if not _is_object(raw):
            self.problems.append(InvalidValueError(key, raw, _OBJECT_RULE))
            return None
        try:
            return from_dict(raw)
        except ProtocolError as err:
            self.problems.extend(p.under(key) for p in err.problems)
            return None

    def each(self, key: str, from_dict: Callable[[object], T]) -> list[T]:
        """The list at *key*, each item read by *from_dict*; problems carry ``key[i]``."""
        self._seen.add(key)
        raw = self.record.get(key)
        if raw is None:
            return []
        if not isinstance(raw, list | tuple):
            self.problems.append(InvalidValueError(key, raw, "must be a JSON array (§9)"))
            return []
        items: list[T] = []
        for index, item in enumerate(raw):
            if not _is_object(item):
                self.problems.append(InvalidValueError(f"{key}[{index}]", item, _OBJECT_RULE))
                continue
            try:
                items.append(from_dict(item))
            except ProtocolError as err:
                self.problems.extend(p.under(f"{key}[{index}]") for p in err.problems)
        return items

    def add(self, error: InvalidValueError) -> None:
        """Record a problem found outside :meth:`get` (a cross-field rule)."""
        self.problems.append(error)

    def build_model(self, cls: type[T], values: Mapping[str, object]) -> T:
        """Check unknown keys and every field's validator, raise all problems, else build.

        Each attrs validator of *cls* runs on its own value first, so a record with three
        bad fields reports three problems (§9); rules spanning several fields run in the
        model's ``__attrs_post_init__`` afterwards.
        """
        for field in attrs.fields(cls):  # type: ignore[arg-type]
            value = values.get(field.name)
            if value is None or field.validator is None:
                continue
            try:
                field.validator(None, field, value)
            except InvalidValueError as err:
                self.problems.append(err)
        return self.build(lambda: cls(**values))

    def build(self, factory: Callable[[], T]) -> T:
        """Check for unknown keys, raise every problem so far, else return ``factory()``.

        Errors from the model's own validators (cross-field rules) are raised as they are.
        """
        for key in sorted(set(self.record) - self._seen):
            self.problems.append(UnknownKeyError(key, self.record[key], "is not a known key (§9)"))
        raise_problems(self.problems)
        return factory()
