"""The enrolment plan: stage 1, the stage-1 safety windows, the expansion arm (SPEC §8).

The worked examples enrol stage 1 on twelve consecutive days from 2021-10-01, arms in turn
low, medium, high: ``S1-00`` (low, 10-01) ... ``S1-11`` (high, 10-12). The last safety window
ends 2021-11-12 (10-12 + 1 month, §4.2), so stage 1 is complete from 2021-11-13.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aclf_protocol import (
    NCT04822922,
    Arm,
    Causality,
    EnrolmentState,
    ExpansionOutcome,
    Expectedness,
    InconsistentRecordError,
    InfusionPlan,
    InvalidValueError,
    ProtocolError,
    SafetyEvent,
    Seriousness,
    StudyDecision,
    build_plan,
    enrol,
    enrolment_status,
    select_expansion_arm,
)
from tests.strategies import SAFETY_START, arm_ids, stage1_inputs

ARMS = ("low", "medium", "high")
LAST_WINDOW_END = date(2021, 11, 12)
EXPANSION_DAY = date(2021, 11, 13)
EFFICACY = {"low": 1, "medium": 3, "high": 2}


def d(text: str) -> date:
    """A date from ISO text."""
    return date.fromisoformat(text)


def new_plan(patient_id: str, arm: str, start: date) -> InfusionPlan:
    """A 60 kg patient's plan."""
    return build_plan(patient_id=patient_id, arm=arm, start=start, weight_kg=60)


def stage1(n: int = 12) -> EnrolmentState:
    """The first *n* stage-1 patients of the module docstring."""
    state = EnrolmentState()
    for k in range(n):
        state = state.enrol(new_plan(f"S1-{k:02d}", ARMS[k % 3], SAFETY_START + timedelta(k)))
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


class TestStage1:
    """§8 stage 1: four patients in each arm."""

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
        """A fifth low-dose patient in stage 1 is refused; the open arms are named."""
        state = stage1(10)  # low has 4 (S1-00, 03, 06, 09)
        with pytest.raises(InvalidValueError, match=r"^arm_id: arm is closed; open arms: medium"):
            state.enrol(new_plan("NEW", "low", d("2021-10-11")))

    def test_same_patient_twice(self) -> None:
        """A patient is enrolled once."""
        with pytest.raises(InconsistentRecordError, match=r"^patient_id: is already enrolled"):
            stage1(3).enrol(new_plan("S1-01", "high", d("2021-10-04")))

    def test_arm_outside_the_protocol(self) -> None:
        """A plan on an arm the protocol does not have is refused."""
        variant = attrs.evolve(NCT04822922, arms=(Arm(arm_id="mega", label="m", dose_per_kg=9),))
        odd = build_plan(
            patient_id="X", arm="mega", start=d("2021-10-01"), weight_kg=60, protocol=variant
        )
        with pytest.raises(InvalidValueError, match=r"^arm: "):
            enrol([], odd)

    def test_nobody_before_the_windows_end(self) -> None:
        """Boundary: on 2021-11-12 stage 1 is still in its safety windows."""
        with pytest.raises(InvalidValueError, match=r"safety windows run to 2021-11-12"):
            stage1().enrol(new_plan("NEW", "medium", LAST_WINDOW_END), efficacy=EFFICACY)

    def test_complete_the_day_after(self) -> None:
        """Boundary: on 2021-11-13 stage 1 is complete."""
        assert stage1().status(on=EXPANSION_DAY).stage1_complete
        assert not stage1().status(on=LAST_WINDOW_END).stage1_complete


class TestSelection:
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
        """§8: an acceptable arm with no efficacy figure is a ProtocolError."""
        with pytest.raises(InvalidValueError, match=r"^efficacy: .*'high'"):
            select_expansion_arm(stage1().plans, (), {"low": 1, "medium": 2}, on=EXPANSION_DAY)

    def test_unacceptable_arm_needs_no_efficacy(self) -> None:
        """An arm ruled out needs no figure."""
        event = reaction("S1-02", "2021-10-20")
        selection = select_expansion_arm(
            stage1().plans, [event], {"low": 1, "medium": 2}, on=EXPANSION_DAY
        )
        assert selection.arm_id == "medium"

    def test_no_acceptable_arm(self) -> None:
        """A reaction in every arm: no expansion, nobody enrolled."""
        events = [reaction(f"S1-{k:02d}", "2021-10-25", event_id=f"SAE-{k}") for k in range(3)]
        state = stage1()
        for event in events:
            state = state.report(event)
        selection = select_expansion_arm(state.plans, events, {}, on=EXPANSION_DAY)
        assert selection.outcome is ExpansionOutcome.NO_ACCEPTABLE_ARM
        assert selection.arm_id is None
        status = state.status(on=EXPANSION_DAY, efficacy={})
        assert status.open_arms == ()
        assert "every arm had a serious reaction" in status.reason

    def test_nothing_selected_before_completion(self) -> None:
        """Before the windows end the outcome says stage 1 is incomplete."""
        selection = select_expansion_arm(stage1().plans, (), EFFICACY, on=LAST_WINDOW_END)
        assert selection.outcome is ExpansionOutcome.STAGE1_INCOMPLETE
        assert "2021-11-13" in selection.reason
        partial = select_expansion_arm(stage1(11).plans, (), EFFICACY, on=EXPANSION_DAY)
        assert partial.outcome is ExpansionOutcome.STAGE1_INCOMPLETE

    @pytest.mark.parametrize(
        ("efficacy", "field"),
        [
            ({"huge": 1}, "efficacy"),
            ({"low": float("nan")}, "efficacy.low"),
            ({"low": True}, "efficacy.low"),
            ({"low": "good"}, "efficacy.low"),
            ([("low", 1)], "efficacy"),
        ],
    )
    def test_bad_efficacy(self, efficacy: Any, field: str) -> None:
        """Efficacy maps protocol arm ids to finite numbers."""
        with pytest.raises(InvalidValueError) as info:
            select_expansion_arm(stage1().plans, (), efficacy, on=EXPANSION_DAY)
        assert info.value.field == field


class TestStopsAndEnrolment:
    """§8: a suspended or terminated study enrols no one and selects nothing."""

    def test_suspended_study_enrols_no_one(self) -> None:
        """An unassessed SAE in treatment (R2) closes enrolment in stage 1."""
        state = stage1(5).report(reaction("S1-04", "2021-10-06", causality=Causality.NOT_ASSESSED))
        status = state.status(on=d("2021-10-06"))
        assert status.decision is StudyDecision.SUSPEND
        assert status.open_arms == ()
        with pytest.raises(InvalidValueError, match=r"suspended since 2021-10-06 \(R2\)"):
            state.enrol(new_plan("NEW", "high", d("2021-10-06")))

    def test_suspension_lifts_after_assessment(self) -> None:
        """Assessed unrelated: enrolment resumes."""
        pending = reaction("S1-04", "2021-10-06", causality=Causality.NOT_ASSESSED)
        assessed = attrs.evolve(
            pending, awareness_date=d("2021-10-08"), causality=Causality.UNRELATED
        )
        state = stage1(5).report(pending).report(assessed)
        assert state.enrol(new_plan("NEW", "high", d("2021-10-08"))).status(
            on=d("2021-10-08")
        ).counts == {"low": 2, "medium": 2, "high": 2}

    def test_terminated_study_selects_nothing(self) -> None:
        """An R1 in stage 1: terminated, no selection, no enrolment ever after."""
        state = stage1().report(reaction("S1-11", "2021-10-14"))
        selection = select_expansion_arm(state.plans, state.events, EFFICACY, on=EXPANSION_DAY)
        assert selection.outcome is ExpansionOutcome.STUDY_TERMINATED
        assert selection.arm_id is None
        with pytest.raises(InvalidValueError, match=r"terminated \(R1\)"):
            state.enrol(new_plan("NEW", "medium", EXPANSION_DAY), efficacy=EFFICACY)

    def test_suspended_selection(self) -> None:
        """A suspension at the end of stage 1 holds the selection."""
        late = new_plan("S1-11", "high", d("2021-10-30"))
        plans = (*stage1(11).plans, late)
        event = reaction("S1-11", "2021-11-05", causality=Causality.NOT_ASSESSED)
        selection = select_expansion_arm(plans, [event], EFFICACY, on=d("2021-12-01"))
        assert selection.outcome is ExpansionOutcome.STUDY_SUSPENDED


class TestExpansion:
    """§8 stage 2: four more in the selected arm, sixteen in all."""

    def expanded(self, n: int) -> EnrolmentState:
        """Stage 1 plus *n* expansion patients in medium from 2021-11-13."""
        state = stage1()
        for k in range(n):
            plan = new_plan(f"S2-{k}", "medium", EXPANSION_DAY + timedelta(k))
            state = state.enrol(plan, efficacy=EFFICACY)
        return state

    def test_four_more_in_the_selected_arm(self) -> None:
        """Medium receives S2-0..S2-3: sixteen in all, then the target is reached."""
        state = self.expanded(4)
        status = state.status(on=d("2021-11-20"), efficacy=EFFICACY)
        assert status.counts == {"low": 4, "medium": 8, "high": 4}
        assert status.total == 16
        assert status.arms[1].expansion == ("S2-0", "S2-1", "S2-2", "S2-3")
        with pytest.raises(InvalidValueError, match=r"target of 16 is reached"):
            state.enrol(new_plan("S2-4", "medium", d("2021-11-20")), efficacy=EFFICACY)

    def test_other_arms_are_closed(self) -> None:
        """During the expansion only the selected arm is open."""
        with pytest.raises(InvalidValueError, match=r"^arm_id: arm is closed; open arms: medium"):
            self.expanded(1).enrol(new_plan("X", "low", d("2021-11-20")), efficacy=EFFICACY)

    def test_no_efficacy_no_expansion(self) -> None:
        """Without efficacy figures the expansion arm cannot be chosen."""
        status = stage1().status(on=EXPANSION_DAY)
        assert status.selection is None
        assert status.open_arms == ()
        assert "efficacy figures are needed" in status.reason
        with pytest.raises(InvalidValueError, match=r"efficacy figures are needed"):
            stage1().enrol(new_plan("X", "medium", EXPANSION_DAY))

    def test_expansion_locked_to_its_arm(self) -> None:
        """A reaction learnt of later rules medium out: the expansion stops, it does not move."""
        state = self.expanded(2).report(
            reaction("S1-01", "2021-10-20", aware="2021-11-16", event_id="LATE")
        )
        status = state.status(on=d("2021-11-16"), efficacy=EFFICACY)
        assert status.selection is not None
        assert status.selection.arm_id == "high"
        assert status.open_arms == ()
        assert "expansion began in arm 'medium'" in status.reason

    def test_to_dict_is_json(self) -> None:
        """The status writes as JSON with the selection."""
        record = self.expanded(1).status(on=d("2021-11-14"), efficacy=EFFICACY).to_dict()
        assert json.loads(json.dumps(record)) == record
        assert record["selection"]["arm_id"] == "medium"
        assert record["open_arms"] == ["medium"]
        assert record["total"] == 13


class TestRecord:
    """The enrolment record itself must be possible under §8."""

    def test_two_expanded_arms(self) -> None:
        """Five in low and five in medium cannot both be."""
        plans = [new_plan(f"L{k}", "low", SAFETY_START) for k in range(5)]
        plans += [new_plan(f"M{k}", "medium", SAFETY_START) for k in range(5)]
        with pytest.raises(InconsistentRecordError, match=r"^plans: .*only one arm"):
            enrolment_status(plans, on=SAFETY_START)

    def test_arm_beyond_eight(self) -> None:
        """No arm holds more than 4 + 4."""
        plans = [new_plan(f"L{k}", "low", SAFETY_START) for k in range(9)]
        with pytest.raises(InconsistentRecordError, match=r"^plans: .*at most 4 \+ 4"):
            enrolment_status(plans, on=SAFETY_START)

    def test_beyond_the_target(self) -> None:
        """No record holds more than sixteen."""
        plans = [new_plan(f"P{k}", ARMS[k % 3], SAFETY_START) for k in range(17)]
        with pytest.raises(InconsistentRecordError, match=r"^plans: more patients .* 16"):
            enrolment_status(plans, on=SAFETY_START)


class TestState:
    """EnrolmentState: checked, immutable transitions (§6.5, §8)."""

    def test_infusion_refused_while_suspended(self) -> None:
        """No infusion may be given while the study is suspended."""
        state = stage1(2).report(reaction("S1-00", "2021-10-03", causality=Causality.NOT_ASSESSED))
        with pytest.raises(InvalidValueError, match=r"^given_on: no infusion .* suspended"):
            state.record_infusion("S1-00", 2, d("2021-10-04"))

    def test_infusion_before_the_report_is_fine(self) -> None:
        """An infusion given before the site learnt of the event is recorded."""
        state = stage1(2).report(
            reaction("S1-00", "2021-10-03", aware="2021-10-05", causality=Causality.NOT_ASSESSED)
        )
        after = state.record_infusion("S1-00", 2, d("2021-10-04"))
        assert after.plans[0].infusions[1].given_date == d("2021-10-04")
        assert state.plans[0].infusions[1].given_date is None  # the old state is unchanged

    def test_report_for_an_unknown_patient(self) -> None:
        """An event needs the patient's plan."""
        with pytest.raises(InvalidValueError, match=r"patient_id: has no infusion plan"):
            stage1(2).report(reaction("NOBODY", "2021-10-03"))

    def test_unknown_patient_infusion(self) -> None:
        """Recording an infusion for nobody is an error."""
        with pytest.raises(InvalidValueError, match=r"^patient_id: "):
            stage1(2).record_infusion("NOBODY", 1, d("2021-10-03"))


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
                state = state.enrol(new_plan(f"P{number}", arm, on), efficacy=efficacy)
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
