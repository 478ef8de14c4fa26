"""Helpers behind every ``from_dict`` / ``to_dict`` (SPEC §9).

Records come in as plain JSON-compatible dicts. Reading one collects *every* problem with its
path before raising (§9): one problem raises that :class:`InvalidValueError`, several an
:class:`InvalidRecordError` whose ``.problems`` lists them.

Writing follows §9: ISO 8601 dates, decimals as strings, enums as their lower-case values,
lab values as JSON numbers (as strings only where a float could not carry the exact value).

JSON *text* is read by :func:`loads`, the one JSON reader of the library and its CLI: a key
repeated in one object is refused with its path, never silently replaced by the last value
(§0 *v2*); every ``from_dict`` accepts such text too.

>>> loads('{"labs": {"inr": 2.6, "inr": 1.0}}')
Traceback (most recent call last):
    ...
aclf_protocol.errors.DuplicateKeyError: labs.inr: a key must appear once in a JSON object ... 'inr'
"""

from __future__ import annotations

import enum
import functools
import json
import math
import re
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeGuard, TypeVar

import attrs

from aclf_protocol._exact import EXACT
from aclf_protocol._validators import is_check
from aclf_protocol.errors import (
    DuplicateKeyError,
    InvalidJsonError,
    InvalidRecordError,
    InvalidValueError,
    ProtocolError,
    UnknownKeyError,
)

__all__ = [
    "INTEGER_NUMERAL",
    "NUMERAL",
    "NUMERAL_RULE",
    "Reading",
    "Readings",
    "RecordReader",
    "as_given",
    "at",
    "date_to_json",
    "decimal_to_json",
    "iter_records",
    "lenient_decimal",
    "loads",
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
#: §9 *v2*: a numeric string is written as JSON writes a number, in ASCII digits: an optional
#: minus, no leading zero, an optional fraction and exponent. ``Decimal()`` would also take
#: ``"6_2.5"``, ``" 62.5 "``, ``"+5"``, ``".5"``, ``"5."``, ``"NaN"`` and other scripts' digits.
NUMERAL = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
#: A whole number as a string: a JSON integer numeral (no fraction, no exponent).
INTEGER_NUMERAL = r"-?(?:0|[1-9][0-9]*)"
_NUMERAL = re.compile(NUMERAL)
_INTEGER_NUMERAL = re.compile(INTEGER_NUMERAL)
#: The rule a numeric string that is no JSON numeral breaks (§9 *v2*).
NUMERAL_RULE = "must be a number, or a numeric string as JSON writes one in ASCII digits (§9)"
_INTEGER_RULE = "must be a whole number; as a string, a JSON integer in ASCII digits (§9)"
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


# --- JSON text (§0 v2) --------------------------------------------------------------------

_REPEATED_RULE = "a key must appear once in a JSON object (§0)"
_CONSTANT_RULE = "must be a finite number; NaN and Infinity are not JSON (§9)"


class _Repeated(dict[str, Any]):
    """A JSON object that repeated a key: the keys repeated, named with their path later."""

    __slots__ = ("pairs", "repeated")
    #: Every (key, value) as the text gave them, repeats too: problems inside any of them count.
    pairs: list[tuple[str, Any]]
    repeated: tuple[str, ...]


class _Constant:
    """Where the text had ``NaN``, ``Infinity`` or ``-Infinity``, refused with its path later."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def loads(text: str | bytes | bytearray, *, what: str = "json") -> object:
    """The value of JSON *text*, numbers exact (``Decimal``), every repeated key refused (§0).

    JSON parsers keep the last of a repeated key silently: ``{"weight_kg": "62.5",
    "weight_kg": "350"}`` would plan 5.6 times the dose. Each repeated key is a
    :class:`~aclf_protocol.errors.DuplicateKeyError` naming its path (``labs.inr``,
    ``[3].history.hiv`` in an array, ``events[1].causality``) and the key; ``NaN`` and
    ``Infinity`` (which Python's parser takes) are refused at their path too. Text that is
    not JSON at all is an :class:`~aclf_protocol.errors.InvalidJsonError` naming *what*.

    >>> loads('{"weight_kg": "62.5"}')
    {'weight_kg': '62.5'}
    >>> loads('[{"id": 1}, {"history": {"hiv": true, "hiv": false}}]')
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.DuplicateKeyError: [1].history.hiv: a key must appear once ... 'hiv'
    >>> loads('{"inr": 2.6')
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InvalidJsonError: json: not valid JSON: Expecting ',' delimiter: ...
    """
    odd: list[bool] = []  # whether anything is to be named with its path after parsing

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        record = dict(items)
        if len(record) == len(items):
            return record
        repeated = _Repeated(record)
        keys = [key for key, _ in items]
        repeated.pairs = items
        repeated.repeated = tuple(k for k in record if keys.count(k) > 1)
        odd.append(True)
        return repeated

    def constant(name: str) -> _Constant:
        odd.append(True)
        return _Constant(name)

    try:
        value = json.loads(
            text, object_pairs_hook=pairs, parse_float=Decimal, parse_constant=constant
        )
    except json.JSONDecodeError as err:
        raise InvalidJsonError(what, _opening(text), f"not valid JSON: {err}") from None
    except RecursionError:  # [[[[... nested deeper than Python's parser goes
        raise InvalidJsonError(what, _opening(text), "not valid JSON: nested too deeply") from None
    except ValueError as err:  # bad UTF-8, an integer of more than 4,300 digits
        raise InvalidJsonError(what, _opening(text), f"not valid JSON: {err}") from None
    if odd:
        raise_problems(_odd_values(value, what))
    return value


#: How much of a text that is not JSON an error keeps (a file may be gigabytes).
_OPENING = 200


def _opening(text: str | bytes | bytearray) -> str | bytes | bytearray:
    """The first characters of *text*, with ``...`` if there were more."""
    if len(text) <= _OPENING:
        return text
    if isinstance(text, str):
        return f"{text[:_OPENING]}..."
    return bytes(text[:_OPENING]) + b"..."


def _odd_values(value: object, what: str) -> list[InvalidValueError]:
    """The repeated keys and non-finite numbers in a parsed value, in document order."""
    problems: list[InvalidValueError] = []
    stack: list[tuple[str, object]] = [("", value)]  # a loop, not recursion: any depth
    while stack:
        path, item = stack.pop()
        if isinstance(item, _Constant):
            problems.append(InvalidValueError(path or what, item.name, _CONSTANT_RULE))
        elif isinstance(item, dict):
            prefix = f"{path}." if path else ""
            pairs = list(item.items())
            if isinstance(item, _Repeated):
                pairs = item.pairs
                problems.extend(
                    DuplicateKeyError(f"{prefix}{key}", key, _REPEATED_RULE)
                    for key in item.repeated
                )
            stack.extend((f"{prefix}{key}", v) for key, v in reversed(pairs))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(item))))
    return problems


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
    ``62.3`` becomes ``Decimal("62.3")``, not ``62.2999999999999971578…``. A string is a
    number only when it is a JSON numeral in ASCII digits (:data:`NUMERAL`, §9 *v2*).

    >>> lenient_decimal("6.25e1"), lenient_decimal("6_2.5"), lenient_decimal(" 62.5")
    (Decimal('62.5'), '6_2.5', ' 62.5')
    """
    if isinstance(value, float):  # first: the common JSON number (a float, not a union test)
        return Decimal(repr(value))
    if isinstance(value, (Decimal, bool)):  # a tuple: quicker than a union in isinstance
        return value  # a Decimal as it is; a bool is no number (§9)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str) and _NUMERAL.fullmatch(value):
        return Decimal(value)  # a JSON numeral: never NaN, and exact whatever the context
    return value


def as_given(value: object, _field: str) -> object:
    """*value* itself: for a field whose converter reads it, and checks it, in ``__init__``."""
    return value


def parse_decimal(value: object, field: str) -> Decimal:
    """A finite ``Decimal`` from a JSON number or numeric string (§9); never NaN or infinity.

    A numeric string is a numeral as JSON writes a number, in ASCII digits (§9 *v2*):
    ``"6_2.5"``, ``" 62.5 "``, ``"+5"``, ``".5"`` or fullwidth digits are refused.

    >>> parse_decimal(62.3, "weight_kg"), parse_decimal("6.25e1", "weight_kg")
    (Decimal('62.3'), Decimal('62.5'))
    >>> parse_decimal("NaN", "weight_kg")
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InvalidValueError: weight_kg: must be a number, or a numeric ... got 'NaN'
    """
    converted = lenient_decimal(value)
    if not isinstance(converted, Decimal) or not converted.is_finite():
        if isinstance(value, str):
            raise InvalidValueError(field, value, NUMERAL_RULE)
        raise InvalidValueError(field, value, "must be a finite number or numeric string (§9)")
    return converted


def parse_int(value: object, field: str) -> int:
    """A whole number from a JSON integer, an integral float or an integral numeric string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    rule = "must be a whole number (§9)"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        if not _INTEGER_NUMERAL.fullmatch(value):
            raise InvalidValueError(field, value, _INTEGER_RULE)
        if len(value.lstrip("-")) > _INT_DIGITS:  # int() of 5,000 digits raises ValueError
            raise InvalidValueError(field, value, f"must be a whole number < 10^{_INT_DIGITS} (§9)")
        return int(value)
    number = value
    if (
        isinstance(number, Decimal)
        and number.is_finite()
        and number == number.to_integral_value(context=EXACT)
    ):
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
    members = _members_by_value(kind)
    try:
        return members[value]  # type: ignore[no-any-return]
    except (KeyError, TypeError):  # TypeError: an unhashable value, a list say
        pass
    allowed = ", ".join(repr(v) for v in members)
    raise InvalidValueError(field, value, f"must be one of {allowed} (§9)")


@functools.cache
def _members_by_value(kind: type[E]) -> Mapping[object, E]:
    """*kind*'s members by value, in definition order (looked up once per enum)."""
    return types.MappingProxyType({member.value: member for member in kind})


def decimal_to_json(value: Decimal) -> int | float | str:
    """A JSON number when it carries *value* exactly, else the decimal string (§9, lossless).

    >>> decimal_to_json(Decimal("14.2")), decimal_to_json(Decimal("2"))
    (14.2, 2)
    >>> decimal_to_json(Decimal("0.1234567890123456789"))
    '0.1234567890123456789'
    """
    if value == value.to_integral_value(context=EXACT):  # §0: not the caller's context
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return str(value)


def date_to_json(value: date) -> str:
    """ISO 8601 ``YYYY-MM-DD``."""
    return value.isoformat()


_OBJECT_RULE = "must be a JSON object with string keys (§9)"
_NOT_AS_READ: Any = object()


def _problem_of(
    field: attrs.Attribute[Any], value: object, shown: object
) -> InvalidValueError | None:
    """What the field's converter or its check finds wrong with *value* (or ``None``).

    A converter may refuse a value itself (``to_weight_kg``, §3.2); the check then sees the
    converted value.
    """
    converter: Any = field.converter
    if converter is not None:
        try:
            value = converter(value)
        except InvalidValueError as err:
            return InvalidValueError(field.name, err.value, err.rule)
    check = field.validator
    return check.problem(field.name, value, shown) if is_check(check) else None


def _place(problem: InvalidValueError, order: Mapping[str, int]) -> int:
    """Where the key a problem is about was read (``labs.inr`` and ``items[2]`` by their key)."""
    key = problem.field.split(".", 1)[0].split("[", 1)[0]
    return order.get(key, len(order))


def _is_object(value: object) -> TypeGuard[Mapping[str, Any]]:
    if type(value) is not dict and not isinstance(value, Mapping):  # dict first: ABCs are slow
        return False
    try:  # str.join takes str keys only, and checks them at C speed (no generator)
        "".join(value)
    except TypeError:
        return False
    return True


#: How :meth:`RecordReader.take` reads a key: a parser from JSON to a typed value, or the
#: rule, as the record's reader words it, of a value that goes to the model as given.
Reading = Callable[[object, str], object] | str


class Readings(dict[str, Reading]):
    """How each key of a record is read (:data:`Reading`), in reading order; built once."""

    def __init__(self, readings: Mapping[str, Reading]) -> None:
        super().__init__(readings)
        #: Keys whose values go to the model as given.
        self.passed = tuple(key for key, reading in readings.items() if isinstance(reading, str))
        #: (key, parser) of the keys whose values are parsed.
        self.parsed = tuple(
            (key, reading) for key, reading in readings.items() if not isinstance(reading, str)
        )
        #: Each key's place in the reading order.
        self.order = {key: place for place, key in enumerate(readings)}


class RecordReader:
    """Reads one JSON object field by field, collecting every problem (§9).

    Paths in the problems are relative to this record; a parent reader puts its key in front.
    Reading only turns JSON into typed values; the model's validators, run once by
    :meth:`build_model`, are the checks.
    """

    def __init__(self, record: object, *, what: str) -> None:
        """Read *record*: a JSON object, or JSON text holding one (read by :func:`loads`)."""
        if isinstance(record, str | bytes | bytearray):
            record = loads(record, what=what)
        self.problems: list[InvalidValueError] = []
        #: Keys in the order they were read (a dict: ordered, and quick to update).
        self._seen: dict[str, object] = {}
        #: Keys whose problems are reported as read: key -> rule (``None``: the field's own).
        self._as_read: dict[str, str | None] = {}
        if not _is_object(record):
            raise InvalidValueError(what, record, _OBJECT_RULE)
        self.record: Mapping[str, Any] = record

    def get(
        self,
        key: str,
        parse: Callable[[object, str], T],
        *,
        required: bool = False,
        as_read: bool = False,
    ) -> T | None:
        """The parsed value at *key*; ``None`` when missing or null (an unknown fact, §9).

        With *as_read*, a problem :meth:`build_model` finds in the value is reported as if
        found here: in reading order, showing the value as the record gave it (``0``, not
        ``Decimal('0')``).
        """
        self._seen[key] = parse
        raw = self.record.get(key)
        if raw is None:
            if required:
                self.problems.append(InvalidValueError(key, raw, "is required (§9)"))
            return None
        if as_read:
            self._as_read[key] = None
        try:
            return parse(raw, key)
        except InvalidValueError as err:
            self.problems.append(err)
            return None

    def take(self, readings: Readings, required: frozenset[str] = frozenset()) -> dict[str, object]:
        """The values of the keys of *readings* that are present and not null (§9).

        A parser turns the JSON value into a typed one. A rule instead passes the value to
        the model as given: its validator is then its only check, and a problem it finds is
        reported as read (see :meth:`get`), worded by that rule (``must be true or false``).
        A *required* key that is missing or null is a problem (``is required``). Problems
        come in the order of *readings*.
        """
        self._seen.update(readings)
        get = self.record.get
        values = {key: raw for key in readings.passed if (raw := get(key)) is not None}
        problems = self.problems
        start = len(problems)
        for key in required:
            if get(key) is None:
                problems.append(InvalidValueError(key, None, "is required (§9)"))
        for key, parse in readings.parsed:
            raw = get(key)
            if raw is not None:
                try:
                    values[key] = parse(raw, key)
                except InvalidValueError as err:
                    problems.append(err)
        if len(problems) > start + 1:  # several: put them in reading order
            order = readings.order
            problems[start:] = sorted(problems[start:], key=lambda p: order[p.field])
        return values

    def nested(self, key: str, from_dict: Callable[[object], T]) -> T | None:
        """The sub-record at *key* read by *from_dict*; its problems come back under *key*."""
        self._seen[key] = None
        raw = self.record.get(key)
        if raw is None:
            return None
        if isinstance(raw, str | bytes | bytearray):  # JSON text is read at the top only
            self.problems.append(InvalidValueError(key, raw, _OBJECT_RULE))
            return None
        try:
            return from_dict(raw)
        except InvalidValueError as err:
            if err.value is raw and err.rule == _OBJECT_RULE:  # not an object: named by *key*
                self.problems.append(InvalidValueError(key, raw, _OBJECT_RULE))
            else:
                self.problems.extend(p.under(key) for p in err.problems)
        except ProtocolError as err:
            self.problems.extend(p.under(key) for p in err.problems)
        return None

    def each(self, key: str, from_dict: Callable[[object], T]) -> list[T]:
        """The list at *key*, each item read by *from_dict*; problems carry ``key[i]``."""
        self._seen[key] = None
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

    def build_model(
        self,
        cls: type[T],
        values: Mapping[str, object],
        *,
        translate: Mapping[str, Callable[[InvalidValueError], InvalidValueError]] | None = None,
    ) -> T:
        """``cls(**values)``, whose validators are the only checks; else every problem.

        A record that read cleanly is built at once: each validator runs once, in
        ``__init__``. When anything fails, each field's :class:`~aclf_protocol._validators.Check`
        is asked for its problem, so a record with three bad fields reports three;
        a rule spanning several fields (``__attrs_post_init__``) is raised as it is.
        *translate* rewrites the problems of some fields, found first in its order (a value
        read from an SI key, §7.1). Unknown keys come last.
        """
        unknown = self._unknown()
        if not self.problems and not unknown:
            try:
                return cls(**values)
            except InvalidValueError:
                if not self._find_problems(cls, values, translate or {}):
                    raise
        else:
            self._find_problems(cls, values, translate or {})
        self.problems.extend(unknown)
        raise_problems(self.problems)
        raise AssertionError  # pragma: no cover - raise_problems raised

    def _find_problems(
        self,
        cls: type,
        values: Mapping[str, object],
        translate: Mapping[str, Callable[[InvalidValueError], InvalidValueError]],
    ) -> bool:
        """Ask each field's check about its value; whether it found any problem.

        A problem of a key read *as read* joins the reading problems at its key's place;
        the others follow them, translated ones first.
        """
        fields = attrs.fields_dict(cls)
        later: list[InvalidValueError] = []
        inserted = 0
        order = {key: place for place, key in enumerate(self._seen)}
        for name in [*translate, *(n for n in fields if n not in translate)]:
            value = values.get(name)
            if value is None:
                continue
            rule = self._as_read.get(name, _NOT_AS_READ)
            reading = self._seen.get(name)
            if type(reading) is str:
                rule = reading
            shown = self.record[name] if rule is not _NOT_AS_READ else value
            problem = _problem_of(fields[name], value, shown)
            if problem is None:
                continue
            if name in translate:
                later.append(translate[name](problem))
            elif rule is _NOT_AS_READ:
                later.append(problem)
            else:
                if rule is not None:
                    problem = InvalidValueError(name, shown, rule)
                place = order[name]
                at = next(
                    (i for i, p in enumerate(self.problems) if _place(p, order) > place),
                    len(self.problems),
                )
                self.problems.insert(at, problem)
                inserted += 1
        self.problems.extend(later)
        return bool(inserted or later)

    def _unknown(self) -> list[InvalidValueError]:
        if self._seen.keys() >= self.record.keys():
            return []
        return [
            UnknownKeyError(key, self.record[key], "is not a known key (§9)")
            for key in sorted(self.record.keys() - self._seen.keys())
        ]

    def build(self, factory: Callable[[], T]) -> T:
        """Check for unknown keys, raise every problem so far, else return ``factory()``.

        Errors from the model's own validators (cross-field rules) are raised as they are.
        """
        self.problems.extend(self._unknown())
        raise_problems(self.problems)
        return factory()
