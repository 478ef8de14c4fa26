"""Dosing behaviours that mutation testing showed unpinned (issue #6, docs/mutation.md).

Each test states one rule of §3 that a surviving mutant of ``aclf_protocol/dosing.py`` broke
without any other test noticing: exact error texts (field, value, rule), the inclusive ends of
every range, half-up rounding of the displayed deviation, and the ``protocol=`` variant reaching
every helper.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from aclf_protocol import (
    NCT04822922,
    InvalidValueError,
    check_release,
    containers_needed,
    dose_deviation_percent,
    is_dose_within_tolerance,
    total_planned_cells,
    volume_to_draw_ml,
)
from aclf_protocol.dosing import dosing_weight_kg

CELL_RULE = "a cell count is a whole number in 1..10^15 (§3)"


def _error(call: object, *args: object) -> InvalidValueError:
    """The InvalidValueError that ``call(*args)`` raises."""
    assert callable(call)
    with pytest.raises(InvalidValueError) as caught:
        call(*args)
    return caught.value


class TestMutationKills:
    """§0, §3: what each dosing error says, where each range ends, which protocol applies."""

    @pytest.mark.parametrize(
        ("call", "args", "field"),
        [
            (volume_to_draw_ml, (0, 1000), "cells"),
            (containers_needed, (0, 10), "cells"),
            (containers_needed, (10, 0), "cells_per_container"),
            (dose_deviation_percent, (0, 10), "actual_cells"),
            (dose_deviation_percent, (10, 0), "target_cells"),
            (is_dose_within_tolerance, (0, 10), "actual_cells"),
            (is_dose_within_tolerance, (10, 0), "target_cells"),
        ],
    )
    def test_cell_count_errors_name_field_value_and_rule(
        self, call: object, args: tuple[int, int], field: str
    ) -> None:
        """§0: a bad cell count names its argument, the value 0 and the §3 rule, word for word."""
        err = _error(call, *args)
        assert (err.field, err.value, err.rule) == (field, 0, CELL_RULE)
        assert str(err) == f"{field}: {CELL_RULE}; got 0"

    def test_largest_cell_count_is_accepted(self) -> None:
        """§3: 10^15 cells is the inclusive upper end; one more is refused."""
        assert containers_needed(10**15, 10**15) == 1
        assert _error(containers_needed, 10**15 + 1, 1).field == "cells"

    def test_zero_concentration_fails_the_positive_rule(self) -> None:
        """§3.4: a zero concentration breaks "> 0", not the 1..10^12 plausibility range."""
        err = _error(volume_to_draw_ml, 1000, 0)
        assert str(err) == (
            "concentration_cells_per_ml: a concentration is a finite number of cells/mL > 0"
            " (§3.4); got 0"
        )

    def test_concentration_range_error_text(self) -> None:
        """§3.4: 0.5 cells/mL is positive but implausible, and the error says 1 to 10^12."""
        err = _error(volume_to_draw_ml, 1000, Decimal("0.5"))
        assert (err.field, err.value) == ("concentration_cells_per_ml", Decimal("0.5"))
        assert err.rule == "a concentration is 1 to 10^12 cells/mL (§3.4, D-CONCENTRATION)"

    def test_concentration_range_is_inclusive(self) -> None:
        """§3.4: both 1 and 10^12 cells/mL are accepted concentrations."""
        assert volume_to_draw_ml(10**12, 10**12) == Decimal("1.0")
        assert volume_to_draw_ml(10, 1) == Decimal("10.0")

    @pytest.mark.parametrize(
        ("viability", "ok"), [(0, False), (Decimal("0.5"), False), (100, True)]
    )
    def test_viability_range_is_inclusive(self, viability: Decimal | int, ok: bool) -> None:
        """§3.5: a viability of 0 %, 0.5 % or 100 % is a valid percentage to check."""
        assert check_release(10, 10, viability).viability_ok is ok

    def test_viability_error_text(self) -> None:
        """§3.5: a viability of 101 % names the field, the value and the [0, 100] rule."""
        err = _error(check_release, 10, 10, 101)
        assert str(err) == "viability_percent: a percentage in [0, 100] (§3.5); got 101"

    def test_protocol_weight_limit_error_text(self) -> None:
        """§3.2: a variant's lower weight limit is named, with the weight given, in the error."""
        light = attrs.evolve(NCT04822922, max_weight_kg=Decimal(200))
        with pytest.raises(InvalidValueError) as caught:
            dosing_weight_kg(250, protocol=light)
        assert str(caught.value) == (
            "weight_kg: must be <= 200 kg in this protocol (§3.2); got 250"
        )

    def test_total_uses_the_variant_protocol(self) -> None:
        """§1, §3.3: a variant's dosing-weight cap applies to the total too: 4 x 4e5 x 100 kg."""
        capped = attrs.evolve(NCT04822922, max_dosing_weight_kg=Decimal(100))
        assert total_planned_cells("low", 150, protocol=capped) == 160_000_000

    def test_deviation_rounds_half_up(self) -> None:
        """§3.5: 801 for a target of 800 is +0.125 %, shown as 0.13 (half up, not 0.12)."""
        assert dose_deviation_percent(801, 800) == Decimal("0.13")
        assert dose_deviation_percent(799, 800) == Decimal("-0.13")

    def test_release_uses_the_variant_tolerance(self) -> None:
        """§1, §3.5: a ±25 % variant releases a dose 20 % over target that ±10 % refuses."""
        wide = attrs.evolve(NCT04822922, dose_tolerance_percent=Decimal(25))
        assert check_release(90_000_000, 75_000_000, 92, protocol=wide).released
        assert not check_release(90_000_000, 75_000_000, 92).released

    def test_low_viability_alone_blocks_release(self) -> None:
        """§3.5: a dose on target is still not released at 65 % viability, with one reason."""
        check = check_release(75_000_000, 75_000_000, 65)
        assert (check.released, check.within_tolerance, check.viability_ok) == (
            False,
            True,
            False,
        )
        assert check.reasons == ("viability 65 % is below 70 % (§3.5)",)

    def test_release_check_record(self) -> None:
        """§3.5, §9: the release check's record, worked by hand for +20 % at 65 % viability."""
        assert check_release(90_000_000, 75_000_000, 65).to_dict() == {
            "released": False,
            "target_cells": 75_000_000,
            "actual_cells": 90_000_000,
            "deviation_percent": "20.00",
            "within_tolerance": False,
            "viability_percent": 65,
            "viability_ok": False,
            "reasons": [
                "dose 90000000 cells is +20.00 % from target 75000000, outside ±10 % (§3.5)",
                "viability 65 % is below 70 % (§3.5)",
            ],
        }
