"""Stop rules R1-R3 evaluated as of a date (SPEC §6.4-§6.6).

The worked examples use one hand-drawn cohort (Day 1 = first infusion; days 1, 4, 7, 10):

=======  ======  ==========  ========================================
patient  arm     Day 1       infusions
=======  ======  ==========  ========================================
RJ-001   low     2021-10-01  10-01, 10-04, 10-07, 10-10
RJ-002   medium  2021-10-03  10-03, 10-06, 10-09, 10-12
RJ-003   high    2021-10-05  10-05, 10-08, 10-11, 10-14
=======  ======  ==========  ========================================

Dates written ``MM-DD`` are in 2021 (:func:`day`). The wording of every refusal is kept in
``tests/golden/errors/stop_rules.txt``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aclf_protocol import (
    NCT04822922,
    Arm,
    Causality,
    InconsistentRecordError,
    InfusionPlan,
    ObligationKind,
    SafetyEvent,
    Seriousness,
    StopRuleEvaluation,
    StudyDecision,
    evaluate_stop_rules,
)
from aclf_protocol.demo import run_demo
from aclf_protocol.safety import EventOutcome, Expectedness
from aclf_protocol.schedule import build_plan, cancel_remaining, check_adherence, record_infusion
from aclf_protocol.stop_rules import PatientStatus, treatment_period_end
from tests.fixtures import assert_golden, d, error_table, invalid
from tests.strategies import (
    RELATED,
    SAFETY_START,
    UNRELATED,
    safety_events,
    stop_rule_histories,
    stop_rule_inputs,
)

CONTINUE, SUSPEND, TERMINATE = StudyDecision
ACTIVE, STOPPED, COMPLETED = PatientStatus.ACTIVE, PatientStatus.STOPPED, PatientStatus.COMPLETED


def day(month_day: str) -> date:
    """The date of 2021 written ``MM-DD`` (the cohort's year)."""
    return d(f"2021-{month_day}")


def plan(patient_id: str, arm: str, start: str, *given: str) -> InfusionPlan:
    """A plan with infusions 1, 2, ... given on the *given* dates."""
    result = build_plan(patient_id=patient_id, arm=arm, start=day(start), weight_kg=60)
    for number, when in enumerate(given, start=1):
        result = record_infusion(result, number, day(when))
    return result


def sae(
    event_id: str,
    patient_id: str,
    onset: str,
    aware: str | None = None,
    *,
    causality: Causality = Causality.PROBABLE,
    serious: bool = True,
    **changes: Any,
) -> SafetyEvent:
    """A grade-3 hospitalisation (or, if not *serious*, a grade-2 event), unexpected."""
    return SafetyEvent(
        event_id=event_id,
        patient_id=patient_id,
        term="Event",
        onset_date=day(onset),
        awareness_date=day(aware or onset),
        seriousness={Seriousness.HOSPITALISATION} if serious else frozenset(),
        grade=3 if serious else 2,
        causality=causality,
        expectedness=Expectedness.UNEXPECTED,
        **changes,
    )


def cohort() -> list[InfusionPlan]:
    """The module's cohort with the first infusions given on time up to 10-05."""
    return [
        plan("RJ-001", "low", "10-01", "10-01", "10-04"),
        plan("RJ-002", "medium", "10-03", "10-03"),
        plan("RJ-003", "high", "10-05", "10-05"),
    ]


def refs(result: StopRuleEvaluation, which: str) -> list[tuple[str, int, str]]:
    """(patient, number, MM-DD) of the cancelled or on-hold infusions."""
    return [(r.patient_id, r.number, r.date.isoformat()[5:]) for r in getattr(result, which)]


def mega_plan() -> InfusionPlan:
    """A plan on arm 'mega', which a variant has and NCT04822922 has not."""
    variant = attrs.evolve(NCT04822922, arms=(Arm(arm_id="mega", label="mega", dose_per_kg=10**6),))
    return build_plan(
        patient_id="X", arm="mega", start=day("10-01"), weight_kg=60, protocol=variant
    )


#: Values that are not a list of records (§0).
NOT_LISTS: list[Any] = [5, "plans", {"patient_id": "RJ-001"}, None]


def suspended_scenario() -> tuple[list[InfusionPlan], dict[str, SafetyEvent]]:
    """RJ-001 (low, Day 1 10-01, given 10-01 and 10-04) and five event versions.

    SAE-2 is reported not serious on 10-05, serious (not assessed) on 10-06 and again, with an
    outcome, on 10-07; SAE-3 began on Day 1 and is serious but unrelated; SAE-9 is learnt of
    on 10-09.
    """
    plans = [plan("RJ-001", "low", "10-01", "10-01", "10-04")]
    v1 = sae("SAE-2", "RJ-001", "10-05", causality=Causality.NOT_ASSESSED, serious=False)
    v2 = sae("SAE-2", "RJ-001", "10-05", "10-06", causality=Causality.NOT_ASSESSED)
    v3 = attrs.evolve(v2, awareness_date=day("10-07"), outcome=EventOutcome.RECOVERING)
    r3 = sae("SAE-3", "RJ-001", "10-01", "10-03", causality=Causality.UNRELATED)
    later = sae("SAE-9", "RJ-001", "10-08", "10-09")
    return plans, {"v1": v1, "v2": v2, "v3": v3, "r3": r3, "later": later}


class TestR1SeriousReaction:
    """R1: a serious adverse reaction in the treatment period terminates the study."""

    def test_probable_sae_terminates_and_cancels_everyone(self) -> None:
        """SAE-1 (RJ-001, onset 10-04, aware 10-05): every infusion from 10-05 is cancelled;
        RJ-003's Day 1 infusion, given on the stop date, is cancelled and a deviation (§6.7)."""
        result = evaluate_stop_rules(
            cohort(), [sae("SAE-1", "RJ-001", "10-04", "10-05")], on=day("10-05")
        )
        assert result.decision is TERMINATE
        assert [(t.rule, t.event_id, t.since) for t in result.triggers] == [
            ("R1", "SAE-1", day("10-05"))
        ]
        assert result.since == day("10-05")
        assert refs(result, "cancelled") == [
            ("RJ-001", 3, "10-07"),
            ("RJ-001", 4, "10-10"),
            ("RJ-002", 2, "10-06"),
            ("RJ-002", 3, "10-09"),
            ("RJ-002", 4, "10-12"),
            ("RJ-003", 1, "10-05"),
            ("RJ-003", 2, "10-08"),
            ("RJ-003", 3, "10-11"),
            ("RJ-003", 4, "10-14"),
        ]
        assert [(v.patient_id, v.number, v.cause, v.stopped_on) for v in result.deviations] == [
            ("RJ-003", 1, "terminate", day("10-05"))
        ]
        assert result.status == {"RJ-001": STOPPED, "RJ-002": STOPPED, "RJ-003": STOPPED}
        assert {p.stopped_on for p in result.plans} == {day("10-05")}
        assert not result.may_infuse
        assert result.on_hold == ()

    @pytest.mark.parametrize("causality", RELATED)
    def test_each_related_causality_terminates(self, causality: Causality) -> None:
        """Certain, probable and possible all count as reactions."""
        event = sae("SAE-1", "RJ-002", "10-06", causality=causality)
        assert evaluate_stop_rules(cohort(), [event], on=day("10-06")).decision is TERMINATE

    def test_infusion_dated_on_the_awareness_day_is_cancelled(self) -> None:
        """§6.7 v2: an infusion not given and dated on the stop date is cancelled, not lost."""
        plans = [plan("RJ-001", "low", "10-01", "10-01", "10-04"), plan("RJ-003", "high", "10-05")]
        result = evaluate_stop_rules(plans, [sae("SAE-1", "RJ-001", "10-05")], on=day("10-05"))
        rj3 = result.plan_of("RJ-003")
        assert [(i.number, i.cancelled, i.given_date) for i in rj3.infusions] == [
            (1, True, None),
            (2, True, None),
            (3, True, None),
            (4, True, None),
        ]
        assert result.status["RJ-003"] is STOPPED
        assert result.deviations == ()

    def test_patient_who_completed_is_not_stopped(self) -> None:
        """A patient with every infusion given before the stop keeps an untouched plan."""
        done = plan("RJ-000", "medium", "09-01", "09-01", "09-04", "09-07", "09-10")
        result = evaluate_stop_rules(
            [done, *cohort()], [sae("SAE-1", "RJ-001", "10-05")], on=day("10-05")
        )
        assert result.status["RJ-000"] is COMPLETED
        assert result.plan_of("RJ-000") == done

    def test_earlier_suspension_dates_the_stop(self) -> None:
        """An R2 from 10-04 then an R1 on 10-06: infusions held since 10-04 are cancelled."""
        events = [
            sae("SAE-2", "RJ-001", "10-04", causality=Causality.NOT_ASSESSED),
            sae("SAE-1", "RJ-002", "10-06"),
        ]
        result = evaluate_stop_rules(cohort(), events, on=day("10-06"))
        assert result.decision is TERMINATE
        assert [(t.rule, t.event_id) for t in result.triggers] == [("R1", "SAE-1"), ("R2", "SAE-2")]
        assert result.since == day("10-04")
        assert ("RJ-002", 2, "10-06") in refs(result, "cancelled")

    def test_terminate_lists_the_r2_triggers(self) -> None:
        """§6.5: a TERMINATE lists R2 triggers too."""
        events = [
            sae("SAE-1", "RJ-001", "10-04", "10-05"),
            sae("SAE-2", "RJ-002", "10-06", causality=Causality.NOT_ASSESSED),
        ]
        result = evaluate_stop_rules(cohort(), events, on=day("10-07"))
        assert [(t.rule, t.event_id, t.since) for t in result.triggers] == [
            ("R1", "SAE-1", day("10-05")),
            ("R2", "SAE-2", day("10-06")),
        ]
        assert result.since == day("10-05")


class TestR2PendingAssessment:
    """R2: a serious event not yet assessed suspends the study until it is."""

    def pending(self) -> SafetyEvent:
        """SAE-2: RJ-002, onset and awareness 10-06, causality not assessed."""
        return sae("SAE-2", "RJ-002", "10-06", causality=Causality.NOT_ASSESSED)

    def plans(self) -> list[InfusionPlan]:
        """The cohort with RJ-002's second infusion given on 10-06."""
        return [*cohort()[:1], plan("RJ-002", "medium", "10-03", "10-03", "10-06"), cohort()[2]]

    def test_suspends_and_holds_open_infusions(self) -> None:
        """On 10-07 every infusion still to give is on hold; nothing is cancelled."""
        result = evaluate_stop_rules(self.plans(), [self.pending()], on=day("10-07"))
        assert result.decision is SUSPEND
        assert [(t.rule, t.since) for t in result.triggers] == [("R2", day("10-06"))]
        assert refs(result, "on_hold") == [
            ("RJ-001", 3, "10-07"),
            ("RJ-001", 4, "10-10"),
            ("RJ-002", 3, "10-09"),
            ("RJ-002", 4, "10-12"),
            ("RJ-003", 2, "10-08"),
            ("RJ-003", 3, "10-11"),
            ("RJ-003", 4, "10-14"),
        ]
        assert result.cancelled == ()
        assert list(result.plans) == self.plans()
        assert set(result.status.values()) == {ACTIVE}
        assert not result.may_infuse

    def test_missed_infusion_is_not_on_hold(self) -> None:
        """On 10-10 RJ-003's infusion 2 (window 10-07..10-09) is missed, not held."""
        result = evaluate_stop_rules(self.plans(), [self.pending()], on=day("10-10"))
        assert ("RJ-003", 2, "10-08") not in refs(result, "on_hold")
        assert ("RJ-003", 3, "10-11") in refs(result, "on_hold")

    def test_infusion_held_on_the_last_day_of_its_window(self) -> None:
        """R2: on 10-08, the last day of infusion 3's window, it is still on hold."""
        pending = sae("SAE-2", "RJ-001", "10-05", causality=Causality.NOT_ASSESSED)
        result = evaluate_stop_rules(cohort()[:1], [pending], on=day("10-08"))
        assert result.decision is SUSPEND
        assert [(h.number, h.date) for h in result.on_hold] == [
            (3, day("10-07")),
            (4, day("10-10")),
        ]

    def test_assessed_probable_terminates_from_the_first_report(self) -> None:
        """Assessed probable on 10-09: R1, stopping since the R2 report of 10-06."""
        assessed = attrs.evolve(
            self.pending(), awareness_date=day("10-09"), causality=Causality.PROBABLE
        )
        result = evaluate_stop_rules(self.plans(), [assessed, self.pending()], on=day("10-09"))
        assert result.decision is TERMINATE
        assert [(t.rule, t.event, t.since) for t in result.triggers] == [
            ("R1", assessed, day("10-06"))
        ]
        assert refs(result, "cancelled") == [
            ("RJ-001", 3, "10-07"),
            ("RJ-001", 4, "10-10"),
            ("RJ-002", 2, "10-06"),  # given on the stop date: a deviation too (§6.7)
            ("RJ-002", 3, "10-09"),
            ("RJ-002", 4, "10-12"),
            ("RJ-003", 2, "10-08"),
            ("RJ-003", 3, "10-11"),
            ("RJ-003", 4, "10-14"),
        ]
        assert result.superseded == {"SAE-2": (self.pending(),)}

    def test_assessed_unrelated_lifts_the_suspension(self) -> None:
        """Assessed unrelated on 10-09: CONTINUE, and the event counts under R3."""
        assessed = attrs.evolve(
            self.pending(), awareness_date=day("10-09"), causality=Causality.UNRELATED
        )
        result = evaluate_stop_rules(self.plans(), [self.pending(), assessed], on=day("10-09"))
        assert result.decision is CONTINUE
        assert result.triggers == ()
        assert result.on_hold == ()
        assert result.r3_events == (assessed,)
        assert result.superseded == {"SAE-2": (self.pending(),)}

    def test_before_the_assessment_is_known_it_still_suspends(self) -> None:
        """§6.5: replaying on 10-08 shows the suspension the site had then."""
        assessed = attrs.evolve(
            self.pending(), awareness_date=day("10-09"), causality=Causality.UNRELATED
        )
        result = evaluate_stop_rules(self.plans(), [self.pending(), assessed], on=day("10-08"))
        assert result.decision is SUSPEND
        assert result.ignored == (assessed,)


class TestR3UnrelatedEvents:
    """R3: a serious event assessed unlikely or unrelated stops nothing, but counts."""

    @pytest.mark.parametrize("causality", UNRELATED)
    def test_no_stop_but_counted(self, causality: Causality) -> None:
        """CONTINUE; listed as R3 and in the primary endpoint; reported to the sponsor."""
        event = sae("SAE-3", "RJ-001", "10-04", causality=causality)
        result = evaluate_stop_rules(cohort(), [event], on=day("10-06"))
        assert result.decision is CONTINUE
        assert result.r3_events == (event,)
        assert result.primary_endpoint_events == (event,)
        assert [(o.kind, o.due, o.overdue) for o in result.obligations] == [
            (ObligationKind.SAE_TO_SPONSOR, day("10-05"), True)
        ]

    def test_non_serious_reaction_stops_nothing(self) -> None:
        """A non-serious probable reaction: CONTINUE, no report, not in the endpoint."""
        result = evaluate_stop_rules(
            cohort(), [sae("AE-1", "RJ-001", "10-04", serious=False)], on=day("10-06")
        )
        assert result.decision is CONTINUE
        assert result.obligations == ()
        assert result.primary_endpoint_events == ()
        assert result.r3_events == ()

    def test_r3_lists_only_serious_unrelated_events(self) -> None:
        """R3: an unrelated event counts for R3 only when it is serious."""
        serious = sae("SAE-1", "RJ-001", "10-02", causality=Causality.UNRELATED)
        mild = sae("AE-2", "RJ-001", "10-02", causality=Causality.UNRELATED, serious=False)
        result = evaluate_stop_rules(cohort(), [serious, mild], on=day("10-03"))
        assert result.decision is CONTINUE
        assert result.r3_events == (serious,)


class TestTreatmentPeriod:
    """§4.2, §6.4, §6.6: Day 1 to Day 10 (or a later infusion given); the safety window."""

    def rj1(self, fourth: str) -> InfusionPlan:
        """RJ-001 with infusions on 10-01, 10-04, 10-07 and *fourth*."""
        return plan("RJ-001", "low", "10-01", "10-01", "10-04", "10-07", fourth)

    def test_reaction_on_day_1_terminates(self) -> None:
        """§6.4, R1: Day 1 belongs to the treatment period; a reaction that day terminates."""
        result = evaluate_stop_rules(cohort(), [sae("SAE-1", "RJ-001", "10-01")], on=day("10-01"))
        assert result.decision is TERMINATE

    def test_day_10_is_inside(self) -> None:
        """Boundary: onset on Day 10 (10-10) is in the period."""
        result = evaluate_stop_rules(
            [self.rj1("10-10")], [sae("S", "RJ-001", "10-10")], on=day("10-10")
        )
        assert result.decision is TERMINATE

    def test_day_10_is_inside_without_an_infusion_that_day(self) -> None:
        """Day 10 is in the period by §6.4 alone: infusion 4 given early on 10-09."""
        result = evaluate_stop_rules(
            [self.rj1("10-09")], [sae("S", "RJ-001", "10-10")], on=day("10-10")
        )
        assert result.decision is TERMINATE

    def test_day_11_is_outside(self) -> None:
        """Boundary: onset on Day 11 is outside: no stop, but it is reported and counted."""
        event = sae("S", "RJ-001", "10-11")
        result = evaluate_stop_rules([self.rj1("10-10")], [event], on=day("10-11"))
        assert result.decision is CONTINUE
        assert result.primary_endpoint_events == (event,)
        assert [o.kind for o in result.obligations] == [
            ObligationKind.SAE_TO_SPONSOR,
            ObligationKind.SUSAR_TO_REGULATOR,
        ]

    def test_late_infusion_extends_the_period(self) -> None:
        """§6.6: infusion 4 given late on 10-12 (Day 12): onset on 10-12 is in the period."""
        result = evaluate_stop_rules(
            [self.rj1("10-12")], [sae("S", "RJ-001", "10-12")], on=day("10-12")
        )
        assert result.decision is TERMINATE
        assert result.patients[0].treatment_period_end == day("10-12")

    def test_late_infusion_counts_once_given(self) -> None:
        """As of 10-11 the late infusion of 10-12 is not yet given: Day 11 is outside."""
        result = evaluate_stop_rules(
            [self.rj1("10-12")], [sae("S", "RJ-001", "10-11")], on=day("10-11")
        )
        assert result.decision is CONTINUE
        assert result.patients[0].treatment_period_end == day("10-10")

    def test_outside_period_inside_safety_window(self) -> None:
        """A probable SAE on Day 20: no stop rule, in the primary endpoint."""
        event = sae("S", "RJ-001", "10-20")
        result = evaluate_stop_rules(cohort(), [event], on=day("10-21"))
        assert result.decision is CONTINUE
        assert result.primary_endpoint_events == (event,)

    def test_safety_window_boundary(self) -> None:
        """§4.2: Day 1 10-01 + 1 month = 11-01 is the last day of the endpoint window."""
        inside = sae("IN", "RJ-001", "11-01", causality=Causality.UNRELATED)
        outside = sae("OUT", "RJ-001", "11-02", causality=Causality.UNRELATED)
        result = evaluate_stop_rules(cohort(), [inside, outside], on=day("11-02"))
        assert [e.event_id for e in result.primary_endpoint_events] == ["IN"]
        assert [e.event_id for e in result.r3_events] == ["IN", "OUT"]

    def test_variant_safety_window(self) -> None:
        """§4.2, §1: a two-month safety window ends 2021-12-01 for Day 1 = 2021-10-01."""
        variant = attrs.evolve(NCT04822922, safety_window_months=2)
        result = evaluate_stop_rules(cohort()[:1], [], on=day("10-02"), protocol=variant)
        assert result.patients[0].safety_window_end == day("12-01")

    def test_protocol_variant_period(self) -> None:
        """A variant with a 14-day treatment period stops for a Day 12 reaction."""
        variant = attrs.evolve(NCT04822922, treatment_period_last_day=14)
        event = sae("S", "RJ-001", "10-12")
        assert evaluate_stop_rules(cohort(), [event], on=day("10-12")).decision is CONTINUE
        decision = evaluate_stop_rules(
            cohort(), [event], on=day("10-12"), protocol=variant
        ).decision
        assert decision is TERMINATE

    def test_treatment_period_end_helper(self) -> None:
        """treatment_period_end ignores infusions given after *on*."""
        late = self.rj1("10-13")
        assert treatment_period_end(late) == day("10-13")
        assert treatment_period_end(late, on=day("10-12")) == day("10-10")

    def test_treatment_period_end_counts_an_infusion_given_on_on(self) -> None:
        """treatment_period_end(on=...) counts the infusion given on *on* itself (§6.6)."""
        assert treatment_period_end(self.rj1("10-13"), on=day("10-13")) == day("10-13")


class TestKnownOnDate:
    """§6.5: an event counts from its awareness date on."""

    def test_awareness_after_on_is_ignored(self) -> None:
        """An SAE the site learns of on 10-06 is unknown on 10-05."""
        event = sae("S", "RJ-001", "10-04", "10-06")
        result = evaluate_stop_rules(cohort(), [event], on=day("10-05"))
        assert result.decision is CONTINUE
        assert result.ignored == (event,)
        assert result.events == ()
        assert result.obligations == ()

    def test_event_is_known_on_its_awareness_date(self) -> None:
        """§6.5: evaluated on the awareness date the event counts; the day before it is ignored."""
        event = sae("SAE-1", "RJ-001", "10-02", "10-03")
        on_the_day = evaluate_stop_rules(cohort(), [event], on=day("10-03"))
        assert on_the_day.decision is TERMINATE
        assert on_the_day.ignored == ()
        day_before = evaluate_stop_rules(cohort(), [event], on=day("10-02"))
        assert day_before.decision is CONTINUE
        assert day_before.ignored == (event,)


class TestCorrections:
    """§6.5: the latest version of an event counts; the stop dates from the first serious one."""

    def test_latest_awareness_wins_whatever_the_input_order(self) -> None:
        """A later-aware version wins even when it comes first in the input."""
        first = sae("S", "RJ-001", "10-04", causality=Causality.NOT_ASSESSED)
        later = attrs.evolve(first, awareness_date=day("10-06"), causality=Causality.UNLIKELY)
        result = evaluate_stop_rules(cohort(), [later, first], on=day("10-06"))
        assert result.decision is CONTINUE
        assert result.events == (later,)

    def test_identical_resubmission_collapses(self) -> None:
        """The same record sent twice is one version, with no history."""
        event = sae("S", "RJ-001", "10-04", causality=Causality.UNRELATED)
        result = evaluate_stop_rules(cohort(), [event, event], on=day("10-05"))
        assert result.events == (event,)
        assert result.history == ()

    def test_termination_dates_the_stop_from_the_first_serious_report(self) -> None:
        """§6.5, R1: reported not serious 10-05, serious probable 10-06: stopped since 10-06."""
        mild = sae("SAE-1", "RJ-001", "10-05", serious=False)
        serious = sae("SAE-1", "RJ-001", "10-05", "10-06")
        result = evaluate_stop_rules(cohort()[:1], [mild, serious], on=day("10-06"))
        assert result.since == day("10-06")
        assert [t.since for t in result.triggers] == [day("10-06")]
        assert [p.to_dict() for p in result.patients] == [
            {
                "patient_id": "RJ-001",
                "arm_id": "low",
                "status": "stopped",
                "start": "2021-10-01",
                "treatment_period_end": "2021-10-10",
                "safety_window_end": "2021-11-01",
                "stopped_on": "2021-10-06",
            }
        ]
        assert [c.to_dict() for c in result.cancelled] == [
            {"patient_id": "RJ-001", "number": 3, "date": "2021-10-07"},
            {"patient_id": "RJ-001", "number": 4, "date": "2021-10-10"},
        ]


class TestSameDayVersions:
    """§6.7 v2: of two versions aware the same day the more conservative counts, any order."""

    def counted(self, *events: SafetyEvent, on: str = "10-04") -> StopRuleEvaluation:
        """The evaluation of *events* in the given order, checked equal in reverse order."""
        result = evaluate_stop_rules(cohort(), list(events), on=day(on))
        assert evaluate_stop_rules(cohort(), list(reversed(events)), on=day(on)) == result
        return result

    def test_r1_over_r3_whatever_the_order(self) -> None:
        """Probable and unrelated aware 10-04: TERMINATE both ways; the conflict is listed."""
        wrong = sae("S", "RJ-001", "10-04")
        fixed = attrs.evolve(wrong, causality=Causality.UNRELATED)
        result = self.counted(wrong, fixed)
        assert result.decision is TERMINATE
        assert result.events == (wrong,)
        assert [(c.event_id, c.awareness_date, c.counted, c.other) for c in result.conflicts] == [
            ("S", day("10-04"), wrong, fixed)
        ]
        assert result.superseded == {"S": (fixed,)}

    def test_r2_over_r3(self) -> None:
        """Not assessed and unlikely the same day: SUSPEND (R2 stops more than R3)."""
        pending = sae("S", "RJ-001", "10-04", causality=Causality.NOT_ASSESSED)
        result = self.counted(attrs.evolve(pending, causality=Causality.UNLIKELY), pending)
        assert result.decision is SUSPEND
        assert result.events == (pending,)

    def test_r1_over_r2(self) -> None:
        """Possible and not assessed the same day: R1."""
        possible = sae("S", "RJ-001", "10-04", causality=Causality.POSSIBLE)
        result = self.counted(possible, attrs.evolve(possible, causality=Causality.NOT_ASSESSED))
        assert [t.rule for t in result.triggers] == ["R1"]

    def test_then_the_more_serious(self) -> None:
        """Both R1: death over life-threatening over more criteria over a higher grade."""
        base = sae("S", "RJ-001", "10-04")
        hosp = {Seriousness.HOSPITALISATION}
        more = attrs.evolve(base, seriousness=hosp | {Seriousness.DISABILITY}, grade=2)
        threat = attrs.evolve(base, seriousness={Seriousness.LIFE_THREATENING}, grade=3)
        death = attrs.evolve(
            base, seriousness={Seriousness.DEATH}, grade=5, outcome=EventOutcome.FATAL
        )
        higher = attrs.evolve(base, grade=4)
        assert self.counted(base, higher).events == (higher,)
        assert self.counted(higher, more).events == (more,)
        assert self.counted(more, threat).events == (threat,)
        assert self.counted(threat, death).events == (death,)
        result = self.counted(base, higher, more, threat, death)
        assert result.events == (death,)
        assert [c.other for c in result.conflicts] == [threat, more, higher, base]

    def test_the_rule_before_the_seriousness(self) -> None:
        """R1 hospitalisation over R2 life-threatening: the rule fired ranks first."""
        probable = sae("S", "RJ-001", "10-04")
        pending = attrs.evolve(
            probable,
            causality=Causality.NOT_ASSESSED,
            seriousness={Seriousness.LIFE_THREATENING},
            grade=4,
        )
        result = self.counted(pending, probable)
        assert (result.decision, result.events) == (TERMINATE, (probable,))
        assert [c.other for c in result.conflicts] == [pending]

    def test_a_pre_treatment_version_fires_no_rule(self) -> None:
        """Onset before Day 1: neither version fires, so the more serious counts, not the
        probable one (RJ-003, Day 1 10-05, onset 10-04)."""
        probable = sae("S", "RJ-003", "10-04", "10-05")
        threat = attrs.evolve(
            probable,
            causality=Causality.UNRELATED,
            seriousness={Seriousness.LIFE_THREATENING},
            grade=4,
        )
        result = self.counted(probable, threat, on="10-05")
        assert (result.decision, result.events) == (CONTINUE, (threat,))

    def test_the_rule_fired_on_the_awareness_day(self) -> None:
        """§6.6: onset 10-11 (after Day 10) and infusion 4 given late on 10-12, the awareness
        day: the probable version fires R1 that day and counts over a more serious unrelated
        one."""
        plans = [plan("RJ-001", "low", "10-01", "10-01", "10-04", "10-07", "10-12")]
        probable = sae("S", "RJ-001", "10-11", "10-12")
        threat = attrs.evolve(
            probable,
            causality=Causality.UNRELATED,
            seriousness={Seriousness.LIFE_THREATENING},
            grade=4,
        )
        for events in ([probable, threat], [threat, probable]):
            result = evaluate_stop_rules(plans, events, on=day("10-12"))
            assert (result.decision, result.events) == (TERMINATE, (probable,))

    def test_last_the_canonical_text(self) -> None:
        """D-SAF-VERSIONS: equal in every rank, the larger ``json.dumps(to_dict(),
        sort_keys=True)`` counts: here the later onset (``onset_date`` sorts before ``term``),
        although its term is the smaller."""
        later = attrs.evolve(sae("S", "RJ-001", "10-04"), term="A")
        earlier = attrs.evolve(later, onset_date=day("10-03"), term="Z")
        assert max((later, earlier), key=lambda e: json.dumps(e.to_dict(), sort_keys=True)) == later
        assert self.counted(earlier, later).events == (later,)

    def test_the_order_is_total(self) -> None:
        """Versions equal in rule and seriousness still have one answer (any input order)."""
        base = sae("S", "RJ-001", "10-04")
        other = attrs.evolve(base, term="Another term")
        assert self.counted(base, other).events == self.counted(other, base).events

    def test_identical_resubmissions_collapse_also_when_not_yet_known(self) -> None:
        """The same record twice is one version, known or not yet known on ``on``."""
        later = sae("S", "RJ-001", "10-04", "10-06")
        result = evaluate_stop_rules(cohort(), [later, later], on=day("10-05"))
        assert result.ignored == (later,)
        known = evaluate_stop_rules(cohort(), [later, later], on=day("10-06"))
        assert (known.conflicts, known.history) == ((), ())

    def test_not_yet_known_versions_in_one_order(self) -> None:
        """§6.7: two different versions not yet known are listed in one order either way."""
        a = sae("S", "RJ-001", "10-04", "10-06")
        b = attrs.evolve(a, causality=Causality.UNRELATED)
        first = evaluate_stop_rules(cohort(), [a, b], on=day("10-05")).ignored
        assert evaluate_stop_rules(cohort(), [b, a], on=day("10-05")).ignored == first

    def test_not_yet_known_events_by_awareness_then_id(self) -> None:
        """D-SAF-VERSIONS: ``.ignored`` is sorted by awareness date, then id (the canonical
        text only orders versions of one id): A before B although B's text is the smaller."""
        a = sae("A", "RJ-001", "10-04", "10-06", causality=Causality.UNRELATED)
        b = sae("B", "RJ-001", "10-04", "10-06")
        early = sae("C", "RJ-001", "10-04", "10-05")
        assert json.dumps(b.to_dict(), sort_keys=True) < json.dumps(a.to_dict(), sort_keys=True)
        for events in ([a, b, early], [b, early, a]):
            assert evaluate_stop_rules(cohort(), events, on=day("10-04")).ignored == (early, a, b)

    def test_conflict_record(self) -> None:
        """§9: a conflict's record names the event, the day and both versions."""
        wrong = sae("S", "RJ-001", "10-04")
        fixed = attrs.evolve(wrong, causality=Causality.UNRELATED)
        record = self.counted(wrong, fixed).to_dict()["conflicts"]
        assert record == [
            {
                "event_id": "S",
                "awareness_date": "2021-10-04",
                "counted": wrong.to_dict(),
                "other": fixed.to_dict(),
            }
        ]


class TestTerminationIsFinal:
    """§6.7 v2: once TERMINATE as of a date, TERMINATE; a re-assessment is listed."""

    def versions(self) -> tuple[SafetyEvent, SafetyEvent]:
        """SAE-1 (RJ-001) probable aware 10-05, re-assessed unrelated on 10-07."""
        probable = sae("SAE-1", "RJ-001", "10-04", "10-05")
        return probable, attrs.evolve(
            probable, awareness_date=day("10-07"), causality=Causality.UNRELATED
        )

    def test_reassessed_unrelated_stays_terminated(self) -> None:
        """On 10-08 the study is still terminated since 10-05; nothing is lifted."""
        probable, unrelated = self.versions()
        before = evaluate_stop_rules(cohort(), [probable], on=day("10-06"))
        result = evaluate_stop_rules(cohort(), [unrelated, probable], on=day("10-08"))
        assert (result.decision, result.since) == (TERMINATE, day("10-05"))
        assert [(t.rule, t.event, t.since) for t in result.triggers] == [
            ("R1", probable, day("10-05"))
        ]
        assert [(r.event_id, r.fired, r.current) for r in result.reassessed] == [
            ("SAE-1", probable, unrelated)
        ]
        assert result.cancelled == before.cancelled
        assert result.plans == before.plans
        assert set(result.status.values()) == {STOPPED}
        assert result.r3_events == (unrelated,)
        assert result.reason.startswith("terminate since 2021-10-05: R1 SAE-1")

    def test_reporting_obligations_stay(self) -> None:
        """The SUSAR report owed since 10-05 is still owed after the re-assessment."""
        probable, unrelated = self.versions()
        before = evaluate_stop_rules(cohort(), [probable], on=day("10-06"))
        result = evaluate_stop_rules(cohort(), [probable, unrelated], on=day("10-08"))
        assert [(o.kind, o.day0, o.due) for o in result.obligations] == [
            (o.kind, o.day0, o.due) for o in before.obligations
        ]
        assert ObligationKind.SUSAR_TO_REGULATOR in {o.kind for o in result.obligations}

    def test_replayed_before_the_reassessment(self) -> None:
        """As of 10-06 the re-assessment is not yet known: nothing is listed as re-assessed."""
        probable, unrelated = self.versions()
        result = evaluate_stop_rules(cohort(), [probable, unrelated], on=day("10-06"))
        assert (result.decision, result.reassessed, result.ignored) == (
            TERMINATE,
            (),
            (unrelated,),
        )

    def test_reassessed_back_to_not_assessed_stays_r1(self) -> None:
        """Probable on 10-05, then "not assessed" on 10-07: still the R1 trigger with the
        probable version, and the re-assessment is listed (no R2 in its place)."""
        probable, _ = self.versions()
        pending = attrs.evolve(
            probable, awareness_date=day("10-07"), causality=Causality.NOT_ASSESSED
        )
        result = evaluate_stop_rules(cohort(), [probable, pending], on=day("10-08"))
        assert (result.decision, result.since) == (TERMINATE, day("10-05"))
        assert [(t.rule, t.event, t.since) for t in result.triggers] == [
            ("R1", probable, day("10-05"))
        ]
        assert [(r.fired, r.current) for r in result.reassessed] == [(probable, pending)]

    def test_a_suspension_lifts(self) -> None:
        """R2 on 10-05, assessed unrelated on 10-07: CONTINUE, nothing re-assessed or cancelled."""
        pending = sae("SAE-2", "RJ-001", "10-04", "10-05", causality=Causality.NOT_ASSESSED)
        unrelated = attrs.evolve(
            pending, awareness_date=day("10-07"), causality=Causality.UNRELATED
        )
        result = evaluate_stop_rules(cohort(), [pending, unrelated], on=day("10-08"))
        assert (result.decision, result.reassessed, result.cancelled) == (CONTINUE, (), ())

    def test_reassessment_record(self) -> None:
        """§9: the re-assessment's record holds both versions."""
        probable, unrelated = self.versions()
        record = evaluate_stop_rules(cohort(), [probable, unrelated], on=day("10-08")).to_dict()
        assert record["reassessed"] == [
            {
                "event_id": "SAE-1",
                "patient_id": "RJ-001",
                "fired": probable.to_dict(),
                "current": unrelated.to_dict(),
            }
        ]


class TestUnbrokenRuns:
    """§6.7 v2, D-SAF-SINCE: a stop runs from the first trigger of an unbroken run of days on
    which something suspended or terminated; one day on which nothing did breaks the run."""

    def test_a_day_without_a_stop_breaks_the_run(self) -> None:
        """R2 SAE-2 from 10-04, assessed unrelated on 10-06; R1 SAE-3 from 10-07: nothing
        stopped on 10-06, so the termination runs from 10-07, not 10-04."""
        sae2 = sae("SAE-2", "RJ-001", "10-04", causality=Causality.NOT_ASSESSED)
        events = [
            sae2,
            attrs.evolve(sae2, awareness_date=day("10-06"), causality=Causality.UNRELATED),
            sae("SAE-3", "RJ-002", "10-07"),
        ]
        result = evaluate_stop_rules(cohort(), events, on=day("10-08"))
        assert (result.decision, result.since) == (TERMINATE, day("10-07"))
        assert [(t.event_id, t.since) for t in result.triggers] == [("SAE-3", day("10-07"))]

    def test_a_version_that_fires_later_starts_a_new_run(self) -> None:
        """§6.6: R2 from 10-11 (onset Day 5); corrected on 10-12 to a probable reaction with
        onset 10-11, after Day 10, it fires only from the late infusion 4 of 10-13. On 10-12
        nothing stopped: the trigger and the stop run from 10-13."""
        plans = [plan("RJ-001", "low", "10-01", "10-01", "10-04", "10-07", "10-13")]
        pending = sae("S", "RJ-001", "10-05", "10-11", causality=Causality.NOT_ASSESSED)
        probable = attrs.evolve(
            pending,
            onset_date=day("10-11"),
            awareness_date=day("10-12"),
            causality=Causality.PROBABLE,
        )
        result = evaluate_stop_rules(plans, [pending, probable], on=day("10-13"))
        assert (result.decision, result.since) == (TERMINATE, day("10-13"))
        assert [(t.rule, t.event, t.since) for t in result.triggers] == [
            ("R1", probable, day("10-13"))
        ]


class TestWhatAStopCancels:
    """§4.5, §6.7 v2: from the stop date, every infusion whose window had not closed."""

    def test_demo_infusion_held_on_the_awareness_day_is_cancelled(self) -> None:
        """The demo: RJ-001's infusion 3 (10-08, held on the R2 report day) is cancelled."""
        result = run_demo().safety[-1][1]
        assert result.decision is TERMINATE
        assert result.since == d("2021-10-08")
        assert ("RJ-001", 3, "10-08") in refs(result, "cancelled")
        rj1 = result.plan_of("RJ-001")
        assert [(i.number, i.is_given, i.cancelled) for i in rj1.infusions] == [
            (1, True, False),
            (2, True, False),
            (3, False, True),
            (4, False, True),
        ]

    def test_window_open_on_the_stop_date(self) -> None:
        """Infusion 2 (10-04, window 10-03..10-05) not given: a stop on 10-05 cancels it."""
        rj1 = plan("RJ-001", "low", "10-01", "10-01")
        result = evaluate_stop_rules([rj1], [sae("S", "RJ-001", "10-05")], on=day("10-05"))
        assert refs(result, "cancelled") == [
            ("RJ-001", 2, "10-04"),
            ("RJ-001", 3, "10-07"),
            ("RJ-001", 4, "10-10"),
        ]

    def test_window_closed_before_the_stop_date_is_missed(self) -> None:
        """Infusion 2's window closed 10-05; a stop on 10-06 leaves it missed (§4.4)."""
        rj1 = plan("RJ-001", "low", "10-01", "10-01")
        result = evaluate_stop_rules([rj1], [sae("S", "RJ-001", "10-06")], on=day("10-06"))
        assert [r.number for r in result.cancelled] == [3, 4]
        report = check_adherence(result.plan_of("RJ-001"), on=day("10-06"))
        assert report.missed == (2,)

    def test_stop_date_is_the_first_trigger_of_the_run(self) -> None:
        """R2 SAE-2 from 10-04 lifted on 10-06 by R2 SAE-3 (10-05) turning R1 on 10-07:
        the unbroken suspension began 10-04, so everything held since 10-04 is cancelled."""
        sae2 = sae("SAE-2", "RJ-001", "10-04", causality=Causality.NOT_ASSESSED)
        sae3 = sae("SAE-3", "RJ-002", "10-05", causality=Causality.NOT_ASSESSED)
        events = [
            sae2,
            attrs.evolve(sae2, awareness_date=day("10-06"), causality=Causality.UNRELATED),
            sae3,
            attrs.evolve(sae3, awareness_date=day("10-07"), causality=Causality.PROBABLE),
        ]
        result = evaluate_stop_rules(cohort(), events, on=day("10-07"))
        assert (result.decision, result.since) == (TERMINATE, day("10-04"))
        assert ("RJ-002", 2, "10-06") in refs(result, "cancelled")

    def test_a_stop_after_the_last_infusion_stops_nothing(self) -> None:
        """Infusion 4 given early on 10-09, its window open to 10-11: a stop on 10-10 finds
        nothing left to give, so the patient completed and the plan is untouched."""
        done = plan("RJ-001", "low", "10-01", "10-01", "10-04", "10-07", "10-09")
        result = evaluate_stop_rules([done], [sae("S", "RJ-001", "10-10")], on=day("10-10"))
        assert result.decision is TERMINATE
        assert (result.status["RJ-001"], result.cancelled) == (COMPLETED, ())
        assert result.plan_of("RJ-001") == done

    def test_last_infusion_given_on_the_stop_date(self) -> None:
        """Infusion 4 given on 10-10, the stop date: the stop found it to give, so the patient
        is stopped, and it is cancelled and a deviation (§6.7 v2)."""
        done = plan("RJ-001", "low", "10-01", "10-01", "10-04", "10-07", "10-10")
        result = evaluate_stop_rules([done], [sae("S", "RJ-001", "10-10")], on=day("10-10"))
        assert result.status["RJ-001"] is STOPPED
        assert refs(result, "cancelled") == [("RJ-001", 4, "10-10")]
        assert [(v.number, v.cause) for v in result.deviations] == [(4, "terminate")]

    def test_every_infusion_has_a_state(self) -> None:
        """§6.7 v2: under TERMINATE each infusion is given, missed or cancelled: infusion 3,
        dated on the stop date 10-07, is cancelled, not left to be reported missed."""
        rj1 = plan("RJ-001", "low", "10-01", "10-01")
        result = evaluate_stop_rules([rj1], [sae("S", "RJ-001", "10-07")], on=day("10-20"))
        statuses = [r.status.value for r in check_adherence(result.plan_of("RJ-001")).infusions]
        assert statuses == ["in_window", "missed", "cancelled", "cancelled"]


class TestDeath:
    """§6.7 v2: a death (criterion or outcome fatal) stops that patient, whatever causality."""

    def death(self, patient_id: str, when: str, causality: Causality) -> SafetyEvent:
        """A fatal event of *patient_id*, onset and awareness *when*."""
        return attrs.evolve(
            sae("D", patient_id, when, causality=causality),
            seriousness={Seriousness.DEATH},
            grade=5,
            outcome=EventOutcome.FATAL,
        )

    def test_unrelated_death_stops_that_patient_only(self) -> None:
        """RJ-002 dies 10-06 (unrelated): died, its infusions from 10-06 cancelled; CONTINUE."""
        result = evaluate_stop_rules(
            cohort(), [self.death("RJ-002", "10-06", Causality.UNRELATED)], on=day("10-07")
        )
        assert result.decision is CONTINUE
        assert result.status == {"RJ-001": ACTIVE, "RJ-002": PatientStatus.DIED, "RJ-003": ACTIVE}
        assert result.died == ("RJ-002",)
        assert refs(result, "cancelled") == [
            ("RJ-002", 2, "10-06"),
            ("RJ-002", 3, "10-09"),
            ("RJ-002", 4, "10-12"),
        ]
        assert result.plan_of("RJ-002").stopped_on == day("10-06")
        assert result.plan_of("RJ-001") == cohort()[0]
        assert result.to_dict()["patients"][1]["status"] == "died"

    def test_related_death_also_terminates(self) -> None:
        """A probable fatal reaction in the treatment period: R1 and died."""
        result = evaluate_stop_rules(
            cohort(), [self.death("RJ-001", "10-05", Causality.PROBABLE)], on=day("10-05")
        )
        assert result.decision is TERMINATE
        assert result.status["RJ-001"] is PatientStatus.DIED
        assert result.status["RJ-002"] is STOPPED

    def test_death_under_suspension_is_not_on_hold(self) -> None:
        """A pending death suspends (R2); the dead patient's infusions are cancelled, not held."""
        result = evaluate_stop_rules(
            cohort(), [self.death("RJ-001", "10-05", Causality.NOT_ASSESSED)], on=day("10-06")
        )
        assert result.decision is SUSPEND
        assert {h.patient_id for h in result.on_hold} == {"RJ-002", "RJ-003"}
        assert {c.patient_id for c in result.cancelled} == {"RJ-001"}

    def test_death_after_the_treatment(self) -> None:
        """Every infusion given before the death: died, nothing to cancel, plan untouched."""
        done = plan("RJ-001", "low", "10-01", "10-01", "10-04", "10-07", "10-10")
        result = evaluate_stop_rules(
            [done], [self.death("RJ-001", "10-20", Causality.UNRELATED)], on=day("10-20")
        )
        assert (result.status["RJ-001"], result.cancelled) == (PatientStatus.DIED, ())
        assert result.plan_of("RJ-001") == done


class TestPreTreatment:
    """§6.7 v2: an SAE with onset before Day 1 is accepted, reported, never a trigger."""

    def test_accepted_reported_and_listed(self) -> None:
        """RJ-003 (Day 1 10-05): a probable SAE with onset 10-04 stops nothing, is reported."""
        event = sae("A", "RJ-003", "10-04")
        result = evaluate_stop_rules(cohort(), [event], on=day("10-05"))
        assert (result.decision, result.triggers) == (CONTINUE, ())
        assert result.pre_treatment == (event,)
        assert result.primary_endpoint_events == ()
        assert [o.kind for o in result.obligations] == [
            ObligationKind.SAE_TO_SPONSOR,
            ObligationKind.SUSAR_TO_REGULATOR,
        ]
        assert result.to_dict()["pre_treatment"] == ["A"]

    def test_pending_pre_treatment_event_does_not_suspend(self) -> None:
        """Not assessed, onset the day before Day 1: no R2."""
        event = sae("A", "RJ-003", "10-04", "10-06", causality=Causality.NOT_ASSESSED)
        assert evaluate_stop_rules(cohort(), [event], on=day("10-06")).decision is CONTINUE


class TestAsOfInfusions:
    """§6.7 v2: infusions given after ``on`` are not yet given; given after a stop, a deviation."""

    def rj1(self) -> InfusionPlan:
        """RJ-001 with infusions given 10-01, 10-04 and (recorded later) 10-07."""
        return plan("RJ-001", "low", "10-01", "10-01", "10-04", "10-07")

    def test_given_after_on_is_cancelled_as_of_on(self) -> None:
        """A stop on 10-05 cancels infusion 3, given on 10-07: on 10-05 it was to give."""
        result = evaluate_stop_rules([self.rj1()], [sae("S", "RJ-001", "10-05")], on=day("10-05"))
        assert [r.number for r in result.cancelled] == [3, 4]
        assert result.deviations == ()
        assert result.status["RJ-001"] is STOPPED

    def test_given_after_the_stop_is_a_deviation(self) -> None:
        """On 10-07 infusion 3 is known given after the 10-05 stop: still cancelled, a deviation."""
        result = evaluate_stop_rules([self.rj1()], [sae("S", "RJ-001", "10-05")], on=day("10-07"))
        assert [r.number for r in result.cancelled] == [3, 4]
        assert [v.to_dict() for v in result.deviations] == [
            {
                "patient_id": "RJ-001",
                "number": 3,
                "date": "2021-10-07",
                "given_date": "2021-10-07",
                "cause": "terminate",
                "stopped_on": "2021-10-05",
            }
        ]

    def test_given_on_the_stop_date_is_a_deviation(self) -> None:
        """Given on the day the stop became known: a deviation (a reviewer decides)."""
        result = evaluate_stop_rules([self.rj1()], [sae("S", "RJ-001", "10-07")], on=day("10-07"))
        assert [(v.number, v.cause) for v in result.deviations] == [(3, "terminate")]

    def test_given_during_a_suspension_is_a_deviation(self) -> None:
        """R2 from 10-06 (lifted 10-08): infusion 3 given 10-07 is a deviation."""
        pending = sae("S", "RJ-001", "10-06", causality=Causality.NOT_ASSESSED)
        lifted = attrs.evolve(pending, awareness_date=day("10-08"), causality=Causality.UNRELATED)
        result = evaluate_stop_rules([self.rj1()], [pending, lifted], on=day("10-09"))
        assert result.decision is CONTINUE
        assert [(v.number, v.cause, v.stopped_on) for v in result.deviations] == [
            (3, "suspend", day("10-06"))
        ]

    def test_given_after_the_suspension_lifted_is_no_deviation(self) -> None:
        """R2 from 10-05, assessed unrelated on 10-07: infusion 3 given on 10-08 is none."""
        rj1 = plan("RJ-001", "low", "10-01", "10-01", "10-04", "10-08")
        pending = sae("S", "RJ-001", "10-05", causality=Causality.NOT_ASSESSED)
        lifted = attrs.evolve(pending, awareness_date=day("10-07"), causality=Causality.UNRELATED)
        result = evaluate_stop_rules([rj1], [pending, lifted], on=day("10-09"))
        assert (result.decision, result.deviations) == (CONTINUE, ())

    def test_given_on_the_first_day_of_a_standing_suspension(self) -> None:
        """R2 known 10-07 and still pending on 10-08: infusion 3 given on 10-07 is a
        ``suspend`` deviation from 10-07."""
        pending = sae("S", "RJ-001", "10-07", causality=Causality.NOT_ASSESSED)
        result = evaluate_stop_rules([self.rj1()], [pending], on=day("10-08"))
        assert result.decision is SUSPEND
        assert [(v.number, v.cause, v.stopped_on) for v in result.deviations] == [
            (3, "suspend", day("10-07"))
        ]

    def test_given_on_the_day_of_a_death_is_a_deviation(self) -> None:
        """RJ-002 dies (unrelated) known 10-06; its infusion 2 given that day: cause ``died``."""
        rj2 = plan("RJ-002", "medium", "10-03", "10-03", "10-06")
        death = attrs.evolve(
            sae("D", "RJ-002", "10-06", causality=Causality.UNRELATED),
            seriousness={Seriousness.DEATH},
            grade=5,
            outcome=EventOutcome.FATAL,
        )
        result = evaluate_stop_rules([self.rj1(), rj2], [death], on=day("10-07"))
        assert result.decision is CONTINUE
        assert [v.to_dict() for v in result.deviations] == [
            {
                "patient_id": "RJ-002",
                "number": 2,
                "date": "2021-10-06",
                "given_date": "2021-10-06",
                "cause": "died",
                "stopped_on": "2021-10-06",
            }
        ]

    def test_a_skipped_infusion_hides_no_later_deviation(self) -> None:
        """Infusion 2 never given, infusion 3 given 10-07 after the 10-05 stop: a deviation."""
        rj1 = record_infusion(plan("RJ-001", "low", "10-01", "10-01"), 3, day("10-07"))
        result = evaluate_stop_rules([rj1], [sae("S", "RJ-001", "10-05")], on=day("10-07"))
        assert [(v.number, v.cause) for v in result.deviations] == [(3, "terminate")]

    def test_status_ignores_later_infusions(self) -> None:
        """All four given, the last on 10-10: on 10-09 the patient is still active."""
        done = plan("RJ-001", "low", "10-01", "10-01", "10-04", "10-07", "10-10")
        assert evaluate_stop_rules([done], [], on=day("10-09")).status["RJ-001"] is ACTIVE


class TestDeviationCause:
    """D-SAF-DEVIATION: the earliest stop in force is named; of stops on the same day, the
    study's termination, then the patient's death, then a suspension."""

    def death(self, causality: Causality) -> SafetyEvent:
        """RJ-001's fatal event, onset and awareness 10-05 (Day 5)."""
        return attrs.evolve(
            sae("D", "RJ-001", "10-05", causality=causality),
            seriousness={Seriousness.DEATH},
            grade=5,
            outcome=EventOutcome.FATAL,
        )

    def causes(self, event: SafetyEvent) -> list[tuple[int, str, date]]:
        """(number, cause, stop date) of the deviations when RJ-001 got infusion 3 on 10-07."""
        rj1 = plan("RJ-001", "low", "10-01", "10-01", "10-04", "10-07")
        result = evaluate_stop_rules([rj1], [event], on=day("10-07"))
        return [(v.number, v.cause, v.stopped_on) for v in result.deviations]

    def test_termination_before_death(self) -> None:
        """A related death terminates and kills on 10-05: the termination is named."""
        assert self.causes(self.death(Causality.PROBABLE)) == [(3, "terminate", day("10-05"))]

    def test_death_before_suspension(self) -> None:
        """A pending death suspends and kills on 10-05: the death is named."""
        assert self.causes(self.death(Causality.NOT_ASSESSED)) == [(3, "died", day("10-05"))]


class TestReportingObligations:
    """§6.3, §6.5: the obligations of the known events, done and overdue as of ``on``."""

    def test_done_marks_and_overdue(self) -> None:
        """Obligations carry done and overdue flags as of ``on``."""
        event = sae("S", "RJ-001", "10-04", causality=Causality.UNRELATED)
        late = evaluate_stop_rules(cohort(), [event], on=day("10-06"))
        assert [o.due for o in late.overdue] == [day("10-05")]
        marked = evaluate_stop_rules(
            cohort(), [event], on=day("10-06"), done=[("S", "sae_to_sponsor")]
        )
        assert marked.overdue == ()
        assert marked.obligations[0].done

    def test_variant_reporting_deadline(self) -> None:
        """§6.3, §1: with two days for the sponsor report, an SAE aware 10-04 is due 10-06."""
        variant = attrs.evolve(NCT04822922, sae_to_sponsor_days=2)
        event = sae("S", "RJ-001", "10-04", causality=Causality.UNRELATED)
        result = evaluate_stop_rules(cohort(), [event], on=day("10-06"), protocol=variant)
        assert [(o.kind.value, o.due, o.overdue) for o in result.obligations] == [
            ("sae_to_sponsor", day("10-06"), False)
        ]


class TestPatientStatus:
    """§4.5, §6.5: active, stopped or completed as of ``on``."""

    def test_stopped_plan_is_stopped(self) -> None:
        """A plan stopped for any reason (withdrawal) reports STOPPED under CONTINUE."""
        withdrawn = cancel_remaining(cohort()[0], day("10-04"))
        result = evaluate_stop_rules([withdrawn], [], on=day("10-05"))
        assert result.status == {"RJ-001": STOPPED}

    def test_stopped_on_the_day_of_evaluation(self) -> None:
        """§4.5: a plan stopped on 10-05 is STOPPED when evaluated on 10-05."""
        withdrawn = cancel_remaining(cohort()[0], day("10-05"))
        assert evaluate_stop_rules([withdrawn], [], on=day("10-05")).status == {"RJ-001": STOPPED}

    def test_completed_after_the_last_window(self) -> None:
        """With a missed infusion, the patient is completed once its window has closed."""
        missed = plan("RJ-001", "low", "10-01", "10-01", "10-04", "10-07")
        assert evaluate_stop_rules([missed], [], on=day("10-11")).status == {"RJ-001": ACTIVE}
        assert evaluate_stop_rules([missed], [], on=day("10-12")).status == {"RJ-001": COMPLETED}

    def test_completed_on_the_day_of_the_last_infusion(self) -> None:
        """§6.5: all four given, the last on 10-10: COMPLETED on 10-10 itself."""
        done = plan("RJ-001", "low", "10-01", "10-01", "10-04", "10-07", "10-10")
        assert evaluate_stop_rules([done], [], on=day("10-10")).status == {"RJ-001": COMPLETED}


class TestEvaluationNamesItsProtocol:
    """§1 v2: an evaluation holds the protocol applied, names its id and version, and two
    evaluations under different versions are never equal, even with the same decision."""

    def test_two_versions_never_equal(self) -> None:
        plans, ev = suspended_scenario()
        events = [ev["v1"], ev["v2"], ev["v3"]]
        amended = attrs.evolve(NCT04822922, version="2.0")
        first = evaluate_stop_rules(plans, events, on=day("10-07"))
        second = evaluate_stop_rules(plans, events, on=day("10-07"), protocol=amended)
        assert first.decision is second.decision
        assert first.triggers == second.triggers
        assert first != second
        assert first == evaluate_stop_rules(plans, events, on=day("10-07"))
        assert (first.protocol, second.protocol) == (NCT04822922, amended)
        assert second.to_dict()["protocol"] == {"nct_id": "NCT04822922", "version": "2.0"}

    def test_the_protocol_stays_out_of_the_repr(self) -> None:
        result = evaluate_stop_rules([], [], on=day("10-07"))
        assert "Protocol" not in repr(result)


class TestEvaluationRecord:
    """§6.5, §9: the evaluation as a JSON record."""

    def test_reason_names_the_decision_and_each_trigger(self) -> None:
        """``.reason``: the decision, since when, and each trigger's rule, event and patient."""
        quiet = evaluate_stop_rules(cohort(), [], on=day("10-06"))
        assert quiet.reason.split(":")[0] == "continue"
        assert "2021-10-06" in quiet.reason
        result = evaluate_stop_rules(cohort(), [sae("SAE-1", "RJ-001", "10-05")], on=day("10-06"))
        head, fired = result.reason.split(": ", 1)
        assert head == "terminate since 2021-10-05"
        assert fired == "R1 SAE-1 (RJ-001)"

    def test_to_dict_is_json(self) -> None:
        """The whole evaluation writes as JSON with the decision, triggers and cancellations."""
        result = evaluate_stop_rules(cohort(), [sae("SAE-1", "RJ-001", "10-05")], on=day("10-06"))
        record = json.loads(json.dumps(result.to_dict()))
        assert record["decision"] == "terminate"
        assert record["since"] == "2021-10-05"
        assert record["triggers"][0]["rule"] == "R1"
        assert record["triggers"][0]["event"]["event_id"] == "SAE-1"
        assert record["cancelled"][0] == {"patient_id": "RJ-001", "number": 3, "date": "2021-10-07"}
        assert {p["status"] for p in record["patients"]} == {"stopped"}

    def test_suspension_record(self) -> None:
        """§6.5, R2, R3: on 10-07 SAE-2 suspends since 10-06, its first serious report."""
        plans, ev = suspended_scenario()
        result = evaluate_stop_rules(
            plans, [ev["later"], ev["v3"], ev["r3"], ev["v1"], ev["v2"]], on=day("10-07")
        )
        assert result.to_dict() == {
            "on": "2021-10-07",
            "protocol": {"nct_id": "NCT04822922", "version": "1.0"},  # §1 v2
            "decision": "suspend",
            "since": "2021-10-06",
            "triggers": [
                {
                    "rule": "R2",
                    "event_id": "SAE-2",
                    "patient_id": "RJ-001",
                    "since": "2021-10-06",
                    "event": ev["v3"].to_dict(),
                }
            ],
            "patients": [
                {
                    "patient_id": "RJ-001",
                    "arm_id": "low",
                    "status": "active",
                    "start": "2021-10-01",
                    "treatment_period_end": "2021-10-10",
                    "safety_window_end": "2021-11-01",
                    "stopped_on": None,
                }
            ],
            "cancelled": [],
            "on_hold": [
                {"patient_id": "RJ-001", "number": 3, "date": "2021-10-07"},
                {"patient_id": "RJ-001", "number": 4, "date": "2021-10-10"},
            ],
            "deviations": [],
            "conflicts": [],
            "reassessed": [],
            "pre_treatment": [],
            "r3_events": ["SAE-3"],
            "primary_endpoint_events": ["SAE-3", "SAE-2"],
            "obligations": [
                {
                    "event_id": "SAE-3",
                    "patient_id": "RJ-001",
                    "kind": "sae_to_sponsor",
                    "day0": "2021-10-03",
                    "due": "2021-10-04",
                    "done": False,
                    "overdue": True,
                },
                {
                    "event_id": "SAE-2",
                    "patient_id": "RJ-001",
                    "kind": "sae_to_sponsor",
                    "day0": "2021-10-06",
                    "due": "2021-10-07",
                    "done": False,
                    "overdue": False,
                },
                {
                    "event_id": "SAE-2",
                    "patient_id": "RJ-001",
                    "kind": "susar_to_regulator",
                    "day0": "2021-10-06",
                    "due": "2021-10-21",
                    "done": False,
                    "overdue": False,
                },
            ],
            "events": [ev["r3"].to_dict(), ev["v3"].to_dict()],
            "history": {"SAE-2": [ev["v1"].to_dict(), ev["v2"].to_dict()]},
            "ignored": [ev["later"].to_dict()],
            "plans": [plans[0].to_dict()],
        }


class TestInputErrors:
    """§0, §6.5: bad input is a ProtocolError naming the path and the value."""

    def test_event_without_plan(self) -> None:
        """An event for a patient without a plan is an error, even if not yet known."""
        known = sae("A", "RJ-404", "10-04")
        err = invalid(lambda: evaluate_stop_rules(cohort(), [known], on=day("10-05")))
        assert (err.field, err.value) == ("events[0].patient_id", "RJ-404")
        unknown = [sae("A", "RJ-001", "10-04"), sae("B", "RJ-404", "10-04", "10-30")]
        err = invalid(lambda: evaluate_stop_rules(cohort(), unknown, on=day("10-05")))
        assert (err.field, err.value) == ("events[1].patient_id", "RJ-404")

    def test_two_plans_for_one_patient(self) -> None:
        """One plan per patient: a second, different plan for RJ-001 is named by patient id."""
        twice = [cohort()[0], plan("RJ-001", "low", "10-01")]
        err = invalid(lambda: evaluate_stop_rules(twice, [], on=day("10-05")))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("plans[1].patient_id", "RJ-001")

    def test_not_a_plan(self) -> None:
        """§6.5: plans must be InfusionPlan values; a dict is named with its index."""
        bad: Any = {"patient_id": "RJ-001"}
        err = invalid(lambda: evaluate_stop_rules([bad], [], on=day("10-05")))
        assert (err.field, err.value) == ("plans[0]", bad)

    def test_not_an_event(self) -> None:
        """§6.1: events must be SafetyEvent values; a dict is named with its index."""
        bad: Any = {"event_id": "A"}
        err = invalid(lambda: evaluate_stop_rules(cohort(), [bad], on=day("10-05")))
        assert (err.field, err.value) == ("events[0]", bad)

    def test_plan_arm_outside_protocol(self) -> None:
        """A plan on an arm the protocol does not have is an error."""
        err = invalid(lambda: evaluate_stop_rules([mega_plan()], [], on=day("10-05")))
        assert err.field == "plans[0].arm"

    def test_on_must_be_a_date(self) -> None:
        """A datetime is not a calendar date (§0)."""
        moment = datetime(2021, 10, 5)  # noqa: DTZ001
        err = invalid(lambda: evaluate_stop_rules(cohort(), [], on=moment))
        assert (err.field, err.value) == ("on", moment)

    @pytest.mark.parametrize("bad", NOT_LISTS)
    def test_plans_and_events_must_be_lists(self, bad: Any) -> None:
        """A number, a string, a single record or None is not a list of records."""
        err = invalid(lambda: evaluate_stop_rules(bad, [], on=day("10-05")))
        assert (err.field, err.value) == ("plans", bad)
        err = invalid(lambda: evaluate_stop_rules([], bad, on=day("10-05")))
        assert (err.field, err.value) == ("events", bad)

    def test_plan_of_unknown_patient(self) -> None:
        """§6.5: asking for the plan of a patient not in the evaluation names the id."""
        result = evaluate_stop_rules(cohort(), [], on=day("10-05"))
        err = invalid(lambda: result.plan_of("RJ-404"))
        assert (err.field, err.value) == ("patient_id", "RJ-404")

    def test_treatment_period_end_needs_a_plan(self) -> None:
        """§6.4: a dict is not a plan; the error names 'plan'."""
        bad: Any = {"start": "2021-10-01"}
        err = invalid(lambda: treatment_period_end(bad))
        assert (err.field, err.value) == ("plan", bad)


def severity(plans: Any, events: Any, on: date) -> int:
    """The severity of the decision as of *on*."""
    return evaluate_stop_rules(plans, events, on=on).decision.severity


def check_on_hold(result: StopRuleEvaluation) -> None:
    """Held infusions belong to active patients, are not given by ``on`` and still open."""
    for held in result.on_hold:
        infusion = result.plan_of(held.patient_id).infusions[held.number - 1]
        assert result.status[held.patient_id] is ACTIVE
        assert not infusion.cancelled
        assert infusion.given_date is None or infusion.given_date > result.on
        assert infusion.window_end >= result.on


on_dates = st.integers(0, 60).map(lambda n: SAFETY_START + timedelta(days=n))
Inputs = tuple[tuple[InfusionPlan, ...], list[SafetyEvent]]


class TestStopRuleLaws:
    """Laws of §6.4-§6.6 over generated cohorts and events (distinct ids: no corrections)."""

    @given(inputs=stop_rule_inputs(), on=on_dates, data=st.data())
    def test_order_of_events_and_plans_does_not_matter(
        self, inputs: Inputs, on: date, data: st.DataObject
    ) -> None:
        """§6.5: shuffled plans and events give the same evaluation, field by field."""
        plans, events = inputs
        shuffled_plans = data.draw(st.permutations(plans))
        shuffled_events = data.draw(st.permutations(events))
        assert evaluate_stop_rules(shuffled_plans, shuffled_events, on=on) == evaluate_stop_rules(
            plans, events, on=on
        )

    @given(inputs=stop_rule_inputs(), on=on_dates, data=st.data())
    def test_a_reaction_in_treatment_never_lowers_the_decision(
        self, inputs: Inputs, on: date, data: st.DataObject
    ) -> None:
        """Adding a known serious reaction in a treatment period gives at least SUSPEND."""
        plans, events = inputs
        target = data.draw(st.sampled_from(plans))
        end = min(treatment_period_end(target, on=on), on)
        if end < target.start:
            return  # the patient has not started by *on*: no treatment period yet
        onset = data.draw(st.dates(target.start, end))
        extra = data.draw(
            safety_events(
                patient_id=target.patient_id,
                event_id="SAE-NEW",
                onset_dates=st.just(onset),
                serious=True,
                causality=(*RELATED, Causality.NOT_ASSESSED),
                max_delay_days=(on - onset).days,
            )
        )
        before = severity(plans, events, on)
        after = severity(plans, [*events, extra], on)
        assert after >= max(before, SUSPEND.severity)

    @given(inputs=stop_rule_inputs(causality=UNRELATED), on=on_dates)
    def test_unrelated_events_never_stop(self, inputs: Inputs, on: date) -> None:
        """R3: events assessed unlikely or unrelated never suspend or terminate."""
        assert severity(*inputs, on) == CONTINUE.severity

    @given(inputs=stop_rule_inputs(serious=False), on=on_dates)
    def test_non_serious_events_never_stop(self, inputs: Inputs, on: date) -> None:
        """Non-serious events never suspend or terminate, whatever their causality."""
        result = evaluate_stop_rules(*inputs, on=on)
        assert result.decision is CONTINUE
        assert result.obligations == ()

    @given(inputs=stop_rule_inputs(), on=on_dates)
    def test_nothing_stays_scheduled_after_termination(self, inputs: Inputs, on: date) -> None:
        """Under TERMINATE no infusion dated on or after the stop is still to give."""
        result = evaluate_stop_rules(*inputs, on=on)
        if result.decision is not TERMINATE:
            return
        assert result.since is not None
        assert all(result.since <= t.event.awareness_date for t in result.triggers)
        for p in result.plans:
            for infusion in p.infusions:
                if infusion.date >= result.since:
                    assert infusion.cancelled or infusion.given_date is not None
        assert ACTIVE not in result.status.values()

    @given(inputs=stop_rule_inputs(), on=on_dates)
    def test_due_dates_never_before_awareness(self, inputs: Inputs, on: date) -> None:
        """§6.3: no obligation is due before its event's awareness date."""
        result = evaluate_stop_rules(*inputs, on=on)
        aware = {e.event_id: e.awareness_date for e in result.events}
        for ob in result.obligations:
            assert ob.due >= ob.day0 >= aware[ob.event_id]
            assert ob.overdue is (on > ob.due)

    @given(inputs=stop_rule_inputs(), a=on_dates, b=on_dates)
    def test_monotone_in_time(self, inputs: Inputs, a: date, b: date) -> None:
        """With an earlier ``on`` the decision is never more severe."""
        early, late = sorted((a, b))
        assert severity(*inputs, early) <= severity(*inputs, late)

    @given(inputs=stop_rule_inputs(), on=on_dates)
    def test_triggers_are_exactly_the_serious_reactions_in_treatment(
        self, inputs: Inputs, on: date
    ) -> None:
        """R1/R2 fire for, and only for, known serious reactions with onset in the period."""
        result = evaluate_stop_rules(*inputs, on=on)
        period = {p.patient_id: (p.start, p.treatment_period_end) for p in result.patients}
        expected = {
            (("R2" if e.causality is Causality.NOT_ASSESSED else "R1"), e.event_id)
            for e in inputs[1]
            if e.awareness_date <= on
            and e.seriousness
            and e.causality not in UNRELATED
            and period[e.patient_id][0] <= e.onset_date <= period[e.patient_id][1]
        }
        assert {(t.rule, t.event_id) for t in result.triggers} == expected

    @given(inputs=stop_rule_inputs(), on=on_dates)
    def test_decision_shape(self, inputs: Inputs, on: date) -> None:
        """CONTINUE has no trigger; SUSPEND cancels nothing; only TERMINATE cancels."""
        plans, events = inputs
        result = evaluate_stop_rules(plans, events, on=on)
        if result.decision is CONTINUE:
            assert (result.triggers, result.since, result.on_hold) == ((), None, ())
        if result.decision is not TERMINATE:  # only a death cancels (§6.7)
            assert {c.patient_id for c in result.cancelled} <= set(result.died)
            alive = {p.patient_id for p in plans} - set(result.died)
            assert {p for p in result.plans if p.patient_id in alive} == {
                p for p in plans if p.patient_id in alive
            }
        if result.decision is SUSPEND:
            assert {t.rule for t in result.triggers} == {"R2"}
            check_on_hold(result)

    @given(inputs=stop_rule_inputs(), on=on_dates)
    def test_to_dict_is_json(self, inputs: Inputs, on: date) -> None:
        """to_dict is JSON-compatible and keeps the decision and every trigger."""
        result = evaluate_stop_rules(*inputs, on=on)
        record = result.to_dict()
        assert json.loads(json.dumps(record)) == record
        assert record["decision"] == result.decision.value
        assert [t["event_id"] for t in record["triggers"]] == [t.event_id for t in result.triggers]

    @given(
        inputs=stop_rule_inputs(causality=(Causality.NOT_ASSESSED, *UNRELATED)),
        on=on_dates,
        verdict=st.sampled_from(RELATED + UNRELATED),
    )
    def test_assessing_every_pending_event_ends_the_suspension(
        self, inputs: Inputs, on: date, verdict: Causality
    ) -> None:
        """R2: once assessed, R1 applies (TERMINATE, stopping from the first report) or it lifts.

        The assessments arrive the next day, with nothing else new (a same-day assessment
        would be a same-day conflict, in which the pending version counts, §6.7)."""
        plans, events = inputs
        result = evaluate_stop_rules(plans, events, on=on)
        assert result.decision in {CONTINUE, SUSPEND}
        assert {c.patient_id for c in result.cancelled} <= set(result.died)  # §6.7 deaths
        check_on_hold(result)
        if result.decision is CONTINUE:
            return
        next_day = on + timedelta(days=1)
        assessed = [
            attrs.evolve(t.event, awareness_date=next_day, causality=verdict)
            for t in result.triggers
        ]
        known_plans, known_events = known_then(plans, events, on)
        after = evaluate_stop_rules(known_plans, [*known_events, *assessed], on=next_day)
        if verdict in UNRELATED:
            assert after.decision is CONTINUE
            assert {e.event_id for e in after.r3_events} >= {e.event_id for e in assessed}
        else:
            assert after.decision is TERMINATE
            assert after.since == result.since
            assert set(after.superseded) == {e.event_id for e in assessed}


def known_then(plans: Any, events: list[SafetyEvent], on: date) -> tuple[list[Any], list[Any]]:
    """The inputs truncated to what was known on *on*: later events dropped, infusions given
    after *on* un-given (§6.5, §6.7)."""
    truncated = [
        attrs.evolve(
            p,
            infusions=tuple(
                attrs.evolve(i, given_date=None)
                if i.given_date is not None and i.given_date > on
                else i
                for i in p.infusions
            ),
        )
        for p in plans
    ]
    return truncated, [e for e in events if e.awareness_date <= on]


def fates(result: StopRuleEvaluation) -> dict[tuple[str, int], str]:
    """(patient, number) -> given (before the stop date), missed or cancelled (TERMINATE)."""
    assert result.since is not None
    cancelled = {(c.patient_id, c.number) for c in result.cancelled}
    fate = {}
    for p in result.plans:
        for i in p.infusions:
            key = (p.patient_id, i.number)
            if i.given_date is not None and i.given_date < result.since:
                fate[key] = "given"
            elif i.cancelled or key in cancelled:
                fate[key] = "cancelled"
            elif i.window_end < result.since:
                fate[key] = "missed"
    return fate


class TestStopRuleVersionLaws:
    """Laws of §6.7 v2 over cohorts with re-submitted events (same-day versions, deaths,
    re-assessments, pre-treatment onsets)."""

    @given(inputs=stop_rule_histories(), on=on_dates, data=st.data())
    def test_any_order_and_any_duplication(
        self, inputs: Inputs, on: date, data: st.DataObject
    ) -> None:
        """§6.7: permuted and duplicated plans and events give the same evaluation."""
        plans, events = inputs
        more_plans = data.draw(st.lists(st.sampled_from(plans), max_size=2))
        more_events = data.draw(st.lists(st.sampled_from(events), max_size=3)) if events else []
        shuffled_plans = data.draw(st.permutations([*plans, *more_plans]))
        shuffled_events = data.draw(st.permutations([*events, *more_events]))
        assert evaluate_stop_rules(shuffled_plans, shuffled_events, on=on) == evaluate_stop_rules(
            plans, events, on=on
        )

    @given(inputs=stop_rule_histories(), a=on_dates, b=on_dates)
    def test_termination_is_final_and_cancellation_never_shrinks(
        self, inputs: Inputs, a: date, b: date
    ) -> None:
        """Once TERMINATE, TERMINATE on every later date, from the same stop date; the
        cancelled set (and the obligations owed) only grow as ``on`` grows."""
        early, late = sorted((a, b))
        before = evaluate_stop_rules(*inputs, on=early)
        after = evaluate_stop_rules(*inputs, on=late)
        if before.decision is TERMINATE:
            assert (after.decision, after.since) == (TERMINATE, before.since)
        assert set(before.cancelled) <= set(after.cancelled)
        assert {o.key for o in before.obligations} <= {o.key for o in after.obligations}
        assert set(before.died) <= set(after.died)

    @given(inputs=stop_rule_histories(), on=on_dates)
    def test_under_terminate_every_infusion_has_a_state(self, inputs: Inputs, on: date) -> None:
        """§6.7: given before the stop date, missed (window closed before it) or cancelled."""
        result = evaluate_stop_rules(*inputs, on=on)
        if result.decision is TERMINATE:
            assert len(fates(result)) == sum(len(p.infusions) for p in result.plans)
            assert ACTIVE not in result.status.values()

    @given(inputs=stop_rule_histories(), on=on_dates)
    def test_replay_equals_the_inputs_known_then(self, inputs: Inputs, on: date) -> None:
        """§6.5, §6.7: evaluating as of *on* is evaluating what was known on *on*."""
        plans, events = inputs
        replayed = evaluate_stop_rules(plans, events, on=on)
        truncated = evaluate_stop_rules(*known_then(plans, events, on), on=on)
        record, expected = replayed.to_dict(), truncated.to_dict()
        for key in ("ignored", "plans"):
            del record[key], expected[key]
        assert record == expected
        # The plans differ only in infusions given after *on*: to give on *on*, so cancelled
        # there if the stop cancelled them (the replay keeps their given date).
        cancelled = {(c.patient_id, c.number) for c in replayed.cancelled}
        as_then = [
            attrs.evolve(
                p,
                infusions=tuple(
                    attrs.evolve(i, cancelled=(p.patient_id, i.number) in cancelled)
                    if i.given_date is None and not i.cancelled
                    else i
                    for i in p.infusions
                ),
            )
            for p in known_then(replayed.plans, [], on)[0]
        ]
        assert as_then == list(truncated.plans)

    @given(inputs=stop_rule_histories(), on=on_dates)
    def test_results_are_structured_and_json(self, inputs: Inputs, on: date) -> None:
        """The v2 lists are records; every deviation was given by ``on`` on or after a stop."""
        result = evaluate_stop_rules(*inputs, on=on)
        record = result.to_dict()
        assert json.loads(json.dumps(record)) == record
        for deviation in result.deviations:
            assert deviation.stopped_on <= deviation.given_date <= result.on
        for conflict in result.conflicts:
            assert conflict.counted.awareness_date == conflict.other.awareness_date
            assert conflict.counted != conflict.other
        for event in result.pre_treatment:
            assert event.event_id not in {t.event_id for t in result.triggers}


class TestErrorWording:
    """§0: every refusal names field, rule and value; the wording is the golden file."""

    def test_error_wording(self) -> None:
        """One line per refused call, class and full message (golden/errors/stop_rules.txt)."""
        on = day("10-05")
        evaluate = partial(evaluate_stop_rules, on=on)
        records: list[Any] = [{"patient_id": "X"}, {"patient_id": "RJ-001"}]
        not_an_event: Any = {"event_id": "A"}
        not_a_plan: Any = {"start": "2021-10-01"}
        moment: Any = datetime(2021, 10, 5)  # noqa: DTZ001
        unknown = [sae("A", "RJ-001", "10-04"), sae("B", "RJ-404", "10-04", "10-30")]
        result = evaluate_stop_rules(cohort(), [], on=on)
        cases: list[tuple[str, Callable[[], object]]] = [
            *((f"plans [{r!r}]", partial(evaluate, [r], [])) for r in records),
            (
                "plans RJ-001 twice, different",
                partial(evaluate, [cohort()[0], plan("RJ-001", "low", "10-01")], []),
            ),
            ("plans on arm 'mega'", partial(evaluate, [mega_plan()], [])),
            *((f"plans {bad!r}", partial(evaluate, bad, [])) for bad in NOT_LISTS),
            ("events [{'event_id': 'A'}]", partial(evaluate, cohort(), [not_an_event])),
            ("event of RJ-404", partial(evaluate, cohort(), [sae("A", "RJ-404", "10-04")])),
            ("second event of RJ-404, aware later", partial(evaluate, cohort(), unknown)),
            *((f"events {bad!r}", partial(evaluate, [], bad)) for bad in NOT_LISTS),
            ("on a datetime", partial(evaluate_stop_rules, cohort(), [], on=moment)),
            ("plan_of('RJ-404')", partial(result.plan_of, "RJ-404")),
            ("treatment_period_end of a dict", partial(treatment_period_end, not_a_plan)),
        ]
        assert_golden("errors/stop_rules.txt", error_table(cases))
