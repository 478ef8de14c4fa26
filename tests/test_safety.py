"""Safety events, their classification and reporting deadlines (SPEC §6.1-§6.3, §9)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aclf_protocol import (
    Causality,
    EventOutcome,
    Expectedness,
    InconsistentRecordError,
    InvalidRecordError,
    InvalidValueError,
    ObligationKind,
    ReportingObligation,
    SafetyEvent,
    Seriousness,
    UnknownKeyError,
    overdue_obligations,
    reporting_obligations,
)
from tests.strategies import RELATED, UNRELATED, safety_events

#: The event record of SPEC §9, verbatim.
SPEC_RECORD: dict[str, Any] = {
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

SAE_TO_SPONSOR = ObligationKind.SAE_TO_SPONSOR
SUSAR_TO_REGULATOR = ObligationKind.SUSAR_TO_REGULATOR
SUSAR_FOLLOW_UP = ObligationKind.SUSAR_FOLLOW_UP


def d(text: str) -> date:
    """A date from ISO text."""
    return date.fromisoformat(text)


def event(**changes: Any) -> SafetyEvent:
    """The §9 example event with *changes*."""
    return attrs.evolve(SafetyEvent.from_dict(SPEC_RECORD), **changes)


def dues(ev: SafetyEvent, **kwargs: Any) -> list[tuple[str, str]]:
    """(kind, due) of each obligation of *ev*."""
    return [(o.kind.value, o.due.isoformat()) for o in reporting_obligations(ev, **kwargs)]


class TestSpecRecord:
    """§9: the event record as an EDC sends it."""

    def test_spec_example_reads(self) -> None:
        """The §9 record reads into the §6.1 fields."""
        ev = SafetyEvent.from_dict(SPEC_RECORD)
        assert ev.seriousness == {Seriousness.LIFE_THREATENING, Seriousness.HOSPITALISATION}
        assert ev.grade == 4
        assert ev.causality is Causality.PROBABLE
        assert ev.expectedness is Expectedness.UNEXPECTED
        assert ev.outcome is EventOutcome.RECOVERING
        assert ev.onset_date == ev.awareness_date == d("2021-10-04")

    def test_spec_example_writes_back_verbatim(self) -> None:
        """to_dict gives the §9 record back, criteria in ICH E2A order."""
        assert SafetyEvent.from_dict(SPEC_RECORD).to_dict() == SPEC_RECORD

    def test_duplicate_criteria_collapse(self) -> None:
        """§6.5: a criterion listed twice is one criterion."""
        record = {**SPEC_RECORD, "seriousness": ["hospitalisation", "hospitalisation"]}
        ev = SafetyEvent.from_dict(record)
        assert ev.seriousness == {Seriousness.HOSPITALISATION}
        assert ev.to_dict()["seriousness"] == ["hospitalisation"]

    def test_empty_criteria_is_not_serious(self) -> None:
        """§9: an empty seriousness list means not serious."""
        ev = SafetyEvent.from_dict({**SPEC_RECORD, "seriousness": []})
        assert not ev.is_serious
        assert not ev.is_susar

    def test_missing_assessments_read_as_not_assessed(self) -> None:
        """A null causality or expectedness is 'not yet assessed', the reading hiding no rule."""
        record = {**SPEC_RECORD, "causality": None}
        del record["expectedness"], record["outcome"]
        ev = SafetyEvent.from_dict(record)
        assert ev.causality is Causality.NOT_ASSESSED
        assert ev.expectedness is Expectedness.NOT_ASSESSED
        assert ev.outcome is EventOutcome.UNKNOWN
        assert ev.is_adverse_reaction
        assert ev.is_susar

    def test_missing_seriousness_is_an_error(self) -> None:
        """§0: an unknown seriousness must not read as 'not serious'."""
        record = {k: v for k, v in SPEC_RECORD.items() if k != "seriousness"}
        with pytest.raises(InvalidValueError, match=r"^seriousness: is required"):
            SafetyEvent.from_dict(record)

    def test_every_problem_is_reported(self) -> None:
        """§9: three bad fields give three problems, each with its path."""
        record = {
            **SPEC_RECORD,
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

    def test_unknown_key(self) -> None:
        """§9: a key the schema does not know is named."""
        with pytest.raises(UnknownKeyError, match=r"^aesev"):
            SafetyEvent.from_dict({**SPEC_RECORD, "aesev": "severe"})

    def test_seriousness_must_be_a_list(self) -> None:
        """§9: seriousness is a JSON array."""
        with pytest.raises(InvalidValueError, match=r"^seriousness: must be a JSON array"):
            SafetyEvent.from_dict({**SPEC_RECORD, "seriousness": "hospitalisation"})

    def test_iso_dates_only(self) -> None:
        """§0: 20211004 is not accepted as a date."""
        with pytest.raises(InvalidValueError, match=r"^onset_date"):
            SafetyEvent.from_dict({**SPEC_RECORD, "onset_date": "20211004"})


class TestConsistency:
    """§6.1: grade 5 iff death, fatal iff death, awareness on or after onset."""

    def test_awareness_before_onset(self) -> None:
        """The site cannot learn of an event before it began."""
        with pytest.raises(InconsistentRecordError, match=r"^awareness_date: .*§6\.1"):
            event(awareness_date=d("2021-10-03"))

    def test_awareness_on_onset_day(self) -> None:
        """Boundary: aware the day it began is fine."""
        assert event(awareness_date=d("2021-10-04")).awareness_date == d("2021-10-04")

    def test_grade_5_needs_death(self) -> None:
        """A grade 5 event without the death criterion is contradictory."""
        with pytest.raises(InconsistentRecordError, match=r"^grade: is 5 if and only if"):
            event(grade=5)

    def test_death_needs_grade_5(self) -> None:
        """The death criterion with grade 4 is contradictory."""
        with pytest.raises(InconsistentRecordError, match=r"^grade: "):
            event(seriousness={Seriousness.DEATH}, outcome=EventOutcome.FATAL)

    def test_death_needs_fatal_outcome(self) -> None:
        """Death with outcome 'recovering' is contradictory (D-SAF-FATAL)."""
        with pytest.raises(InconsistentRecordError, match=r"^outcome: is 'fatal'"):
            event(seriousness={Seriousness.DEATH}, grade=5)

    def test_fatal_outcome_needs_death(self) -> None:
        """Outcome 'fatal' without the death criterion is contradictory."""
        with pytest.raises(InconsistentRecordError, match=r"^outcome: "):
            event(outcome=EventOutcome.FATAL)

    def test_consistent_death(self) -> None:
        """Death, grade 5 and fatal together are accepted."""
        ev = event(seriousness={Seriousness.DEATH}, grade=5, outcome=EventOutcome.FATAL)
        assert ev.is_fatal_or_life_threatening

    @pytest.mark.parametrize("grade", [0, 6, True, 2.0, "3"])
    def test_grade_range_and_type(self, grade: object) -> None:
        """CTCAE grade is an int 1-5, never a bool or float."""
        with pytest.raises(InvalidValueError, match=r"^grade: CTCAE grade 1-5"):
            event(grade=grade)

    def test_criteria_must_be_enum_members(self) -> None:
        """Raw strings are not parsed silently (STYLE §2: Enum, not StrEnum)."""
        with pytest.raises(InvalidValueError, match=r"^seriousness"):
            event(seriousness={"hospitalisation"})

    def test_causality_must_be_enum_member(self) -> None:
        """A raw string causality is rejected with its field."""
        with pytest.raises(InvalidValueError, match=r"^causality"):
            event(causality="probable")

    def test_blank_ids_rejected(self) -> None:
        """Ids and term are non-empty strings."""
        with pytest.raises(InvalidValueError, match=r"^event_id"):
            event(event_id=" ")


class TestClassification:
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


class TestObligations:
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
        fatal = attrs.evolve(
            first,
            awareness_date=d("2021-10-12"),
            seriousness={Seriousness.DEATH, Seriousness.HOSPITALISATION},
            grade=5,
            outcome=EventOutcome.FATAL,
        )
        assert dues(fatal, earlier=[first]) == [
            ("sae_to_sponsor", "2021-10-02"),
            ("susar_to_regulator", "2021-10-16"),
            ("susar_follow_up", "2021-10-24"),
        ]

    def test_reassessed_unrelated_owes_no_regulator_report(self) -> None:
        """A SUSAR re-assessed unrelated no longer owes the regulator report."""
        later = event(awareness_date=d("2021-10-06"), causality=Causality.UNRELATED)
        assert dues(later, earlier=[event()]) == [("sae_to_sponsor", "2021-10-05")]

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

    @pytest.mark.parametrize(
        "mark", [("SAE-001",), "SAE-001", ("SAE-001", "sae"), (1, "sae_to_sponsor")]
    )
    def test_bad_done_marks(self, mark: Any) -> None:
        """A done mark is a pair of event id and a known kind."""
        with pytest.raises(InvalidValueError, match=r"^done\[0\]"):
            reporting_obligations(event(), done=[mark])

    def test_earlier_version_of_another_event(self) -> None:
        """Superseded versions must share the event id."""
        with pytest.raises(InvalidValueError, match=r"^earlier\[0\]"):
            reporting_obligations(event(), earlier=[event(event_id="SAE-999")])

    def test_earlier_version_newer_than_current(self) -> None:
        """A superseded version is never newer than the current one."""
        with pytest.raises(InvalidValueError, match=r"^earlier\[0\]\.awareness_date"):
            reporting_obligations(event(), earlier=[event(awareness_date=d("2021-10-09"))])

    def test_on_must_be_a_date(self) -> None:
        """``on`` is a calendar date, not a string."""
        with pytest.raises(InvalidValueError, match=r"^on: "):
            reporting_obligations(event(), on="2021-10-05")  # type: ignore[arg-type]

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
