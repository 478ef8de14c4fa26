"""Safety behaviours that mutation testing showed unpinned (issue #6, docs/mutation.md).

Each test states one rule of §0, §6.1-§6.3, §6.5 or §9 that a surviving mutant of
``aclf_protocol/safety.py`` broke without any other test noticing: the full text of every
error (§0: field, value and rule), the required keys of an event record, the tie between the
7-day and the 15-day regulator clocks, and "overdue" starting the day after the due date. The
event helpers are tests/test_safety.py's (the §9 record, SAE-001, aware 2021-10-04).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
import pytest

from aclf_protocol import (
    Causality,
    EventOutcome,
    Expectedness,
    InconsistentRecordError,
    InvalidRecordError,
    InvalidValueError,
    ObligationKind,
    SafetyEvent,
    Seriousness,
    overdue_obligations,
    reporting_obligations,
)
from aclf_protocol._validators import member_of
from tests.test_safety import SPEC_RECORD, d, event

SAE_TO_SPONSOR = ObligationKind.SAE_TO_SPONSOR
SUSAR_TO_REGULATOR = ObligationKind.SUSAR_TO_REGULATOR
SUSAR_FOLLOW_UP = ObligationKind.SUSAR_FOLLOW_UP


def caught(call: Any) -> InvalidValueError:
    """The ``InvalidValueError`` that *call* raises."""
    with pytest.raises(InvalidValueError) as info:
        call()
    return info.value


class TestEventErrorTexts:
    """§0, §6.1: each refused event names the field, the value and the rule, word for word."""

    def test_criteria_not_enum_members(self) -> None:
        """§6.1: a raw string among the criteria is refused naming the set it was in."""
        err = caught(lambda: event(seriousness={"hospitalisation"}))
        assert str(err) == (
            "seriousness: must be a set of Seriousness criteria (§6.1); "
            "got frozenset({'hospitalisation'})"
        )

    def test_causality_not_an_enum_member(self) -> None:
        """§6.1: a raw string causality lists the six WHO-UMC values allowed."""
        err = caught(lambda: event(causality="probable"))
        assert str(err) == (
            "causality: must be one of 'certain', 'probable', 'possible', 'unlikely', "
            "'unrelated', 'not_assessed' (§6.1); got 'probable'"
        )

    def test_awareness_before_onset_text(self) -> None:
        """§6.1: aware 10-03 of an event begun 10-04 names the awareness date and the onset."""
        err = caught(lambda: event(awareness_date=d("2021-10-03")))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("awareness_date", d("2021-10-03"))
        assert err.rule == "must not precede onset_date 2021-10-04 (§6.1)"

    def test_grade_5_without_death_text(self) -> None:
        """§6.1: grade 5 without the death criterion names the grade."""
        err = caught(lambda: event(grade=5))
        assert str(err) == (
            "grade: is 5 if and only if 'death' is a seriousness criterion (§6.1); got 5"
        )

    def test_death_without_fatal_outcome_text(self) -> None:
        """§6.1: death at grade 5 with outcome 'recovering' names that outcome."""
        err = caught(lambda: event(seriousness={Seriousness.DEATH}, grade=5))
        assert str(err) == (
            "outcome: is 'fatal' if and only if 'death' is a seriousness criterion (§6.1); "
            "got 'recovering'"
        )


class TestEventRecordErrors:
    """§9: what an event record must hold, and how its problems read."""

    def test_not_an_object(self) -> None:
        """§9: a JSON array where an event record belongs is refused as 'event'."""
        err = caught(lambda: SafetyEvent.from_dict([]))
        assert str(err) == "event: must be a JSON object with string keys (§9); got []"

    def test_every_required_key_is_named(self) -> None:
        """§9: an empty record lacks seven required keys; the assessments may be missing."""
        with pytest.raises(InvalidRecordError) as info:
            SafetyEvent.from_dict({})
        assert [str(p) for p in info.value.problems] == [
            f"{key}: is required (§9); got None"
            for key in (
                "event_id",
                "patient_id",
                "term",
                "onset_date",
                "awareness_date",
                "seriousness",
                "grade",
            )
        ]

    @pytest.mark.parametrize(
        "key", ["event_id", "patient_id", "term", "onset_date", "awareness_date", "grade"]
    )
    def test_each_required_key_alone(self, key: str) -> None:
        """§9: a record lacking only *key* names it as required."""
        record = {k: v for k, v in SPEC_RECORD.items() if k != key}
        err = caught(lambda: SafetyEvent.from_dict(record))
        assert str(err) == f"{key}: is required (§9); got None"

    def test_seriousness_not_an_array_text(self) -> None:
        """§9: seriousness given as one string names that string."""
        err = caught(lambda: SafetyEvent.from_dict({**SPEC_RECORD, "seriousness": "death"}))
        assert str(err) == "seriousness: must be a JSON array of criteria (§9); got 'death'"


class TestObligationErrors:
    """§6.3, §6.5: the errors of reporting_obligations and overdue_obligations, in full."""

    def test_event_must_be_a_safety_event(self) -> None:
        """§6.1: a record dict is not an event; the error names 'event'."""
        err = caught(lambda: reporting_obligations(SPEC_RECORD))  # type: ignore[arg-type]
        assert (err.field, err.value) == ("event", SPEC_RECORD)
        assert err.rule == "must be a SafetyEvent (§6.1)"

    def test_every_earlier_version_is_checked(self) -> None:
        """§6.5: the second of two earlier versions, of another event, is named earlier[1]."""
        other = event(event_id="SAE-999")
        err = caught(lambda: reporting_obligations(event(), earlier=[event(), other]))
        assert (err.field, err.value) == ("earlier[1]", other)
        assert err.rule == "must be a version of event 'SAE-001'"

    def test_newer_earlier_version_text(self) -> None:
        """§6.5: a superseded version aware 10-09 is newer than the current one of 10-04."""
        err = caught(
            lambda: reporting_obligations(event(), earlier=[event(awareness_date=d("2021-10-09"))])
        )
        assert str(err) == (
            "earlier[0].awareness_date: a superseded version is not newer than the current "
            "2021-10-04; got datetime.date(2021, 10, 9)"
        )

    def test_on_must_be_a_date_text(self) -> None:
        """§6.5: ``on`` as text is refused with the rule and the text."""
        err = caught(lambda: overdue_obligations([], on="2021-10-05"))  # type: ignore[arg-type]
        assert str(err) == "on: must be a calendar date (§0, §6.5); got '2021-10-05'"

    @pytest.mark.parametrize("mark", [5, "ab", ("SAE-001",)])
    def test_done_mark_must_be_a_pair(self, mark: object) -> None:
        """§6.5: a number, a two-letter string or a 1-tuple is not an (event_id, kind) pair."""
        err = caught(lambda: reporting_obligations(event(), done=[mark]))  # type: ignore[list-item]
        assert str(err) == f"done[0]: must be a pair (event_id, kind) (§6.5); got {mark!r}"


class TestClocks:
    """§6.3, §6.5: which clock wins on a tie, and when a report becomes overdue."""

    def test_tie_between_the_7_and_15_day_clocks_takes_the_fatal_day0(self) -> None:
        """§6.3: SUSAR aware 10-01, fatal from 10-09: both clocks end 10-16; Day 0 is 10-09."""
        first = event(
            seriousness={Seriousness.HOSPITALISATION},
            onset_date=d("2021-10-01"),
            awareness_date=d("2021-10-01"),
            causality=Causality.PROBABLE,
            expectedness=Expectedness.UNEXPECTED,
        )
        fatal = attrs.evolve(
            first,
            awareness_date=d("2021-10-09"),
            seriousness={Seriousness.DEATH, Seriousness.HOSPITALISATION},
            grade=5,
            outcome=EventOutcome.FATAL,
        )
        obligations = reporting_obligations(fatal, earlier=[first])
        assert [(o.kind, o.day0, o.due) for o in obligations] == [
            (SAE_TO_SPONSOR, d("2021-10-01"), d("2021-10-02")),
            (SUSAR_TO_REGULATOR, d("2021-10-09"), d("2021-10-16")),
            (SUSAR_FOLLOW_UP, d("2021-10-09"), d("2021-10-24")),
        ]

    def test_overdue_obligations_due_today_is_on_time(self) -> None:
        """§6.5: an SAE report due 10-05 is not overdue on 10-05, overdue on 10-06."""
        (ob,) = reporting_obligations(event(causality=Causality.UNRELATED))
        assert overdue_obligations([ob], on=date(2021, 10, 5)) == ()
        assert overdue_obligations([ob], on=date(2021, 10, 6)) == (attrs.evolve(ob, overdue=True),)


class TestSecondMeasurement:
    """§6.1, §6.5: what the second measurement still found unpinned."""

    def test_enum_field_check_built_at_call_time(self) -> None:
        """§6.1: the enum check names the field, the value and the allowed values; members pass.

        The check is built when the class is defined; building it here again lets mutation
        testing see the factory (docs/mutation.md, "built at import").
        """
        check = member_of(Expectedness, "§6.1")
        assert check.problem("expectedness", Expectedness.EXPECTED) is None
        with pytest.raises(InvalidValueError) as info:
            check.require("expected", "expectedness")
        assert attrs.fields(SafetyEvent).expectedness.validator.rule == check.rule  # type: ignore[union-attr]
        assert str(info.value) == (
            "expectedness: must be one of 'expected', 'unexpected', 'not_assessed' (§6.1); "
            "got 'expected'"
        )

    def test_overdue_obligations_refuses_other_values(self) -> None:
        """§6.5: a dict among the obligations is named by its index; a dict alone is no list."""
        (ob,) = reporting_obligations(event(causality=Causality.UNRELATED))
        bad = {"due": "2021-10-05"}
        err = caught(lambda: overdue_obligations([ob, bad], on=date(2021, 10, 6)))  # type: ignore[list-item]
        assert str(err) == (
            "obligations[1]: must be a ReportingObligation; got {'due': '2021-10-05'}"
        )
        err = caught(lambda: overdue_obligations(bad, on=date(2021, 10, 6)))  # type: ignore[arg-type]
        assert str(err) == (
            "obligations: must be a list of records (§9); got {'due': '2021-10-05'}"
        )
