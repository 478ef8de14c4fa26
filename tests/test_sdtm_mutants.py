"""SDTM behaviours that mutation testing showed unpinned (issue #6, docs/mutation.md).

Each test states one rule of §0, §6.5 or §9 that a surviving mutant of
``aclf_protocol/sdtm.py`` broke without any other test noticing: every refusal read word for
word (§0: the argument path, the value and the rule). Patients, plans and events are
tests/test_sdtm.py's (RJ-001 high from 2021-09-30; RJ-002 medium from 2021-02-28).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
import pytest

from aclf_protocol import (
    NCT04822922,
    InvalidValueError,
    ae_rows,
    build_plan,
    dm_rows,
    ex_rows,
    record_infusion,
)
from aclf_protocol.protocol import DayWindow
from tests.test_sdtm import PLAN1, PLAN2, RJ1, RJ2, SAE1, SAE1_FOLLOW_UP


def refusal(call: Any) -> InvalidValueError:
    """The ``InvalidValueError`` that *call* raises."""
    with pytest.raises(InvalidValueError) as caught:
        call()
    return caught.value


class TestRefusalTexts:
    """§0, §9: each refused argument names its path, its value and the rule."""

    def test_not_a_plan(self) -> None:
        """§9: a dict among the plans is named plans[0]."""
        err = refusal(lambda: ex_rows([{"patient_id": "X"}]))  # type: ignore[list-item]
        assert str(err) == "plans[0]: must be an InfusionPlan (§9); got {'patient_id': 'X'}"

    def test_two_plans_for_one_patient(self) -> None:
        """§6.5: a second plan for RJ-001 is named with the patient id."""
        err = refusal(lambda: ex_rows([PLAN1, PLAN1]))
        assert str(err) == "plans[1].patient_id: one plan per patient (§6.5); got 'RJ-001'"

    def test_not_a_patient(self) -> None:
        """§9: a dict among the patients is named patients[0]."""
        err = refusal(lambda: dm_rows([{"patient_id": "X"}], []))  # type: ignore[list-item]
        assert str(err) == "patients[0]: must be a Patient (§9); got {'patient_id': 'X'}"

    def test_two_records_for_one_patient(self) -> None:
        """§9: a second record of RJ-001 is named with the patient id."""
        err = refusal(lambda: dm_rows([RJ1, RJ1], []))
        assert str(err) == "patients[1].patient_id: one record per patient (§9); got 'RJ-001'"

    def test_plan_without_a_patient(self) -> None:
        """§9: RJ-001's plan with only RJ-002 among the patients names the plan's path."""
        err = refusal(lambda: dm_rows([RJ2], [PLAN2, PLAN1]))
        assert str(err) == (
            "plans[1].patient_id: has no record among the patients (§9); got 'RJ-001'"
        )

    def test_arm_outside_the_protocol(self) -> None:
        """§2: an arm 'huge' is named under the plan with the arms allowed."""
        err = refusal(lambda: dm_rows([RJ2], [attrs.evolve(PLAN2, arm_id="huge")]))
        assert str(err) == (
            "plans[0].arm_id: must be one of 'low', 'medium', 'high' (§2); got 'huge'"
        )

    def test_birth_after_day_1(self) -> None:
        """§5: born after Day 1 names the patient's path and both dates."""
        unborn = attrs.evolve(RJ2, birth_date=date(2021, 3, 1))
        err = refusal(lambda: dm_rows([unborn], [PLAN2]))
        assert (err.field, err.value) == ("patients[0].birth_date", date(2021, 3, 1))
        assert err.rule == "must not be after the screening date 2021-02-28 (§5)"

    def test_not_an_event(self) -> None:
        """§6.1: a dict among the events is named events[0]."""
        err = refusal(lambda: ae_rows([{"event_id": "A"}], [PLAN1]))  # type: ignore[list-item]
        assert str(err) == "events[0]: must be a SafetyEvent (§6.1); got {'event_id': 'A'}"

    def test_event_without_a_plan(self) -> None:
        """§6.5: RJ-001's event with only RJ-002's plan names the patient id."""
        err = refusal(lambda: ae_rows([SAE1], [PLAN2]))
        assert str(err) == "events[0].patient_id: has no infusion plan (§6.5); got 'RJ-001'"

    @pytest.mark.parametrize(
        ("call", "name"),
        [
            (lambda: ex_rows(PLAN1), "plans"),  # type: ignore[arg-type]
            (lambda: dm_rows([RJ1], PLAN1), "plans"),  # type: ignore[arg-type]
            (lambda: ae_rows(SAE1, [PLAN1]), "events"),  # type: ignore[arg-type]
        ],
    )
    def test_single_record_is_not_a_list(self, call: Any, name: str) -> None:
        """§9: one plan or one event where a list belongs is named by the argument."""
        err = refusal(call)
        assert err.field == name
        assert err.rule == "must be a list of records (§9)"


class TestSecondMeasurement:
    """§1, §6.5, §9: what the first measurement found unpinned."""

    def test_patients_must_be_a_list(self) -> None:
        """§9: a single patient id where the list belongs is named 'patients'."""
        err = refusal(lambda: dm_rows("RJ-001", []))  # type: ignore[arg-type]
        assert (err.field, err.value) == ("patients", "RJ-001")

    def test_variant_study_id_in_ex_and_ae(self) -> None:
        """§1, §9: USUBJID takes the variant's study id in EX and AE rows too."""
        variant = attrs.evolve(NCT04822922, study_id="V-2")
        assert {r["USUBJID"] for r in ex_rows([PLAN1], protocol=variant)} == {"V-2-RJ-001"}
        assert [r["USUBJID"] for r in ae_rows([SAE1], [PLAN1], protocol=variant)] == ["V-2-RJ-001"]

    def test_visit_of_a_day_the_protocol_does_not_name(self) -> None:
        """§9: Day 3 of a (1, 3) variant plan is VISIT 'DAY 3' under the trial's own days."""
        days = (
            DayWindow(name="Infusion 1", study_day=1),
            DayWindow(name="Infusion 2", study_day=3),
        )
        variant = attrs.evolve(NCT04822922, infusion_days=days)
        plan = build_plan(
            patient_id="RJ-009", weight_kg=60, arm="low", start=date(2021, 10, 1), protocol=variant
        )
        plan = record_infusion(record_infusion(plan, 1, date(2021, 10, 1)), 2, date(2021, 10, 3))
        assert [r["VISIT"] for r in ex_rows([plan])] == ["INFUSION 1", "DAY 3"]
        assert [r["VISIT"] for r in ex_rows([plan], protocol=variant)] == [
            "INFUSION 1",
            "INFUSION 2",
        ]

    def test_latest_awareness_wins_whatever_the_input_order(self) -> None:
        """§6.5: the follow-up report (aware 10-11) is current even when given first."""
        rows = ae_rows([SAE1_FOLLOW_UP, SAE1], [PLAN1])
        assert [r["AEOUT"] for r in rows] == ["RECOVERED/RESOLVED"]
