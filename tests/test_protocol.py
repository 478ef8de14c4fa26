"""The protocol as data (SPEC §1, §2, §8): one value, written once, evolvable.

The wording of every refusal (field, rule, value) is kept in ``tests/golden/errors/protocol.txt``.
"""

from __future__ import annotations

import json
import pickle
import tempfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given

from aclf_protocol import (
    NCT04822922,
    Arm,
    InconsistentRecordError,
    InvalidRecordError,
    Protocol,
    UnknownKeyError,
    protocol_in_force,
)
from aclf_protocol.errors import DuplicateKeyError, InvalidJsonError
from aclf_protocol.protocol import (
    Criterion,
    CriterionKind,
    DayWindow,
    protocol_label,
    protocol_name,
    protocol_toml,
)
from tests.fixtures import assert_golden, error_table, invalid, refusal, unchecked
from tests.strategies import protocols

PROTOCOLS_DIR = Path(__file__).parent.parent / "docs" / "protocols"
#: The example amendment (docs/protocols/nct04822922-2.0.toml): I1 to 75, Day 4 ±2 days.
AMENDMENT = attrs.evolve(
    NCT04822922,
    version="2.0",
    effective_date=date(2022, 3, 1),
    max_age_years=75,
    infusion_days=(
        NCT04822922.infusion_days[0],
        attrs.evolve(NCT04822922.infusion_days[1], days_before=2, days_after=2),
        *NCT04822922.infusion_days[2:],
    ),
)

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
FIRST_NOT_DAY_1_FIELDS = [
    f"infusion_days[0].{n}" for n in ("study_day", "days_before", "days_after")
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
    ("infusion days 1, 4, 4", {"infusion_days": REPEATED_DAY}, "infusion_days[2].study_day"),
    *(
        (
            f"first infusion {w.study_day} -{w.days_before}/+{w.days_after}",
            {"infusion_days": (w, DayWindow(name="y", study_day=10))},
            field,
        )
        for w, field in zip(FIRST_NOT_DAY_1, FIRST_NOT_DAY_1_FIELDS, strict=True)
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


def _bad_days() -> dict[str, Any]:
    record = NCT04822922.to_dict()
    record["infusion_days"][2]["days_after"] = -1
    record["arms"][1]["dose_per_kg"] = 0
    return record


#: Broken protocol documents (label, record), §1 v2.
BROKEN_DOCUMENTS: list[tuple[str, object]] = [
    ("empty", {}),
    ("a day and an arm", _bad_days()),
    ("derived enrolment_target", {**NCT04822922.to_dict(), "enrolment_target": 16}),
    (
        "criterion E8",
        {
            **NCT04822922.to_dict(),
            "criteria": [{"criterion_id": "E8", "kind": "exclusion", "text": "Smoker"}],
        },
    ),
    (
        "E3 as an inclusion",
        {
            **NCT04822922.to_dict(),
            "criteria": [{"criterion_id": "E3", "kind": "inclusion", "text": "Malignancy"}],
        },
    ),
    ("grades [1, 'two']", {**NCT04822922.to_dict(), "eligible_aclf_grades": [1, "two"]}),
    (
        "days 1, 4, 4",
        {
            **NCT04822922.to_dict(),
            "infusion_days": [
                {"name": "a", "study_day": 1},
                {"name": "b", "study_day": 4},
                {"name": "c", "study_day": 4},
            ],
        },
    ),
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
        assert (err.field, err.value) == ("infusion_days[2].study_day", 4)
        close = (DayWindow(name="a", study_day=1), DayWindow(name="b", study_day=2))
        assert attrs.evolve(NCT04822922, infusion_days=close).infusion_count == 2

    @pytest.mark.parametrize(
        ("first", "field", "value"),
        list(zip(FIRST_NOT_DAY_1, FIRST_NOT_DAY_1_FIELDS, (2, 1, 1), strict=True)),
    )
    def test_first_infusion_is_day_1_exactly(
        self, first: DayWindow, field: str, value: int
    ) -> None:
        """§0, §4.1: the first infusion is Day 1 with no window on either side, by its path."""
        days = (first, DayWindow(name="y", study_day=10))
        err = invalid(lambda: attrs.evolve(NCT04822922, infusion_days=days))
        assert (err.field, err.value) == (field, value)

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


class TestProtocolLabel:
    """§1 v2: what names the protocol in a result: its id and version, one shape everywhere."""

    def test_the_built_in(self) -> None:
        assert protocol_label(NCT04822922) == {"nct_id": "NCT04822922", "version": "1.0"}
        assert protocol_name(NCT04822922) == "NCT04822922 version 1.0"

    def test_an_amendment_is_named_by_its_version(self) -> None:
        amended = attrs.evolve(NCT04822922, version="2.0", max_age_years=75)
        assert protocol_label(amended) == {"nct_id": "NCT04822922", "version": "2.0"}
        assert protocol_name(amended) == "NCT04822922 version 2.0"

    def test_the_label_is_json(self) -> None:
        label = protocol_label(NCT04822922)
        assert json.loads(json.dumps(label)) == label
        assert list(label) == ["nct_id", "version"]

    @pytest.mark.parametrize("function", [protocol_label, protocol_name])
    @pytest.mark.parametrize("value", [None, "NCT04822922", {"nct_id": "NCT04822922"}])
    def test_only_a_protocol_is_named(self, function: Callable[..., object], value: object) -> None:
        err = invalid(lambda: function(unchecked(value)))
        assert (err.field, err.value) == ("protocol", value)


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
            *(
                (f"Protocol.from_dict: {label}", partial(Protocol.from_dict, record))
                for label, record in BROKEN_DOCUMENTS
            ),
            ("from_file: a .yaml file", partial(Protocol.from_file, "protocol.yaml")),
            ("from_file: no such file", partial(Protocol.from_file, "no-such-file.toml")),
            (
                "in force: before 1.0",
                partial(protocol_in_force, [NCT04822922], date(2021, 9, 29)),
            ),
            (
                "in force: two trials",
                partial(
                    protocol_in_force,
                    [NCT04822922, attrs.evolve(NCT04822922, nct_id="NCT00000000")],
                    date(2022, 1, 1),
                ),
            ),
            (
                "in force: one effective date twice",
                partial(
                    protocol_in_force,
                    [AMENDMENT, attrs.evolve(AMENDMENT, version="2.1")],
                    date(2022, 3, 1),
                ),
            ),
        ]
        assert_golden("errors/protocol.txt", error_table(cases))


def _document(**changes: object) -> dict[str, Any]:
    """NCT04822922's document with some keys replaced (a value of ``...`` drops the key)."""
    record = NCT04822922.to_dict()
    for key, value in changes.items():
        if value is ...:
            del record[key]
        else:
            record[key] = value
    return record


class TestProtocolDocument:
    """§1 v2: the protocol document holds every field and reads back to the same value."""

    def test_every_field_is_written(self) -> None:
        """§1 v2: the keys are exactly the fields; nothing derived (enrolment_target) is."""
        assert list(NCT04822922.to_dict()) == [f.name for f in attrs.fields(Protocol)]

    def test_built_in_round_trip(self) -> None:
        """§1 v2: the built-in and the amendment read back equal, also as JSON text."""
        for p in (NCT04822922, AMENDMENT):
            assert Protocol.from_dict(p.to_dict()) == p
            assert Protocol.from_dict(json.dumps(p.to_dict())) == p

    def test_a_key_left_out_takes_its_default(self) -> None:
        """§1 v2: a document of only the required keys is the defaults (criteria: I1-E7)."""
        required = {"nct_id", "study_id", "title", "treatment", "route", "arms", "infusion_days"}
        record = {k: v for k, v in NCT04822922.to_dict().items() if k in required}
        p = Protocol.from_dict(record)
        assert p == attrs.evolve(NCT04822922, follow_up_visits=())
        assert p.criteria == NCT04822922.criteria
        assert Protocol.from_dict({**record, "max_dosing_weight_kg": None}) == p

    def test_required_keys(self) -> None:
        """§9: an empty document names each key without a default, arms and days too."""
        err = refusal(lambda: Protocol.from_dict({}))
        assert sorted(p.field for p in err.problems) == sorted(
            ["nct_id", "study_id", "title", "treatment", "route", "arms", "infusion_days"]
        )

    def test_every_problem_with_its_path(self) -> None:
        """§1 v2: problems inside days and arms carry their paths, several at once."""
        record = NCT04822922.to_dict()
        record["infusion_days"][2]["days_after"] = -1
        record["arms"][1]["dose_per_kg"] = 0
        record["min_age_years"] = "eighteen"
        record["enrolment_target"] = 16
        err = refusal(lambda: Protocol.from_dict(record))
        assert isinstance(err, InvalidRecordError)
        assert [(p.field, p.to_dict()["code"]) for p in err.problems] == [
            ("min_age_years", "invalid_value"),
            ("arms[1].dose_per_kg", "invalid_value"),
            ("infusion_days[2].days_after", "invalid_value"),
            ("enrolment_target", "unknown_key"),
        ]

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"max_weight_kg": "351"}, "max_weight_kg"),
            ({"dose_tolerance_percent": 101}, "dose_tolerance_percent"),
            ({"effective_date": "2022-02-30"}, "effective_date"),
            ({"version": " 2.0"}, "version"),
            ({"presume_patient_capacity": "yes"}, "presume_patient_capacity"),
            ({"eligible_aclf_grades": [1, "two"]}, "eligible_aclf_grades[1]"),
            ({"eligible_aclf_grades": [4]}, "eligible_aclf_grades"),
            ({"eligible_aclf_grades": 2}, "eligible_aclf_grades"),
            ({"arms": "low"}, "arms"),
            ({"follow_up_visits": [{"name": "Day 14"}]}, "follow_up_visits[0].study_day"),
            (
                {"criteria": [{"criterion_id": "I1", "kind": "inclusive", "text": "x"}]},
                "criteria[0].kind",
            ),
            ({"min_age_years": 71}, "min_age_years"),
            ({"nct_id": ...}, "nct_id"),
        ],
    )
    def test_one_bad_value(self, changes: dict[str, Any], field: str) -> None:
        """§9: one bad value is refused by its path."""
        assert invalid(lambda: Protocol.from_dict(_document(**changes))).field == field

    def test_criterion_without_evaluator(self) -> None:
        """§1 v2: a criterion id with no evaluator is refused when the document is read."""
        criteria = [*NCT04822922.to_dict()["criteria"]]
        criteria[3] = {"criterion_id": "E8", "kind": "exclusion", "text": "Smoker"}
        err = invalid(lambda: Protocol.from_dict(_document(criteria=criteria)))
        assert (err.field, err.value) == ("criteria[3].criterion_id", "E8")

    def test_criterion_kind_is_its_ids(self) -> None:
        """§5 (D-CRITERION-KIND): E3 read as an inclusion would invert its answer."""
        criteria = [{"criterion_id": "E3", "kind": "inclusion", "text": "Malignancy"}]
        err = invalid(lambda: Protocol.from_dict(_document(criteria=criteria)))
        assert isinstance(err, InconsistentRecordError)
        assert err.field == "criteria[0].kind"

    def test_criteria_may_be_dropped_reordered_reworded(self) -> None:
        """§1 v2: a file may drop, reorder and re-word criteria."""
        criteria = [
            {"criterion_id": "E6", "kind": "exclusion", "text": "Pregnant"},
            {"criterion_id": "I1", "kind": "inclusion", "text": "Age 18-75"},
        ]
        p = Protocol.from_dict(_document(criteria=criteria))
        assert [(c.criterion_id, c.text) for c in p.criteria] == [
            ("E6", "Pregnant"),
            ("I1", "Age 18-75"),
        ]

    def test_repeated_key_in_json_text(self) -> None:
        """§0 v2: a key repeated in the JSON text is refused with its path."""
        text = json.dumps(NCT04822922.to_dict()).replace(
            '"max_age_years": 70', '"max_age_years": 70, "max_age_years": 99'
        )
        err = invalid(lambda: Protocol.from_dict(text))
        assert isinstance(err, DuplicateKeyError)
        assert err.field == "max_age_years"


class TestDayAndCriterionRecords:
    """§9: DayWindow and Criterion records."""

    def test_day_window_defaults_and_round_trip(self) -> None:
        """§4.1: a window left out is 0 days."""
        assert DayWindow.from_dict({"name": "Infusion 1", "study_day": 1}) == DayWindow(
            name="Infusion 1", study_day=1
        )
        for day in (*NCT04822922.infusion_days, *NCT04822922.follow_up_visits):
            assert DayWindow.from_dict(day.to_dict()) == day

    def test_criterion_round_trip_and_required_keys(self) -> None:
        """§5: every criterion reads back; each key is required."""
        for c in NCT04822922.criteria:
            assert Criterion.from_dict(c.to_dict()) == c
        err = refusal(lambda: Criterion.from_dict({}))
        assert [p.field for p in err.problems] == ["criterion_id", "kind", "text"]

    def test_criterion_kind_is_checked(self) -> None:
        """§5: a kind is a CriterionKind, never a string."""
        err = invalid(lambda: Criterion(criterion_id="I1", kind="inclusion", text="x"))  # type: ignore[arg-type]
        assert err.field == "kind"


class TestProtocolFiles:
    """§1 v2: protocol files, JSON or TOML; problems name the file or the path inside it."""

    def test_json_and_toml_files(self, tmp_path: Path) -> None:
        """§1 v2: the same protocol from a .json and a .toml file."""
        as_json = tmp_path / "p.json"
        as_json.write_text(json.dumps(AMENDMENT.to_dict()))
        as_toml = tmp_path / "p.TOML"
        as_toml.write_text(protocol_toml(AMENDMENT))
        assert Protocol.from_file(as_json) == AMENDMENT
        assert Protocol.from_file(str(as_toml)) == AMENDMENT

    def test_toml_option_left_out_is_none(self, tmp_path: Path) -> None:
        """§1 v2: TOML has no null; a dose cap left out means none, one given is read exactly."""
        capped = attrs.evolve(NCT04822922, max_dosing_weight_kg=Decimal("120.125"))
        text = protocol_toml(capped)
        assert "max_dosing_weight_kg = 120.125" in text
        assert "max_dosing_weight_kg =" not in protocol_toml(NCT04822922)
        path = tmp_path / "capped.toml"
        path.write_text(text)
        assert Protocol.from_file(path) == capped

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("bad.toml", "nct_id = \n"),
            ("bad.toml", "a = 1\na = 2\n"),
            ("bad.json", '{"nct_id": '),
            ("latin1.toml", b'title = "\xe9"\n'),
            ("protocol.yaml", "nct_id: x\n"),
            ("missing.toml", None),
        ],
    )
    def test_unreadable_files_are_named(self, tmp_path: Path, name: str, content: object) -> None:
        """§1 v2: a missing file, bad TOML, bad JSON or another suffix names the file."""
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        err = invalid(lambda: Protocol.from_file(path))
        assert err.field == str(path)
        if name == "bad.json":
            assert isinstance(err, InvalidJsonError)

    def test_problems_inside_a_file_carry_paths(self, tmp_path: Path) -> None:
        """§1 v2: every problem of a TOML file with its path in the document."""
        text = protocol_toml(NCT04822922).replace("days_after = 1", "days_after = -1", 1)
        text = text.replace("min_age_years = 18", "min_age_years = 18.5\nstray = true")
        path = tmp_path / "bad.toml"
        path.write_text(text)
        err = refusal(lambda: Protocol.from_file(path))
        assert [p.field for p in err.problems] == [
            "min_age_years",
            "infusion_days[1].days_after",
            "stray",
        ]

    def test_a_path_that_is_no_path(self) -> None:
        """§0: a number is no file name; a name with a NUL character is refused by name."""
        assert invalid(lambda: Protocol.from_file(5)).field == "path"  # type: ignore[arg-type]
        err = invalid(lambda: Protocol.from_file("v2\x00.toml"))
        assert (err.field, err.value) == ("v2\x00.toml", "v2\x00.toml")

    @given(p=protocols())
    def test_toml_round_trip_law(self, p: Protocol) -> None:
        """§1 v2: protocol_toml(p) read by from_file is p, for any variant (own folder: a
        fixture's tmp_path is shared by every example)."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder, "p.toml")
            path.write_text(protocol_toml(p), encoding="utf-8")
            assert Protocol.from_file(path) == p


class TestShippedProtocols:
    """docs/protocols/: the built-in and the example amendment, so they cannot drift."""

    REGENERATE = (
        ".venv/bin/python -c 'from aclf_protocol.protocol import NCT04822922, protocol_toml; "
        'open("docs/protocols/nct04822922-1.0.toml", "w").write(protocol_toml(NCT04822922))\''
    )

    def test_built_in_file_is_generated(self) -> None:
        """docs/protocols/nct04822922-1.0.toml is protocol_toml(NCT04822922) to the byte."""
        committed = (PROTOCOLS_DIR / "nct04822922-1.0.toml").read_text(encoding="utf-8")
        assert committed == protocol_toml(NCT04822922), f"regenerate: {self.REGENERATE}"
        assert Protocol.from_file(PROTOCOLS_DIR / "nct04822922-1.0.toml") == NCT04822922

    def test_amendment_file(self) -> None:
        """The example amendment: version 2.0 from 2022-03-01, I1 to 75, Day 4 ±2 days."""
        assert Protocol.from_file(PROTOCOLS_DIR / "nct04822922-2.0.toml") == AMENDMENT

    def test_exactly_these_files(self) -> None:
        """docs/protocols holds the two example files."""
        assert sorted(p.name for p in PROTOCOLS_DIR.iterdir()) == [
            "nct04822922-1.0.toml",
            "nct04822922-2.0.toml",
        ]


class TestProtocolInForce:
    """§1 v2: the version in force on a date is the latest effective date on or before it."""

    VERSIONS = (AMENDMENT, NCT04822922)

    @pytest.mark.parametrize(
        ("on", "version"),
        [
            (date(2021, 9, 30), "1.0"),  # the day version 1.0 takes effect counts
            (date(2022, 2, 28), "1.0"),
            (date(2022, 3, 1), "2.0"),  # the day the amendment takes effect counts
            (date(2030, 1, 1), "2.0"),
        ],
    )
    def test_boundaries(self, on: date, version: str) -> None:
        """§1 v2: effective on ``on`` itself counts; the order of the list does not."""
        assert protocol_in_force(self.VERSIONS, on).version == version
        assert protocol_in_force(list(reversed(self.VERSIONS)), on).version == version

    def test_none_in_force_names_on(self) -> None:
        """§1 v2: a date before every effective date is refused, naming ``on``."""
        err = invalid(lambda: protocol_in_force(self.VERSIONS, date(2021, 9, 29)))
        assert (err.field, err.value) == ("on", date(2021, 9, 29))

    def test_same_effective_date_is_ambiguous(self) -> None:
        """§1 v2: two different protocols of one trial effective the same day are refused."""
        twin = attrs.evolve(AMENDMENT, version="2.1", max_age_years=72)
        err = invalid(lambda: protocol_in_force([AMENDMENT, twin], date(2030, 1, 1)))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("protocols", date(2022, 3, 1))

    def test_same_version_twice_is_ambiguous(self) -> None:
        """D-IN-FORCE: two different protocols named "2.0" could not be told apart in results."""
        later = attrs.evolve(AMENDMENT, effective_date=date(2023, 1, 1), max_age_years=72)
        err = invalid(lambda: protocol_in_force([AMENDMENT, later], date(2030, 1, 1)))
        assert (err.field, err.value) == ("protocols", "2.0")

    def test_the_same_protocol_twice_is_one(self) -> None:
        """D-IN-FORCE: an equal protocol given twice is no ambiguity."""
        assert protocol_in_force([AMENDMENT, AMENDMENT], date(2030, 1, 1)) == AMENDMENT

    def test_different_trials_are_refused(self) -> None:
        """§1 v2: versions of different trials are not one history."""
        other = attrs.evolve(NCT04822922, nct_id="NCT00000000", effective_date=date(2022, 1, 1))
        err = invalid(lambda: protocol_in_force([NCT04822922, other], date(2030, 1, 1)))
        assert err.value == ["NCT00000000", "NCT04822922"]

    @pytest.mark.parametrize(
        ("protocols_", "on", "field"),
        [
            ([], date(2022, 1, 1), "protocols"),
            (NCT04822922, date(2022, 1, 1), "protocols"),
            ([NCT04822922, "2.0"], date(2022, 1, 1), "protocols[1]"),
            ([NCT04822922], "2022-01-01", "on"),
        ],
    )
    def test_bad_arguments(self, protocols_: object, on: object, field: str) -> None:
        """§0: bad arguments are refused by name."""
        assert invalid(lambda: protocol_in_force(protocols_, on)).field == field  # type: ignore[arg-type]
