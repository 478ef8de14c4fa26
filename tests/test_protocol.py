"""The protocol as data (SPEC §1, §2, §8): one value, written once, evolvable.

The wording of every refusal (field, rule, value) is kept in ``tests/golden/errors/protocol.txt``.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

import attrs
import pytest

from aclf_protocol import (
    NCT04822922,
    Arm,
    InconsistentRecordError,
    InvalidRecordError,
    UnknownKeyError,
)
from aclf_protocol.protocol import CriterionKind, DayWindow
from tests.fixtures import assert_golden, error_table, invalid, refusal

TWICE_A = (
    Arm(arm_id="a", label="A", dose_per_kg=1),
    Arm(arm_id="a", label="B", dose_per_kg=2),
)
REPEATED_DAY = (
    DayWindow(name="a", study_day=1),
    DayWindow(name="b", study_day=4),
    DayWindow(name="c", study_day=4),
)
FIRST_NOT_DAY_1 = [
    DayWindow(name="x", study_day=2),
    DayWindow(name="x", study_day=1, days_before=1),
    DayWindow(name="x", study_day=1, days_after=1),
]

#: Broken variants (label, changes, field named by the refusal), §0-§8.
BROKEN_VARIANTS: list[tuple[str, dict[str, Any], str]] = [
    ("no arms", {"arms": ()}, "arms"),
    ("arms 'a' with two doses", {"arms": TWICE_A}, "arms"),
    ("arms of ids", {"arms": ("low",)}, "arms"),
    ("arms a number", {"arms": 5}, "arms"),
    ("min age 71", {"min_age_years": 71}, "min_age_years"),
    ("dose cap 0 kg", {"max_dosing_weight_kg": Decimal(0)}, "max_dosing_weight_kg"),
    ("tolerance -1 %", {"dose_tolerance_percent": Decimal(-1)}, "dose_tolerance_percent"),
    ("interval -1 day", {"min_interval_days": -1}, "min_interval_days"),
    ("0 per arm in stage 1", {"stage1_per_arm": 0}, "stage1_per_arm"),
    ("ACLF grade 4", {"eligible_aclf_grades": frozenset({4})}, "eligible_aclf_grades"),
    ("I1 twice", {"criteria": (NCT04822922.criteria[0],) * 2}, "criteria"),
    ("criteria of ids", {"criteria": ("I1",)}, "criteria"),
    ("criteria a number", {"criteria": 5}, "criteria"),
    ("capacity 'yes'", {"presume_patient_capacity": "yes"}, "presume_patient_capacity"),
    ("no infusion days", {"infusion_days": ()}, "infusion_days"),
    ("infusion days a number", {"infusion_days": 5}, "infusion_days"),
    ("infusion days 1, 4, 4", {"infusion_days": REPEATED_DAY}, "infusion_days"),
    *(
        (
            f"first infusion {w.study_day} -{w.days_before}/+{w.days_after}",
            {"infusion_days": (w, DayWindow(name="y", study_day=10))},
            "infusion_days",
        )
        for w in FIRST_NOT_DAY_1
    ),
    ("follow-up visits a number", {"follow_up_visits": 5}, "follow_up_visits"),
]

#: Broken arm records (label, record), §9.
BROKEN_ARMS: list[tuple[str, object]] = [
    ("a list", []),
    ("empty", {}),
    ("dose 0", {"arm_id": "x", "label": "X", "dose_per_kg": 0}),
    ("dose '4e5.5'", {"arm_id": "x", "label": "X", "dose_per_kg": "4e5.5"}),
    ("unknown key route", {"arm_id": "x", "label": "X", "dose_per_kg": 1, "route": "iv"}),
]


class TestTrialFacts:
    """What the record fixes, as docs/protocol.md reads it."""

    def test_repr_is_short_and_names_a_variant(self) -> None:
        """§1: ``<Protocol NCT04822922>``; an evolved protocol says it is a variant."""
        assert repr(NCT04822922) == "<Protocol NCT04822922>"
        variant = attrs.evolve(NCT04822922, max_age_years=75)
        assert repr(variant) == "<Protocol NCT04822922 (variant)>"
        renamed = attrs.evolve(NCT04822922, nct_id="NCT00000000")
        assert repr(renamed) == "<Protocol NCT00000000 (variant)>"

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

    def test_criterion_by_id(self) -> None:
        """§5: E6 is found by its id."""
        assert NCT04822922.criterion("E6").text == "Pregnant and lactating women"

    def test_protocol_is_a_value(self) -> None:
        """Immutable, hashable, picklable, JSON-describable."""
        assert pickle.loads(pickle.dumps(NCT04822922)) == NCT04822922
        assert hash(NCT04822922) == hash(attrs.evolve(NCT04822922))
        record = json.loads(json.dumps(NCT04822922.to_dict()))
        assert record["arms"][2] == {"arm_id": "high", "label": "high dose", "dose_per_kg": 1200000}
        assert "enrolment_target" not in record  # derived, not part of the document


class TestProtocolRecord:
    """§1-§9: the protocol's record holds SPEC's numbers."""

    def test_nct04822922_record(self) -> None:
        """§1-§8: every field: arms, days 1/4/7/10 ±1, visits, 350 kg, ±10 %, 70 %, 4 + 4."""
        record = NCT04822922.to_dict()
        criteria = record.pop("criteria")
        assert record == {
            "nct_id": "NCT04822922",
            "version": "1.0",
            "effective_date": "2021-09-30",
            "study_id": "MSC-ACLF-1",
            "title": NCT04822922.title,
            "treatment": "HUC-MSC",
            "route": "INTRAVENOUS",
            "country": "CHN",
            "site_id": "RJ",
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
            "min_age_years": 18,
            "max_age_years": 70,
            "eligible_aclf_grades": [1, 2],
            "drug_trial_lookback_months": 3,
            "presume_patient_capacity": False,
            "bleeding_infection_lookback_months": 1,
            "treatment_period_last_day": None,
            "sae_to_sponsor_days": 1,
            "fatal_susar_days": 7,
            "fatal_susar_follow_up_days": 8,
            "other_susar_days": 15,
            "stage1_per_arm": 4,
            "expansion_size": 4,
            "max_screening_age_days": 14,
        }
        assert [(c["criterion_id"], c["kind"]) for c in criteria] == [
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
    """§2, §5: arms and criteria by id; an unknown one is refused by name."""

    def test_unknown_arm(self) -> None:
        """§2: 'huge' is not an arm."""
        err = invalid(lambda: NCT04822922.arm("huge"))
        assert (err.field, err.value) == ("arm", "huge")

    def test_arm_of_another_protocol_is_refused(self) -> None:
        """§2: an Arm named 'low' with another dose is not this protocol's low arm."""
        impostor = Arm(arm_id="low", label="low dose", dose_per_kg=1)
        err = invalid(lambda: NCT04822922.arm(impostor))
        assert (err.field, err.value) == ("arm", impostor)
        low = Arm(arm_id="low", label="low dose", dose_per_kg=400_000)
        assert NCT04822922.arm(low) is NCT04822922.arms[0]

    def test_unknown_criterion(self) -> None:
        """§5: E8 is not a criterion."""
        err = invalid(lambda: NCT04822922.criterion("E8"))
        assert (err.field, err.value) == ("criterion", "E8")


class TestArmRecords:
    """§9: Arm round trip, and each problem of an arm record named."""

    def test_round_trip(self) -> None:
        """from_dict(to_dict(arm)) == arm for every arm."""
        for arm in NCT04822922.arms:
            assert Arm.from_dict(json.loads(json.dumps(arm.to_dict()))) == arm

    def test_not_an_object(self) -> None:
        """§9: a list is not an arm record."""
        assert invalid(lambda: Arm.from_dict([])).field == "arm"

    def test_every_key_is_required(self) -> None:
        """§9: an empty record lacks all three keys, each named."""
        err = refusal(lambda: Arm.from_dict({}))
        assert isinstance(err, InvalidRecordError)
        assert [(p.field, p.value) for p in err.problems] == [
            ("arm_id", None),
            ("label", None),
            ("dose_per_kg", None),
        ]

    @pytest.mark.parametrize("dose", [0, "4e5.5"])
    def test_dose_is_a_whole_number_of_cells(self, dose: object) -> None:
        """§2: the dose per kg is a whole number of cells > 0."""
        err = invalid(lambda: Arm.from_dict({"arm_id": "x", "label": "X", "dose_per_kg": dose}))
        assert (err.field, err.value) == ("dose_per_kg", dose)

    def test_json_text(self) -> None:
        """§0 v2: an arm record may come as JSON text; a repeated dose is refused by name."""
        assert Arm.from_dict(json.dumps(NCT04822922.arms[0].to_dict())) == NCT04822922.arms[0]
        text = '{"arm_id": "x", "label": "X", "dose_per_kg": 1, "dose_per_kg": 1000000}'
        err = invalid(lambda: Arm.from_dict(text))
        assert (err.to_dict()["code"], err.field) == ("duplicate_key", "dose_per_kg")

    def test_unknown_key(self) -> None:
        """§9: a key the schema does not know is refused by name."""
        record = {"arm_id": "x", "label": "X", "dose_per_kg": 1, "route": "iv"}
        err = invalid(lambda: Arm.from_dict(record))
        assert isinstance(err, UnknownKeyError)
        assert err.field == "route"


class TestVariants:
    """§1: attrs.evolve re-runs every validator; a broken parameter is named, never stored."""

    def test_variant_age_limit(self) -> None:
        """An analyst can evaluate a variant without forking code."""
        variant = attrs.evolve(NCT04822922, max_age_years=75)
        assert variant.max_age_years == 75
        assert NCT04822922.max_age_years == 70

    @pytest.mark.parametrize(
        ("changes", "field"),
        [(changes, field) for _, changes, field in BROKEN_VARIANTS],
        ids=[label for label, _, _ in BROKEN_VARIANTS],
    )
    def test_broken_variants_are_refused(self, changes: dict[str, Any], field: str) -> None:
        """§0: each broken parameter is refused naming the field and the value given."""
        err = invalid(lambda: attrs.evolve(NCT04822922, **changes))
        assert err.field == field

    def test_duplicate_arm_ids_are_inconsistent(self) -> None:
        """§2: two arms called 'a' are refused, naming the ids."""
        err = invalid(lambda: attrs.evolve(NCT04822922, arms=TWICE_A))
        assert isinstance(err, InconsistentRecordError)
        assert err.value == ("a", "a")

    def test_duplicate_criteria_name_the_ids(self) -> None:
        """§5: I1 twice is refused naming the ids."""
        err = invalid(lambda: attrs.evolve(NCT04822922, criteria=(NCT04822922.criteria[0],) * 2))
        assert err.value == ["I1", "I1"]

    def test_repeated_infusion_day(self) -> None:
        """§4.1: days 1, 4, 4 do not strictly increase; days 1, 2 do."""
        err = invalid(lambda: attrs.evolve(NCT04822922, infusion_days=REPEATED_DAY))
        assert (err.field, err.value) == ("infusion_days", REPEATED_DAY)
        close = (DayWindow(name="a", study_day=1), DayWindow(name="b", study_day=2))
        assert attrs.evolve(NCT04822922, infusion_days=close).infusion_count == 2

    @pytest.mark.parametrize("first", FIRST_NOT_DAY_1)
    def test_first_infusion_is_day_1_exactly(self, first: DayWindow) -> None:
        """§0, §4.1: the first infusion is Day 1 with no window on either side."""
        days = (first, DayWindow(name="y", study_day=10))
        err = invalid(lambda: attrs.evolve(NCT04822922, infusion_days=days))
        assert (err.field, err.value) == ("infusion_days", first)

    def test_limits_are_inclusive(self) -> None:
        """§5 I1: equal age limits are allowed; §7.4: grades 0-3 are all allowed."""
        assert attrs.evolve(NCT04822922, min_age_years=70).min_age_years == 70
        every = attrs.evolve(NCT04822922, eligible_aclf_grades=frozenset({0, 1, 2, 3}))
        assert every.eligible_aclf_grades == {0, 1, 2, 3}

    def test_lists_are_stored_as_tuples(self) -> None:
        """§1: lists for arms, days, visits and criteria are kept as tuples; the value hashes."""
        variant = attrs.evolve(
            NCT04822922,
            arms=list(NCT04822922.arms),
            infusion_days=list(NCT04822922.infusion_days),
            follow_up_visits=list(NCT04822922.follow_up_visits),
            criteria=list(NCT04822922.criteria),
        )
        assert variant == NCT04822922
        assert hash(variant) == hash(NCT04822922)
        for name in ("arms", "infusion_days", "follow_up_visits", "criteria"):
            assert isinstance(getattr(variant, name), tuple)


class TestErrorWording:
    """§0: every refusal names field, rule and value; the wording is the golden file."""

    def test_error_wording(self) -> None:
        """One line per refused call, class and full message (tests/golden/errors/protocol.txt)."""
        cases: list[tuple[str, Callable[[], object]]] = [
            ("arm('huge')", partial(NCT04822922.arm, "huge")),
            ("criterion('E8')", partial(NCT04822922.criterion, "E8")),
            *((f"Arm.from_dict: {label}", partial(Arm.from_dict, r)) for label, r in BROKEN_ARMS),
            *(
                (f"variant: {label}", partial(attrs.evolve, NCT04822922, **changes))
                for label, changes, _ in BROKEN_VARIANTS
            ),
        ]
        assert_golden("errors/protocol.txt", error_table(cases))
