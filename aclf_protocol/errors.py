"""The one exception family of ``aclf_protocol`` (SPEC §0).

Every error the library raises on purpose is a :class:`ProtocolError`, itself a
``ValueError``, so ``except ProtocolError`` catches them all::

    ProtocolError (ValueError)
     +-- InvalidValueError          one value breaks one rule: .field, .value, .rule
     |    +-- UnknownKeyError       a record holds a key the schema does not know
     |    +-- DuplicateKeyError     a JSON object repeats a key
     |    +-- InvalidJsonError      text given as JSON is not JSON
     |    +-- InconsistentRecordError  fields that are each valid contradict each other
     |    +-- MissingFactError      a fact the operation needs is unknown
     +-- InvalidRecordError         several problems in one record: .problems

Every error has ``.problems``: the tuple of single problems it stands for (itself for an
:class:`InvalidValueError`), so a caller can print one line per problem, and a machine form,
``.to_dict()``, whose ``code`` is a stable snake_case identifier of the kind of problem
(§0 *v2*):

>>> InvalidValueError("labs.inr", -1, "must be > 0").to_dict()
{'code': 'invalid_value', 'path': 'labs.inr', 'value': -1, 'rule': 'must be > 0'}
"""

from __future__ import annotations

import math

__all__ = [
    "DuplicateKeyError",
    "InconsistentRecordError",
    "InvalidJsonError",
    "InvalidRecordError",
    "InvalidValueError",
    "MissingFactError",
    "ProtocolError",
    "UnknownKeyError",
]


def _safe_repr(value: object) -> str:
    """``repr(value)``, or a short description where ``repr`` itself fails (a huge int)."""
    try:
        text = repr(value)
    except ValueError:  # int with more digits than sys.get_int_max_str_digits()
        return f"<{type(value).__name__} too large to print>"
    return text if len(text) <= _MAX_SHOWN else f"{text[:_MAX_SHOWN]}..."


#: Longest repr of a bad value shown in a message; past that it is cut.
_MAX_SHOWN = 200


def _json_value(value: object) -> object:
    """*value* as JSON can hold it: JSON scalars as they are, anything else as its repr."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value if abs(value) < 10**_MAX_SHOWN else _safe_repr(value)
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, list | tuple) and all(
        v is None or isinstance(v, bool | str | int) for v in value
    ):
        return [_json_value(v) for v in value]
    return _safe_repr(value)


class ProtocolError(ValueError):
    """Root of every error we raise on purpose; ``except ProtocolError`` catches all."""

    #: Stable machine identifier of this kind of problem (§0 *v2*).
    code = "protocol_error"

    @property
    def problems(self) -> tuple[InvalidValueError, ...]:
        """The single problems this error stands for, each naming field, value and rule."""
        return ()

    def to_dict(self) -> dict[str, object]:
        """The machine form: ``{"code", "path", "value", "rule"}``, or ``{"code", "problems"}``.

        Values that JSON cannot hold (a date, a Decimal, an object) are given as their repr.
        """
        return {"code": self.code, "problems": [p.to_dict() for p in self.problems]}


class InvalidValueError(ProtocolError):
    """A value breaks a rule; keeps ``field`` (a path like ``labs.inr``), ``value``, ``rule``.

    >>> str(InvalidValueError("labs.inr", -1, "must be > 0"))
    'labs.inr: must be > 0; got -1'
    """

    code = "invalid_value"

    def __init__(self, field: str, value: object, rule: str) -> None:
        super().__init__(field, value, rule)  # every argument kept, so it pickles
        self.field = field
        self.value = value
        self.rule = rule

    def __str__(self) -> str:
        # A key from a record may hold line breaks or control characters: escape them, so
        # one problem is always one line (§10).
        field = self.field if self.field.isprintable() else ascii(self.field)[1:-1]
        return f"{field}: {self.rule}; got {_safe_repr(self.value)}"

    @property
    def problems(self) -> tuple[InvalidValueError, ...]:
        """This error alone."""
        return (self,)

    def to_dict(self) -> dict[str, object]:
        """``{"code", "path", "value", "rule"}``, JSON-compatible (§0 *v2*)."""
        return {
            "code": self.code,
            "path": self.field,
            "value": _json_value(self.value),
            "rule": self.rule,
        }

    def under(self, prefix: str) -> InvalidValueError:
        """The same error with *prefix* put before its field path (``labs`` + ``inr``)."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        return type(self)(field, self.value, self.rule)


class UnknownKeyError(InvalidValueError):
    """A record holds a key that its schema does not define (SPEC §9)."""

    code = "unknown_key"


class DuplicateKeyError(InvalidValueError):
    """A JSON object repeats a key (SPEC §0 *v2*): ``field`` is the path, ``value`` the key."""

    code = "duplicate_key"


class InvalidJsonError(InvalidValueError):
    """Text given as JSON is not JSON (SPEC §9): ``field`` names the record, ``value`` the text."""

    code = "invalid_json"


class InconsistentRecordError(InvalidValueError):
    """Fields that are each valid contradict one another (SPEC §5 I3, §6.1)."""

    code = "inconsistent_record"


class MissingFactError(InvalidValueError):
    """A fact the operation needs is unknown (SPEC §9 *v2*: a dose needs ``weight_kg``)."""

    code = "missing_fact"


class InvalidRecordError(ProtocolError):
    """Several problems in one record; ``.problems`` lists each with its path (§9).

    >>> err = InvalidRecordError((InvalidValueError("a", 1, "r"), InvalidValueError("b", 2, "s")))
    >>> print(err)
    2 problems: a: r; got 1 | b: s; got 2
    """

    code = "invalid_record"

    def __init__(self, problems: tuple[InvalidValueError, ...]) -> None:
        super().__init__(problems)
        self._problems = problems

    def __str__(self) -> str:
        joined = " | ".join(str(p) for p in self._problems)
        return f"{len(self._problems)} problems: {joined}"

    @property
    def problems(self) -> tuple[InvalidValueError, ...]:
        """Every problem found, in the order the record was read."""
        return self._problems
