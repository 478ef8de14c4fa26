"""Cell counts for the pharmacy (SPEC §3): exact integers, never float."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aclf_protocol import (
    NCT04822922,
    InvalidValueError,
    ProtocolError,
    cells_per_infusion,
    check_release,
    containers_needed,
    dose_deviation_percent,
    is_dose_within_tolerance,
    total_planned_cells,
    volume_to_draw_ml,
)
from tests.strategies import arm_ids, weights_kg

cell_counts = st.integers(min_value=1, max_value=10**12)


class TestWorkedExamples:
    """Hand-checked numbers for §2, §3."""

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

    def test_volume_and_containers(self) -> None:
        """§3.4: 75e6 cells at 2.5e6/mL = 30.0 mL; 75e6 in bags of 40e6 = 2 bags."""
        assert volume_to_draw_ml(75_000_000, Decimal("2.5e6")) == Decimal("30.0")
        assert containers_needed(75_000_000, 40_000_000) == 2
        assert containers_needed(80_000_000, 40_000_000) == 2
        assert containers_needed(80_000_001, 40_000_000) == 3

    def test_volume_rounds_half_up_to_a_tenth(self) -> None:
        """§3.4: 25e6 / 4e6 = 6.25 mL -> 6.3 (half up, not banker's 6.2)."""
        assert volume_to_draw_ml(25_000_000, 4_000_000) == Decimal("6.3")

    def test_deviation_and_band(self) -> None:
        """§3.5: 82.5e6 for a 75e6 target is +10.00 %, inside the inclusive ±10 % band."""
        assert dose_deviation_percent(82_500_000, 75_000_000) == Decimal("10.00")
        assert dose_deviation_percent(67_500_000, 75_000_000) == Decimal("-10.00")
        assert is_dose_within_tolerance(67_500_000, 75_000_000)
        assert not is_dose_within_tolerance(67_499_999, 75_000_000)

    def test_release_check(self) -> None:
        """§3.5: viability 70 % passes (>=), 69.9 % fails; both reasons are given."""
        assert check_release(75_000_000, 75_000_000, 70).released
        failed = check_release(90_000_000, 75_000_000, Decimal("69.9"))
        assert not failed.released
        assert not failed.within_tolerance
        assert not failed.viability_ok
        assert len(failed.reasons) == 2
        assert "69.9 % is below 70 %" in failed.reasons[1]

    def test_dose_cap_is_an_explicit_parameter(self) -> None:
        """§3.2: no cap by default; a variant's max_dosing_weight_kg caps the dosing weight."""
        capped = attrs.evolve(NCT04822922, max_dosing_weight_kg=Decimal(100))
        assert cells_per_infusion("low", 150) == 60_000_000
        assert cells_per_infusion("low", 150, protocol=capped) == 40_000_000


class TestErrors:
    """§3.2, §3.4: bad input raises a ProtocolError naming the field and the rule."""

    @pytest.mark.parametrize(
        "weight",
        [0, -1, Decimal("350.001"), 351, float("nan"), float("inf"), "abc", None, True, [70]],
    )
    def test_bad_weight(self, weight: object) -> None:
        """Zero, negative, > 350 kg, NaN, infinity, non-numbers and bools are refused."""
        with pytest.raises(InvalidValueError, match=r"weight_kg: .*§3\.2"):
            cells_per_infusion("low", weight)  # type: ignore[arg-type]

    def test_unknown_arm(self) -> None:
        """§2: only the protocol's arms."""
        with pytest.raises(InvalidValueError, match=r"^arm: "):
            cells_per_infusion("very-high", 70)

    def test_foreign_arm_object(self) -> None:
        """An Arm with a known id but another dose is not the protocol's arm."""
        fake = attrs.evolve(NCT04822922.arm("low"), dose_per_kg=1)
        with pytest.raises(InvalidValueError, match=r"^arm: "):
            cells_per_infusion(fake, 70)

    @pytest.mark.parametrize("concentration", [0, -5, "x", float("nan"), None])
    def test_bad_concentration(self, concentration: object) -> None:
        """§3.4: a concentration is a finite number > 0."""
        with pytest.raises(InvalidValueError, match="concentration_cells_per_ml"):
            volume_to_draw_ml(1000, concentration)  # type: ignore[arg-type]

    @pytest.mark.parametrize("cells", [0, -1, 1.5, True, "10"])
    def test_bad_cell_counts(self, cells: object) -> None:
        """§3: cell counts are whole numbers > 0."""
        with pytest.raises(ProtocolError):
            containers_needed(cells, 10)  # type: ignore[arg-type]
        with pytest.raises(ProtocolError):
            containers_needed(10, cells)  # type: ignore[arg-type]
        with pytest.raises(ProtocolError):
            dose_deviation_percent(cells, 10)  # type: ignore[arg-type]

    @pytest.mark.parametrize("viability", [-1, 101, "n/a", float("inf")])
    def test_bad_viability(self, viability: object) -> None:
        """§3.5: viability is a percentage in [0, 100]."""
        with pytest.raises(InvalidValueError, match="viability_percent"):
            check_release(10, 10, viability)  # type: ignore[arg-type]


class TestCellCountLaws:
    """§3.1: cells = dose per kg x baseline weight, exact, rounded half up."""

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


class TestEdges:
    """Variant limits and records of the release check (§3.2, §3.4, §3.5)."""

    def test_variant_weight_limit(self) -> None:
        """A variant may lower the weight limit for dosing."""
        strict = attrs.evolve(NCT04822922, max_weight_kg=Decimal(200))
        assert cells_per_infusion("low", 200, protocol=strict) == 80_000_000
        with pytest.raises(InvalidValueError, match=r"weight_kg: must be <= 200 kg"):
            cells_per_infusion("low", Decimal("200.001"), protocol=strict)

    @pytest.mark.parametrize("concentration", [Decimal("0.5"), Decimal("1e13"), "1e-30"])
    def test_implausible_concentrations(self, concentration: object) -> None:
        """Concentrations outside 1 to 10^12 cells/mL are unit errors (D-CONCENTRATION)."""
        with pytest.raises(InvalidValueError, match="1 to 10\\^12"):
            volume_to_draw_ml(1000, concentration)  # type: ignore[arg-type]

    def test_release_record(self) -> None:
        """The release check is a plain JSON record."""
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
