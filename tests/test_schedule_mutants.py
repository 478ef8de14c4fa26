"""Schedule behaviours that mutation testing showed unpinned (issue #6, docs/mutation.md).

Each test states one rule of §0 or §4 that a surviving mutant of ``aclf_protocol/schedule.py``
broke without any other test noticing: the adherence record, exact error texts, the
non-date errors, the day a window closes, and the earlier of two stop dates.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
import pytest

from aclf_protocol import (
    InvalidRecordError,
    InvalidValueError,
    Patient,
    ProtocolError,
    check_adherence,
    plan_infusions,
)
from aclf_protocol.patient import Sex
from aclf_protocol.schedule import (
    Infusion,
    InfusionPlan,
    InfusionStatus,
    cancel_remaining,
    date_of_study_day,
    follow_up_visits,
    record_infusion,
    study_day,
)

START = date(2021, 9, 30)
PATIENT = Patient(patient_id="P", birth_date=date(1970, 1, 1), sex=Sex.MALE, weight_kg=70)
PLAN = plan_infusions(PATIENT, "low", START)


class TestMutationKills:
    """§0, §4.1, §4.4, §4.5: what the schedule reports and how its errors read."""

    def test_adherence_record(self) -> None:
        """§4.4: windows Day 1 exact, Days 4/7/10 ±1; a 1-day gap breaches the 2-day minimum."""
        report = check_adherence(
            PLAN, {1: START, 2: date(2021, 10, 5), 3: None, 4: date(2021, 10, 6)}
        )
        assert report.to_dict() == {
            "patient_id": "P",
            "infusions": [
                {
                    "number": 1,
                    "planned_date": "2021-09-30",
                    "window_start": "2021-09-30",
                    "window_end": "2021-09-30",
                    "actual_date": "2021-09-30",
                    "status": "in_window",
                    "deviation_days": 0,
                    "interval_days": None,
                    "interval_breach": False,
                },
                {
                    "number": 2,
                    "planned_date": "2021-10-03",
                    "window_start": "2021-10-02",
                    "window_end": "2021-10-04",
                    "actual_date": "2021-10-05",
                    "status": "out_of_window",
                    "deviation_days": 2,
                    "interval_days": 5,
                    "interval_breach": False,
                },
                {
                    "number": 3,
                    "planned_date": "2021-10-06",
                    "window_start": "2021-10-05",
                    "window_end": "2021-10-07",
                    "actual_date": None,
                    "status": "missed",
                    "deviation_days": None,
                    "interval_days": None,
                    "interval_breach": False,
                },
                {
                    "number": 4,
                    "planned_date": "2021-10-09",
                    "window_start": "2021-10-08",
                    "window_end": "2021-10-10",
                    "actual_date": "2021-10-06",
                    "status": "out_of_window",
                    "deviation_days": -3,
                    "interval_days": 1,
                    "interval_breach": True,
                },
            ],
            "missed": [3],
            "out_of_window": [2, 4],
            "interval_breaches": [4],
            "adherent": False,
        }

    def test_window_still_open_on_its_last_day(self) -> None:
        """§4.4: checked on 2021-10-04, the last day of Day 4's window, infusion 2 is pending."""
        report = check_adherence(PLAN, {1: START}, on=date(2021, 10, 4))
        assert report.infusions[1].status is InfusionStatus.PENDING
        later = check_adherence(PLAN, {1: START}, on=date(2021, 10, 5))
        assert later.infusions[1].status is InfusionStatus.MISSED

    def test_day_zero_error_text(self) -> None:
        """§0: asking for Day 0 names the field, the value and the rule."""
        with pytest.raises(InvalidValueError) as caught:
            date_of_study_day(START, 0)
        assert (caught.value.field, caught.value.value) == ("study_day", 0)
        assert str(caught.value) == "study_day: there is no Day 0 (§0); got 0"

    def test_unknown_infusion_in_actual_dates(self) -> None:
        """§4.4: an actual date for infusion 5 of a four-infusion plan names it."""
        with pytest.raises(InvalidValueError) as caught:
            check_adherence(PLAN, {5: START})
        assert str(caught.value) == "actual: no infusion 5 in the plan; got 5"

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            (lambda: record_infusion(PLAN, 1, "2021-09-30"), "given_date"),  # type: ignore[arg-type]
            (lambda: check_adherence(PLAN, {1: "2021-09-30"}), "given_date"),  # type: ignore[dict-item]
            (lambda: cancel_remaining(PLAN, "2021-10-01"), "stopped_on"),  # type: ignore[arg-type]
        ],
    )
    def test_a_string_is_not_a_date(self, call: object, field: str) -> None:
        """§0: a date given as text is refused with an error naming the date field."""
        assert callable(call)
        with pytest.raises(InvalidValueError) as caught:
            call()
        assert caught.value.field == field
        assert caught.value.rule == "must be a calendar date (§0)"

    def test_record_infusion_error_texts(self) -> None:
        """§4.4, §4.5: a bad number, a cancelled or an already given infusion say which."""
        with pytest.raises(InvalidValueError) as bad:
            record_infusion(PLAN, 5, START)
        assert str(bad.value) == "number: must be an infusion number 1..4; got 5"
        given = record_infusion(PLAN, 1, START)
        with pytest.raises(ProtocolError) as twice:
            record_infusion(given, 1, START)
        assert str(twice.value) == "number: that infusion was already given on 2021-09-30; got 1"
        stopped = cancel_remaining(given, START)
        with pytest.raises(ProtocolError) as cancelled:
            record_infusion(stopped, 2, date(2021, 10, 3))
        assert str(cancelled.value) == "number: that infusion is cancelled (§4.5); got 2"

    def test_cancelling_twice_keeps_the_earlier_stop(self) -> None:
        """§4.5: stopped on 10-04 then again on 10-08, the plan stays stopped on 10-04."""
        first = cancel_remaining(PLAN, date(2021, 10, 4))
        again = cancel_remaining(first, date(2021, 10, 8))
        assert again.stopped_on == date(2021, 10, 4)
        assert [i.cancelled for i in again.infusions] == [False, False, True, True]
        earlier = cancel_remaining(first, date(2021, 10, 1))
        assert earlier.stopped_on == date(2021, 10, 1)
        assert [i.cancelled for i in earlier.infusions] == [False, True, True, True]


# --- second pass (issue #6): visit record, infusion and plan refusals word for word ----------


def refusal(call: Any) -> InvalidValueError:
    """The ``InvalidValueError`` that *call* raises."""
    with pytest.raises(InvalidValueError) as caught:
        call()
    return caught.value


FIRST = PLAN.infusions[0]


class TestRecordsAndRefusals:
    """§0, §4.1-§4.5, §9: the visit record and every refusal of an infusion or a plan."""

    def test_visit_record(self) -> None:
        """§4.3: Day 14 of Day 1 = 2021-09-30 is 2021-10-13, window ±2 days."""
        assert follow_up_visits(START)[0].to_dict() == {
            "name": "Day 14",
            "study_day": 14,
            "date": "2021-10-13",
            "window_start": "2021-10-11",
            "window_end": "2021-10-15",
        }

    def test_infusion_outside_its_window(self) -> None:
        """§4.1: an infusion dated 10-01 with a window 10-02..10-03 names its date."""
        err = refusal(
            lambda: Infusion(
                number=1,
                study_day=1,
                date=date(2021, 10, 1),
                window_start=date(2021, 10, 2),
                window_end=date(2021, 10, 3),
                cells=1,
            )
        )
        assert str(err) == (
            "date: must lie in its window 2021-10-02..2021-10-03 (§4.1); "
            "got datetime.date(2021, 10, 1)"
        )

    def test_given_and_cancelled(self) -> None:
        """§4.5: an infusion both given and cancelled names 'cancelled'."""
        err = refusal(lambda: attrs.evolve(FIRST, given_date=START, cancelled=True))
        assert str(err) == "cancelled: a given infusion cannot be cancelled (§4.5); got True"

    def test_given_date_as_text(self) -> None:
        """§0: an infusion built with a text date is refused naming given_date."""
        text: Any = "2021-09-30"
        err = refusal(lambda: attrs.evolve(FIRST, given_date=text))
        assert str(err) == "given_date: must be a calendar date (§0); got '2021-09-30'"

    def test_infusion_record_required_keys(self) -> None:
        """§9: an empty infusion record lacks six keys; a list is not a record."""
        with pytest.raises(InvalidRecordError) as caught:
            Infusion.from_dict({})
        keys = ("number", "study_day", "date", "window_start", "window_end", "cells")
        assert [str(p) for p in caught.value.problems] == [
            f"{key}: is required (§9); got None" for key in keys
        ]
        assert str(refusal(lambda: Infusion.from_dict([]))) == (
            "infusion: must be a JSON object with string keys (§9); got []"
        )

    def test_plan_record_required_keys(self) -> None:
        """§9: an empty plan record lacks four keys; a list is not a record."""
        with pytest.raises(InvalidRecordError) as caught:
            InfusionPlan.from_dict({})
        assert [str(p) for p in caught.value.problems] == [
            f"{key}: is required (§9); got None"
            for key in ("patient_id", "arm_id", "start", "weight_kg")
        ]
        assert str(refusal(lambda: InfusionPlan.from_dict([]))) == (
            "plan: must be a JSON object with string keys (§9); got []"
        )

    def test_total_cells_must_match(self) -> None:
        """§3.3, §9: a total of 5 cells contradicts four infusions of 2.8 x 10^7."""
        record = {**PLAN.to_dict(), "total_cells": 5}
        assert str(refusal(lambda: InfusionPlan.from_dict(record))) == (
            "total_cells: must equal the sum of the infusions' cells, 112000000; got 5"
        )

    def test_infusions_given_as_a_list(self) -> None:
        """§9: a list of infusions is stored as a tuple; a number is refused."""
        assert attrs.evolve(PLAN, infusions=list(PLAN.infusions)).infusions == PLAN.infusions
        assert str(refusal(lambda: attrs.evolve(PLAN, infusions=5))) == (
            "infusions: must be a non-empty tuple of Infusion; got 5"
        )
        assert str(refusal(lambda: attrs.evolve(PLAN, infusions=()))) == (
            "infusions: must be a non-empty tuple of Infusion; got ()"
        )

    def test_numbering(self) -> None:
        """§4.4: the first infusion numbered 2 is named with the number expected."""
        err = refusal(lambda: attrs.evolve(PLAN, infusions=(attrs.evolve(FIRST, number=2),)))
        assert (err.field, err.value) == ("infusions[0].number", 2)
        assert err.rule == "infusions are numbered 1..n in order; expected 1"

    def test_date_must_be_its_study_day(self) -> None:
        """§0: infusion 2 dated Day 4 but labelled Day 5 is named with its date."""
        second = attrs.evolve(PLAN.infusions[1], study_day=5)
        err = refusal(lambda: attrs.evolve(PLAN, infusions=(FIRST, second)))
        assert (err.field, err.value) == ("infusions[1].date", date(2021, 10, 3))
        assert err.rule == "must be study day 5 from start 2021-09-30 (§0)"

    def test_given_before_day_1(self) -> None:
        """§0: infusion 1 given the day before Day 1 is refused with that date."""
        early = attrs.evolve(FIRST, given_date=date(2021, 9, 29))
        err = refusal(lambda: attrs.evolve(PLAN, infusions=(early,)))
        assert str(err) == (
            "infusions[0].given_date: must not precede Day 1 2021-09-30; "
            "got datetime.date(2021, 9, 29)"
        )

    def test_two_infusions_on_one_day(self) -> None:
        """§4.1: two infusions on Day 1 do not strictly increase."""
        twice = (FIRST, attrs.evolve(FIRST, number=2))
        err = refusal(lambda: attrs.evolve(PLAN, infusions=twice))
        assert (err.field, err.value) == ("infusions", twice)
        assert err.rule == "dates must strictly increase (§4.1)"

    def test_plan_needs_a_patient(self) -> None:
        """§10: a dict is not a Patient."""
        err = refusal(lambda: plan_infusions({"patient_id": "P"}, "low", START))  # type: ignore[arg-type]
        assert str(err) == "patient: must be a Patient (§10); got {'patient_id': 'P'}"


def junk(value: object) -> Any:
    """*value* typed as anything: the argument a caller should not have passed."""
    return value


class TestArgumentRefusals:
    """§0, §4.4: junk arguments are refused naming the argument (third measurement)."""

    @pytest.mark.parametrize(
        ("call", "text"),
        [
            (
                lambda: date_of_study_day(junk("2021-09-30"), 4),
                "reference: must be a calendar date (§0); got '2021-09-30'",
            ),
            (
                lambda: study_day(junk("2021-10-03"), START),
                "on: must be a calendar date (§0); got '2021-10-03'",
            ),
            (
                lambda: study_day(START, junk("2021-09-30")),
                "reference: must be a calendar date (§0); got '2021-09-30'",
            ),
            (
                lambda: follow_up_visits(junk("2021-09-30")),
                "start: must be a calendar date (§0); got '2021-09-30'",
            ),
            (
                lambda: record_infusion(junk({"patient_id": "P"}), 1, START),
                "plan: must be an InfusionPlan (§4); got {'patient_id': 'P'}",
            ),
            (
                lambda: cancel_remaining(junk({"patient_id": "P"}), START),
                "plan: must be an InfusionPlan (§4); got {'patient_id': 'P'}",
            ),
            (
                lambda: check_adherence(junk({"patient_id": "P"})),
                "plan: must be an InfusionPlan (§4); got {'patient_id': 'P'}",
            ),
            (
                lambda: check_adherence(PLAN, on=junk("2021-10-05")),
                "on: must be a calendar date (§0); got '2021-10-05'",
            ),
            (
                lambda: check_adherence(PLAN, junk([START])),
                (
                    "actual: must map infusion numbers to dates (§4.4); "
                    "got [datetime.date(2021, 9, 30)]"
                ),
            ),
        ],
    )
    def test_refusal_text(self, call: Any, text: str) -> None:
        """§0: the refusal names the argument, the value given and the rule."""
        assert str(refusal(call)) == text
