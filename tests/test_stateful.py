"""A running trial as a state machine: enrol, infuse, report, correct, let time pass (§6, §8).

Hypothesis drives :class:`~aclf_protocol.EnrolmentState` through random interleavings and
checks after every step the invariants the protocol promises: capacities (§8), enrolment only
on an eligible screening at most 14 days old (§8 v2), nothing scheduled after a termination,
no infusion given while stopped, due dates on or after Day 0 (§6.3), decisions that only grow
more severe as time passes unless an event is corrected (§6.5), and a selected arm that is
always acceptable.
"""

from __future__ import annotations

from datetime import date, timedelta

import attrs
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from aclf_protocol import (
    NCT04822922,
    Causality,
    ProtocolError,
    StopRuleEvaluation,
    StudyDecision,
    evaluate_stop_rules,
)
from aclf_protocol.enrolment import EnrolmentState, EnrolmentStatus
from aclf_protocol.safety import Expectedness
from aclf_protocol.schedule import build_plan, record_infusion
from tests.fixtures import eligible_screening
from tests.strategies import SAFETY_START, arm_ids, safety_events

ARMS = NCT04822922.arm_ids
PER_ARM = NCT04822922.stage1_per_arm
TARGET = NCT04822922.enrolment_target
MAX_AGE = NCT04822922.max_screening_age_days


class TrialMachine(RuleBasedStateMachine):
    """One trial from its first enrolment; ``on`` only moves forward."""

    def __init__(self) -> None:
        """An empty trial on its first day."""
        super().__init__()
        self.state = EnrolmentState()
        self.on = SAFETY_START
        self.efficacy: dict[str, int] = {}
        self.patients = 0
        self.events = 0
        self.corrected = False
        self.severity = StudyDecision.CONTINUE.severity

    # --- rules ------------------------------------------------------------------------------
    @initialize(
        efficacy=st.fixed_dictionaries({arm: st.integers(0, 2) for arm in ARMS}),
        prefill=st.sampled_from(["nobody", "stage 1", "stage 1 complete"]),
    )
    def start(self, efficacy: dict[str, int], prefill: str) -> None:
        """Fix the efficacy figures; some runs begin with stage 1 enrolled, or even complete."""
        self.efficacy = efficacy
        if prefill != "nobody":
            for _ in range(PER_ARM):
                for arm in ARMS:
                    self.enrol(arm)
                    self.on += timedelta(days=1)
        if prefill == "stage 1 complete":
            self.on += timedelta(days=35)

    @rule(arm=arm_ids, screened_days_before=st.sampled_from([0, 0, 1, MAX_AGE, MAX_AGE + 1]))
    def enrol(self, arm: str, screened_days_before: int = 0) -> None:
        """Enrol a patient today, screened eligible some days before: it succeeds exactly when
        the status says the arm is open and the screening is at most 14 days old (§8)."""
        status = self.state.status(on=self.on, efficacy=self.efficacy)
        self.patients += 1
        plan = build_plan(patient_id=f"P-{self.patients:02d}", arm=arm, start=self.on, weight_kg=60)
        screened_on = self.on - timedelta(days=screened_days_before)
        screening = eligible_screening(plan.patient_id, screened_on)
        allowed = arm in status.open_arms and screened_days_before <= MAX_AGE
        try:
            self.state = self.state.enrol(plan, screening, efficacy=self.efficacy)
        except ProtocolError:
            assert not allowed
        else:
            assert allowed

    @rule(data=st.data())
    def enrol_where_open(self, data: st.DataObject) -> None:
        """Enrol today into an arm the status says is open (so the expansion gets reached)."""
        open_arms = self.state.status(on=self.on, efficacy=self.efficacy).open_arms
        if open_arms:
            self.enrol(data.draw(st.sampled_from(open_arms)))

    @rule(days=st.sampled_from([0, 1, 1, 2, 3, 5, 35]))
    def advance(self, days: int) -> None:
        """Let time pass (35 days ends every safety window so far)."""
        self.on += timedelta(days=days)

    @precondition(lambda self: bool(self.state.plans))
    @rule(data=st.data())
    def give(self, data: st.DataObject) -> None:
        """Give an infusion today: refused exactly when it is not allowed (§6.5, §6.6)."""
        evaluation = self.state.evaluate(on=self.on)
        plan = data.draw(st.sampled_from(evaluation.plans))
        infusion = data.draw(st.sampled_from(plan.infusions))
        allowed = evaluation.may_infuse and infusion.given_date is None and not infusion.cancelled
        if allowed:  # §6.6: nor may it pull a known serious reaction into the period
            given = record_infusion(plan, infusion.number, self.on)
            plans = [given if p.patient_id == plan.patient_id else p for p in evaluation.plans]
            allowed = evaluate_stop_rules(plans, self.state.events, on=self.on).may_infuse
        try:
            self.state = self.state.record_infusion(plan.patient_id, infusion.number, self.on)
        except ProtocolError:
            assert not allowed
        else:
            assert allowed

    @precondition(lambda self: bool(self.state.plans))
    @rule(data=st.data())
    def report(self, data: st.DataObject) -> None:
        """A new event: onset since the patient's Day 1, the site aware today or soon."""
        plan = data.draw(st.sampled_from(self.state.plans))
        self.events += 1
        onset = data.draw(st.dates(plan.start, self.on))
        event = data.draw(
            safety_events(
                patient_id=plan.patient_id,
                event_id=f"SAE-{self.events:03d}",
                onset_dates=st.just(onset),
                max_delay_days=0,
            )
        )
        delay = timedelta(days=data.draw(st.integers(0, 3)))
        self.state = self.state.report(attrs.evolve(event, awareness_date=self.on + delay))

    @precondition(lambda self: bool(self.state.events))
    @rule(data=st.data())
    def correct(self, data: st.DataObject) -> None:
        """Re-assess an event: a new version aware today (or later than the current one)."""
        current = {e.event_id: e for e in self.state.evaluate(on=date.max).events}
        event = data.draw(st.sampled_from(sorted(current.values(), key=lambda e: e.event_id)))
        version = attrs.evolve(
            event,
            awareness_date=max(event.awareness_date, self.on),
            causality=data.draw(st.sampled_from(Causality)),
            expectedness=data.draw(st.sampled_from(Expectedness)),
        )
        self.state = self.state.report(version)
        self.corrected = True

    # --- invariants ---------------------------------------------------------------------------
    @invariant()
    def protocol_holds(self) -> None:
        """Every promise of §6 and §8, checked on one evaluation and one status as of today."""
        evaluation = self.state.evaluate(on=self.on)
        status = self.state.status(on=self.on, efficacy=self.efficacy)
        assert status.decision is evaluation.decision
        self.check_capacities(status)
        self.check_stops(evaluation)
        self.check_obligations(evaluation)

    def check_capacities(self, status: EnrolmentStatus) -> None:
        """§8: at most 4 per arm until stage 1 completes, one arm to 8, 16 in all."""
        counts = status.counts
        event(f"enrolled: {sum(counts.values()) // 4 * 4}+")
        assert sum(counts.values()) <= TARGET
        assert sum(c > PER_ARM for c in counts.values()) <= 1
        if any(c > PER_ARM for c in counts.values()):
            event("expansion under way")
            assert status.stage1_safety_end is not None
            expansion = {pid for arm in status.arms for pid in arm.expansion}
            expansion_starts = [p.start for p in self.state.plans if p.patient_id in expansion]
            assert all(s > status.stage1_safety_end for s in expansion_starts)
        if status.decision is not StudyDecision.CONTINUE:
            assert status.open_arms == ()
        if status.selection is not None and status.selection.arm_id is not None:
            assert status.selection.arm_id in ARMS
            assert status.selection.arm_id in status.selection.acceptable

    def check_stops(self, evaluation: StopRuleEvaluation) -> None:
        """§6.5, §6.7: nothing left in no state after a stop; a termination is final."""
        if evaluation.since is not None:
            for plan in evaluation.plans:
                for infusion in plan.infusions:
                    if infusion.given_date is not None:
                        assert infusion.given_date <= evaluation.since
                    elif evaluation.decision is StudyDecision.TERMINATE:
                        assert infusion.cancelled or infusion.window_end < evaluation.since
        if evaluation.decision is not StudyDecision.TERMINATE:  # only a death cancels
            assert {c.patient_id for c in evaluation.cancelled} <= set(evaluation.died)
        event(f"decision: {evaluation.decision.value}")
        severity = evaluation.decision.severity
        if not self.corrected or self.severity == StudyDecision.TERMINATE.severity:
            assert severity >= self.severity
        self.severity = severity
        self.corrected = False

    def check_obligations(self, evaluation: StopRuleEvaluation) -> None:
        """§6.3: every due date is after its Day 0, itself an awareness date of the event."""
        aware: dict[str, set[date]] = {}
        for version in self.state.events:
            aware.setdefault(version.event_id, set()).add(version.awareness_date)
        for ob in evaluation.obligations:
            assert ob.day0 in aware[ob.event_id]
            assert ob.due > ob.day0
            assert ob.overdue is (self.on > ob.due and not ob.done)


TrialMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=40, deadline=None)
TestTrial = TrialMachine.TestCase
