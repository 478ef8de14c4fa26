"""Safety events, their classification and reporting deadlines (SPEC §6.1-§6.3, §9).

The wording of every refusal (field, rule, value) is kept in ``tests/golden/errors/safety.txt``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aclf_protocol import (
    Causality,
    InconsistentRecordError,
    InvalidRecordError,
    ObligationKind,
    ReportingObligation,
    SafetyEvent,
    Seriousness,
    UnknownKeyError,
)
from aclf_protocol._validators import member_of
from aclf_protocol.errors import DuplicateKeyError
from aclf_protocol.safety import (
    EventOutcome,
    Expectedness,
    overdue_obligations,
    reporting_obligations,
)
from tests.fixtures import BAD_IDS, assert_golden, d, error_table, invalid, refusal
from tests.strategies import RELATED, UNRELATED, safety_events

#: The event record of SPEC §9, verbatim.
EVENT_RECORD: dict[str, Any] = {
    "event_id": "SAE-001",
    "patient_id": "RJ-001",
    "term": "Anaphylactic reaction",
    "onset_date": "2021-10-04",
    "awareness_date": "2021-10-04",
    "seriousness": ["life_threatening", "hospitalisation"],
    "grade": 4,
    "causality": "probable",
    "expectedness": "unexpected",
    "outcome": "recovering",
}

#: The keys an event record must hold (§9); the assessments and the outcome may be missing.
REQUIRED_KEYS = (
    "event_id",
    "patient_id",
    "term",
    "onset_date",
    "awareness_date",
    "seriousness",
    "grade",
)

SAE_TO_SPONSOR = ObligationKind.SAE_TO_SPONSOR
SUSAR_TO_REGULATOR = ObligationKind.SUSAR_TO_REGULATOR
SUSAR_FOLLOW_UP = ObligationKind.SUSAR_FOLLOW_UP

BAD_GRADES: list[Any] = [0, 6, True, 2.0, "3"]
BAD_DONE_MARKS: list[Any] = [
    5,
    "ab",
    ("SAE-001",),
    "SAE-001",
    ("SAE-001", "sae"),
    (1, "sae_to_sponsor"),
]


def event(**changes: Any) -> SafetyEvent:
    """The §9 example event with *changes*."""
    return attrs.evolve(SafetyEvent.from_dict(EVENT_RECORD), **changes)


def without(key: str) -> dict[str, Any]:
    """The §9 record lacking *key*."""
    return {k: v for k, v in EVENT_RECORD.items() if k != key}


def became_fatal(first: SafetyEvent, aware: date) -> SafetyEvent:
    """A follow-up of *first*: the patient died, learnt of on *aware* (§6.1: grade 5, death)."""
    return attrs.evolve(
        first,
        awareness_date=aware,
        seriousness={Seriousness.DEATH, *first.seriousness},
        grade=5,
        outcome=EventOutcome.FATAL,
    )


def dues(ev: SafetyEvent, **kwargs: Any) -> list[tuple[str, str]]:
    """(kind, due) of each obligation of *ev*."""
    return [(o.kind.value, o.due.isoformat()) for o in reporting_obligations(ev, **kwargs)]


def unrelated_obligation() -> ReportingObligation:
    """The one obligation of the §9 event assessed unrelated: the sponsor report due 10-05."""
    (ob,) = reporting_obligations(event(causality=Causality.UNRELATED))
    return ob


class TestEventRecord:
    """§9: the event record as an EDC sends it, and each of its problems named."""

    def test_spec_example_reads(self) -> None:
        """The §9 record reads into the §6.1 fields."""
        ev = SafetyEvent.from_dict(EVENT_RECORD)
        assert ev.seriousness == {Seriousness.LIFE_THREATENING, Seriousness.HOSPITALISATION}
        assert ev.grade == 4
        assert ev.causality is Causality.PROBABLE
        assert ev.expectedness is Expectedness.UNEXPECTED
        assert ev.outcome is EventOutcome.RECOVERING
        assert ev.onset_date == ev.awareness_date == d("2021-10-04")

    def test_spec_example_writes_back_verbatim(self) -> None:
        """to_dict gives the §9 record back, criteria in ICH E2A order."""
        assert SafetyEvent.from_dict(EVENT_RECORD).to_dict() == EVENT_RECORD

    def test_duplicate_criteria_collapse(self) -> None:
        """§6.5: a criterion listed twice is one criterion."""
        record = {**EVENT_RECORD, "seriousness": ["hospitalisation", "hospitalisation"]}
        ev = SafetyEvent.from_dict(record)
        assert ev.seriousness == {Seriousness.HOSPITALISATION}
        assert ev.to_dict()["seriousness"] == ["hospitalisation"]

    def test_empty_criteria_is_not_serious(self) -> None:
        """§9: an empty seriousness list means not serious."""
        ev = SafetyEvent.from_dict({**EVENT_RECORD, "seriousness": []})
        assert not ev.is_serious
        assert not ev.is_susar

    def test_missing_assessments_read_as_not_assessed(self) -> None:
        """A null causality or expectedness is 'not yet assessed', the reading hiding no rule."""
        record = {**EVENT_RECORD, "causality": None}
        del record["expectedness"], record["outcome"]
        ev = SafetyEvent.from_dict(record)
        assert ev.causality is Causality.NOT_ASSESSED
        assert ev.expectedness is Expectedness.NOT_ASSESSED
        assert ev.outcome is EventOutcome.UNKNOWN
        assert ev.is_adverse_reaction
        assert ev.is_susar

    def test_missing_seriousness_is_an_error(self) -> None:
        """§0: an unknown seriousness must not read as 'not serious'."""
        err = invalid(lambda: SafetyEvent.from_dict(without("seriousness")))
        assert (err.field, err.value) == ("seriousness", None)

    @pytest.mark.parametrize("key", REQUIRED_KEYS)
    def test_each_required_key_alone(self, key: str) -> None:
        """§9: a record lacking only *key* names it as required."""
        err = invalid(lambda: SafetyEvent.from_dict(without(key)))
        assert (err.field, err.value) == (key, None)

    def test_every_required_key_is_named(self) -> None:
        """§9: an empty record lacks seven required keys, named in the record's order."""
        err = refusal(lambda: SafetyEvent.from_dict({}))
        assert isinstance(err, InvalidRecordError)
        assert [(p.field, p.value) for p in err.problems] == [(k, None) for k in REQUIRED_KEYS]

    def test_every_problem_is_reported(self) -> None:
        """§9: three bad fields give three problems, each with its path."""
        record = {
            **EVENT_RECORD,
            "grade": "severe",
            "causality": "likely",
            "seriousness": ["hospitalisation", "fatal"],
        }
        with pytest.raises(InvalidRecordError) as info:
            SafetyEvent.from_dict(record)
        assert sorted(p.field for p in info.value.problems) == [
            "causality",
            "grade",
            "seriousness[1]",
        ]

    def test_not_an_object(self) -> None:
        """§9: a JSON array where an event record belongs is refused as 'event'."""
        assert (invalid(lambda: SafetyEvent.from_dict([])).field) == "event"

    def test_unknown_key(self) -> None:
        """§9: a key the schema does not know is named."""
        err = invalid(lambda: SafetyEvent.from_dict({**EVENT_RECORD, "aesev": "severe"}))
        assert isinstance(err, UnknownKeyError)
        assert err.field == "aesev"

    @pytest.mark.parametrize("text", ["hospitalisation", "death"])
    def test_seriousness_must_be_a_list(self, text: str) -> None:
        """§9: seriousness is a JSON array; one string is refused naming it."""
        err = invalid(lambda: SafetyEvent.from_dict({**EVENT_RECORD, "seriousness": text}))
        assert (err.field, err.value) == ("seriousness", text)

    def test_iso_dates_only(self) -> None:
        """§0: 20211004 is not accepted as a date."""
        err = invalid(lambda: SafetyEvent.from_dict({**EVENT_RECORD, "onset_date": "20211004"}))
        assert (err.field, err.value) == ("onset_date", "20211004")


class TestConsistency:
    """§6.1: grade 5 iff death, fatal iff death, awareness on or after onset; typed fields."""

    def test_awareness_before_onset(self) -> None:
        """The site cannot learn of an event before it began (awareness 10-03, onset 10-04)."""
        err = invalid(lambda: event(awareness_date=d("2021-10-03")))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("awareness_date", d("2021-10-03"))

    def test_awareness_on_onset_day(self) -> None:
        """Boundary: aware the day it began is fine."""
        assert event(awareness_date=d("2021-10-04")).awareness_date == d("2021-10-04")

    def test_grade_5_needs_death(self) -> None:
        """A grade 5 event without the death criterion is contradictory."""
        err = invalid(lambda: event(grade=5))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("grade", 5)

    def test_death_needs_grade_5(self) -> None:
        """The death criterion with grade 4 is contradictory."""
        err = invalid(lambda: event(seriousness={Seriousness.DEATH}, outcome=EventOutcome.FATAL))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("grade", 4)

    def test_death_needs_fatal_outcome(self) -> None:
        """Death with outcome 'recovering' is contradictory (D-SAF-FATAL)."""
        err = invalid(lambda: event(seriousness={Seriousness.DEATH}, grade=5))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("outcome", "recovering")

    def test_fatal_outcome_needs_death(self) -> None:
        """Outcome 'fatal' without the death criterion is contradictory."""
        err = invalid(lambda: event(outcome=EventOutcome.FATAL))
        assert isinstance(err, InconsistentRecordError)
        assert err.field == "outcome"

    def test_consistent_death(self) -> None:
        """Death, grade 5 and fatal together are accepted."""
        ev = event(seriousness={Seriousness.DEATH}, grade=5, outcome=EventOutcome.FATAL)
        assert ev.is_fatal_or_life_threatening

    @pytest.mark.parametrize("grade", BAD_GRADES)
    def test_grade_range_and_type(self, grade: object) -> None:
        """CTCAE grade is an int 1-5, never a bool or float."""
        err = invalid(lambda: event(grade=grade))
        assert (err.field, err.value) == ("grade", grade)

    def test_criteria_must_be_enum_members(self) -> None:
        """Raw strings are not parsed silently (STYLE §2: Enum, not StrEnum)."""
        err = invalid(lambda: event(seriousness={"hospitalisation"}))
        assert (err.field, err.value) == ("seriousness", frozenset({"hospitalisation"}))

    def test_causality_must_be_enum_member(self) -> None:
        """A raw string causality is rejected with its field."""
        err = invalid(lambda: event(causality="probable"))
        assert (err.field, err.value) == ("causality", "probable")

    def test_enum_field_check_built_at_call_time(self) -> None:
        """§6.1: the enum check passes members and names field and value of anything else.

        The check is built when the class is defined; building it here again lets mutation
        testing see the factory (docs/mutation.md, "built at import").
        """
        check = member_of(Expectedness, "§6.1")
        assert check.problem("expectedness", Expectedness.EXPECTED) is None
        err = invalid(lambda: check.require("expected", "expectedness"))
        assert (err.field, err.value) == ("expectedness", "expected")
        assert attrs.fields(SafetyEvent).expectedness.validator.rule == check.rule  # type: ignore[union-attr]

    def test_blank_ids_rejected(self) -> None:
        """Ids and term are non-empty strings."""
        assert invalid(lambda: event(event_id=" ")).field == "event_id"


class TestSusarClassification:
    """§6.2: serious, reaction, SUSAR."""

    @pytest.mark.parametrize(
        ("causality", "reaction"),
        [
            (Causality.CERTAIN, True),
            (Causality.PROBABLE, True),
            (Causality.POSSIBLE, True),
            (Causality.NOT_ASSESSED, True),
            (Causality.UNLIKELY, False),
            (Causality.UNRELATED, False),
        ],
    )
    def test_reaction_by_causality(self, causality: Causality, *, reaction: bool) -> None:
        """Certain/probable/possible and not yet assessed are reactions; the rest are not."""
        assert event(causality=causality).is_adverse_reaction is reaction

    @pytest.mark.parametrize(
        ("expectedness", "susar"),
        [
            (Expectedness.UNEXPECTED, True),
            (Expectedness.NOT_ASSESSED, True),
            (Expectedness.EXPECTED, False),
        ],
    )
    def test_susar_by_expectedness(self, expectedness: Expectedness, *, susar: bool) -> None:
        """Not yet assessed expectedness counts as unexpected."""
        assert event(expectedness=expectedness).is_susar is susar

    def test_unrelated_serious_event_is_no_susar(self) -> None:
        """A serious unexpected event assessed unrelated is not a SUSAR."""
        ev = event(causality=Causality.UNRELATED)
        assert ev.is_serious
        assert not ev.is_susar

    def test_non_serious_reaction_is_no_susar(self) -> None:
        """A non-serious unexpected reaction is not a SUSAR."""
        ev = event(seriousness=frozenset(), grade=2)
        assert ev.is_adverse_reaction
        assert not ev.is_susar

    def test_fatal_or_life_threatening(self) -> None:
        """Hospitalisation alone does not start the 7-day clock."""
        assert event().is_fatal_or_life_threatening
        assert not event(seriousness={Seriousness.HOSPITALISATION}).is_fatal_or_life_threatening


class TestReportingDeadlines:
    """§6.3 deadlines, hand-counted on a calendar from Day 0 = awareness date."""

    def test_spec_example(self) -> None:
        """Life-threatening SUSAR aware 10-04: sponsor 10-05, regulator 10-11, follow-up 10-19."""
        assert dues(event()) == [
            ("sae_to_sponsor", "2021-10-05"),
            ("susar_to_regulator", "2021-10-11"),
            ("susar_follow_up", "2021-10-19"),
        ]

    def test_other_susar_over_year_end(self) -> None:
        """Hospitalisation SUSAR aware 2021-12-20: regulator on 2022-01-04 (Day 15)."""
        ev = event(
            seriousness={Seriousness.HOSPITALISATION},
            onset_date=d("2021-12-19"),
            awareness_date=d("2021-12-20"),
        )
        assert dues(ev) == [("sae_to_sponsor", "2021-12-21"), ("susar_to_regulator", "2022-01-04")]

    def test_fatal_susar_over_leap_day(self) -> None:
        """Fatal SUSAR aware 2024-02-25: regulator 03-03 (29 Feb counts), follow-up 03-11."""
        ev = event(
            seriousness={Seriousness.DEATH},
            grade=5,
            outcome=EventOutcome.FATAL,
            onset_date=d("2024-02-24"),
            awareness_date=d("2024-02-25"),
        )
        assert dues(ev) == [
            ("sae_to_sponsor", "2024-02-26"),
            ("susar_to_regulator", "2024-03-03"),
            ("susar_follow_up", "2024-03-11"),
        ]

    def test_expected_serious_reaction_goes_to_sponsor_only(self) -> None:
        """An expected serious reaction is no SUSAR: only the sponsor report."""
        assert dues(event(expectedness=Expectedness.EXPECTED)) == [("sae_to_sponsor", "2021-10-05")]

    def test_unrelated_sae_goes_to_sponsor_only(self) -> None:
        """R3 events are still SAEs: reported to the sponsor within a day."""
        assert dues(event(causality=Causality.UNLIKELY)) == [("sae_to_sponsor", "2021-10-05")]

    def test_non_serious_event_owes_nothing(self) -> None:
        """No criterion, no expedited report."""
        assert dues(event(seriousness=frozenset(), grade=2)) == []

    def test_assessed_later_keeps_the_sponsor_clock(self) -> None:
        """SAE aware 10-04, assessed probable on 10-08: sponsor still 10-05, regulator 10-23."""
        first = event(
            seriousness={Seriousness.HOSPITALISATION},
            causality=Causality.NOT_ASSESSED,
            expectedness=Expectedness.EXPECTED,
        )
        assessed = attrs.evolve(
            first,
            awareness_date=d("2021-10-08"),
            causality=Causality.PROBABLE,
            expectedness=Expectedness.UNEXPECTED,
        )
        obligations = reporting_obligations(assessed, earlier=[first])
        assert [(o.kind, o.day0, o.due) for o in obligations] == [
            (SAE_TO_SPONSOR, d("2021-10-04"), d("2021-10-05")),
            (SUSAR_TO_REGULATOR, d("2021-10-08"), d("2021-10-23")),
        ]

    def test_susar_turning_life_threatening_early(self) -> None:
        """SUSAR aware 10-01, life-threatening from 10-03: report by 10-10, follow-up 10-18."""
        first = event(
            seriousness={Seriousness.HOSPITALISATION},
            onset_date=d("2021-10-01"),
            awareness_date=d("2021-10-01"),
        )
        worse = attrs.evolve(
            first,
            awareness_date=d("2021-10-03"),
            seriousness={Seriousness.LIFE_THREATENING, Seriousness.HOSPITALISATION},
        )
        assert dues(worse, earlier=[first]) == [
            ("sae_to_sponsor", "2021-10-02"),
            ("susar_to_regulator", "2021-10-10"),
            ("susar_follow_up", "2021-10-18"),
        ]

    def test_susar_turning_fatal_late_keeps_the_15_day_deadline(self) -> None:
        """SUSAR aware 10-01, fatal from 10-12: 10-16 (Day 15) is earlier than 10-19."""
        first = event(
            seriousness={Seriousness.HOSPITALISATION},
            onset_date=d("2021-10-01"),
            awareness_date=d("2021-10-01"),
        )
        fatal = became_fatal(first, d("2021-10-12"))
        assert dues(fatal, earlier=[first]) == [
            ("sae_to_sponsor", "2021-10-02"),
            ("susar_to_regulator", "2021-10-16"),
            ("susar_follow_up", "2021-10-24"),
        ]

    def test_tie_between_the_7_and_15_day_clocks_takes_the_fatal_day0(self) -> None:
        """§6.3: SUSAR aware 10-01, fatal from 10-09: both clocks end 10-16; Day 0 is 10-09."""
        first = event(
            seriousness={Seriousness.HOSPITALISATION},
            onset_date=d("2021-10-01"),
            awareness_date=d("2021-10-01"),
            causality=Causality.PROBABLE,
            expectedness=Expectedness.UNEXPECTED,
        )
        fatal = became_fatal(first, d("2021-10-09"))
        obligations = reporting_obligations(fatal, earlier=[first])
        assert [(o.kind, o.day0, o.due) for o in obligations] == [
            (SAE_TO_SPONSOR, d("2021-10-01"), d("2021-10-02")),
            (SUSAR_TO_REGULATOR, d("2021-10-09"), d("2021-10-16")),
            (SUSAR_FOLLOW_UP, d("2021-10-09"), d("2021-10-24")),
        ]

    def test_reassessed_unrelated_still_owes_the_regulator_report(self) -> None:
        """§6.7 v2: a SUSAR re-assessed unrelated still owes the report it owed: a later
        version may add an obligation, never remove one."""
        later = event(awareness_date=d("2021-10-06"), causality=Causality.UNRELATED)
        assert dues(later, earlier=[event()]) == dues(event())
        assert [kind for kind, _ in dues(later)] == ["sae_to_sponsor"]

    def test_downgraded_from_life_threatening_keeps_the_7_day_clock(self) -> None:
        """§6.7 v2: a life-threatening SUSAR later reported as hospitalisation only keeps its
        7-day report and follow-up; the order of the earlier versions does not matter."""
        threat = event(seriousness={Seriousness.LIFE_THREATENING}, grade=4)
        hosp = event(awareness_date=d("2021-10-05"), seriousness={Seriousness.HOSPITALISATION})
        last = event(awareness_date=d("2021-10-06"), seriousness={Seriousness.HOSPITALISATION})
        assert dues(last, earlier=[threat, hosp]) == dues(last, earlier=[hosp, threat])
        assert [kind for kind, _ in dues(last, earlier=[hosp, threat])] == [
            "sae_to_sponsor",
            "susar_to_regulator",
            "susar_follow_up",
        ]

    def test_obligation_to_dict(self) -> None:
        """An obligation writes ISO dates and the kind's value."""
        ob = reporting_obligations(event(), on=d("2021-10-06"))[0]
        assert ob.to_dict() == {
            "event_id": "SAE-001",
            "patient_id": "RJ-001",
            "kind": "sae_to_sponsor",
            "day0": "2021-10-04",
            "due": "2021-10-05",
            "done": False,
            "overdue": True,
        }


class TestOverdue:
    """§6.5: a report is overdue from the day after its due date unless done."""

    def test_overdue_boundary(self) -> None:
        """Due 10-05: on time on 10-05, overdue on 10-06 (§6.5: on > due)."""
        ev = event(causality=Causality.UNRELATED)
        assert not reporting_obligations(ev, on=d("2021-10-05"))[0].overdue
        assert reporting_obligations(ev, on=d("2021-10-06"))[0].overdue

    def test_done_is_never_overdue(self) -> None:
        """A report marked done, by enum or by value, is not overdue."""
        for kind in (SAE_TO_SPONSOR, "sae_to_sponsor"):
            (ob,) = reporting_obligations(
                event(causality=Causality.UNRELATED), on=d("2022-01-01"), done=[("SAE-001", kind)]
            )
            assert ob.done
            assert not ob.overdue

    def test_done_for_another_event_does_not_count(self) -> None:
        """Marking another event's report done leaves this one overdue."""
        (ob,) = reporting_obligations(
            event(causality=Causality.UNRELATED),
            on=d("2022-01-01"),
            done=[("SAE-002", "sae_to_sponsor")],
        )
        assert ob.overdue

    def test_no_on_judges_nothing(self) -> None:
        """Without a date nothing is overdue."""
        assert not any(o.overdue for o in reporting_obligations(event()))

    def test_overdue_obligations(self) -> None:
        """overdue_obligations keeps those past due and not done."""
        obligations = reporting_obligations(event())
        late = overdue_obligations(
            obligations, on=d("2021-10-12"), done=[("SAE-001", "sae_to_sponsor")]
        )
        assert [(o.kind, o.overdue) for o in late] == [(SUSAR_TO_REGULATOR, True)]

    def test_overdue_obligations_due_today_is_on_time(self) -> None:
        """§6.5: an SAE report due 10-05 is not overdue on 10-05, overdue on 10-06."""
        ob = unrelated_obligation()
        assert overdue_obligations([ob], on=d("2021-10-05")) == ()
        assert overdue_obligations([ob], on=d("2021-10-06")) == (attrs.evolve(ob, overdue=True),)


class TestObligationInputs:
    """§6.5: what reporting_obligations and overdue_obligations refuse, by name."""

    def test_event_must_be_a_safety_event(self) -> None:
        """§6.1: a record dict is not an event; the error names 'event'."""
        err = invalid(lambda: reporting_obligations(EVENT_RECORD))  # type: ignore[arg-type]
        assert (err.field, err.value) == ("event", EVENT_RECORD)

    @pytest.mark.parametrize("done", [None, "SAE-1", {"SAE-1": "sae_to_sponsor"}, 5])
    def test_done_must_be_a_list_of_marks(self, done: Any) -> None:
        """§6.5: ``done`` is a list (or tuple, set) of marks; anything else is refused whole."""
        err = invalid(lambda: reporting_obligations(event(), done=done))
        assert (err.field, err.value) == ("done", done)
        assert err.rule == "must be a list of (event_id, kind) pairs (§6.5)"

    @pytest.mark.parametrize("mark", BAD_DONE_MARKS)
    def test_bad_done_marks(self, mark: Any) -> None:
        """§6.5: a done mark is a pair of event id and a known kind."""
        err = invalid(lambda: reporting_obligations(event(), done=[mark]))
        assert err.field.startswith("done[0]")

    def test_earlier_version_of_another_event(self) -> None:
        """§6.5: superseded versions share the event id; each of them is checked."""
        other = event(event_id="SAE-999")
        err = invalid(lambda: reporting_obligations(event(), earlier=[other]))
        assert (err.field, err.value) == ("earlier[0]", other)
        err = invalid(lambda: reporting_obligations(event(), earlier=[event(), other]))
        assert (err.field, err.value) == ("earlier[1]", other)

    def test_earlier_version_newer_than_current(self) -> None:
        """§6.5: a superseded version aware 10-09 is newer than the current one of 10-04."""
        newer = event(awareness_date=d("2021-10-09"))
        err = invalid(lambda: reporting_obligations(event(), earlier=[newer]))
        assert (err.field, err.value) == ("earlier[0].awareness_date", d("2021-10-09"))

    def test_on_must_be_a_date(self) -> None:
        """§6.5: ``on`` is a calendar date, not a string."""
        err = invalid(lambda: reporting_obligations(event(), on="2021-10-05"))  # type: ignore[arg-type]
        assert (err.field, err.value) == ("on", "2021-10-05")
        err = invalid(lambda: overdue_obligations([], on="2021-10-05"))  # type: ignore[arg-type]
        assert (err.field, err.value) == ("on", "2021-10-05")

    def test_overdue_obligations_refuses_other_values(self) -> None:
        """§6.5: a dict among the obligations is named by its index; a dict alone is no list."""
        bad = {"due": "2021-10-05"}
        ob = unrelated_obligation()
        err = invalid(lambda: overdue_obligations([ob, bad], on=d("2021-10-06")))  # type: ignore[list-item]
        assert (err.field, err.value) == ("obligations[1]", bad)
        err = invalid(lambda: overdue_obligations(bad, on=d("2021-10-06")))  # type: ignore[arg-type]
        assert (err.field, err.value) == ("obligations", bad)


class TestSafetyLaws:
    """Laws of §6.1-§6.3 over generated events."""

    @given(ev=safety_events())
    def test_round_trip(self, ev: SafetyEvent) -> None:
        """§9: from_dict(to_dict(x)) == x, through JSON text too."""
        record = ev.to_dict()
        assert json.loads(json.dumps(record)) == record
        assert SafetyEvent.from_dict(record) == ev

    @given(ev=safety_events(), data=st.data())
    def test_criteria_order_and_duplicates_do_not_matter(
        self, ev: SafetyEvent, data: st.DataObject
    ) -> None:
        """§6.5: the criteria are a set, whatever their order or repetition in the record."""
        criteria = ev.to_dict()["seriousness"]
        shuffled = data.draw(st.permutations(criteria + criteria))
        assert SafetyEvent.from_dict({**ev.to_dict(), "seriousness": shuffled}) == ev

    @given(ev=safety_events())
    @example(ev=event())
    def test_due_dates_never_before_awareness(self, ev: SafetyEvent) -> None:
        """§6.3: every deadline is on or after Day 0, the awareness date."""
        for ob in reporting_obligations(ev):
            assert ob.day0 == ev.awareness_date
            assert ob.due >= ev.awareness_date

    @given(ev=safety_events())
    def test_kinds_follow_classification(self, ev: SafetyEvent) -> None:
        """§6.3: sponsor iff serious; regulator iff SUSAR; follow-up iff fatal/LT SUSAR."""
        kinds = {o.kind for o in reporting_obligations(ev)}
        assert (SAE_TO_SPONSOR in kinds) is ev.is_serious
        assert (SUSAR_TO_REGULATOR in kinds) is ev.is_susar
        assert (SUSAR_FOLLOW_UP in kinds) is (ev.is_susar and ev.is_fatal_or_life_threatening)

    @given(ev=safety_events(serious=True, causality=(*RELATED, Causality.NOT_ASSESSED)))
    def test_regulator_deadline_ordering(self, ev: SafetyEvent) -> None:
        """The sponsor hears first; a follow-up comes after the regulator report."""
        by_kind = {o.kind: o.due for o in reporting_obligations(ev)}
        if SUSAR_TO_REGULATOR in by_kind:
            assert by_kind[SAE_TO_SPONSOR] <= by_kind[SUSAR_TO_REGULATOR]
        if SUSAR_FOLLOW_UP in by_kind:
            assert by_kind[SUSAR_TO_REGULATOR] < by_kind[SUSAR_FOLLOW_UP]

    @given(ev=safety_events(causality=UNRELATED))
    def test_unrelated_events_are_never_susars(self, ev: SafetyEvent) -> None:
        """§6.2: unlikely/unrelated is no reaction, so no SUSAR."""
        assert not ev.is_adverse_reaction
        assert not ev.is_susar

    @given(
        ev=safety_events(serious=True),
        a=st.integers(0, 40),
        b=st.integers(0, 40),
    )
    def test_overdue_is_monotone_in_time(self, ev: SafetyEvent, a: int, b: int) -> None:
        """An obligation overdue on one day is overdue on every later day (nothing done)."""
        early, late = sorted((a, b))
        on_early = ev.awareness_date + timedelta(days=early)
        on_late = ev.awareness_date + timedelta(days=late)
        before = {o.kind for o in reporting_obligations(ev, on=on_early) if o.overdue}
        after = {o.kind for o in reporting_obligations(ev, on=on_late) if o.overdue}
        assert before <= after

    @given(
        ev=safety_events(event_id="SAE-1", patient_id="P"),
        later=safety_events(event_id="SAE-1", patient_id="P"),
        data=st.data(),
    )
    def test_a_later_version_never_removes_an_obligation(
        self, ev: SafetyEvent, later: SafetyEvent, data: st.DataObject
    ) -> None:
        """§6.7 v2: a later version may add a report or an earlier deadline, never remove
        one; the order of the earlier versions does not matter."""
        if later.awareness_date < ev.awareness_date:
            ev, later = later, ev
        alone = {o.kind: o.due for o in reporting_obligations(ev)}
        with_later = {o.kind: o.due for o in reporting_obligations(later, earlier=[ev])}
        assert set(alone) <= set(with_later)
        assert all(with_later[kind] <= due for kind, due in alone.items())
        both = [ev, attrs.evolve(ev, awareness_date=later.awareness_date)]
        shuffled = data.draw(st.permutations(both))
        assert reporting_obligations(later, earlier=shuffled) == reporting_obligations(
            later, earlier=both
        )

    @given(ev=safety_events(serious=True), extra=st.integers(0, 20))
    def test_history_never_delays_a_deadline(self, ev: SafetyEvent, extra: int) -> None:
        """A re-submission of the same facts later never moves a due date later."""
        later = attrs.evolve(ev, awareness_date=ev.awareness_date + timedelta(days=extra))
        alone = {o.kind: o.due for o in reporting_obligations(ev)}
        with_history = {o.kind: o.due for o in reporting_obligations(later, earlier=[ev])}
        assert with_history == alone

    @given(ev=safety_events())
    def test_obligations_carry_the_event_ids(self, ev: SafetyEvent) -> None:
        """Every valid event yields its obligations without error, each naming the event."""
        obligations = reporting_obligations(ev, on=ev.awareness_date)
        assert all(isinstance(o, ReportingObligation) for o in obligations)
        assert all((o.event_id, o.patient_id) == (ev.event_id, ev.patient_id) for o in obligations)
        assert not any(o.overdue for o in obligations)  # on Day 0 nothing is late yet


class TestErrorWording:
    """§0: every refusal names field, rule and value; the wording is the golden file."""

    def test_error_wording(self) -> None:
        """One line per refused call, class and full message (tests/golden/errors/safety.txt)."""
        read = SafetyEvent.from_dict
        three_bad = {
            **EVENT_RECORD,
            "grade": "severe",
            "causality": "likely",
            "seriousness": ["hospitalisation", "fatal"],
        }
        check = member_of(Expectedness, "§6.1")
        bad: Any = {"due": "2021-10-05"}  # neither an obligation nor a list of them
        text: Any = "2021-10-05"  # a date as text
        record: Any = EVENT_RECORD
        on = d("2021-10-06")
        cases: list[tuple[str, Callable[[], object]]] = [
            ("from_dict([])", partial(read, [])),
            ("from_dict({})", partial(read, {})),
            *((f"from_dict without {k}", partial(read, without(k))) for k in REQUIRED_KEYS),
            ("from_dict three bad fields", partial(read, three_bad)),
            ("from_dict aesev", partial(read, {**EVENT_RECORD, "aesev": "severe"})),
            *(
                (f"from_dict seriousness {t!r}", partial(read, {**EVENT_RECORD, "seriousness": t}))
                for t in ("hospitalisation", "death")
            ),
            ("from_dict onset 20211004", partial(read, {**EVENT_RECORD, "onset_date": "20211004"})),
            ("aware 10-03 of onset 10-04", partial(event, awareness_date=d("2021-10-03"))),
            ("grade 5 without death", partial(event, grade=5)),
            (
                "death at grade 4",
                partial(event, seriousness={Seriousness.DEATH}, outcome=EventOutcome.FATAL),
            ),
            ("death recovering", partial(event, seriousness={Seriousness.DEATH}, grade=5)),
            ("fatal without death", partial(event, outcome=EventOutcome.FATAL)),
            *((f"grade {g!r}", partial(event, grade=g)) for g in BAD_GRADES),
            ("seriousness of strings", partial(event, seriousness={"hospitalisation"})),
            ("causality a string", partial(event, causality="probable")),
            ("expectedness a string", partial(check.require, "expected", "expectedness")),
            ("event_id blank", partial(event, event_id=" ")),
            ("obligations of a record", partial(reporting_obligations, record)),
            *(
                (f"done mark {mark!r}", partial(reporting_obligations, event(), done=[mark]))
                for mark in BAD_DONE_MARKS
            ),
            (
                "earlier of another event",
                partial(reporting_obligations, event(), earlier=[event(event_id="SAE-999")]),
            ),
            (
                "second earlier of another event",
                partial(
                    reporting_obligations, event(), earlier=[event(), event(event_id="SAE-999")]
                ),
            ),
            (
                "earlier newer than current",
                partial(
                    reporting_obligations, event(), earlier=[event(awareness_date=d("2021-10-09"))]
                ),
            ),
            ("obligations on text", partial(reporting_obligations, event(), on=text)),
            ("overdue on text", partial(overdue_obligations, [], on=text)),
            (
                "overdue of a dict",
                partial(overdue_obligations, [unrelated_obligation(), bad], on=on),
            ),
            ("overdue a dict", partial(overdue_obligations, bad, on=on)),
        ]
        assert_golden("errors/safety.txt", error_table(cases))


class TestJsonText:
    """§0 v2, §9: an event record may come as JSON text; a repeated key is refused."""

    def test_text_reads_like_the_parsed_record(self) -> None:
        """The §9 event as text is the event."""
        assert SafetyEvent.from_dict(json.dumps(EVENT_RECORD)) == SafetyEvent.from_dict(
            EVENT_RECORD
        )

    def test_a_second_causality_is_refused_not_hiding_r1(self) -> None:
        """A second "causality" (unrelated) would hide an R1 event; it is refused by its path."""
        text = json.dumps(EVENT_RECORD)[:-1] + ', "causality": "unrelated"}'
        assert json.loads(text)["causality"] == "unrelated"  # what a plain parser keeps
        err = refusal(lambda: SafetyEvent.from_dict(text))
        assert isinstance(err, DuplicateKeyError)
        assert (err.field, err.value) == ("causality", "causality")


class TestIdentifiers:
    """§0 v2 "Text": event_id and patient_id are printable text, no line breaks."""

    @pytest.mark.parametrize("bad", BAD_IDS)
    @pytest.mark.parametrize("key", ["event_id", "patient_id"])
    def test_refused_from_a_record_and_in_the_model(self, key: str, bad: str) -> None:
        """An id such as "a\\nb" is refused naming its key and the id as given."""
        err = invalid(lambda: SafetyEvent.from_dict({**EVENT_RECORD, key: bad}))
        assert (err.field, err.value) == (key, bad)
        assert "line breaks" in err.rule
        assert invalid(lambda: event(**{key: bad})).field == key
