"""Enrolment behaviours that mutation testing showed unpinned (issue #6, docs/mutation.md).

Each test states one rule of §0, §6.5, §6.6 or §8 that a surviving mutant of
``aclf_protocol/enrolment.py`` broke without any other test noticing: the records compared in
full, every reason and error text word for word (§0: field, value and rule), and the
``protocol=`` a variant trial passes through. The stage-1 cohort and helpers are
tests/test_enrolment.py's (S1-00 low 10-01 ... S1-11 high 10-12; windows end 2021-11-12).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest

from aclf_protocol import (
    NCT04822922,
    Arm,
    Causality,
    EnrolmentState,
    ExpansionOutcome,
    InvalidValueError,
    PatientStatus,
    StudyDecision,
    build_plan,
    enrol,
    enrolment_status,
    select_expansion_arm,
)
from tests.test_enrolment import (
    EFFICACY,
    EXPANSION_DAY,
    LAST_WINDOW_END,
    d,
    new_plan,
    reaction,
    stage1,
)

#: A trial of one patient per arm in stage 1 and one more in the expansion (4 in all).
SMALL = attrs.evolve(NCT04822922, stage1_per_arm=1, expansion_size=1)


def caught(call: Any) -> InvalidValueError:
    """The ``InvalidValueError`` that *call* raises."""
    with pytest.raises(InvalidValueError) as info:
        call()
    return info.value


def arm(arm_id: str, efficacy: object, *reactions: str) -> dict[str, object]:
    """The record of one arm's safety verdict, written by hand."""
    return {
        "arm_id": arm_id,
        "acceptable": not reactions,
        "reactions": list(reactions),
        "efficacy": efficacy,
    }


class TestRecordsInFull:
    """§8: the selection and the status records, worked by hand."""

    def test_selection_record(self) -> None:
        """§8: a reaction in high (Day 18 of S1-02) rules it out; medium's 2.5 beats low's 1."""
        selection = select_expansion_arm(
            stage1().plans,
            [reaction("S1-02", "2021-10-20")],
            {"low": 1, "medium": Decimal("2.5")},
            on=EXPANSION_DAY,
        )
        assert selection.to_dict() == {
            "on": "2021-11-13",
            "outcome": "selected",
            "arm_id": "medium",
            "arms": [arm("low", 1), arm("medium", 2.5), arm("high", None, "SAE-1")],
            "reason": "arm 'medium': acceptable with the best efficacy 2.5",
        }

    def test_status_record_during_the_expansion(self) -> None:
        """§8: stage 1 complete, S2-0 enrolled in medium on 11-13, medium still open on 11-14."""
        state = stage1().enrol(new_plan("S2-0", "medium", EXPANSION_DAY), efficacy=EFFICACY)
        reason = "arm 'medium': acceptable with the best efficacy 3"
        assert state.status(on=d("2021-11-14"), efficacy=EFFICACY).to_dict() == {
            "on": "2021-11-14",
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
                "outcome": "selected",
                "arm_id": "medium",
                "arms": [arm("low", 1), arm("medium", 3), arm("high", 2)],
                "reason": reason,
            },
            "open_arms": ["medium"],
            "reason": f"expansion: {reason}",
        }

    def test_status_record_while_filling(self) -> None:
        """§8: two patients in, no efficacy: no selection, no safety end yet, all arms open."""
        assert stage1(2).status(on=d("2021-10-02")).to_dict() == {
            "on": "2021-10-02",
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
            "reason": "stage 1: arms with fewer than 4 patients are open",
        }


class TestReasons:
    """§8, §6.5: why nothing is selected or no arm is open, word for word."""

    def test_terminated(self) -> None:
        """R1: an SAE of S1-11 on its Day 3 terminates: nothing selected, nobody enrolled."""
        state = stage1().report(reaction("S1-11", "2021-10-14"))
        status = state.status(on=EXPANSION_DAY, efficacy=EFFICACY)
        assert status.selection is not None
        assert status.selection.reason == "the study is terminated (R1)"
        assert status.reason == "the study is terminated (R1): no enrolment"

    def test_suspended(self) -> None:
        """R2: an unassessed SAE of S1-04 on 10-06 suspends since 10-06."""
        state = stage1(5).report(reaction("S1-04", "2021-10-06", causality=Causality.NOT_ASSESSED))
        status = state.status(on=d("2021-10-07"), efficacy=EFFICACY)
        assert status.selection is not None
        assert status.selection.reason == "suspended since 2021-10-06 (R2)"
        assert status.reason == "the study is suspended since 2021-10-06 (R2): no enrolment"

    def test_stage1_not_full(self) -> None:
        """§8: with eleven patients nothing can be selected."""
        selection = select_expansion_arm(stage1(11).plans, (), EFFICACY, on=EXPANSION_DAY)
        assert selection.reason == "stage 1 is not yet full"

    def test_stage1_in_its_windows(self) -> None:
        """§8: on 11-12 the last window is still running; expansion from 11-13."""
        status = stage1().status(on=LAST_WINDOW_END, efficacy=EFFICACY)
        assert status.selection is not None
        assert status.selection.outcome is ExpansionOutcome.STAGE1_INCOMPLETE
        assert status.selection.reason == (
            "stage-1 safety windows run to 2021-11-12; expansion from 2021-11-13"
        )
        assert status.reason == "stage 1 is full; its safety windows run to 2021-11-12"

    def test_no_acceptable_arm(self) -> None:
        """§8: a reaction in every arm: no expansion, and the status says why."""
        events = [reaction(f"S1-{k:02d}", "2021-10-25", event_id=f"SAE-{k}") for k in range(3)]
        status = enrolment_status(stage1().plans, events, on=EXPANSION_DAY, efficacy={})
        assert status.selection is not None
        assert status.selection.reason == "every arm had a serious reaction"
        assert (
            status.reason
            == "stage 1 is complete; no expansion arm: every arm had a serious reaction"
        )

    def test_no_efficacy(self) -> None:
        """§8: without efficacy figures the complete stage 1 opens no arm."""
        status = stage1().status(on=EXPANSION_DAY)
        assert status.reason == "stage 1 is complete; no expansion arm: efficacy figures are needed"

    def test_target_reached(self) -> None:
        """§8: in the four-patient variant the fourth patient reaches the target."""
        plans = [
            new_plan("A", "low", d("2021-10-01")),
            new_plan("B", "medium", d("2021-10-01")),
            new_plan("C", "high", d("2021-10-01")),
            new_plan("D", "low", d("2021-11-02")),
        ]
        status = enrolment_status(plans, on=d("2021-11-03"), protocol=SMALL)
        assert status.open_arms == ()
        assert status.reason == "the enrolment target of 4 is reached"

    def test_expansion_locked(self) -> None:
        """§8: a late reaction in medium after S2-0 and S2-1 names the arm it began in."""
        state = stage1()
        for k, start in enumerate((EXPANSION_DAY, d("2021-11-14"))):
            state = state.enrol(new_plan(f"S2-{k}", "medium", start), efficacy=EFFICACY)
        state = state.report(reaction("S1-01", "2021-10-20", aware="2021-11-16", event_id="LATE"))
        status = state.status(on=d("2021-11-16"), efficacy=EFFICACY)
        assert status.reason == (
            "the expansion began in arm 'medium', which is no longer the selection "
            "(arm 'high': acceptable with the best efficacy 2)"
        )


class TestErrorTexts:
    """§0, §8: each refused input names the field, the value and the rule, word for word."""

    def test_efficacy_not_a_mapping(self) -> None:
        """§8: a list of pairs is not a mapping of arm ids."""
        err = caught(lambda: select_expansion_arm([], (), [("low", 1)], on=EXPANSION_DAY))  # type: ignore[arg-type]
        assert str(err) == "efficacy: must map arm ids to numbers (§8); got [('low', 1)]"

    def test_efficacy_key_not_an_arm(self) -> None:
        """§8: an unknown key is named with the arm ids allowed."""
        err = caught(lambda: select_expansion_arm([], (), {"huge": 1}, on=EXPANSION_DAY))
        assert (
            str(err) == "efficacy: keys must be arm ids: 'low', 'medium', 'high' (§8); got 'huge'"
        )

    def test_efficacy_value_not_a_number(self) -> None:
        """§8, §9: a word as a figure is named under its arm."""
        bad: Any = {"low": "good"}
        err = caught(lambda: enrolment_status([], on=EXPANSION_DAY, efficacy=bad))
        assert str(err) == (
            "efficacy.low: must be a finite number or numeric string (§9); got 'good'"
        )

    def test_acceptable_arm_without_efficacy(self) -> None:
        """§8: high is acceptable but has no figure."""
        err = caught(
            lambda: select_expansion_arm(
                stage1().plans, (), {"low": 1, "medium": 2}, on=EXPANSION_DAY
            )
        )
        assert str(err) == (
            "efficacy: an acceptable arm needs an efficacy figure to be compared (§8); got 'high'"
        )

    def test_record_beyond_the_target(self) -> None:
        """§8: seventeen plans exceed the target of sixteen."""
        plans = [
            new_plan(f"P{k}", ("low", "medium", "high")[k % 3], d("2021-10-01")) for k in range(17)
        ]
        err = caught(lambda: enrolment_status(plans, on=d("2021-10-01")))
        assert str(err) == "plans: more patients than the enrolment target 16; got 17"

    def test_record_two_expanded_arms(self) -> None:
        """§8: five in low and five in medium are both beyond stage 1."""
        plans = [new_plan(f"L{k}", "low", d("2021-10-01")) for k in range(5)]
        plans += [new_plan(f"M{k}", "medium", d("2021-10-01")) for k in range(5)]
        err = caught(lambda: enrolment_status(plans, on=d("2021-10-01")))
        assert str(err) == (
            "plans: only one arm may hold more than its stage-1 patients (§8); "
            "got ['low', 'medium']"
        )

    def test_record_arm_beyond_capacity(self) -> None:
        """§8: nine in low exceed 4 + 4."""
        plans = [new_plan(f"L{k}", "low", d("2021-10-01")) for k in range(9)]
        err = caught(lambda: enrolment_status(plans, on=d("2021-10-01")))
        assert str(err) == "plans: an arm holds at most 4 + 4; got 'low'"

    def test_enrol_not_a_plan(self) -> None:
        """§8: a dict is not a plan."""
        err = caught(lambda: enrol([], {"patient_id": "X"}))  # type: ignore[arg-type]
        assert str(err) == "plan: must be an InfusionPlan (§8); got {'patient_id': 'X'}"

    def test_enrol_twice(self) -> None:
        """§8: S1-01 is already enrolled."""
        err = caught(lambda: stage1(3).enrol(new_plan("S1-01", "high", d("2021-10-04"))))
        assert str(err) == "patient_id: is already enrolled (§8); got 'S1-01'"

    def test_enrol_into_a_full_arm(self) -> None:
        """§8: low is full after ten patients; medium and high are named as open."""
        err = caught(lambda: stage1(10).enrol(new_plan("NEW", "low", d("2021-10-11"))))
        assert str(err) == (
            "arm_id: arm is closed; open arms: medium, high "
            "(stage 1: arms with fewer than 4 patients are open, §8); got 'low'"
        )

    def test_enrol_while_no_arm_is_open(self) -> None:
        """§8: on 11-12 stage 1 is in its windows and no arm is open."""
        err = caught(lambda: stage1().enrol(new_plan("NEW", "medium", LAST_WINDOW_END)))
        assert str(err) == (
            "arm_id: no arm is open on 2021-11-12: "
            "stage 1 is full; its safety windows run to 2021-11-12 (§8); got 'medium'"
        )


class TestStateTransitions:
    """§6.5, §6.6: infusions refused by the stop rules, and the state's own evaluation."""

    def test_infusion_refused_while_suspended_text(self) -> None:
        """§6.5: an unassessed SAE on 10-03 suspends; an infusion on 10-04 is refused."""
        state = stage1(2).report(reaction("S1-00", "2021-10-03", causality=Causality.NOT_ASSESSED))
        err = caught(lambda: state.record_infusion("S1-00", 2, d("2021-10-04")))
        assert str(err) == (
            "given_on: no infusion may be given: the study is suspended since 2021-10-03 (§6.5); "
            "got datetime.date(2021, 10, 4)"
        )

    def test_infusion_refused_while_terminated_text(self) -> None:
        """§6.5: a probable SAE on 10-03 terminates; the refusal says 'terminated'."""
        state = stage1(2).report(reaction("S1-00", "2021-10-03"))
        err = caught(lambda: state.record_infusion("S1-01", 2, d("2021-10-05")))
        assert err.rule == (
            "no infusion may be given: the study is terminated since 2021-10-03 (§6.5)"
        )

    def test_late_infusion_that_would_extend_the_period(self) -> None:
        """§6.6: a Day-12 reaction is outside Day 1-10, but a fourth dose on 10-12 brings it in."""
        state = stage1(1)
        for number, given in enumerate(("2021-10-01", "2021-10-04", "2021-10-07"), start=1):
            state = state.record_infusion("S1-00", number, d(given))
        state = state.report(reaction("S1-00", "2021-10-12"))
        err = caught(lambda: state.record_infusion("S1-00", 4, d("2021-10-12")))
        assert (err.field, err.value) == ("given_on", d("2021-10-12"))
        assert err.rule == (
            "no infusion may be given: it would extend the treatment period (§6.6) of S1-00 "
            "over serious event(s) SAE-1 (R1)"
        )

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

    def three(self) -> list[Any]:
        """One patient per arm from 2021-10-01: stage 1 of the SMALL variant."""
        return [
            new_plan("A", "low", d("2021-10-01")),
            new_plan("B", "medium", d("2021-10-01")),
            new_plan("C", "high", d("2021-10-01")),
        ]

    def test_status(self) -> None:
        """§8: one per arm fills stage 1 of SMALL; complete from 11-02."""
        status = enrolment_status(self.three(), on=d("2021-11-02"), protocol=SMALL)
        assert (status.stage1_full, status.stage1_complete) == (True, True)
        assert status.stage1_safety_end == d("2021-11-01")

    def test_selection(self) -> None:
        """§8: SMALL selects medium on 11-02 with the module's efficacy figures."""
        selection = select_expansion_arm(
            self.three(), (), EFFICACY, on=d("2021-11-02"), protocol=SMALL
        )
        assert selection.arm_id == "medium"

    def test_enrol_and_state(self) -> None:
        """§8: SMALL lets a fourth patient into medium, in enrol and in EnrolmentState."""
        fourth = new_plan("D", "medium", d("2021-11-02"))
        assert len(enrol(self.three(), fourth, efficacy=EFFICACY, protocol=SMALL)) == 4
        state = EnrolmentState(plans=tuple(self.three()), protocol=SMALL)
        assert state.enrol(fourth, efficacy=EFFICACY).status(on=d("2021-11-02")).total == 4

    def test_status_reads_the_safety_window(self) -> None:
        """§4.2, §8: with two-month windows stage 1 of SMALL runs to 12-01."""
        longer = attrs.evolve(SMALL, safety_window_months=2)
        status = enrolment_status(self.three(), on=d("2021-11-02"), protocol=longer)
        assert status.stage1_safety_end == d("2021-12-01")
        assert status.reason == "stage 1 is full; its safety windows run to 2021-12-01"

    def test_state_reads_its_protocol(self) -> None:
        """§1: a one-arm variant's plan passes every transition of a state built on it."""
        mega = attrs.evolve(NCT04822922, arms=(Arm(arm_id="mega", label="m", dose_per_kg=9),))
        plan = build_plan(
            patient_id="X", arm="mega", start=d("2021-10-01"), weight_kg=60, protocol=mega
        )
        state = EnrolmentState(protocol=mega).enrol(plan)
        state = state.record_infusion("X", 1, d("2021-10-01"))
        state = state.report(reaction("X", "2021-10-02", causality=Causality.UNRELATED))
        assert state.evaluate(on=d("2021-10-02")).status == {"X": PatientStatus.ACTIVE}
        assert state.status(on=d("2021-10-02")).counts == {"mega": 1}


class TestSecondMeasurement:
    """§0, §1, §6.6, §8: what the second measurement still found unpinned."""

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

    def test_plans_must_be_a_list(self) -> None:
        """§9: one plan where a list belongs is refused as 'plans' by every entry point."""
        plan = new_plan("X", "low", d("2021-10-01"))
        calls = [
            lambda: select_expansion_arm(plan, (), {}, on=EXPANSION_DAY),  # type: ignore[arg-type]
            lambda: enrolment_status(plan, on=EXPANSION_DAY),  # type: ignore[arg-type]
            lambda: enrol(plan, plan),  # type: ignore[arg-type]
        ]
        for call in calls:
            err = caught(call)
            assert (err.field, err.value) == ("plans", plan)
            assert err.rule == "must be a list of records (§9)"

    def test_selection_reads_the_protocol_for_the_stop_rules(self) -> None:
        """§1: a plan on a one-arm variant's arm is judged under that variant, not refused."""
        mega = attrs.evolve(NCT04822922, arms=(Arm(arm_id="mega", label="m", dose_per_kg=9),))
        plan = build_plan(
            patient_id="X", arm="mega", start=d("2021-10-01"), weight_kg=60, protocol=mega
        )
        selection = select_expansion_arm([plan], (), {"mega": 1}, on=EXPANSION_DAY, protocol=mega)
        assert selection.outcome is ExpansionOutcome.STAGE1_INCOMPLETE

    def test_late_infusion_names_every_event(self) -> None:
        """§6.6: two Day-12 reactions are both named, comma-separated."""
        state = stage1(1)
        for number, given in enumerate(("2021-10-01", "2021-10-04", "2021-10-07"), start=1):
            state = state.record_infusion("S1-00", number, d(given))
        state = state.report(reaction("S1-00", "2021-10-12"))
        state = state.report(reaction("S1-00", "2021-10-12", event_id="SAE-2"))
        err = caught(lambda: state.record_infusion("S1-00", 4, d("2021-10-12")))
        assert err.rule.endswith("of S1-00 over serious event(s) SAE-1, SAE-2 (R1)")
