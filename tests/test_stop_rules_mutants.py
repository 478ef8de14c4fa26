"""Stop-rule boundaries that mutation testing showed unpinned (issue #6, docs/mutation.md).

Each test states one rule of §6.4-§6.5 that a surviving mutant of ``aclf_protocol/stop_rules.py``
broke without any test of tests/test_stop_rules.py noticing. The cohort and event helpers are
that module's (RJ-001: Day 1 = 2021-10-01).
"""

from __future__ import annotations

import attrs
import pytest

from aclf_protocol import (
    NCT04822922,
    Causality,
    EventOutcome,
    InfusionPlan,
    InvalidValueError,
    PatientStatus,
    SafetyEvent,
    StudyDecision,
    cancel_remaining,
    evaluate_stop_rules,
    treatment_period_end,
)
from tests.test_stop_rules import cohort, d, plan, sae

STOPPED, COMPLETED = PatientStatus.STOPPED, PatientStatus.COMPLETED


class TestMutationKills:
    """§6.4, §6.5, R1, R3: the first day of treatment, the day of awareness, what R3 lists."""

    def test_reaction_on_day_1_terminates(self) -> None:
        """§6.4, R1: Day 1 belongs to the treatment period; a reaction that day terminates."""
        result = evaluate_stop_rules(cohort(), [sae("SAE-1", "RJ-001", "10-01")], on=d("10-01"))
        assert result.decision is StudyDecision.TERMINATE

    def test_event_is_known_on_its_awareness_date(self) -> None:
        """§6.5: evaluated on the awareness date the event counts; the day before it is ignored."""
        event = sae("SAE-1", "RJ-001", "10-02", "10-03")
        on_the_day = evaluate_stop_rules(cohort(), [event], on=d("10-03"))
        assert on_the_day.decision is StudyDecision.TERMINATE
        assert on_the_day.ignored == ()
        day_before = evaluate_stop_rules(cohort(), [event], on=d("10-02"))
        assert day_before.decision is StudyDecision.CONTINUE
        assert day_before.ignored == (event,)

    def test_r3_lists_only_serious_unrelated_events(self) -> None:
        """R3: an unrelated event counts for R3 only when it is serious."""
        serious = sae("SAE-1", "RJ-001", "10-02", causality=Causality.UNRELATED)
        mild = sae("AE-2", "RJ-001", "10-02", causality=Causality.UNRELATED, serious=False)
        result = evaluate_stop_rules(cohort(), [serious, mild], on=d("10-03"))
        assert result.decision is StudyDecision.CONTINUE
        assert result.r3_events == (serious,)


# --- second pass (issue #6): records compared in full, error texts, boundaries --------------


def suspended_scenario() -> tuple[list[InfusionPlan], dict[str, SafetyEvent]]:
    """RJ-001 (low, Day 1 10-01, given 10-01 and 10-04) and five event versions.

    SAE-2 is reported not serious on 10-05, serious (not assessed) on 10-06 and again, with an
    outcome, on 10-07; SAE-3 began on Day 1 and is serious but unrelated; SAE-9 is learnt of
    on 10-09.
    """
    plans = [plan("RJ-001", "low", "10-01", "10-01", "10-04")]
    v1 = sae("SAE-2", "RJ-001", "10-05", causality=Causality.NOT_ASSESSED, serious=False)
    v2 = sae("SAE-2", "RJ-001", "10-05", "10-06", causality=Causality.NOT_ASSESSED)
    v3 = attrs.evolve(v2, awareness_date=d("10-07"), outcome=EventOutcome.RECOVERING)
    r3 = sae("SAE-3", "RJ-001", "10-01", "10-03", causality=Causality.UNRELATED)
    later = sae("SAE-9", "RJ-001", "10-08", "10-09")
    return plans, {"v1": v1, "v2": v2, "v3": v3, "r3": r3, "later": later}


class TestRecordsInFull:
    """§6.5: the evaluation's record, worked by hand for one suspended patient."""

    def test_suspension_record(self) -> None:
        """§6.5, R2, R3: on 10-07 SAE-2 suspends since 10-06, its first serious report."""
        plans, ev = suspended_scenario()
        result = evaluate_stop_rules(
            plans, [ev["later"], ev["v3"], ev["r3"], ev["v1"], ev["v2"]], on=d("10-07")
        )
        assert result.to_dict() == {
            "on": "2021-10-07",
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

    def test_termination_dates_the_stop_from_the_first_serious_report(self) -> None:
        """§6.5, R1: reported not serious 10-05, serious probable 10-06: stopped since 10-06."""
        mild = sae("SAE-1", "RJ-001", "10-05", serious=False)
        serious = sae("SAE-1", "RJ-001", "10-05", "10-06")
        result = evaluate_stop_rules(cohort()[:1], [mild, serious], on=d("10-06"))
        assert result.since == d("10-06")
        assert [t.since for t in result.triggers] == [d("10-06")]
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

    def test_variant_safety_window(self) -> None:
        """§4.2, §1: a two-month safety window ends 2021-12-01 for Day 1 = 2021-10-01."""
        variant = attrs.evolve(NCT04822922, safety_window_months=2)
        result = evaluate_stop_rules(cohort()[:1], [], on=d("10-02"), protocol=variant)
        assert result.patients[0].safety_window_end == d("12-01")


class TestStatusBoundaries:
    """§4.5, §6.5: the day a plan stops, the day a window closes, the day of the last dose."""

    def test_stopped_on_the_day_of_evaluation(self) -> None:
        """§4.5: a plan stopped on 10-05 is STOPPED when evaluated on 10-05."""
        withdrawn = cancel_remaining(cohort()[0], d("10-05"))
        assert evaluate_stop_rules([withdrawn], [], on=d("10-05")).status == {"RJ-001": STOPPED}

    def test_infusion_held_on_the_last_day_of_its_window(self) -> None:
        """R2: on 10-08, the last day of infusion 3's window, it is still on hold."""
        pending = sae("SAE-2", "RJ-001", "10-05", causality=Causality.NOT_ASSESSED)
        result = evaluate_stop_rules(cohort()[:1], [pending], on=d("10-08"))
        assert result.decision is StudyDecision.SUSPEND
        assert [(h.number, h.date) for h in result.on_hold] == [(3, d("10-07")), (4, d("10-10"))]

    def test_completed_on_the_day_of_the_last_infusion(self) -> None:
        """§6.5: all four given, the last on 10-10: COMPLETED on 10-10 itself."""
        done = plan("RJ-001", "low", "10-01", "10-01", "10-04", "10-07", "10-10")
        assert evaluate_stop_rules([done], [], on=d("10-10")).status == {"RJ-001": COMPLETED}


class TestStopRuleErrorTexts:
    """§0, §6.5: each refused input names the field, the value and the rule, word for word."""

    def test_plan_of_unknown_patient(self) -> None:
        """§6.5: asking for the plan of a patient not in the evaluation names the id."""
        result = evaluate_stop_rules(cohort(), [], on=d("10-05"))
        with pytest.raises(InvalidValueError) as caught:
            result.plan_of("RJ-404")
        assert str(caught.value) == "patient_id: has no infusion plan (§6.5); got 'RJ-404'"

    def test_not_a_plan_text(self) -> None:
        """§6.5: a dict among the plans is named plans[0] with the dict."""
        with pytest.raises(InvalidValueError) as caught:
            evaluate_stop_rules([{"patient_id": "X"}], [], on=d("10-05"))  # type: ignore[list-item]
        assert str(caught.value) == (
            "plans[0]: must be an InfusionPlan (§6.5); got {'patient_id': 'X'}"
        )

    def test_two_plans_text(self) -> None:
        """§6.5: the second plan for RJ-001 is named with the patient id."""
        with pytest.raises(InvalidValueError) as caught:
            evaluate_stop_rules([cohort()[0], cohort()[0]], [], on=d("10-05"))
        assert str(caught.value) == "plans[1].patient_id: one plan per patient (§6.5); got 'RJ-001'"

    def test_not_an_event_text(self) -> None:
        """§6.1: a dict among the events is named events[0] with the dict."""
        with pytest.raises(InvalidValueError) as caught:
            evaluate_stop_rules(cohort(), [{"event_id": "A"}], on=d("10-05"))  # type: ignore[list-item]
        assert str(caught.value) == "events[0]: must be a SafetyEvent (§6.1); got {'event_id': 'A'}"

    def test_event_without_plan_text(self) -> None:
        """§6.5: an event of RJ-404, who has no plan, names that patient id."""
        with pytest.raises(InvalidValueError) as caught:
            evaluate_stop_rules(cohort(), [sae("A", "RJ-404", "10-04")], on=d("10-05"))
        assert str(caught.value) == (
            "events[0].patient_id: has no infusion plan (§6.5); got 'RJ-404'"
        )

    def test_onset_before_day_1_text(self) -> None:
        """§6.1: onset 10-04 precedes RJ-003's Day 1 10-05; the error names the onset."""
        with pytest.raises(InvalidValueError) as caught:
            evaluate_stop_rules(cohort(), [sae("A", "RJ-003", "10-04")], on=d("10-05"))
        assert (caught.value.field, caught.value.value) == ("events[0].onset_date", d("10-04"))
        assert caught.value.rule == "must not precede Day 1 2021-10-05 of patient RJ-003 (§6.1)"


class TestThirdPass:
    """§6.3, §6.4: what the second measurement still found unpinned."""

    def test_treatment_period_end_needs_a_plan(self) -> None:
        """§6.4: a dict is not a plan; the error names 'plan'."""
        with pytest.raises(InvalidValueError) as caught:
            treatment_period_end({"start": "2021-10-01"})  # type: ignore[arg-type]
        assert str(caught.value) == (
            "plan: must be an InfusionPlan (§6.4); got {'start': '2021-10-01'}"
        )

    def test_variant_reporting_deadline(self) -> None:
        """§6.3, §1: with two days for the sponsor report, an SAE aware 10-04 is due 10-06."""
        variant = attrs.evolve(NCT04822922, sae_to_sponsor_days=2)
        event = sae("S", "RJ-001", "10-04", causality=Causality.UNRELATED)
        result = evaluate_stop_rules(cohort(), [event], on=d("10-06"), protocol=variant)
        assert [(o.kind.value, o.due, o.overdue) for o in result.obligations] == [
            ("sae_to_sponsor", d("10-06"), False)
        ]
