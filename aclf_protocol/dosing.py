"""Cell counts for the pharmacy (SPEC §3): exact integers and ``Decimal``, never float.

>>> cells_per_infusion("high", Decimal("62.5"))
75000000
>>> total_planned_cells("high", Decimal("62.5"))
300000000
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import attrs

from aclf_protocol._exact import WIDE, exact
from aclf_protocol.errors import InvalidValueError
from aclf_protocol.interchange import NUMERAL_RULE, decimal_to_json, lenient_decimal
from aclf_protocol.patient import to_weight_kg
from aclf_protocol.protocol import NCT04822922, Arm, Protocol

__all__ = [
    "ReleaseCheck",
    "cells_per_infusion",
    "check_release",
    "containers_needed",
    "dose_deviation_percent",
    "dosing_weight_kg",
    "is_dose_within_tolerance",
    "is_viability_acceptable",
    "total_planned_cells",
    "volume_to_draw_ml",
]

#: §3.4: plausible product concentrations; outside them a value is a unit error, and the
#: bounds keep every volume within the precision of ``_exact.WIDE``, which divides (§0: every
#: public function here runs under ``_exact.EXACT``, whatever the caller's context).
_MIN_CONCENTRATION = Decimal(1)
#: Far above any dose (350 kg x 1.2e6 cells/kg = 4.2e8); keeps arithmetic exact.
_MAX_CELLS = 10**15
_MAX_CONCENTRATION = Decimal(10**12)
_TENTH = Decimal("0.1")
_HUNDREDTH = Decimal("0.01")
_HUNDRED = 100


def _cells(value: object, field: str) -> int:
    if type(value) is not int or not 0 < value <= _MAX_CELLS:
        raise InvalidValueError(field, value, "a cell count is a whole number in 1..10^15 (§3)")
    return value


def _number(value: object, field: str) -> object:
    """*value* as a ``Decimal`` if it is a number; a string that is no JSON numeral is refused."""
    number = lenient_decimal(value)
    if isinstance(value, str) and number is value:  # §9 v2: ASCII JSON numerals only
        raise InvalidValueError(field, value, NUMERAL_RULE)
    return number


def _positive(value: object, field: str, rule: str) -> Decimal:
    number = _number(value, field)
    if not isinstance(number, Decimal) or not number.is_finite() or number <= 0:
        raise InvalidValueError(field, value, rule)
    return number


def _percent(value: object, field: str) -> Decimal:
    number = _number(value, field)
    if not isinstance(number, Decimal) or not number.is_finite() or not 0 <= number <= _HUNDRED:
        raise InvalidValueError(field, value, "a percentage in [0, 100] (§3.5)")
    return number


@exact
def dosing_weight_kg(weight_kg: object, *, protocol: Protocol = NCT04822922) -> Decimal:
    """The weight doses are computed from: baseline weight, capped where the protocol caps it.

    NCT04822922 has no cap (§3.2); a variant's ``max_dosing_weight_kg`` caps it explicitly.

    >>> dosing_weight_kg(120.5)
    Decimal('120.5')
    >>> import attrs
    >>> capped = attrs.evolve(NCT04822922, max_dosing_weight_kg=Decimal(100))
    >>> dosing_weight_kg(120.5, protocol=capped)
    Decimal('100')
    """
    weight = to_weight_kg(weight_kg)
    if weight > protocol.max_weight_kg:
        raise InvalidValueError(
            "weight_kg",
            weight_kg,
            f"must be <= {protocol.max_weight_kg} kg in this protocol (§3.2)",
        )
    cap = protocol.max_dosing_weight_kg
    return weight if cap is None else min(weight, cap)


@exact
def cells_per_infusion(
    arm: Arm | str, weight_kg: Decimal | float, *, protocol: Protocol = NCT04822922
) -> int:
    """Cells in one infusion: dose per kg times baseline weight, exact, half up (§3.1).

    Args:
        arm: An ``Arm`` of *protocol*, or its id: ``"low"``, ``"medium"``, ``"high"``.
        weight_kg: Baseline weight in kg, ``0 < weight_kg <= 350`` (§3.2).

    Raises:
        InvalidValueError: The arm is not in *protocol*, or the weight is out of range.

    >>> cells_per_infusion("low", Decimal("62.5"))
    25000000
    >>> cells_per_infusion("low", Decimal("70.00000125"))  # 28000000.5 rounds up
    28000001
    >>> cells_per_infusion("high", 0)
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InvalidValueError: weight_kg: must be > 0 and <= 350 kg (§3.2); got 0
    """
    dose = protocol.arm(arm).dose_per_kg
    weight = dosing_weight_kg(weight_kg, protocol=protocol)
    return int(WIDE.multiply(dose, weight).to_integral_value(rounding=ROUND_HALF_UP))


@exact
def total_planned_cells(
    arm: Arm | str, weight_kg: Decimal | float, *, protocol: Protocol = NCT04822922
) -> int:
    """All cells planned for one patient: one infusion's cells times the infusions (§3.3).

    >>> total_planned_cells("low", 60)
    96000000
    """
    return cells_per_infusion(arm, weight_kg, protocol=protocol) * protocol.infusion_count


@exact
def volume_to_draw_ml(cells: int, concentration_cells_per_ml: Decimal | float) -> Decimal:
    """Millilitres of product holding *cells*, rounded half up to 0.1 mL (§3.4).

    >>> volume_to_draw_ml(75_000_000, 1_000_000)
    Decimal('75.0')
    >>> volume_to_draw_ml(25_000_000, Decimal("3e6"))   # 8.333... mL
    Decimal('8.3')
    >>> volume_to_draw_ml(25_000_000, 0)
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InvalidValueError: concentration_cells_per_ml: ... > 0 (§3.4); got 0
    """
    count = _cells(cells, "cells")
    concentration = _positive(
        concentration_cells_per_ml,
        "concentration_cells_per_ml",
        "a concentration is a finite number of cells/mL > 0 (§3.4)",
    )
    if not _MIN_CONCENTRATION <= concentration <= _MAX_CONCENTRATION:
        raise InvalidValueError(
            "concentration_cells_per_ml",
            concentration_cells_per_ml,
            "a concentration is 1 to 10^12 cells/mL (§3.4, D-CONCENTRATION)",
        )
    return WIDE.divide(Decimal(count), concentration).quantize(_TENTH, rounding=ROUND_HALF_UP)


def containers_needed(cells: int, cells_per_container: int) -> int:
    """Bags or vials to thaw: ``ceil(cells / cells_per_container)`` (§3.4).

    >>> containers_needed(75_000_000, 50_000_000), containers_needed(100_000_000, 50_000_000)
    (2, 2)
    """
    count = _cells(cells, "cells")
    per = _cells(cells_per_container, "cells_per_container")
    return -(-count // per)


@exact
def dose_deviation_percent(actual_cells: int, target_cells: int) -> Decimal:
    """``(actual - target) / target`` in percent, rounded half up to 0.01 % for display (§3.5).

    The acceptance decision uses exact integers (:func:`is_dose_within_tolerance`), never this
    rounded figure.

    >>> dose_deviation_percent(82_500_000, 75_000_000)
    Decimal('10.00')
    >>> dose_deviation_percent(1, 3)
    Decimal('-66.67')
    """
    actual = _cells(actual_cells, "actual_cells")
    target = _cells(target_cells, "target_cells")
    ratio = WIDE.divide(Decimal((actual - target) * _HUNDRED), Decimal(target))
    return ratio.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


@exact
def is_dose_within_tolerance(
    actual_cells: int, target_cells: int, *, protocol: Protocol = NCT04822922
) -> bool:
    """Whether a prepared dose is within ``± dose_tolerance_percent`` of target, inclusive (§3.5).

    >>> is_dose_within_tolerance(82_500_000, 75_000_000)
    True
    >>> is_dose_within_tolerance(82_500_001, 75_000_000)
    False
    """
    actual = _cells(actual_cells, "actual_cells")
    target = _cells(target_cells, "target_cells")
    # Exact: |a - t| * 100 <= tol * t, with no division and no rounding.
    return abs(actual - target) * _HUNDRED <= protocol.dose_tolerance_percent * target


def is_viability_acceptable(
    viability_percent: Decimal | float, *, protocol: Protocol = NCT04822922
) -> bool:
    """Whether a product's viability allows its release: ``>= min_viability_percent`` (§3.5).

    >>> is_viability_acceptable(70), is_viability_acceptable(Decimal("69.9"))
    (True, False)
    """
    return _percent(viability_percent, "viability_percent") >= protocol.min_viability_percent


@attrs.frozen(kw_only=True)
class ReleaseCheck:
    """Whether a prepared product may be released for infusion, and why not (§3.5)."""

    released: bool
    target_cells: int
    actual_cells: int
    deviation_percent: Decimal
    within_tolerance: bool
    viability_percent: Decimal
    viability_ok: bool
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """A JSON-compatible record of the check."""
        return {
            "released": self.released,
            "target_cells": self.target_cells,
            "actual_cells": self.actual_cells,
            "deviation_percent": str(self.deviation_percent),
            "within_tolerance": self.within_tolerance,
            "viability_percent": decimal_to_json(self.viability_percent),
            "viability_ok": self.viability_ok,
            "reasons": list(self.reasons),
        }


@exact
def check_release(
    actual_cells: int,
    target_cells: int,
    viability_percent: Decimal | float,
    *,
    protocol: Protocol = NCT04822922,
) -> ReleaseCheck:
    """Release check of a prepared product: dose within tolerance and viability high enough.

    Both limits are protocol parameters (§3.5: ±10 %, viability >= 70 %).

    >>> check_release(75_000_000, 75_000_000, 92).released
    True
    >>> check_release(90_000_000, 75_000_000, 65).reasons[0]
    'dose 90000000 cells is +20.00 % from target 75000000, outside ±10 % (§3.5)'
    """
    viability = _percent(viability_percent, "viability_percent")
    within = is_dose_within_tolerance(actual_cells, target_cells, protocol=protocol)
    deviation = dose_deviation_percent(actual_cells, target_cells)
    viable = is_viability_acceptable(viability, protocol=protocol)
    reasons: list[str] = []
    if not within:
        reasons.append(
            f"dose {actual_cells} cells is {deviation:+} % from target {target_cells}, "
            f"outside ±{protocol.dose_tolerance_percent} % (§3.5)"
        )
    if not viable:
        reasons.append(
            f"viability {viability} % is below {protocol.min_viability_percent} % (§3.5)"
        )
    return ReleaseCheck(
        released=within and viable,
        target_cells=target_cells,
        actual_cells=actual_cells,
        deviation_percent=deviation,
        within_tolerance=within,
        viability_percent=viability,
        viability_ok=viable,
        reasons=tuple(reasons),
    )
