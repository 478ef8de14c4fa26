"""The one exception family of ``aclf_protocol`` (SPEC §0).

Every error the library raises on purpose is a :class:`ProtocolError`, itself a
``ValueError``, so ``except ProtocolError`` catches them all::

    ProtocolError (ValueError)
     +-- InvalidValueError          one value breaks one rule: .field, .value, .rule
     |    +-- UnknownKeyError       a record holds a key the schema does not know
     |    +-- InconsistentRecordError  fields that are each valid contradict each other
     +-- InvalidRecordError         several problems in one record: .problems

Every error has ``.problems``: the tuple of single problems it stands for (itself for an
:class:`InvalidValueError`), so a caller can print one line per problem.
"""

from __future__ import annotations

__all__ = [
    "InconsistentRecordError",
    "InvalidRecordError",
    "InvalidValueError",
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


class ProtocolError(ValueError):
    """Root of every error we raise on purpose; ``except ProtocolError`` catches all."""

    @property
    def problems(self) -> tuple[InvalidValueError, ...]:
        """The single problems this error stands for, each naming field, value and rule."""
        return ()


class InvalidValueError(ProtocolError):
    """A value breaks a rule; keeps ``field`` (a path like ``labs.inr``), ``value``, ``rule``.

    >>> str(InvalidValueError("labs.inr", -1, "must be > 0"))
    'labs.inr: must be > 0; got -1'
    """

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

    def under(self, prefix: str) -> InvalidValueError:
        """The same error with *prefix* put before its field path (``labs`` + ``inr``)."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        return type(self)(field, self.value, self.rule)


class UnknownKeyError(InvalidValueError):
    """A record holds a key that its schema does not define (SPEC §9)."""


class InconsistentRecordError(InvalidValueError):
    """Fields that are each valid contradict one another (SPEC §5 I3, §6.1)."""


class InvalidRecordError(ProtocolError):
    """Several problems in one record; ``.problems`` lists each with its path (§9).

    >>> err = InvalidRecordError((InvalidValueError("a", 1, "r"), InvalidValueError("b", 2, "s")))
    >>> print(err)
    2 problems: a: r; got 1 | b: s; got 2
    """

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
