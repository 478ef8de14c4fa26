"""What every score family shares: argument checks, figure display and :class:`ScoreDetails`.

Decimal arithmetic for the logarithmic scores uses one fixed context (ln correctly rounded to
28 digits, independent of the caller's decimal context: no global state).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from types import MappingProxyType
from typing import Any, TypeAlias

import attrs

from aclf_protocol.errors import InvalidValueError
from aclf_protocol.patient import Labs
from aclf_protocol.protocol import Protocol

__all__ = ["CTX", "Figure", "ScoreDetails", "check_labs", "check_protocol", "show", "shown"]

#: Decimal arithmetic for the logarithmic scores (§7.5-§7.6).
CTX = Context(prec=28)

_FOUR_PLACES = Decimal("0.0001")
#: Lab values with more places than this (SI conversions) are shown rounded (D-SCR-DISPLAY).
_SHOWN_PLACES = 3
_THREE_PLACES = Decimal(1).scaleb(-_SHOWN_PLACES)

Figure: TypeAlias = Decimal | int | float | bool | str | None


def check_labs(labs: object) -> Labs:
    """*labs* if it is a :class:`Labs`, else :class:`InvalidValueError` on ``labs``."""
    if not isinstance(labs, Labs):
        raise InvalidValueError("labs", labs, "must be a Labs value (§7, §9)")
    return labs


def check_protocol(protocol: object) -> None:
    """:class:`InvalidValueError` on ``protocol`` unless it is a :class:`Protocol` (§1)."""
    if not isinstance(protocol, Protocol):
        raise InvalidValueError("protocol", protocol, "must be a Protocol (§1)")


def show(value: Decimal | int) -> str:
    """A lab value for a sentence: as given, or to 3 places when it has more (SI input)."""
    if isinstance(value, int):
        return str(value)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -_SHOWN_PLACES:
        return str(value)
    return "≈" + str(value.quantize(_THREE_PLACES, rounding=ROUND_HALF_UP, context=CTX))


def shown(value: Decimal) -> Decimal:
    """A computed figure as the details show it: 4 places, half up."""
    return value.quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP, context=CTX)


@attrs.frozen(kw_only=True)
class ScoreDetails:
    """A formula score with every intermediate figure, in the order it is computed (§7.5-§7.6).

    Attributes:
        score: The score's name ("MELD", "MELD-Na", "CLIF-C ACLF", ...).
        value: The result, or ``None`` when a needed fact is unknown.
        steps: ``(name, figure)`` pairs: inputs, bounded inputs, terms, sums. Logarithmic
            terms are shown to 4 decimal places; the computation keeps 28 digits.
        missing: Record paths of unknown facts the score needs.
    """

    score: str
    value: int | float | None
    steps: tuple[tuple[str, Figure], ...]
    missing: tuple[str, ...]
    source: str

    @property
    def figures(self) -> Mapping[str, Figure]:
        """The steps as a read-only mapping, name -> figure."""
        return MappingProxyType(dict(self.steps))

    def explain(self) -> str:
        """One ``name = figure`` line per step, then the result and its source."""
        lines = [f"{name} = {_figure_text(value)}" for name, value in self.steps]
        result = "unknown" if self.value is None else str(self.value)
        lines.append(f"{self.score} = {result}")
        if self.missing:
            lines.append(f"missing: {', '.join(self.missing)}")
        lines.append(f"source: {self.source}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible: decimals as strings (lossless), other figures as they are (§9)."""
        return {
            "score": self.score,
            "value": self.value,
            "steps": {name: _figure_json(value) for name, value in self.steps},
            "missing": list(self.missing),
            "source": self.source,
        }


def _figure_text(value: Figure) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _figure_json(value: Figure) -> Figure:
    return str(value) if isinstance(value, Decimal) else value
