"""Schedule behaviours that mutation testing showed unpinned (issue #6, docs/mutation.md).

Each test states one rule of §0 or §4 that a surviving mutant of ``aclf_protocol/schedule.py``
broke without any other test noticing: the adherence record, exact error texts, the
non-date errors, the day a window closes, and the earlier of two stop dates.
"""

from __future__ import annotations

from datetime import date

import pytest

from aclf_protocol import (
    InvalidValueError,
    Patient,
    ProtocolError,
    check_adherence,
    plan_infusions,
)
from aclf_protocol.patient import Sex
from aclf_protocol.schedule import (
    InfusionStatus,
    cancel_remaining,
    date_of_study_day,
    record_infusion,
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
