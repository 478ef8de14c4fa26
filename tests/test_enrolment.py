"""The enrolment plan: stage 1, the stage-1 safety windows, the expansion arm (SPEC §8).

The worked examples enrol stage 1 on twelve consecutive days from 2021-10-01, arms in turn
low, medium, high: ``S1-00`` (low, 10-01) ... ``S1-11`` (high, 10-12). The last safety window
ends 2021-11-12 (10-12 + 1 month, §4.2), so stage 1 is complete from 2021-11-13.

The reasons the enrolment gives (why an arm is open, why nothing is selected) are kept in
``tests/golden/reasons/enrolment.txt``, the wording of every refusal in
``tests/golden/errors/enrolment.txt``.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import attrs
import pytest
from hypothesis import event as hypothesis_event
from hypothesis import example, given
from hypothesis import strategies as st

from aclf_protocol import (
    NCT04822922,
    Arm,
    Causality,
    EligibilityStatus,
    ExpansionOutcome,
    InconsistentRecordError,
    InfusionPlan,
    InvalidValueError,
    Patient,
    Protocol,
    ProtocolError,
    SafetyEvent,
    Seriousness,
    StudyDecision,
    check_eligibility,
    select_expansion_arm,
)
from aclf_protocol.eligibility import EligibilityResult
from aclf_protocol.enrolment import EnrolmentState, check_screening, enrol, enrolment_status
from aclf_protocol.errors import MissingFactError
from aclf_protocol.safety import EventOutcome, Expectedness
from aclf_protocol.schedule import build_plan
from aclf_protocol.stop_rules import PatientStatus
from tests.fixtures import (
    SPEC_RECORD,
    assert_golden,
    d,
    eligible_screening,
    error_table,
    invalid,
    unchecked,
)
from tests.strategies import SAFETY_START, arm_ids, enrolment_attempts, stage1_inputs

ARMS = ("low", "medium", "high")
LAST_WINDOW_END = date(2021, 11, 12)
#: Day 1 of the new patient of the screening tests (§8 v2).
DAY1 = SAFETY_START
EXPANSION_DAY = date(2021, 11, 13)
EFFICACY = {"low": 1, "medium": 3, "high": 2}


def new_plan(patient_id: str, arm: str, start: date) -> InfusionPlan:
    """A 60 kg patient's plan."""
    return build_plan(patient_id=patient_id, arm=arm, start=start, weight_kg=60)


def screened(plan: InfusionPlan, *, protocol: Protocol = NCT04822922) -> EligibilityResult:
    """The plan's patient screened ELIGIBLE on Day 1 under *protocol* (§8 v2)."""
    return eligible_screening(plan.patient_id, plan.start, protocol=protocol)


def enrolled(state: EnrolmentState, plan: InfusionPlan, **options: Any) -> EnrolmentState:
    """*state* with *plan* enrolled on an eligible screening of Day 1 under the state's protocol."""
    return state.enrol(plan, screened(plan, protocol=state.protocol), **options)


def screening_with(**history: object) -> EligibilityResult:
    """Patient NEW (SPEC_RECORD) screened on DAY1 with some history facts replaced."""
    record = copy.deepcopy(SPEC_RECORD)
    record["patient_id"] = "NEW"
    record["history"].update(history)
    return check_eligibility(Patient.from_dict(record), DAY1)


def stage1(n: int = 12) -> EnrolmentState:
    """The first *n* stage-1 patients of the module docstring."""
    state = EnrolmentState()
    for k in range(n):
        state = enrolled(state, new_plan(f"S1-{k:02d}", ARMS[k % 3], SAFETY_START + timedelta(k)))
    return state


def reaction(
    patient_id: str,
    onset: str,
    *,
    causality: Causality = Causality.PROBABLE,
    aware: str | None = None,
    event_id: str = "SAE-1",
) -> SafetyEvent:
    """A serious (hospitalisation) unexpected event."""
    return SafetyEvent(
        event_id=event_id,
        patient_id=patient_id,
        term="Event",
        onset_date=d(onset),
        awareness_date=d(aware or onset),
        seriousness={Seriousness.HOSPITALISATION},
        grade=3,
        causality=causality,
        expectedness=Expectedness.UNEXPECTED,
    )


#: A trial of one patient per arm in stage 1 and one more in the expansion (4 in all).
SMALL = attrs.evolve(NCT04822922, stage1_per_arm=1, expansion_size=1)
#: A variant that screens differently (I1 up to 75 years), and another trial's protocol.
OLDER = attrs.evolve(NCT04822922, max_age_years=75)
#: §1 v2: what a result's record names the built-in protocol by.
LABEL = {"nct_id": "NCT04822922", "version": "1.0"}
OTHER_TRIAL = attrs.evolve(NCT04822922, nct_id="NCT00000000")
#: A one-arm variant (arm 'mega') that NCT04822922 does not have.
MEGA = attrs.evolve(NCT04822922, arms=(Arm(arm_id="mega", label="m", dose_per_kg=9),))

BAD_EFFICACY: list[tuple[Any, str]] = [
    ({"huge": 1}, "efficacy"),
    ({"low": float("nan")}, "efficacy.low"),
    ({"low": True}, "efficacy.low"),
    ({"low": "good"}, "efficacy.low"),
    ([("low", 1)], "efficacy"),
]


def mega_plan() -> InfusionPlan:
    """Patient X's plan on MEGA's arm, from 2021-10-01."""
    return build_plan(
        patient_id="X", arm="mega", start=d("2021-10-01"), weight_kg=60, protocol=MEGA
    )


def small_stage1() -> list[InfusionPlan]:
    """One patient per arm from 2021-10-01: stage 1 of the SMALL variant."""
    return [
        new_plan("A", "low", d("2021-10-01")),
        new_plan("B", "medium", d("2021-10-01")),
        new_plan("C", "high", d("2021-10-01")),
    ]


def expanded(n: int) -> EnrolmentState:
    """Stage 1 plus *n* expansion patients in medium from 2021-11-13."""
    state = stage1()
    for k in range(n):
        plan = new_plan(f"S2-{k}", "medium", EXPANSION_DAY + timedelta(k))
        state = enrolled(state, plan, efficacy=EFFICACY)
    return state


def three_given() -> EnrolmentState:
    """S1-00 alone, with infusions 1-3 given on 10-01, 10-04 and 10-07 (Day 10 still to give)."""
    state = stage1(1)
    for number, when in enumerate(("2021-10-01", "2021-10-04", "2021-10-07"), start=1):
        state = state.record_infusion("S1-00", number, d(when))
    return state


def reaction_in_every_arm() -> list[SafetyEvent]:
    """A serious reaction on 10-25 in S1-00, S1-01 and S1-02 (one per arm)."""
    return [reaction(f"S1-{k:02d}", "2021-10-25", event_id=f"SAE-{k}") for k in range(3)]


def pending_in_treatment() -> SafetyEvent:
    """S1-04's serious event of 10-06 (its Day 3), not yet assessed: R2."""
    return reaction("S1-04", "2021-10-06", causality=Causality.NOT_ASSESSED)


def arm(arm_id: str, efficacy: object, *reactions: str) -> dict[str, object]:
    """The record of one arm's safety verdict, written by hand."""
    return {
        "arm_id": arm_id,
        "acceptable": not reactions,
        "reactions": list(reactions),
        "efficacy": efficacy,
    }


def two_expanded_arms() -> list[InfusionPlan]:
    """Five patients in low and five in medium from SAFETY_START: two arms beyond stage 1."""
    plans = [new_plan(f"L{k}", "low", SAFETY_START) for k in range(5)]
    return plans + [new_plan(f"M{k}", "medium", SAFETY_START) for k in range(5)]


class TestStage1:
    """§8 stage 1: four patients in each arm, then one month of safety windows."""

    def test_twelve_fill_stage_1(self) -> None:
        """Twelve patients, four per arm, stage 1 full; the windows end 2021-11-12."""
        status = stage1().status(on=d("2021-10-12"))
        assert status.counts == {"low": 4, "medium": 4, "high": 4}
        assert status.stage1_full
        assert status.stage1_safety_end == LAST_WINDOW_END
        assert not status.stage1_complete
        assert status.arms[0].stage1 == ("S1-00", "S1-03", "S1-06", "S1-09")
        assert status.open_arms == ()

    def test_open_arms_while_filling(self) -> None:
        """After five patients (two low, two medium, one high) every arm is still open."""
        status = stage1(5).status(on=d("2021-10-05"))
        assert status.counts == {"low": 2, "medium": 2, "high": 1}
        assert status.open_arms == ARMS
        assert status.may_enrol

    def test_full_arm_is_refused(self) -> None:
        """A fifth low-dose patient in stage 1 is refused, naming the arm."""
        state = stage1(10)  # low has 4 (S1-00, 03, 06, 09)
        err = invalid(lambda: enrolled(state, new_plan("NEW", "low", d("2021-10-11"))))
        assert (err.field, err.value) == ("arm_id", "low")
        assert state.status(on=d("2021-10-11")).open_arms == ("medium", "high")

    def test_same_patient_twice(self) -> None:
        """§8: a patient is enrolled once."""
        err = invalid(lambda: enrolled(stage1(3), new_plan("S1-01", "high", d("2021-10-04"))))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("patient_id", "S1-01")

    def test_arm_outside_the_protocol(self) -> None:
        """A plan on an arm the protocol does not have is refused."""
        assert invalid(lambda: enrol([], mega_plan(), screened(mega_plan()))).field == "arm"

    def test_enrol_needs_a_plan(self) -> None:
        """§8: a dict is not a plan."""
        bad: Any = {"patient_id": "X"}
        err = invalid(lambda: enrol([], bad, eligible_screening("X", SAFETY_START)))
        assert (err.field, err.value) == ("plan", bad)

    @pytest.mark.parametrize("efficacy", [None, EFFICACY])
    def test_nobody_before_the_windows_end(self, efficacy: dict[str, int] | None) -> None:
        """Boundary: on 2021-11-12 stage 1 is still in its safety windows: no arm is open."""
        plan = new_plan("NEW", "medium", LAST_WINDOW_END)
        err = invalid(lambda: enrolled(stage1(), plan, efficacy=efficacy))
        assert (err.field, err.value) == ("arm_id", "medium")
        status = stage1().status(on=LAST_WINDOW_END, efficacy=EFFICACY)
        assert status.open_arms == ()
        assert status.selection is not None
        assert status.selection.outcome is ExpansionOutcome.STAGE1_INCOMPLETE

    def test_complete_the_day_after(self) -> None:
        """Boundary: on 2021-11-13 stage 1 is complete."""
        assert stage1().status(on=EXPANSION_DAY).stage1_complete
        assert not stage1().status(on=LAST_WINDOW_END).stage1_complete

    def test_plans_must_be_a_list(self) -> None:
        """§9: one plan where a list belongs is refused as 'plans' by every entry point."""
        plan: Any = new_plan("X", "low", d("2021-10-01"))
        calls: list[Callable[[], object]] = [
            lambda: select_expansion_arm(plan, (), {}, on=EXPANSION_DAY),
            lambda: enrolment_status(plan, (), on=EXPANSION_DAY),
            lambda: enrol(plan, plan, screened(plan)),
        ]
        for call in calls:
            err = invalid(call)
            assert (err.field, err.value) == ("plans", plan)


class TestExpansionArm:
    """§8: the acceptable arm with the best efficacy; ties to the lower dose."""

    def test_best_efficacy_wins(self) -> None:
        """low 1, medium 3, high 2: medium."""
        state = stage1()
        selection = select_expansion_arm(state.plans, (), EFFICACY, on=EXPANSION_DAY)
        assert selection.outcome is ExpansionOutcome.SELECTED
        assert selection.arm_id == "medium"
        assert selection.acceptable == ARMS

    @pytest.mark.parametrize(
        ("efficacy", "winner"),
        [
            ({"low": 1, "medium": 3, "high": 3}, "medium"),
            ({"low": 5, "medium": 3, "high": 5}, "low"),
            ({"low": Decimal("0.3"), "medium": 0, "high": 0.3}, "low"),  # 0.3 via repr (§0)
            ({"low": 0, "medium": "2.50", "high": Decimal("2.5")}, "medium"),
        ],
    )
    def test_tie_goes_to_the_lower_dose(self, efficacy: dict[str, Any], winner: str) -> None:
        """Equal efficacy: the lower dose per kg wins."""
        selection = select_expansion_arm(stage1().plans, (), efficacy, on=EXPANSION_DAY)
        assert selection.arm_id == winner

    def test_reaction_after_treatment_makes_an_arm_unacceptable(self) -> None:
        """A probable SAE on Day 20 in low stops nothing (R1 is Day 1-10) but rules out low."""
        event = reaction("S1-00", "2021-10-20")
        selection = select_expansion_arm(
            stage1().plans, [event], {"low": 9, "medium": 3, "high": 2}, on=EXPANSION_DAY
        )
        assert selection.arm_id == "medium"
        assert selection.acceptable == ("medium", "high")
        assert selection.arms[0].reactions == ("SAE-1",)

    def test_reaction_on_day_1_counts_against_the_arm(self) -> None:
        """§4.2, §8: the safety window starts on Day 1; a reaction that day rules low out."""
        selection = select_expansion_arm(
            stage1().plans, [reaction("S1-00", "2021-10-01")], EFFICACY, on=EXPANSION_DAY
        )
        assert [(a.arm_id, a.reactions) for a in selection.arms] == [
            ("low", ("SAE-1",)),
            ("medium", ()),
            ("high", ()),
        ]

    def test_unassessed_reaction_counts_against_the_arm(self) -> None:
        """§6.2: not yet assessed counts as a reaction (outside treatment: no R2)."""
        event = reaction("S1-01", "2021-10-25", causality=Causality.NOT_ASSESSED)
        selection = select_expansion_arm(stage1().plans, [event], EFFICACY, on=EXPANSION_DAY)
        assert selection.arm_id == "high"

    def test_unrelated_sae_does_not_count(self) -> None:
        """An SAE assessed unrelated (R3) leaves the arm acceptable."""
        event = reaction("S1-01", "2021-10-25", causality=Causality.UNRELATED)
        selection = select_expansion_arm(stage1().plans, [event], EFFICACY, on=EXPANSION_DAY)
        assert selection.arm_id == "medium"

    def test_reaction_after_the_safety_window_does_not_count(self) -> None:
        """S1-01 started 10-02: its window ends 11-02; a reaction on 11-03 does not count."""
        inside = reaction("S1-01", "2021-11-02")
        outside = reaction("S1-01", "2021-11-03")
        plans = stage1().plans
        assert select_expansion_arm(plans, [inside], EFFICACY, on=EXPANSION_DAY).arm_id == "high"
        assert select_expansion_arm(plans, [outside], EFFICACY, on=EXPANSION_DAY).arm_id == "medium"

    def test_unknown_reaction_does_not_count_yet(self) -> None:
        """A reaction the site learns of after ``on`` is not yet known (§6.5)."""
        event = reaction("S1-01", "2021-10-25", aware="2021-11-20")
        selection = select_expansion_arm(stage1().plans, [event], EFFICACY, on=EXPANSION_DAY)
        assert selection.arm_id == "medium"

    def test_acceptable_arm_without_efficacy(self) -> None:
        """§8: an acceptable arm with no efficacy figure is refused, naming the arm."""
        efficacy = {"low": 1, "medium": 2}
        err = invalid(lambda: select_expansion_arm(stage1().plans, (), efficacy, on=EXPANSION_DAY))
        assert (err.field, err.value) == ("efficacy", "high")

    def test_unacceptable_arm_needs_no_efficacy(self) -> None:
        """An arm ruled out needs no figure."""
        event = reaction("S1-02", "2021-10-20")
        selection = select_expansion_arm(
            stage1().plans, [event], {"low": 1, "medium": 2}, on=EXPANSION_DAY
        )
        assert selection.arm_id == "medium"

    def test_no_acceptable_arm(self) -> None:
        """A reaction in every arm: no expansion, nobody enrolled."""
        events = reaction_in_every_arm()
        state = stage1()
        for event in events:
            state = state.report(event)
        selection = select_expansion_arm(state.plans, events, {}, on=EXPANSION_DAY)
        assert selection.outcome is ExpansionOutcome.NO_ACCEPTABLE_ARM
        assert selection.arm_id is None
        assert selection.acceptable == ()
        status = state.status(on=EXPANSION_DAY, efficacy={})
        assert status.open_arms == ()
        assert status.selection == selection

    def test_nothing_selected_before_completion(self) -> None:
        """Before the windows end, or with stage 1 not full, stage 1 is incomplete."""
        selection = select_expansion_arm(stage1().plans, (), EFFICACY, on=LAST_WINDOW_END)
        assert selection.outcome is ExpansionOutcome.STAGE1_INCOMPLETE
        not_full = select_expansion_arm(stage1(11).plans, (), EFFICACY, on=EXPANSION_DAY)
        assert not_full.outcome is ExpansionOutcome.STAGE1_INCOMPLETE
        assert not_full.reason != selection.reason  # two reasons (golden file)

    @pytest.mark.parametrize(("efficacy", "field"), BAD_EFFICACY)
    def test_bad_efficacy(self, efficacy: Any, field: str) -> None:
        """Efficacy maps protocol arm ids to finite numbers."""
        err = invalid(lambda: select_expansion_arm(stage1().plans, (), efficacy, on=EXPANSION_DAY))
        assert err.field == field
        err = invalid(lambda: enrolment_status([], (), on=EXPANSION_DAY, efficacy=efficacy))
        assert err.field == field

    def test_selection_reads_the_protocol_for_the_stop_rules(self) -> None:
        """§1: a plan on a one-arm variant's arm is judged under that variant, not refused."""
        plan = mega_plan()
        selection = select_expansion_arm([plan], (), {"mega": 1}, on=EXPANSION_DAY, protocol=MEGA)
        assert selection.outcome is ExpansionOutcome.STAGE1_INCOMPLETE


class TestStoppedStudy:
    """§8, §6.5: a suspended or terminated study enrols no one and selects nothing."""

    def test_suspended_study_enrols_no_one(self) -> None:
        """An unassessed SAE in treatment (R2) closes enrolment in stage 1."""
        state = stage1(5).report(pending_in_treatment())
        status = state.status(on=d("2021-10-06"))
        assert status.decision is StudyDecision.SUSPEND
        assert status.open_arms == ()
        err = invalid(lambda: enrolled(state, new_plan("NEW", "high", d("2021-10-06"))))
        assert (err.field, err.value) == ("arm_id", "high")
        selection = state.status(on=d("2021-10-07"), efficacy=EFFICACY).selection
        assert selection is not None
        assert selection.outcome is ExpansionOutcome.STUDY_SUSPENDED

    def test_suspension_lifts_after_assessment(self) -> None:
        """Assessed unrelated: enrolment resumes."""
        pending = pending_in_treatment()
        assessed = attrs.evolve(
            pending, awareness_date=d("2021-10-08"), causality=Causality.UNRELATED
        )
        state = stage1(5).report(pending).report(assessed)
        assert enrolled(state, new_plan("NEW", "high", d("2021-10-08"))).status(
            on=d("2021-10-08")
        ).counts == {"low": 2, "medium": 2, "high": 2}

    def test_terminated_study_selects_nothing(self) -> None:
        """An R1 in stage 1: terminated, no selection, no enrolment ever after."""
        state = stage1().report(reaction("S1-11", "2021-10-14"))
        selection = select_expansion_arm(state.plans, state.events, EFFICACY, on=EXPANSION_DAY)
        assert selection.outcome is ExpansionOutcome.STUDY_TERMINATED
        assert selection.arm_id is None
        plan = new_plan("NEW", "medium", EXPANSION_DAY)
        err = invalid(lambda: enrolled(state, plan, efficacy=EFFICACY))
        assert (err.field, err.value) == ("arm_id", "medium")
        assert state.status(on=EXPANSION_DAY, efficacy=EFFICACY).open_arms == ()

    def test_suspended_selection(self) -> None:
        """A suspension at the end of stage 1 holds the selection."""
        late = new_plan("S1-11", "high", d("2021-10-30"))
        plans = (*stage1(11).plans, late)
        event = reaction("S1-11", "2021-11-05", causality=Causality.NOT_ASSESSED)
        selection = select_expansion_arm(plans, [event], EFFICACY, on=d("2021-12-01"))
        assert selection.outcome is ExpansionOutcome.STUDY_SUSPENDED


class TestExpansionStage:
    """§8 stage 2: four more in the selected arm, sixteen in all."""

    def test_four_more_in_the_selected_arm(self) -> None:
        """Medium receives S2-0..S2-3: sixteen in all, then the target is reached."""
        state = expanded(4)
        status = state.status(on=d("2021-11-20"), efficacy=EFFICACY)
        assert status.counts == {"low": 4, "medium": 8, "high": 4}
        assert status.total == 16
        assert status.open_arms == ()
        assert status.arms[1].expansion == ("S2-0", "S2-1", "S2-2", "S2-3")
        plan = new_plan("S2-4", "medium", d("2021-11-20"))
        err = invalid(lambda: enrolled(state, plan, efficacy=EFFICACY))
        assert (err.field, err.value) == ("arm_id", "medium")

    def test_other_arms_are_closed(self) -> None:
        """During the expansion only the selected arm is open."""
        state = expanded(1)
        assert state.status(on=d("2021-11-20"), efficacy=EFFICACY).open_arms == ("medium",)
        plan = new_plan("X", "low", d("2021-11-20"))
        err = invalid(lambda: enrolled(state, plan, efficacy=EFFICACY))
        assert (err.field, err.value) == ("arm_id", "low")

    def test_no_efficacy_no_expansion(self) -> None:
        """Without efficacy figures the expansion arm cannot be chosen."""
        status = stage1().status(on=EXPANSION_DAY)
        assert status.selection is None
        assert status.open_arms == ()
        err = invalid(lambda: enrolled(stage1(), new_plan("X", "medium", EXPANSION_DAY)))
        assert (err.field, err.value) == ("arm_id", "medium")

    def test_expansion_locked_to_its_arm(self) -> None:
        """A reaction learnt of later rules medium out: the expansion stops, it does not move."""
        state = expanded(2).report(
            reaction("S1-01", "2021-10-20", aware="2021-11-16", event_id="LATE")
        )
        status = state.status(on=d("2021-11-16"), efficacy=EFFICACY)
        assert status.selection is not None
        assert status.selection.arm_id == "high"
        assert status.open_arms == ()

    def test_target_reached_in_a_variant(self) -> None:
        """§8: in the four-patient variant the fourth patient reaches the target."""
        plans = [*small_stage1(), new_plan("D", "low", d("2021-11-02"))]
        status = enrolment_status(plans, (), on=d("2021-11-03"), protocol=SMALL)
        assert status.total == 4
        assert status.open_arms == ()

    def test_to_dict_is_json(self) -> None:
        """The status writes as JSON with the selection."""
        record = expanded(1).status(on=d("2021-11-14"), efficacy=EFFICACY).to_dict()
        assert json.loads(json.dumps(record)) == record
        assert record["selection"]["arm_id"] == "medium"
        assert record["open_arms"] == ["medium"]
        assert record["total"] == 13


class TestEligibleScreening:
    """§8 v2: enrolment needs the patient's ELIGIBLE screening under the enrolling protocol,
    dated on or before Day 1 and at most ``max_screening_age_days`` (14) before it."""

    @pytest.mark.parametrize("days_before", [0, 1, 14])
    def test_screened_within_the_limit(self, days_before: int) -> None:
        """Boundary: screened on Day 1, the day before, or exactly 14 days before: enrolled."""
        plan = new_plan("NEW", "low", DAY1)
        screening = eligible_screening("NEW", DAY1 - timedelta(days=days_before))
        assert enrol([], plan, screening) == (plan,)
        assert check_screening(plan, screening) is screening
        assert EnrolmentState().enrol(plan, screening).plans == (plan,)

    def test_fifteen_days_before_is_too_old(self) -> None:
        """Boundary: screened 15 days before Day 1 is refused on ``screening.on``."""
        screened_on = DAY1 - timedelta(days=15)
        err = invalid(
            lambda: enrol([], new_plan("NEW", "low", DAY1), eligible_screening("NEW", screened_on))
        )
        assert type(err) is InvalidValueError
        assert (err.field, err.value) == ("screening.on", screened_on)
        assert err.to_dict()["code"] == "invalid_value"

    def test_screened_after_day_1(self) -> None:
        """Boundary: a screening dated the day after Day 1 contradicts the plan."""
        after = DAY1 + timedelta(days=1)
        err = invalid(
            lambda: enrol([], new_plan("NEW", "low", DAY1), eligible_screening("NEW", after))
        )
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("screening.on", after)
        assert err.to_dict()["code"] == "inconsistent_record"

    @pytest.mark.parametrize(
        ("most", "days_before", "enrolled"),
        [(0, 0, True), (0, 1, False), (30, 30, True), (30, 31, False)],
    )
    def test_the_limit_is_the_protocols(self, most: int, days_before: int, enrolled: bool) -> None:
        """§1, §8: ``max_screening_age_days`` of the enrolling protocol sets the limit (0: Day 1
        only)."""
        variant = attrs.evolve(NCT04822922, max_screening_age_days=most)
        plan = new_plan("NEW", "high", DAY1)
        screening = eligible_screening("NEW", DAY1 - timedelta(days=days_before), protocol=variant)
        if enrolled:
            assert enrol([], plan, screening, protocol=variant) == (plan,)
        else:
            err = invalid(lambda: enrol([], plan, screening, protocol=variant))
            assert (err.field, err.to_dict()["code"]) == ("screening.on", "invalid_value")

    @pytest.mark.parametrize("value", [None, "eligible", {"status": "eligible"}, SPEC_RECORD])
    def test_no_screening_result(self, value: object) -> None:
        """Anything but an eligibility result is refused on ``screening``."""
        err = invalid(lambda: enrol([], new_plan("NEW", "low", DAY1), unchecked(value)))
        assert (err.field, err.value, err.to_dict()["code"]) == (
            "screening",
            value,
            "invalid_value",
        )

    def test_protocol_must_be_a_protocol(self) -> None:
        """§1: the protocol a screening is compared with is checked by name."""
        plan = new_plan("NEW", "low", DAY1)
        err = invalid(
            lambda: check_screening(plan, screened(plan), protocol=unchecked("NCT04822922"))
        )
        assert (err.field, err.value) == ("protocol", "NCT04822922")

    def test_incomplete_screening(self) -> None:
        """§0, §5: an INCOMPLETE screening is a missing fact, naming what is still unknown."""
        screening = screening_with(hiv=None)
        err = invalid(lambda: enrol([], new_plan("NEW", "low", DAY1), screening))
        assert isinstance(err, MissingFactError)
        assert (err.field, err.value) == ("screening.status", "incomplete")
        assert err.to_dict()["code"] == "missing_fact"
        assert "history.hiv" in err.rule

    def test_ineligible_screening(self) -> None:
        """§5: an INELIGIBLE screening is refused, naming the deciding criterion."""
        err = invalid(lambda: enrol([], new_plan("NEW", "low", DAY1), screening_with(hiv=True)))
        assert type(err) is InvalidValueError
        assert (err.field, err.value) == ("screening.status", "ineligible")
        assert "E4" in err.rule

    def test_another_patients_screening(self) -> None:
        """The screening of another patient contradicts the plan."""
        err = invalid(
            lambda: enrol([], new_plan("NEW", "low", DAY1), eligible_screening("OTHER", DAY1))
        )
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("screening.patient_id", "OTHER")
        assert err.to_dict()["code"] == "inconsistent_record"

    @pytest.mark.parametrize(
        ("screened_under", "name"),
        [
            (OLDER, "NCT04822922 version 1.0"),  # a variant of this protocol
            (OTHER_TRIAL, "NCT00000000 version 1.0"),
            (attrs.evolve(NCT04822922, version="2.0"), "NCT04822922 version 2.0"),  # §1 v2
        ],
    )
    def test_screened_under_another_protocol(self, screened_under: Protocol, name: str) -> None:
        """§1: a screening under another protocol, another version (§1 v2) or a variant of this
        one is refused, naming the protocol and version it was made under."""
        screening = eligible_screening("NEW", DAY1, protocol=screened_under)
        err = invalid(lambda: enrol([], new_plan("NEW", "low", DAY1), screening))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("screening.protocol", name)
        assert err.to_dict()["code"] == "inconsistent_record"

    def test_state_refuses_and_stays(self) -> None:
        """EnrolmentState.enrol checks the screening too and leaves the state unchanged."""
        state = stage1(2)
        stale = eligible_screening("NEW", DAY1 - timedelta(days=15))
        err = invalid(lambda: state.enrol(new_plan("NEW", "high", DAY1), stale))
        assert err.field == "screening.on"
        assert len(state.plans) == 2


class TestPatientWhoDied:
    """§8 with §6.7 v2 deaths (D-ENR-DIED): a stage-1 patient who died keeps their place, stage 1
    completes on the calendar, and the death counts against the arm only as a reaction."""

    @staticmethod
    def death(causality: Causality) -> SafetyEvent:
        """S1-00 (low, Day 1 10-01) dies on 10-20, after the treatment period (no R1/R2)."""
        return SafetyEvent(
            event_id="SAE-D",
            patient_id="S1-00",
            term="Death",
            onset_date=d("2021-10-20"),
            awareness_date=d("2021-10-20"),
            seriousness={Seriousness.DEATH},
            grade=5,
            causality=causality,
            expectedness=Expectedness.UNEXPECTED,
            outcome=EventOutcome.FATAL,
        )

    def test_a_death_does_not_bring_stage_1_forward(self) -> None:
        """Twelve enrolled, the windows still end 11-12, nobody may replace the patient."""
        state = stage1().report(self.death(Causality.UNRELATED))
        status = state.status(on=d("2021-10-21"), efficacy=EFFICACY)
        assert (status.total, status.stage1_safety_end) == (12, LAST_WINDOW_END)
        assert status.open_arms == ()
        assert state.status(on=EXPANSION_DAY, efficacy=EFFICACY).stage1_complete

    @pytest.mark.parametrize(
        ("causality", "acceptable"),
        [
            (Causality.UNRELATED, True),
            (Causality.UNLIKELY, True),
            (Causality.POSSIBLE, False),
            (Causality.NOT_ASSESSED, False),
        ],
    )
    def test_a_death_counts_against_the_arm_as_a_reaction(
        self, causality: Causality, acceptable: bool
    ) -> None:
        """§6.2, §8: a death in the window rules low out when it is (or may be) a reaction."""
        selection = select_expansion_arm(
            stage1().plans, [self.death(causality)], EFFICACY, on=EXPANSION_DAY
        )
        assert ("low" in selection.acceptable) is acceptable
        assert selection.arms[0].reactions == (() if acceptable else ("SAE-D",))

    def test_no_infusion_after_the_death(self) -> None:
        """§6.7 v2: a death on Day 3 (unrelated) cancels that patient's open infusions, so the
        next one cannot be recorded; the other patients go on."""
        early = attrs.evolve(
            self.death(Causality.UNRELATED),
            onset_date=d("2021-10-03"),
            awareness_date=d("2021-10-03"),
        )
        state = stage1(2).report(early)
        assert state.evaluate(on=d("2021-10-04")).status["S1-00"] is PatientStatus.DIED
        err = invalid(lambda: state.record_infusion("S1-00", 2, d("2021-10-04")))
        assert (err.field, err.value) == ("number", 2)
        after = state.record_infusion("S1-01", 2, d("2021-10-05"))
        assert after.plans[1].infusions[1].given_date == d("2021-10-05")


class TestEnrolmentLimits:
    """§8: the enrolment record itself must be possible."""

    def test_two_expanded_arms(self) -> None:
        """Five in low and five in medium cannot both be beyond stage 1."""
        err = invalid(lambda: enrolment_status(two_expanded_arms(), (), on=SAFETY_START))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("plans", ["low", "medium"])

    def test_arm_beyond_eight(self) -> None:
        """No arm holds more than 4 + 4."""
        plans = [new_plan(f"L{k}", "low", SAFETY_START) for k in range(9)]
        err = invalid(lambda: enrolment_status(plans, (), on=SAFETY_START))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("plans", "low")

    def test_beyond_the_target(self) -> None:
        """No record holds more than sixteen."""
        plans = [new_plan(f"P{k}", ARMS[k % 3], SAFETY_START) for k in range(17)]
        err = invalid(lambda: enrolment_status(plans, (), on=SAFETY_START))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("plans", 17)


class TestStateTransitions:
    """§6.5, §6.6: EnrolmentState's checked, immutable transitions."""

    def test_infusion_date_must_be_a_date(self) -> None:
        """§0: the date an infusion was given is checked under its own name."""
        err = invalid(lambda: stage1(2).record_infusion("S1-00", 2, unchecked("2021-10-04")))
        assert (err.field, err.value) == ("given_on", "2021-10-04")
        assert err.rule == "must be a calendar date (§0)"

    def test_infusion_refused_while_suspended(self) -> None:
        """§6.5: an unassessed SAE on 10-03 suspends; an infusion on 10-04 is refused."""
        state = stage1(2).report(reaction("S1-00", "2021-10-03", causality=Causality.NOT_ASSESSED))
        err = invalid(lambda: state.record_infusion("S1-00", 2, d("2021-10-04")))
        assert (err.field, err.value) == ("given_on", d("2021-10-04"))

    def test_infusion_refused_while_terminated(self) -> None:
        """§6.5: a probable SAE on 10-03 terminates; an infusion on 10-05 is refused."""
        state = stage1(2).report(reaction("S1-00", "2021-10-03"))
        err = invalid(lambda: state.record_infusion("S1-01", 2, d("2021-10-05")))
        assert (err.field, err.value) == ("given_on", d("2021-10-05"))

    def test_infusion_before_the_report_is_fine(self) -> None:
        """An infusion given before the site learnt of the event is recorded."""
        state = stage1(2).report(
            reaction("S1-00", "2021-10-03", aware="2021-10-05", causality=Causality.NOT_ASSESSED)
        )
        after = state.record_infusion("S1-00", 2, d("2021-10-04"))
        assert after.plans[0].infusions[1].given_date == d("2021-10-04")
        assert state.plans[0].infusions[1].given_date is None  # the old state is unchanged

    def test_what_was_given_is_recorded(self) -> None:
        """§4.6: the cells, lot and viability go through to the plan."""
        after = stage1(2).record_infusion(
            "S1-00", 2, d("2021-10-04"), cells=10**8, lot="L-7", viability_percent=91.5
        )
        given = after.plans[0].infusions[1]
        assert (given.cells_given, given.lot, str(given.viability_percent)) == (
            10**8,
            "L-7",
            "91.5",
        )

    def test_late_infusion_that_would_extend_the_period(self) -> None:
        """§6.6: a Day-12 reaction is outside Day 1-10, but a fourth dose on 10-12 brings it in."""
        state = three_given().report(reaction("S1-00", "2021-10-12"))
        assert state.evaluate(on=d("2021-10-12")).decision is StudyDecision.CONTINUE
        err = invalid(lambda: state.record_infusion("S1-00", 4, d("2021-10-12")))
        assert (err.field, err.value) == ("given_on", d("2021-10-12"))
        assert err.rule.endswith(" SAE-1 (R1)")

    def test_late_infusion_names_every_event(self) -> None:
        """§6.6: two Day-12 reactions are both named, comma-separated."""
        state = three_given().report(reaction("S1-00", "2021-10-12"))
        state = state.report(reaction("S1-00", "2021-10-12", event_id="SAE-2"))
        err = invalid(lambda: state.record_infusion("S1-00", 4, d("2021-10-12")))
        assert err.rule.endswith(" SAE-1, SAE-2 (R1)")

    def test_report_for_an_unknown_patient(self) -> None:
        """An event needs the patient's plan."""
        err = invalid(lambda: stage1(2).report(reaction("NOBODY", "2021-10-03")))
        assert err.field.endswith("patient_id")
        assert err.value == "NOBODY"

    def test_unknown_patient_infusion(self) -> None:
        """Recording an infusion for nobody is an error."""
        err = invalid(lambda: stage1(2).record_infusion("NOBODY", 1, d("2021-10-03")))
        assert (err.field, err.value) == ("patient_id", "NOBODY")

    def test_state_evaluate_passes_done_marks(self) -> None:
        """§6.5: the state's evaluation honours the done marks given to it."""
        state = stage1(1).report(reaction("S1-00", "2021-10-03", causality=Causality.UNRELATED))
        result = state.evaluate(on=d("2021-10-06"), done=[("SAE-1", "sae_to_sponsor")])
        assert result.decision is StudyDecision.CONTINUE
        assert [(o.event_id, o.done, o.overdue) for o in result.obligations] == [
            ("SAE-1", True, False)
        ]


class TestVariantProtocol:
    """§1: every enrolment function reads the trial's numbers from ``protocol=``."""

    def test_status(self) -> None:
        """§8: one per arm fills stage 1 of SMALL; complete from 11-02."""
        status = enrolment_status(small_stage1(), (), on=d("2021-11-02"), protocol=SMALL)
        assert (status.stage1_full, status.stage1_complete) == (True, True)
        assert status.stage1_safety_end == d("2021-11-01")

    def test_selection(self) -> None:
        """§8: SMALL selects medium on 11-02 with the module's efficacy figures."""
        selection = select_expansion_arm(
            small_stage1(), (), EFFICACY, on=d("2021-11-02"), protocol=SMALL
        )
        assert selection.arm_id == "medium"

    def test_enrol_and_state(self) -> None:
        """§8: SMALL lets a fourth patient into medium, in enrol and in EnrolmentState."""
        fourth = new_plan("D", "medium", d("2021-11-02"))
        screening = screened(fourth, protocol=SMALL)
        assert len(enrol(small_stage1(), fourth, screening, efficacy=EFFICACY, protocol=SMALL)) == 4
        state = EnrolmentState(plans=tuple(small_stage1()), protocol=SMALL)
        assert enrolled(state, fourth, efficacy=EFFICACY).status(on=d("2021-11-02")).total == 4

    def test_status_reads_the_safety_window(self) -> None:
        """§4.2, §8: with two-month windows stage 1 of SMALL runs to 12-01."""
        longer = attrs.evolve(SMALL, safety_window_months=2)
        status = enrolment_status(small_stage1(), (), on=d("2021-11-02"), protocol=longer)
        assert status.stage1_safety_end == d("2021-12-01")
        assert not status.stage1_complete

    def test_state_reads_its_protocol(self) -> None:
        """§1: a one-arm variant's plan passes every transition of a state built on it."""
        state = enrolled(EnrolmentState(protocol=MEGA), mega_plan())
        state = state.record_infusion("X", 1, d("2021-10-01"))
        state = state.report(reaction("X", "2021-10-02", causality=Causality.UNRELATED))
        assert state.evaluate(on=d("2021-10-02")).status == {"X": PatientStatus.ACTIVE}
        assert state.status(on=d("2021-10-02")).counts == {"mega": 1}


class TestStatusRecords:
    """§8, §9: the selection and the status records, worked by hand."""

    def test_records_name_the_version(self) -> None:
        """§1 v2: the selection and the status name the protocol applied, and under another
        version they are other values, even with the same arms and counts."""
        amended = attrs.evolve(NCT04822922, version="2.0")
        plans = stage1().plans
        selection = select_expansion_arm(plans, [], EFFICACY, on=EXPANSION_DAY, protocol=amended)
        status = enrolment_status(plans, [], EXPANSION_DAY, efficacy=EFFICACY, protocol=amended)
        for record in (selection.to_dict(), status.to_dict(), status.to_dict()["selection"]):
            assert record["protocol"] == {**LABEL, "version": "2.0"}
        assert selection.arm_id == select_expansion_arm(plans, [], EFFICACY, EXPANSION_DAY).arm_id
        assert selection != select_expansion_arm(plans, [], EFFICACY, EXPANSION_DAY)
        assert status != enrolment_status(plans, [], EXPANSION_DAY, efficacy=EFFICACY)
        assert "Protocol" not in repr(selection) + repr(status)

    def test_selection_record(self) -> None:
        """§8: a reaction in high (Day 18 of S1-02) rules it out; medium's 2.5 beats low's 1."""
        selection = select_expansion_arm(
            stage1().plans,
            [reaction("S1-02", "2021-10-20")],
            {"low": 1, "medium": Decimal("2.5")},
            on=EXPANSION_DAY,
        )
        record = selection.to_dict()
        assert isinstance(record.pop("reason"), str)
        assert record == {
            "on": "2021-11-13",
            "protocol": LABEL,
            "outcome": "selected",
            "arm_id": "medium",
            "arms": [arm("low", 1), arm("medium", 2.5), arm("high", None, "SAE-1")],
        }

    def test_status_record_during_the_expansion(self) -> None:
        """§8: stage 1 complete, S2-0 enrolled in medium on 11-13, medium still open on 11-14."""
        state = enrolled(stage1(), new_plan("S2-0", "medium", EXPANSION_DAY), efficacy=EFFICACY)
        record = state.status(on=d("2021-11-14"), efficacy=EFFICACY).to_dict()
        reason, selection_reason = record.pop("reason"), record["selection"].pop("reason")
        assert reason == f"expansion: {selection_reason}"
        assert record == {
            "on": "2021-11-14",
            "protocol": LABEL,
            "decision": "continue",
            "arms": [
                {
                    "arm_id": "low",
                    "stage1": ["S1-00", "S1-03", "S1-06", "S1-09"],
                    "expansion": [],
                },
                {
                    "arm_id": "medium",
                    "stage1": ["S1-01", "S1-04", "S1-07", "S1-10"],
                    "expansion": ["S2-0"],
                },
                {
                    "arm_id": "high",
                    "stage1": ["S1-02", "S1-05", "S1-08", "S1-11"],
                    "expansion": [],
                },
            ],
            "total": 13,
            "stage1_full": True,
            "stage1_safety_end": "2021-11-12",
            "stage1_complete": True,
            "selection": {
                "on": "2021-11-14",
                "protocol": LABEL,
                "outcome": "selected",
                "arm_id": "medium",
                "arms": [arm("low", 1), arm("medium", 3), arm("high", 2)],
            },
            "open_arms": ["medium"],
        }

    def test_status_record_while_filling(self) -> None:
        """§8: two patients in, no efficacy: no selection, no safety end yet, all arms open."""
        record = stage1(2).status(on=d("2021-10-02")).to_dict()
        assert isinstance(record.pop("reason"), str)
        assert record == {
            "on": "2021-10-02",
            "protocol": LABEL,
            "decision": "continue",
            "arms": [
                {"arm_id": "low", "stage1": ["S1-00"], "expansion": []},
                {"arm_id": "medium", "stage1": ["S1-01"], "expansion": []},
                {"arm_id": "high", "stage1": [], "expansion": []},
            ],
            "total": 2,
            "stage1_full": False,
            "stage1_safety_end": None,
            "stage1_complete": False,
            "selection": None,
            "open_arms": ["low", "medium", "high"],
        }


class TestReasonWording:
    """§8, §6.5: why an arm is open or nothing is selected; the sentences are the golden file."""

    def test_reason_wording(self) -> None:
        """One line per situation: the status and selection reasons (golden/reasons/enrolment)."""
        terminated = stage1().report(reaction("S1-11", "2021-10-14"))
        suspended = stage1(5).report(pending_in_treatment())
        expanding = enrolled(stage1(), new_plan("S2-0", "medium", EXPANSION_DAY), efficacy=EFFICACY)
        locked = expanded(2).report(
            reaction("S1-01", "2021-10-20", aware="2021-11-16", event_id="LATE")
        )
        longer = attrs.evolve(SMALL, safety_window_months=2)
        four = [*small_stage1(), new_plan("D", "low", d("2021-11-02"))]
        statuses = [
            ("filling, 2 in, 10-02", stage1(2).status(on=d("2021-10-02"))),
            ("full, in windows, 11-12", stage1().status(on=LAST_WINDOW_END, efficacy=EFFICACY)),
            ("complete, no efficacy", stage1().status(on=EXPANSION_DAY)),
            (
                "complete, reaction in every arm",
                enrolment_status(
                    stage1().plans, reaction_in_every_arm(), on=EXPANSION_DAY, efficacy={}
                ),
            ),
            ("expansion, S2-0 in, 11-14", expanding.status(on=d("2021-11-14"), efficacy=EFFICACY)),
            ("expansion locked, 11-16", locked.status(on=d("2021-11-16"), efficacy=EFFICACY)),
            ("target reached, 16 in", expanded(4).status(on=d("2021-11-20"), efficacy=EFFICACY)),
            ("terminated (R1)", terminated.status(on=EXPANSION_DAY, efficacy=EFFICACY)),
            ("suspended (R2), 10-07", suspended.status(on=d("2021-10-07"), efficacy=EFFICACY)),
            (
                "SMALL, target of 4 reached",
                enrolment_status(four, (), on=d("2021-11-03"), protocol=SMALL),
            ),
            (
                "SMALL, two-month windows",
                enrolment_status(small_stage1(), (), on=d("2021-11-02"), protocol=longer),
            ),
        ]
        lines = []
        for label, status in statuses:
            lines.append(f"status {label} => {status.reason}")
            if status.selection is not None:
                lines.append(f"selection {label} => {status.selection.reason}")
        selections = [
            (
                "high ruled out, medium 2.5",
                select_expansion_arm(
                    stage1().plans,
                    [reaction("S1-02", "2021-10-20")],
                    {"low": 1, "medium": Decimal("2.5")},
                    on=EXPANSION_DAY,
                ),
            ),
            (
                "11 in stage 1",
                select_expansion_arm(stage1(11).plans, (), EFFICACY, on=EXPANSION_DAY),
            ),
            ("on 11-12", select_expansion_arm(stage1().plans, (), EFFICACY, on=LAST_WINDOW_END)),
        ]
        lines += [f"selection {label} => {s.reason}" for label, s in selections]
        assert_golden("reasons/enrolment.txt", "\n".join(lines) + "\n")


class TestErrorWording:
    """§0: every refusal names field, rule and value; the wording is the golden file."""

    def test_error_wording(self) -> None:
        """One line per refused call, class and full message (golden/errors/enrolment.txt)."""
        plans = stage1().plans
        not_a_plan: Any = {"patient_id": "X"}
        one_plan: Any = new_plan("X", "low", d("2021-10-01"))
        suspended = stage1(2).report(
            reaction("S1-00", "2021-10-03", causality=Causality.NOT_ASSESSED)
        )
        terminated = stage1(2).report(reaction("S1-00", "2021-10-03"))
        late = three_given().report(reaction("S1-00", "2021-10-12"))
        later = late.report(reaction("S1-00", "2021-10-12", event_id="SAE-2"))
        cases: list[tuple[str, Callable[[], object]]] = [
            *(
                (
                    f"select, efficacy {e!r}",
                    partial(select_expansion_arm, plans, (), e, on=EXPANSION_DAY),
                )
                for e, _ in BAD_EFFICACY
            ),
            *(
                (
                    f"status, efficacy {e!r}",
                    partial(enrolment_status, [], (), on=EXPANSION_DAY, efficacy=e),
                )
                for e, _ in BAD_EFFICACY
            ),
            (
                "select, no figure for high",
                partial(select_expansion_arm, plans, (), {"low": 1, "medium": 2}, on=EXPANSION_DAY),
            ),
            ("select, one plan", partial(select_expansion_arm, one_plan, (), {}, on=EXPANSION_DAY)),
            ("status, one plan", partial(enrolment_status, one_plan, (), on=EXPANSION_DAY)),
            ("enrol, one plan", partial(enrol, one_plan, one_plan, screened(one_plan))),
            ("enrol a dict", partial(enrol, [], not_a_plan, screened(one_plan))),
            ("enrol on arm 'mega'", partial(enrol, [], mega_plan(), screened(mega_plan()))),
            ("check a dict's screening", partial(check_screening, not_a_plan, screened(one_plan))),
            (
                "check under a dict",
                partial(
                    check_screening,
                    one_plan,
                    screened(one_plan),
                    protocol=unchecked({"nct_id": "NCT04822922"}),
                ),
            ),
            *(
                (f"enrol, {label}", partial(enrol, [], new_plan("NEW", "low", DAY1), screening))
                for label, screening in [
                    ("no screening", unchecked(None)),
                    ("screened 15 days before", eligible_screening("NEW", d("2021-09-16"))),
                    ("screened the day after", eligible_screening("NEW", d("2021-10-02"))),
                    ("incomplete screening", screening_with(hiv=None)),
                    ("screening missing two facts", screening_with(hiv=None, tuberculosis=None)),
                    ("ineligible screening", screening_with(hiv=True)),
                    ("OTHER's screening", eligible_screening("OTHER", DAY1)),
                    ("screened under a variant", eligible_screening("NEW", DAY1, protocol=OLDER)),
                    (
                        "screened under another trial",
                        eligible_screening("NEW", DAY1, protocol=OTHER_TRIAL),
                    ),
                ]
            ),
            (
                "enrol S1-01 twice",
                partial(enrolled, stage1(3), new_plan("S1-01", "high", d("2021-10-04"))),
            ),
            (
                "enrol a 5th low",
                partial(enrolled, stage1(10), new_plan("NEW", "low", d("2021-10-11"))),
            ),
            (
                "enrol on 11-12",
                partial(enrolled, stage1(), new_plan("NEW", "medium", LAST_WINDOW_END)),
            ),
            (
                "enrol on 11-12 with efficacy",
                partial(
                    enrolled,
                    stage1(),
                    new_plan("NEW", "medium", LAST_WINDOW_END),
                    efficacy=EFFICACY,
                ),
            ),
            (
                "enrol without efficacy",
                partial(enrolled, stage1(), new_plan("X", "medium", EXPANSION_DAY)),
            ),
            (
                "enrol while suspended",
                partial(
                    enrolled,
                    stage1(5).report(pending_in_treatment()),
                    new_plan("NEW", "high", d("2021-10-06")),
                ),
            ),
            (
                "enrol while terminated",
                partial(
                    enrolled,
                    stage1().report(reaction("S1-11", "2021-10-14")),
                    new_plan("NEW", "medium", EXPANSION_DAY),
                    efficacy=EFFICACY,
                ),
            ),
            (
                "enrol low in the expansion",
                partial(
                    enrolled, expanded(1), new_plan("X", "low", d("2021-11-20")), efficacy=EFFICACY
                ),
            ),
            (
                "enrol a 17th",
                partial(
                    enrolled,
                    expanded(4),
                    new_plan("S2-4", "medium", d("2021-11-20")),
                    efficacy=EFFICACY,
                ),
            ),
            (
                "status, two expanded arms",
                partial(enrolment_status, two_expanded_arms(), (), on=SAFETY_START),
            ),
            (
                "status, nine in low",
                partial(
                    enrolment_status,
                    [new_plan(f"L{k}", "low", SAFETY_START) for k in range(9)],
                    (),
                    on=SAFETY_START,
                ),
            ),
            (
                "status, seventeen",
                partial(
                    enrolment_status,
                    [new_plan(f"P{k}", ARMS[k % 3], SAFETY_START) for k in range(17)],
                    (),
                    on=SAFETY_START,
                ),
            ),
            (
                "infusion while suspended",
                partial(suspended.record_infusion, "S1-00", 2, d("2021-10-04")),
            ),
            (
                "infusion while terminated",
                partial(terminated.record_infusion, "S1-01", 2, d("2021-10-05")),
            ),
            (
                "late infusion over SAE-1",
                partial(late.record_infusion, "S1-00", 4, d("2021-10-12")),
            ),
            (
                "late infusion over SAE-1, SAE-2",
                partial(later.record_infusion, "S1-00", 4, d("2021-10-12")),
            ),
            ("report for NOBODY", partial(stage1(2).report, reaction("NOBODY", "2021-10-03"))),
            (
                "infusion for NOBODY",
                partial(stage1(2).record_infusion, "NOBODY", 1, d("2021-10-03")),
            ),
        ]
        assert_golden("errors/enrolment.txt", error_table(cases))


class TestEnrolmentLaws:
    """Laws of §8."""

    @given(
        attempts=st.lists(
            st.tuples(arm_ids, st.sampled_from([0, 0, 1, 2, 35])), min_size=8, max_size=30
        ),
        efficacy=st.fixed_dictionaries({a: st.integers(0, 3) for a in ARMS}),
    )
    def test_capacities_are_never_exceeded(
        self, attempts: list[tuple[str, int]], efficacy: dict[str, int]
    ) -> None:
        """Random enrolment attempts: at most 4 per arm in stage 1, one arm to 8, 16 in all."""
        state = EnrolmentState()
        on = SAFETY_START
        for number, (arm, gap) in enumerate(attempts):
            on += timedelta(days=gap)  # 35 days ends every safety window so far (§4.2)
            status = state.status(on=on, efficacy=efficacy)
            try:
                state = enrolled(state, new_plan(f"P{number}", arm, on), efficacy=efficacy)
            except ProtocolError:
                assert arm not in status.open_arms
            else:
                assert arm in status.open_arms
            counts = Counter(p.arm_id for p in state.plans)
            assert sum(counts.values()) <= 16
            assert sum(c > 4 for c in counts.values()) <= 1
            assert max(counts.values(), default=0) <= 8
            if not status.stage1_complete:
                assert max(counts.values(), default=0) <= 4

    @given(attempt=enrolment_attempts())
    @example(
        attempt=(
            Patient.from_dict({**SPEC_RECORD, "patient_id": "RJ-0001"}),
            d("2021-09-17"),
            NCT04822922,
            new_plan("RJ-0001", "low", d("2021-10-01")),
            NCT04822922,
        )
    )  # exactly 14 days: enrolled
    def test_enrolled_exactly_on_a_recent_eligible_screening(
        self, attempt: tuple[Patient, date, Protocol, InfusionPlan, Protocol]
    ) -> None:
        """§8 v2: enrolment is accepted (into an open arm) if and only if the screening is
        ELIGIBLE, of the same patient, under the same protocol, and 0 <= Day 1 - screening <=
        max_screening_age_days; a refusal names a ``screening`` path."""
        patient, screened_on, screened_under, plan, protocol = attempt
        screening = check_eligibility(patient, screened_on, protocol=screened_under)
        age = (plan.start - screened_on).days
        expected = (
            screening.status is EligibilityStatus.ELIGIBLE
            and patient.patient_id == plan.patient_id
            and screened_under == protocol
            and 0 <= age <= protocol.max_screening_age_days
        )
        hypothesis_event(f"enrolled: {expected}")
        if expected:
            assert enrol([], plan, screening, protocol=protocol) == (plan,)
        else:
            err = invalid(lambda: enrol([], plan, screening, protocol=protocol))
            assert err.field.startswith("screening")

    @given(inputs=stage1_inputs())
    def test_selected_arm_is_a_protocol_arm_and_acceptable(self, inputs: Any) -> None:
        """§8: a selected arm is one of the protocol's arms and acceptable; else none."""
        plans, events, efficacy, on = inputs
        selection = select_expansion_arm(plans, events, efficacy, on=on)
        assert (selection.arm_id is not None) is (selection.outcome is ExpansionOutcome.SELECTED)
        if selection.arm_id is not None:
            assert selection.arm_id in NCT04822922.arm_ids
            assert selection.arm_id in selection.acceptable
            best = max(efficacy[a] for a in selection.acceptable)
            assert efficacy[selection.arm_id] == best
            lower = ARMS[: ARMS.index(selection.arm_id)]
            assert all(efficacy[a] < best for a in lower if a in selection.acceptable)

    @given(inputs=stage1_inputs())
    @example(
        inputs=(
            stage1().plans,
            [reaction("S1-00", "2021-10-05", causality=Causality.NOT_ASSESSED)],
            {"low": Decimal(1), "medium": Decimal(1), "high": Decimal(1)},
            EXPANSION_DAY,
        )
    )
    def test_stopped_study_selects_nothing(self, inputs: Any) -> None:
        """A suspended or terminated study selects nothing and enrols no one."""
        plans, events, efficacy, on = inputs
        status = enrolment_status(plans, events, on=on, efficacy=efficacy)
        if status.decision is not StudyDecision.CONTINUE:
            assert status.selection is not None
            assert status.selection.arm_id is None
            assert status.open_arms == ()

    @given(inputs=stage1_inputs(), data=st.data())
    def test_order_of_plans_does_not_matter(self, inputs: Any, data: st.DataObject) -> None:
        """The selection is the same whatever the order of plans and events."""
        plans, events, efficacy, on = inputs
        shuffled = data.draw(st.permutations(plans))
        assert select_expansion_arm(
            shuffled, data.draw(st.permutations(events)), efficacy, on=on
        ) == select_expansion_arm(plans, events, efficacy, on=on)

    @given(inputs=stage1_inputs(), boost=st.integers(1, 5))
    def test_better_efficacy_keeps_the_winner(self, inputs: Any, boost: int) -> None:
        """Raising the selected arm's efficacy keeps it selected."""
        plans, events, efficacy, on = inputs
        selection = select_expansion_arm(plans, events, efficacy, on=on)
        if selection.arm_id is None:
            return
        better = {**efficacy, selection.arm_id: efficacy[selection.arm_id] + boost}
        assert select_expansion_arm(plans, events, better, on=on).arm_id == selection.arm_id
