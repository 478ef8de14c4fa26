"""The protocol as data (SPEC §1, §2, §8): one value, written once, evolvable."""

from __future__ import annotations

import json
import pickle
from decimal import Decimal
from typing import Any

import attrs
import pytest

from aclf_protocol import (
    NCT04822922,
    Arm,
    CriterionKind,
    InconsistentRecordError,
    InvalidValueError,
    ProtocolError,
    UnknownKeyError,
)


class TestTrialFacts:
    """What the record fixes, as SPEC reads it."""

    def test_arms_and_doses(self) -> None:
        """§2: low 4e5, medium 8e5, high 12e5 cells/kg per infusion."""
        assert [(a.arm_id, a.dose_per_kg) for a in NCT04822922.arms] == [
            ("low", 400_000),
            ("medium", 800_000),
            ("high", 1_200_000),
        ]

    def test_schedule_defaults(self) -> None:
        """§4.1-§4.3: days 1, 4, 7, 10; ±1 day except Day 1; 2 days apart; a month; visits."""
        days = NCT04822922.infusion_days
        assert [(w.study_day, w.days_before, w.days_after) for w in days] == [
            (1, 0, 0),
            (4, 1, 1),
            (7, 1, 1),
            (10, 1, 1),
        ]
        assert NCT04822922.min_interval_days == 2
        assert NCT04822922.safety_window_months == 1
        assert [(v.study_day, v.days_after) for v in NCT04822922.follow_up_visits] == [
            (14, 2),
            (28, 3),
            (60, 7),
            (90, 7),
        ]

    def test_dosing_defaults(self) -> None:
        """§3.2, §3.5: 350 kg limit, no cap, ±10 %, viability 70 %."""
        assert NCT04822922.max_weight_kg == 350
        assert NCT04822922.max_dosing_weight_kg is None
        assert NCT04822922.dose_tolerance_percent == 10
        assert NCT04822922.min_viability_percent == 70

    def test_criteria_are_data(self) -> None:
        """§5: I1-I3 inclusions and E1-E7 exclusions, each with the record's words."""
        ids = [(c.criterion_id, c.kind) for c in NCT04822922.criteria]
        assert ids == [(f"I{n}", CriterionKind.INCLUSION) for n in (1, 2, 3)] + [
            (f"E{n}", CriterionKind.EXCLUSION) for n in range(1, 8)
        ]
        assert "18-70" in NCT04822922.criterion("I1").text
        with pytest.raises(InvalidValueError, match="criterion"):
            NCT04822922.criterion("E8")

    def test_enrolment_and_safety_defaults(self) -> None:
        """§8: 4 per arm, 12 in stage 1, 16 in all; §6.3-§6.4: deadlines, Day 10."""
        assert NCT04822922.stage1_size == 12
        assert NCT04822922.enrolment_target == 16
        assert NCT04822922.treatment_period_end_day == 10
        assert (
            NCT04822922.sae_to_sponsor_days,
            NCT04822922.fatal_susar_days,
            NCT04822922.fatal_susar_follow_up_days,
            NCT04822922.other_susar_days,
        ) == (1, 7, 8, 15)

    def test_protocol_is_a_value(self) -> None:
        """Immutable, hashable, picklable, JSON-describable."""
        assert pickle.loads(pickle.dumps(NCT04822922)) == NCT04822922
        assert hash(NCT04822922) == hash(attrs.evolve(NCT04822922))
        record = json.loads(json.dumps(NCT04822922.to_dict()))
        assert record["arms"][2] == {"arm_id": "high", "label": "high dose", "dose_per_kg": 1200000}
        assert record["enrolment_target"] == 16


class TestVariants:
    """§1: attrs.evolve re-runs every validator."""

    def test_variant_age_limit(self) -> None:
        """An analyst can evaluate a variant without forking code."""
        variant = attrs.evolve(NCT04822922, max_age_years=75)
        assert variant.max_age_years == 75
        assert NCT04822922.max_age_years == 70

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"arms": ()}, "arms"),
            (
                {"arms": (Arm(arm_id="a", label="A", dose_per_kg=1),) * 2},
                "arms",
            ),
            ({"min_age_years": 71}, "min_age_years"),
            ({"max_dosing_weight_kg": Decimal(0)}, "max_dosing_weight_kg"),
            ({"dose_tolerance_percent": Decimal(-1)}, "dose_tolerance_percent"),
            ({"min_interval_days": -1}, "min_interval_days"),
            ({"stage1_per_arm": 0}, "stage1_per_arm"),
            ({"eligible_aclf_grades": frozenset({4})}, "eligible_aclf_grades"),
            ({"criteria": (NCT04822922.criteria[0],) * 2}, "criteria"),
        ],
    )
    def test_bad_variants_are_refused(self, changes: dict[str, Any], field: str) -> None:
        """Each broken parameter is named."""
        with pytest.raises(ProtocolError, match=f"^{field}: "):
            attrs.evolve(NCT04822922, **changes)


class TestArmRecords:
    """§9: Arm round trip and errors."""

    def test_round_trip(self) -> None:
        """from_dict(to_dict(arm)) == arm for every arm."""
        for arm in NCT04822922.arms:
            assert Arm.from_dict(json.loads(json.dumps(arm.to_dict()))) == arm

    def test_bad_arm_records(self) -> None:
        """Dose must be a whole number of cells; unknown keys are refused."""
        with pytest.raises(InvalidValueError, match="dose_per_kg"):
            Arm.from_dict({"arm_id": "x", "label": "X", "dose_per_kg": 0})
        with pytest.raises(InvalidValueError, match="dose_per_kg"):
            Arm.from_dict({"arm_id": "x", "label": "X", "dose_per_kg": "4e5.5"})
        with pytest.raises(UnknownKeyError, match="route"):
            Arm.from_dict({"arm_id": "x", "label": "X", "dose_per_kg": 1, "route": "iv"})
        with pytest.raises(InconsistentRecordError):
            attrs.evolve(
                NCT04822922,
                arms=(
                    Arm(arm_id="x", label="X", dose_per_kg=1),
                    Arm(arm_id="x", label="Y", dose_per_kg=2),
                ),
            )


class TestEdges:
    """Malformed protocol variants name the field."""

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"presume_patient_capacity": "yes"}, "presume_patient_capacity"),
            ({"infusion_days": ()}, "infusion_days"),
            ({"criteria": ("I1",)}, "criteria"),
            ({"arms": ("low",)}, "arms"),
        ],
    )
    def test_wrong_types(self, changes: dict[str, Any], field: str) -> None:
        """A value of the wrong type is refused, never stored."""
        with pytest.raises(ProtocolError, match=f"^{field}: "):
            attrs.evolve(NCT04822922, **changes)


class TestListsBecomeTuples:
    """A variant built from JSON-like lists stays an immutable, hashable value (§1)."""

    def test_lists_are_stored_as_tuples(self) -> None:
        """Lists for arms, days, visits and criteria are kept as tuples; the value hashes."""
        variant = attrs.evolve(
            NCT04822922,
            arms=list(NCT04822922.arms),
            infusion_days=list(NCT04822922.infusion_days),
            follow_up_visits=list(NCT04822922.follow_up_visits),
            criteria=list(NCT04822922.criteria),
        )
        assert variant == NCT04822922
        assert hash(variant) == hash(NCT04822922)
        assert isinstance(variant.follow_up_visits, tuple)
