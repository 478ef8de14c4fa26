"""Protocol behaviours that mutation testing showed unpinned (issue #6, docs/mutation.md).

Each test states one rule of §0-§9 that a surviving mutant of ``aclf_protocol/protocol.py``
broke without any other test noticing: the protocol's record compared in full with SPEC's
numbers, and every refusal of a broken variant word for word (§0: field, value and rule).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest

from aclf_protocol import (
    NCT04822922,
    Arm,
    InconsistentRecordError,
    InvalidRecordError,
    InvalidValueError,
)
from aclf_protocol.protocol import DayWindow


def refusal(**changes: Any) -> InvalidValueError:
    """The error that ``attrs.evolve(NCT04822922, **changes)`` raises."""
    with pytest.raises(InvalidValueError) as info:
        attrs.evolve(NCT04822922, **changes)
    return info.value


class TestRecord:
    """§1-§8: the protocol's record holds SPEC's numbers."""

    def test_nct04822922_record(self) -> None:
        """§2-§5, §8: arms, days 1/4/7/10 ±1, visits 14/28/60/90, 350 kg, ±10 %, 70 %, 16."""
        record = NCT04822922.to_dict()
        criteria = record.pop("criteria")
        assert record == {
            "nct_id": "NCT04822922",
            "study_id": "MSC-ACLF-1",
            "arms": [
                {"arm_id": "low", "label": "low dose", "dose_per_kg": 400_000},
                {"arm_id": "medium", "label": "middle dose", "dose_per_kg": 800_000},
                {"arm_id": "high", "label": "high dose", "dose_per_kg": 1_200_000},
            ],
            "infusion_days": [
                {"name": "Infusion 1", "study_day": 1, "days_before": 0, "days_after": 0},
                {"name": "Infusion 2", "study_day": 4, "days_before": 1, "days_after": 1},
                {"name": "Infusion 3", "study_day": 7, "days_before": 1, "days_after": 1},
                {"name": "Infusion 4", "study_day": 10, "days_before": 1, "days_after": 1},
            ],
            "min_interval_days": 2,
            "safety_window_months": 1,
            "follow_up_visits": [
                {"name": "Day 14", "study_day": 14, "days_before": 2, "days_after": 2},
                {"name": "Day 28", "study_day": 28, "days_before": 3, "days_after": 3},
                {"name": "Day 60", "study_day": 60, "days_before": 7, "days_after": 7},
                {"name": "Day 90", "study_day": 90, "days_before": 7, "days_after": 7},
            ],
            "max_weight_kg": "350",
            "max_dosing_weight_kg": None,
            "dose_tolerance_percent": 10,
            "min_viability_percent": 70,
            "enrolment_target": 16,
        }
        assert [(c["id"], c["kind"]) for c in criteria] == [
            ("I1", "inclusion"),
            ("I2", "inclusion"),
            ("I3", "inclusion"),
            *((f"E{n}", "exclusion") for n in range(1, 8)),
        ]
        assert criteria[0]["text"] == "Age 18-70 years old"
        assert criteria[8]["text"] == "Pregnant and lactating women"

    def test_variant_record(self) -> None:
        """§3.2, §3.5: a 120.5 kg dose cap and a ±12.5 % band are written as given."""
        variant = attrs.evolve(
            NCT04822922,
            max_dosing_weight_kg=Decimal("120.5"),
            dose_tolerance_percent=Decimal("12.5"),
        )
        record = variant.to_dict()
        assert record["max_dosing_weight_kg"] == "120.5"
        assert record["dose_tolerance_percent"] == 12.5


class TestLookups:
    """§2, §5: arms and criteria by id, and what an unknown one says."""

    def test_unknown_arm_text(self) -> None:
        """§2: an unknown arm id lists the three arms."""
        with pytest.raises(InvalidValueError) as info:
            NCT04822922.arm("huge")
        assert str(info.value) == "arm: must be one of 'low', 'medium', 'high' (§2); got 'huge'"

    def test_arm_of_another_protocol_is_refused(self) -> None:
        """§2: an Arm named 'low' with another dose is not this protocol's low arm."""
        impostor = Arm(arm_id="low", label="low dose", dose_per_kg=1)
        with pytest.raises(InvalidValueError) as info:
            NCT04822922.arm(impostor)
        assert (info.value.field, info.value.value) == ("arm", impostor)
        low = Arm(arm_id="low", label="low dose", dose_per_kg=400_000)
        assert NCT04822922.arm(low) is NCT04822922.arms[0]

    def test_unknown_criterion_text(self) -> None:
        """§5: E8 is not a criterion."""
        with pytest.raises(InvalidValueError) as info:
            NCT04822922.criterion("E8")
        assert str(info.value) == "criterion: is not a criterion of the protocol; got 'E8'"

    def test_criterion_by_id(self) -> None:
        """§5: E6 is found by its id."""
        assert NCT04822922.criterion("E6").text == "Pregnant and lactating women"


class TestArmRecords:
    """§9: an arm record's problems, each named."""

    def test_not_an_object(self) -> None:
        """§9: a list is not an arm record."""
        with pytest.raises(InvalidValueError) as info:
            Arm.from_dict([])
        assert str(info.value) == "arm: must be a JSON object with string keys (§9); got []"

    def test_every_key_is_required(self) -> None:
        """§9: an empty record lacks all three keys."""
        with pytest.raises(InvalidRecordError) as info:
            Arm.from_dict({})
        assert [str(p) for p in info.value.problems] == [
            "arm_id: is required (§9); got None",
            "label: is required (§9); got None",
            "dose_per_kg: is required (§9); got None",
        ]


class TestVariantRefusals:
    """§0, §1: each broken variant is refused naming the field, the value and the rule."""

    def test_no_arms(self) -> None:
        """§2: a protocol has at least one arm."""
        assert str(refusal(arms=())) == "arms: must be a non-empty tuple of Arm (§2); got ()"

    def test_duplicate_arm_ids(self) -> None:
        """§2: two arms called 'a' are refused, naming the ids."""
        twice = (
            Arm(arm_id="a", label="A", dose_per_kg=1),
            Arm(arm_id="a", label="B", dose_per_kg=2),
        )
        err = refusal(arms=twice)
        assert isinstance(err, InconsistentRecordError)
        assert str(err) == "arms: arm ids must be unique (§2); got ('a', 'a')"

    def test_no_infusion_days(self) -> None:
        """§4.1: a protocol has at least one infusion day."""
        assert str(refusal(infusion_days=())) == (
            "infusion_days: must be a non-empty tuple of DayWindow; got ()"
        )

    def test_repeated_infusion_day(self) -> None:
        """§4.1: days 1, 4, 4 do not strictly increase; days 1, 2 do."""
        repeated = (
            DayWindow(name="a", study_day=1),
            DayWindow(name="b", study_day=4),
            DayWindow(name="c", study_day=4),
        )
        err = refusal(infusion_days=repeated)
        assert (err.field, err.value) == ("infusion_days", repeated)
        assert err.rule == "study days must be strictly increasing (§4.1)"
        close = (DayWindow(name="a", study_day=1), DayWindow(name="b", study_day=2))
        assert attrs.evolve(NCT04822922, infusion_days=close).infusion_count == 2

    @pytest.mark.parametrize(
        "first",
        [
            DayWindow(name="x", study_day=2),
            DayWindow(name="x", study_day=1, days_before=1),
            DayWindow(name="x", study_day=1, days_after=1),
        ],
    )
    def test_first_infusion_is_day_1_exactly(self, first: DayWindow) -> None:
        """§0, §4.1: the first infusion is Day 1 with no window on either side."""
        err = refusal(infusion_days=(first, DayWindow(name="y", study_day=10)))
        assert (err.field, err.value) == ("infusion_days", first)
        assert err.rule == "the first infusion is Day 1 exactly (§0, §4.1)"

    def test_criteria_must_be_criteria(self) -> None:
        """§5: a criterion id alone is not a Criterion."""
        assert str(refusal(criteria=("I1",))) == (
            "criteria: must be a tuple of Criterion (§5); got ('I1',)"
        )

    def test_duplicate_criteria(self) -> None:
        """§5: I1 twice is refused naming the ids."""
        err = refusal(criteria=(NCT04822922.criteria[0],) * 2)
        assert str(err) == "criteria: criterion ids must be unique (§5); got ['I1', 'I1']"

    def test_age_limits(self) -> None:
        """§5 I1: a lower limit above the upper one is refused; equal limits are allowed."""
        assert str(refusal(min_age_years=71)) == (
            "min_age_years: must not exceed max_age_years (§5 I1); got 71"
        )
        assert attrs.evolve(NCT04822922, min_age_years=70).min_age_years == 70

    def test_aclf_grades(self) -> None:
        """§7.4: grade 4 does not exist; 0-3 are all allowed."""
        assert str(refusal(eligible_aclf_grades=frozenset({4}))) == (
            "eligible_aclf_grades: grades are 0-3 (§7.4); got frozenset({4})"
        )
        every = attrs.evolve(NCT04822922, eligible_aclf_grades=frozenset({0, 1, 2, 3}))
        assert every.eligible_aclf_grades == {0, 1, 2, 3}


class TestSequences:
    """§0, §1: a protocol's sequences are tuples (lists are converted or kept), never a number."""

    def test_arms_list_becomes_a_tuple(self) -> None:
        """§2: arms given as a list are stored as a tuple, so the protocol stays hashable."""
        variant = attrs.evolve(NCT04822922, arms=list(NCT04822922.arms))
        assert variant.arms == NCT04822922.arms
        assert isinstance(variant.arms, tuple)
        assert hash(variant) == hash(NCT04822922)

    @pytest.mark.parametrize(
        ("field", "text"),
        [
            ("arms", "arms: must be a non-empty tuple of Arm (§2); got 5"),
            ("infusion_days", "infusion_days: must be a non-empty tuple of DayWindow; got 5"),
            ("follow_up_visits", "follow_up_visits: must be a tuple of DayWindow (§4.3); got 5"),
            ("criteria", "criteria: must be a tuple of Criterion (§5); got 5"),
        ],
    )
    def test_a_number_is_refused(self, field: str, text: str) -> None:
        """§0: a number where a sequence belongs is refused by name, never a TypeError."""
        assert str(refusal(**{field: 5})) == text
