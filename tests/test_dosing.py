"""Cell counts for the pharmacy (SPEC §3): exact integers, never float.

Error wording (field, rule, value of every refusal) and the release check's reasons are kept
in ``tests/golden/errors/dosing.txt`` and ``tests/golden/reasons/dosing.txt``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from functools import partial
from typing import Any

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aclf_protocol import NCT04822922, ProtocolError, cells_per_infusion
from aclf_protocol.dosing import (
    check_release,
    containers_needed,
    dose_deviation_percent,
    dosing_weight_kg,
    is_dose_within_tolerance,
    is_viability_acceptable,
    total_planned_cells,
    volume_to_draw_ml,
)
from aclf_protocol.interchange import NUMERAL_RULE
from tests.fixtures import assert_golden, error_table, invalid
from tests.strategies import arm_ids, weights_kg

cell_counts = st.integers(min_value=1, max_value=10**12)

#: A variant that doses at most 100 kg (§3.2) and one that only accepts up to 200 kg.
CAPPED = attrs.evolve(NCT04822922, max_dosing_weight_kg=Decimal(100))
LIGHT = attrs.evolve(NCT04822922, max_weight_kg=Decimal(200))

BAD_WEIGHTS: list[Any] = [
    0,
    -1,
    Decimal("350.001"),
    351,
    float("nan"),
    float("inf"),
    "abc",
    None,
    True,
    [70],
]
BAD_CONCENTRATIONS: list[Any] = [0, -5, "x", float("nan"), None]
IMPLAUSIBLE_CONCENTRATIONS: list[Any] = [Decimal("0.5"), Decimal("1e13"), "1e-30"]
BAD_VIABILITIES: list[Any] = [-1, 101, "n/a", float("inf")]
BAD_CELL_COUNTS: list[Any] = [0, -1, 1.5, True, "10"]

#: Each cell-count argument of the §3.4-§3.5 helpers, refused at 0 by name.
CELL_ARGUMENTS: list[tuple[Callable[[int, int], object], tuple[int, int], str]] = [
    (volume_to_draw_ml, (0, 1000), "cells"),
    (containers_needed, (0, 10), "cells"),
    (containers_needed, (10, 0), "cells_per_container"),
    (dose_deviation_percent, (0, 10), "actual_cells"),
    (dose_deviation_percent, (10, 0), "target_cells"),
    (is_dose_within_tolerance, (0, 10), "actual_cells"),
    (is_dose_within_tolerance, (10, 0), "target_cells"),
]


class TestDoseRounding:
    """§3.1-§3.3: cells = dose per kg x dosing weight, exact, rounded half up."""

    def test_high_arm_at_62_5_kg(self) -> None:
        """§3.1: 12e5 cells/kg x 62.5 kg = 75,000,000 cells (the README's example)."""
        assert cells_per_infusion("high", Decimal("62.5")) == 75_000_000

    def test_each_arm_at_60_kg(self) -> None:
        """§2: 4e5, 8e5, 12e5 cells/kg x 60 kg; high at 60 kg is 7.2e7 cells."""
        assert [cells_per_infusion(a, 60) for a in ("low", "medium", "high")] == [
            24_000_000,
            48_000_000,
            72_000_000,
        ]

    def test_total_of_four_infusions(self) -> None:
        """§3.3: high arm at 60 kg: 2.88e8 cells over four infusions."""
        assert total_planned_cells("high", 60) == 288_000_000

    def test_half_cell_rounds_up(self) -> None:
        """§3.1: 4e5 x 0.0000025 kg = 1.0 exactly; 4e5 x 0.00000125 = 0.5 rounds half up to 1."""
        assert cells_per_infusion("low", Decimal("50.00000125")) == 20_000_001
        assert cells_per_infusion("low", Decimal("50.00000124")) == 20_000_000

    def test_float_weight_goes_through_repr(self) -> None:
        """§0: 62.3 as a float means Decimal('62.3'): 8e5 x 62.3 = 49,840,000 exactly."""
        assert cells_per_infusion("medium", 62.3) == 49_840_000

    def test_arm_object_accepted(self) -> None:
        """§10: an Arm of the protocol works like its id."""
        assert cells_per_infusion(NCT04822922.arm("low"), 10) == 4_000_000

    def test_dose_cap_is_an_explicit_parameter(self) -> None:
        """§3.2: no cap by default; a variant's max_dosing_weight_kg caps the dosing weight."""
        assert cells_per_infusion("low", 150) == 60_000_000
        assert cells_per_infusion("low", 150, protocol=CAPPED) == 40_000_000

    def test_total_uses_the_variant_protocol(self) -> None:
        """§1, §3.3: a variant's dosing-weight cap applies to the total too: 4 x 4e5 x 100 kg."""
        assert total_planned_cells("low", 150, protocol=CAPPED) == 160_000_000

    def test_variant_weight_limit(self) -> None:
        """§3.2: a variant may lower the weight limit for dosing; 200 kg is inclusive."""
        assert cells_per_infusion("low", 200, protocol=LIGHT) == 80_000_000
        err = invalid(lambda: cells_per_infusion("low", Decimal("200.001"), protocol=LIGHT))
        assert (err.field, err.value) == ("weight_kg", Decimal("200.001"))
        err = invalid(lambda: dosing_weight_kg(250, protocol=LIGHT))
        assert (err.field, err.value) == ("weight_kg", 250)

    @pytest.mark.parametrize("weight", BAD_WEIGHTS)
    def test_bad_weight(self, weight: object) -> None:
        """§3.2: zero, negative, > 350 kg, NaN, infinity, non-numbers and bools are refused."""
        err = invalid(lambda: cells_per_infusion("low", weight))  # type: ignore[arg-type]
        assert err.field == "weight_kg"

    def test_unknown_arm(self) -> None:
        """§2: only the protocol's arms."""
        err = invalid(lambda: cells_per_infusion("very-high", 70))
        assert (err.field, err.value) == ("arm", "very-high")

    def test_foreign_arm_object(self) -> None:
        """An Arm with a known id but another dose is not the protocol's arm."""
        fake = attrs.evolve(NCT04822922.arm("low"), dose_per_kg=1)
        err = invalid(lambda: cells_per_infusion(fake, 70))
        assert (err.field, err.value) == ("arm", fake)


class TestCellCountLaws:
    """§3.1, §3.4, §3.5: laws of cell counts, volumes, containers and the band."""

    @given(arm=arm_ids, a=weights_kg, b=weights_kg)
    @example(arm="high", a=Decimal(350), b=Decimal("0.001"))  # both ends of §3.2
    def test_more_weight_never_means_fewer_cells(self, arm: str, a: Decimal, b: Decimal) -> None:
        """A heavier patient never gets fewer cells on the same arm."""
        light, heavy = sorted((a, b))
        assert cells_per_infusion(arm, light) <= cells_per_infusion(arm, heavy)

    @given(weight=weights_kg)
    def test_arms_strictly_ordered(self, weight: Decimal) -> None:
        """low < medium < high for every weight (§2)."""
        low, medium, high = (cells_per_infusion(a, weight) for a in ("low", "medium", "high"))
        assert low < medium < high

    @given(arm=arm_ids, weight=weights_kg)
    def test_cells_times_per_kg_inverse_is_exact(self, arm: str, weight: Decimal) -> None:
        """For whole-gram weights the product is a whole number: cells / dose == weight."""
        dose = NCT04822922.arm(arm).dose_per_kg
        cells = cells_per_infusion(arm, weight)
        assert Fraction(cells, dose) == Fraction(weight)

    @given(arm=arm_ids, weight=st.decimals(min_value="0.000001", max_value=350, places=9))
    def test_rounding_error_at_most_half_a_cell(self, arm: str, weight: Decimal) -> None:
        """Half up: the integer is within half a cell of the exact product, never float."""
        cells = cells_per_infusion(arm, weight)
        assert isinstance(cells, int)
        exact = Fraction(weight) * NCT04822922.arm(arm).dose_per_kg
        assert -Fraction(1, 2) < cells - exact <= Fraction(1, 2)

    @given(arm=arm_ids, weight=weights_kg)
    def test_total_is_four_infusions(self, arm: str, weight: Decimal) -> None:
        """§3.3: the total is the sum over the four planned infusions."""
        assert total_planned_cells(arm, weight) == 4 * cells_per_infusion(arm, weight)

    @given(cells=cell_counts, per=cell_counts)
    def test_containers_cover_the_dose_with_no_spare(self, cells: int, per: int) -> None:
        """§3.4: n bags hold the dose, n - 1 bags would not."""
        n = containers_needed(cells, per)
        assert n * per >= cells > (n - 1) * per

    @given(cells=cell_counts, concentration=st.integers(min_value=1, max_value=10**9))
    def test_volume_within_half_a_tenth(self, cells: int, concentration: int) -> None:
        """§3.4: the volume is the exact quotient rounded to the nearest 0.1 mL."""
        volume = volume_to_draw_ml(cells, concentration)
        assert volume.as_tuple().exponent == -1
        assert abs(Fraction(volume) - Fraction(cells, concentration)) <= Fraction(1, 20)

    @given(target=cell_counts, actual=cell_counts)
    def test_band_is_symmetric_and_exact(self, target: int, actual: int) -> None:
        """§3.5: within the band exactly when |actual - target| <= 10 % of target."""
        inside = is_dose_within_tolerance(actual, target)
        assert inside == (Fraction(abs(actual - target), target) <= Fraction(1, 10))

    @given(target=cell_counts, actual=cell_counts)
    @example(target=75_000_000, actual=82_500_000)  # +10.00 %: the band's edge
    @example(target=800, actual=801)  # +0.125 % shows as +0.13
    def test_deviation_sign_follows_the_dose(self, target: int, actual: int) -> None:
        """§3.5, §4.6: a positive deviation means more cells than planned, a negative fewer,
        zero the same dose or a difference under 0.005 %; the shown figure is the exact
        percentage to within half a hundredth."""
        deviation = dose_deviation_percent(actual, target)
        exact = Fraction(100 * (actual - target), target)
        assert abs(Fraction(deviation) - exact) <= Fraction(1, 200)
        if deviation > 0:
            assert actual > target
        elif deviation < 0:
            assert actual < target
        else:
            assert abs(exact) < Fraction(1, 200)

    @given(target=cell_counts, actual=cell_counts)
    @example(target=75_000_000, actual=82_500_001)  # +10.0000013 % shows as +10.00 %
    def test_shown_deviation_never_contradicts_the_band(self, target: int, actual: int) -> None:
        """§3.5: a dose within ±10 % never shows more than 10.00 %; one outside never less."""
        tolerance = NCT04822922.dose_tolerance_percent
        shown = abs(dose_deviation_percent(actual, target))
        if is_dose_within_tolerance(actual, target):
            assert shown <= tolerance
        else:
            assert shown >= tolerance


class TestVolumes:
    """§3.4: the volume to draw, to the nearest 0.1 mL, from a plausible concentration."""

    def test_volume_of_the_worked_example(self) -> None:
        """§3.4: 75e6 cells at 2.5e6/mL = 30.0 mL."""
        assert volume_to_draw_ml(75_000_000, Decimal("2.5e6")) == Decimal("30.0")

    def test_volume_rounds_half_up_to_a_tenth(self) -> None:
        """§3.4: 25e6 / 4e6 = 6.25 mL -> 6.3 (half up, not banker's 6.2)."""
        assert volume_to_draw_ml(25_000_000, 4_000_000) == Decimal("6.3")

    def test_concentration_range_is_inclusive(self) -> None:
        """§3.4: both 1 and 10^12 cells/mL are accepted concentrations."""
        assert volume_to_draw_ml(10**12, 10**12) == Decimal("1.0")
        assert volume_to_draw_ml(10, 1) == Decimal("10.0")

    @pytest.mark.parametrize("concentration", BAD_CONCENTRATIONS)
    def test_bad_concentration(self, concentration: object) -> None:
        """§3.4: a concentration is a finite number > 0."""
        err = invalid(lambda: volume_to_draw_ml(1000, concentration))  # type: ignore[arg-type]
        assert err.field == "concentration_cells_per_ml"

    @pytest.mark.parametrize("concentration", IMPLAUSIBLE_CONCENTRATIONS)
    def test_implausible_concentrations(self, concentration: object) -> None:
        """Concentrations outside 1 to 10^12 cells/mL are unit errors (D-CONCENTRATION)."""
        err = invalid(lambda: volume_to_draw_ml(1000, concentration))  # type: ignore[arg-type]
        assert (err.field, err.value) == ("concentration_cells_per_ml", concentration)

    def test_zero_is_not_positive_rather_than_implausible(self) -> None:
        """§3.4: a zero concentration breaks "> 0", not the 1..10^12 range (rules differ)."""
        zero = invalid(lambda: volume_to_draw_ml(1000, 0))
        half = invalid(lambda: volume_to_draw_ml(1000, Decimal("0.5")))
        assert zero.rule != half.rule


class TestContainers:
    """§3.4: whole containers, enough for the dose and no spare; cell counts 1..10^15."""

    def test_containers_of_the_worked_example(self) -> None:
        """§3.4: 75e6 in bags of 40e6 = 2 bags; 80e6 fills two exactly; one more needs three."""
        assert containers_needed(75_000_000, 40_000_000) == 2
        assert containers_needed(80_000_000, 40_000_000) == 2
        assert containers_needed(80_000_001, 40_000_000) == 3

    def test_largest_cell_count_is_accepted(self) -> None:
        """§3: 10^15 cells is the inclusive upper end; one more is refused."""
        assert containers_needed(10**15, 10**15) == 1
        assert invalid(lambda: containers_needed(10**15 + 1, 1)).field == "cells"

    @pytest.mark.parametrize("cells", BAD_CELL_COUNTS)
    def test_bad_cell_counts(self, cells: object) -> None:
        """§3: cell counts are whole numbers > 0."""
        with pytest.raises(ProtocolError):
            containers_needed(cells, 10)  # type: ignore[arg-type]
        with pytest.raises(ProtocolError):
            containers_needed(10, cells)  # type: ignore[arg-type]
        with pytest.raises(ProtocolError):
            dose_deviation_percent(cells, 10)  # type: ignore[arg-type]

    @pytest.mark.parametrize(("call", "args", "field"), CELL_ARGUMENTS)
    def test_cell_count_errors_name_the_argument(
        self, call: Callable[[int, int], object], args: tuple[int, int], field: str
    ) -> None:
        """§0: a bad cell count names its argument and the value 0 (wording: golden file)."""
        err = invalid(lambda: call(*args))
        assert (err.field, err.value) == (field, 0)


class TestDeviation:
    """§3.5: the deviation from target, shown to 0.01 % half up, inside an inclusive band."""

    def test_deviation_and_band(self) -> None:
        """§3.5: 82.5e6 for a 75e6 target is +10.00 %, inside the inclusive ±10 % band."""
        assert dose_deviation_percent(82_500_000, 75_000_000) == Decimal("10.00")
        assert dose_deviation_percent(67_500_000, 75_000_000) == Decimal("-10.00")
        assert is_dose_within_tolerance(67_500_000, 75_000_000)
        assert not is_dose_within_tolerance(67_499_999, 75_000_000)

    def test_deviation_rounds_half_up(self) -> None:
        """§3.5: 801 for a target of 800 is +0.125 %, shown as 0.13 (half up, not 0.12)."""
        assert dose_deviation_percent(801, 800) == Decimal("0.13")
        assert dose_deviation_percent(799, 800) == Decimal("-0.13")


class TestReleaseCheck:
    """§3.5: a dose is released within the band and at a viability of at least 70 %."""

    def test_viability_70_passes_69_9_fails(self) -> None:
        """§3.5: viability 70 % passes (>=), 69.9 % fails; both reasons are given."""
        assert check_release(75_000_000, 75_000_000, 70).released
        failed = check_release(90_000_000, 75_000_000, Decimal("69.9"))
        assert (failed.released, failed.within_tolerance, failed.viability_ok) == (
            False,
            False,
            False,
        )
        assert len(failed.reasons) == 2

    def test_low_viability_alone_blocks_release(self) -> None:
        """§3.5: a dose on target is still not released at 65 % viability, with one reason."""
        check = check_release(75_000_000, 75_000_000, 65)
        assert (check.released, check.within_tolerance, check.viability_ok) == (
            False,
            True,
            False,
        )
        assert len(check.reasons) == 1

    @pytest.mark.parametrize(
        ("viability", "ok"), [(0, False), (Decimal("0.5"), False), (100, True)]
    )
    def test_viability_range_is_inclusive(self, viability: Decimal | int, ok: bool) -> None:
        """§3.5: a viability of 0 %, 0.5 % or 100 % is a valid percentage to check."""
        assert check_release(10, 10, viability).viability_ok is ok

    @pytest.mark.parametrize("viability", BAD_VIABILITIES)
    def test_bad_viability(self, viability: object) -> None:
        """§3.5: viability is a percentage in [0, 100]."""
        err = invalid(lambda: check_release(10, 10, viability))  # type: ignore[arg-type]
        assert err.field == "viability_percent"

    @pytest.mark.parametrize(
        ("viability", "acceptable"),
        [(70, True), (Decimal("69.99"), False), (100, True), (0, False), (70.0, True)],
    )
    def test_viability_floor_alone(self, viability: Decimal | float, acceptable: bool) -> None:
        """§3.5: is_viability_acceptable is the release check's viability rule, 70 % included."""
        assert is_viability_acceptable(viability) is acceptable
        assert check_release(10, 10, viability).viability_ok is acceptable

    def test_viability_floor_of_a_variant(self) -> None:
        """§1, §3.5: a variant with an 85 % floor refuses 80 %."""
        strict = attrs.evolve(NCT04822922, min_viability_percent=Decimal(85))
        assert is_viability_acceptable(80)
        assert not is_viability_acceptable(80, protocol=strict)

    @pytest.mark.parametrize("viability", BAD_VIABILITIES)
    def test_bad_viability_alone(self, viability: object) -> None:
        """§3.5: is_viability_acceptable refuses what check_release refuses, by name."""
        err = invalid(lambda: is_viability_acceptable(viability))  # type: ignore[arg-type]
        assert err.field == "viability_percent"

    def test_release_uses_the_variant_tolerance(self) -> None:
        """§1, §3.5: a ±25 % variant releases a dose 20 % over target that ±10 % refuses."""
        wide = attrs.evolve(NCT04822922, dose_tolerance_percent=Decimal(25))
        assert check_release(90_000_000, 75_000_000, 92, protocol=wide).released
        assert not check_release(90_000_000, 75_000_000, 92).released

    def test_release_record(self) -> None:
        """§9: the release check is a plain JSON record."""
        record = check_release(80_000_000, 75_000_000, Decimal("88.5")).to_dict()
        assert record == {
            "released": True,
            "target_cells": 75_000_000,
            "actual_cells": 80_000_000,
            "deviation_percent": "6.67",
            "within_tolerance": True,
            "viability_percent": 88.5,
            "viability_ok": True,
            "reasons": [],
        }

    def test_refused_release_record(self) -> None:
        """§3.5, §9: the release check's record, worked by hand for +20 % at 65 % viability."""
        record = check_release(90_000_000, 75_000_000, 65).to_dict()
        assert len(record.pop("reasons")) == 2  # type: ignore[arg-type]
        assert record == {
            "released": False,
            "target_cells": 75_000_000,
            "actual_cells": 90_000_000,
            "deviation_percent": "20.00",
            "within_tolerance": False,
            "viability_percent": 65,
            "viability_ok": False,
        }

    def test_reason_wording(self) -> None:
        """§3.5: each refused release explains itself in one sentence per failed check."""
        cases: list[tuple[int, int, Decimal | int]] = [
            (90_000_000, 75_000_000, 65),
            (90_000_000, 75_000_000, Decimal("69.9")),
            (75_000_000, 75_000_000, 65),
            (67_499_999, 75_000_000, 70),
        ]
        lines = [
            f"check_release{case} => {reason}"
            for case in cases
            for reason in check_release(*case).reasons
        ]
        assert_golden("reasons/dosing.txt", "\n".join(lines) + "\n")


class TestErrorWording:
    """§0: every dosing refusal names field, rule and value; the wording is the golden file."""

    def test_error_wording(self) -> None:
        """One line per refused call, class and full message (tests/golden/errors/dosing.txt)."""
        cases: list[tuple[str, Callable[[], object]]] = []
        cases += [
            (f"cells_per_infusion('low', {w!r})", partial(cells_per_infusion, "low", w))
            for w in BAD_WEIGHTS
        ]
        cases += [
            ("cells_per_infusion('very-high', 70)", lambda: cells_per_infusion("very-high", 70)),
            (
                "cells_per_infusion(foreign low arm, 70)",
                lambda: cells_per_infusion(attrs.evolve(NCT04822922.arm("low"), dose_per_kg=1), 70),
            ),
            (
                "cells_per_infusion('low', Decimal('200.001'), protocol=LIGHT)",
                lambda: cells_per_infusion("low", Decimal("200.001"), protocol=LIGHT),
            ),
            (
                "dosing_weight_kg(250, protocol=LIGHT)",
                lambda: dosing_weight_kg(250, protocol=LIGHT),
            ),
        ]
        cases += [
            (f"volume_to_draw_ml(1000, {c!r})", partial(volume_to_draw_ml, 1000, c))
            for c in BAD_CONCENTRATIONS + IMPLAUSIBLE_CONCENTRATIONS
        ]
        cases += [
            (f"{call.__name__}{args}", partial(call, *args)) for call, args, _ in CELL_ARGUMENTS
        ]
        cases += [
            ("containers_needed(10**15 + 1, 1)", lambda: containers_needed(10**15 + 1, 1)),
        ]
        cases += [
            (f"{name}({c!r}, 10)", partial(f, c, 10))
            for name, f in (
                ("containers_needed", containers_needed),
                ("dose_deviation_percent", dose_deviation_percent),
            )
            for c in BAD_CELL_COUNTS[1:]  # 0 is in CELL_ARGUMENTS
        ]
        cases += [
            (f"containers_needed(10, {c!r})", partial(containers_needed, 10, c))
            for c in BAD_CELL_COUNTS[1:]
        ]
        cases += [
            (f"check_release(10, 10, {v!r})", partial(check_release, 10, 10, v))
            for v in BAD_VIABILITIES
        ]
        assert_golden("errors/dosing.txt", error_table(cases))


#: Strings Decimal() would take but JSON does not write (§9 v2): never a weight or a figure.
ODD_NUMERALS = [
    "6_2.5",
    " 62.5 ",
    "\uff16\uff12.\uff15",
    "\u0666\u0662.\u0665",
    "+62",
    "62.",
    "NaN",
]


class TestNumeralStrings:
    """§9 v2: a number given as a string is an ASCII JSON numeral, or it is refused."""

    def test_json_numerals_are_read(self) -> None:
        """ "62.5" and "6.25e1" are the weight 62.5 kg."""
        texts: list[Any] = ["62.5", "6.25e1", "92.5"]  # what an EDC may send, typed or not
        assert cells_per_infusion("high", texts[0]) == cells_per_infusion("high", texts[1])
        assert check_release(75_000_000, 75_000_000, texts[2]).released

    @pytest.mark.parametrize("text", ODD_NUMERALS)
    def test_odd_weights_are_refused(self, text: Any) -> None:
        """The weight is refused naming weight_kg, the text and the §9 rule."""
        for call in (partial(cells_per_infusion, "low", text), partial(dosing_weight_kg, text)):
            err = invalid(call)
            assert (err.field, err.value, err.rule) == ("weight_kg", text, NUMERAL_RULE)

    @pytest.mark.parametrize("text", ODD_NUMERALS)
    def test_odd_concentrations_and_viabilities_are_refused(self, text: Any) -> None:
        """A concentration or viability string is held to the same grammar."""
        err = invalid(lambda: volume_to_draw_ml(1000, text.replace("62", "1000")))
        assert (err.field, err.rule) == ("concentration_cells_per_ml", NUMERAL_RULE)
        err = invalid(lambda: check_release(10, 10, text))
        assert (err.field, err.rule) == ("viability_percent", NUMERAL_RULE)
