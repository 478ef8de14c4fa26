"""Safety events, their classification and reporting deadlines (SPEC §6.1-§6.3).

A :class:`SafetyEvent` is one adverse event as the site reported it. Its classification
(§6.2) is derived, never stored: *serious* means at least one ICH E2A criterion; an adverse
*reaction* has causality certain, probable or possible, **or not yet assessed**; a *SUSAR* is a
serious reaction whose expectedness is unexpected or not yet assessed. Unknown never hides a
stop rule (§0).

>>> event = SafetyEvent.from_dict({
...     "event_id": "SAE-001", "patient_id": "RJ-001", "term": "Anaphylactic reaction",
...     "onset_date": "2021-10-04", "awareness_date": "2021-10-04",
...     "seriousness": ["life_threatening", "hospitalisation"], "grade": 4,
...     "causality": "probable", "expectedness": "unexpected", "outcome": "recovering"})
>>> event.is_serious, event.is_adverse_reaction, event.is_susar
(True, True, True)
>>> for o in reporting_obligations(event):
...     print(o.kind.value, o.due)
sae_to_sponsor 2021-10-05
susar_to_regulator 2021-10-11
susar_follow_up 2021-10-19
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

import attrs

from aclf_protocol._validators import (
    a_date,
    bounded_int,
    check,
    identifier,
    member_of,
    non_empty_str,
    require_instance,
    require_on,
)
from aclf_protocol.errors import InconsistentRecordError, InvalidValueError
from aclf_protocol.interchange import (
    RecordReader,
    date_to_json,
    iter_records,
    parse_date,
    parse_enum,
    parse_int,
    parse_str,
)
from aclf_protocol.protocol import NCT04822922, Protocol

__all__ = [
    "MAX_GRADE",
    "Causality",
    "DoneKey",
    "EventOutcome",
    "Expectedness",
    "ObligationKind",
    "ReportingObligation",
    "SafetyEvent",
    "Seriousness",
    "done_keys",
    "overdue_obligations",
    "reporting_obligations",
]

#: CTCAE v5.0: grade 5 is death related to the adverse event (§6.1).
MAX_GRADE = 5


class Seriousness(enum.Enum):
    """ICH E2A seriousness criteria (§6.1), in the order E2A lists them."""

    DEATH = "death"
    LIFE_THREATENING = "life_threatening"
    HOSPITALISATION = "hospitalisation"
    DISABILITY = "disability"
    CONGENITAL_ANOMALY = "congenital_anomaly"
    MEDICALLY_IMPORTANT = "medically_important"


class Causality(enum.Enum):
    """WHO-UMC causality, or not yet assessed (§6.1)."""

    CERTAIN = "certain"
    PROBABLE = "probable"
    POSSIBLE = "possible"
    UNLIKELY = "unlikely"
    UNRELATED = "unrelated"
    NOT_ASSESSED = "not_assessed"


class Expectedness(enum.Enum):
    """Whether the reaction is listed in the reference safety information (§6.1)."""

    EXPECTED = "expected"
    UNEXPECTED = "unexpected"
    NOT_ASSESSED = "not_assessed"


class EventOutcome(enum.Enum):
    """Outcome of the event as last reported (§6.1, SDTM AEOUT)."""

    RECOVERED = "recovered"
    RECOVERING = "recovering"
    NOT_RECOVERED = "not_recovered"
    RECOVERED_WITH_SEQUELAE = "recovered_with_sequelae"
    FATAL = "fatal"
    UNKNOWN = "unknown"


#: §6.2: causality that makes an event an adverse reaction; NOT_ASSESSED counts until assessed.
_REACTION = frozenset(
    {Causality.CERTAIN, Causality.PROBABLE, Causality.POSSIBLE, Causality.NOT_ASSESSED}
)
_ORDER = {member: index for index, member in enumerate(Seriousness)}


def _criteria(value: object) -> object:
    """Any iterable of criteria becomes a frozenset: duplicates collapse (§6.5)."""
    if isinstance(value, frozenset):
        return value
    if isinstance(value, set | list | tuple):
        return frozenset(value)
    return value


_check_criteria = check(
    lambda v: isinstance(v, frozenset) and all(isinstance(c, Seriousness) for c in v),
    "must be a set of Seriousness criteria (§6.1)",
)


@attrs.frozen(kw_only=True)
class SafetyEvent:
    """One adverse event as the site reported it (§6.1).

    Attributes:
        event_id: The site's id; a re-submission with the same id replaces it (§6.5).
        awareness_date: The day the site became aware: Day 0 of every deadline (§6.3).
        seriousness: ICH E2A criteria met; empty means not serious.
        grade: CTCAE grade 1-5; 5 exactly when ``DEATH`` is a criterion.
        causality: WHO-UMC category; ``NOT_ASSESSED`` counts as a reaction (§6.2).
        expectedness: ``NOT_ASSESSED`` counts as unexpected (§6.2).
        outcome: ``FATAL`` exactly when ``DEATH`` is a criterion (decision D-SAF-FATAL).

    >>> SafetyEvent(event_id="AE-1", patient_id="P", term="Fever", onset_date=date(2021, 10, 2),
    ...             awareness_date=date(2021, 10, 1), grade=1)
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InconsistentRecordError: awareness_date: must not precede ...
    """

    event_id: str = attrs.field(validator=identifier)
    patient_id: str = attrs.field(validator=identifier)
    term: str = attrs.field(validator=non_empty_str)
    onset_date: date = attrs.field(validator=a_date)
    awareness_date: date = attrs.field(validator=a_date)
    grade: int = bounded_int(1, MAX_GRADE, "CTCAE grade 1-5 (§6.1)")
    seriousness: frozenset[Seriousness] = attrs.field(
        default=frozenset(), converter=_criteria, validator=_check_criteria
    )
    causality: Causality = attrs.field(
        default=Causality.NOT_ASSESSED, validator=member_of(Causality, "§6.1")
    )
    expectedness: Expectedness = attrs.field(
        default=Expectedness.NOT_ASSESSED, validator=member_of(Expectedness, "§6.1")
    )
    outcome: EventOutcome = attrs.field(
        default=EventOutcome.UNKNOWN, validator=member_of(EventOutcome, "§6.1")
    )

    def __attrs_post_init__(self) -> None:
        if self.awareness_date < self.onset_date:
            raise InconsistentRecordError(
                "awareness_date",
                self.awareness_date,
                f"must not precede onset_date {self.onset_date} (§6.1)",
            )
        death = Seriousness.DEATH in self.seriousness
        if (self.grade == MAX_GRADE) != death:
            raise InconsistentRecordError(
                "grade", self.grade, "is 5 if and only if 'death' is a seriousness criterion (§6.1)"
            )
        if (self.outcome is EventOutcome.FATAL) != death:
            raise InconsistentRecordError(
                "outcome",
                self.outcome.value,
                "is 'fatal' if and only if 'death' is a seriousness criterion (§6.1)",
            )

    # --- §6.2 classification ----------------------------------------------------------------
    @property
    def is_serious(self) -> bool:
        """At least one ICH E2A seriousness criterion (§6.2)."""
        return bool(self.seriousness)

    @property
    def is_adverse_reaction(self) -> bool:
        """Causality certain, probable, possible, or not yet assessed (§6.2)."""
        return self.causality in _REACTION

    @property
    def is_serious_adverse_reaction(self) -> bool:
        """Serious and a reaction: what R1 stops for and §8 counts against an arm."""
        return self.is_serious and self.is_adverse_reaction

    @property
    def is_assessed(self) -> bool:
        """Whether causality has been assessed (R2 waits for this)."""
        return self.causality is not Causality.NOT_ASSESSED

    @property
    def is_susar(self) -> bool:
        """Serious reaction, unexpected or expectedness not yet assessed (§6.2)."""
        return self.is_serious_adverse_reaction and self.expectedness is not Expectedness.EXPECTED

    @property
    def is_fatal_or_life_threatening(self) -> bool:
        """``DEATH`` or ``LIFE_THREATENING`` among the criteria: the 7-day clock (§6.3)."""
        return bool(self.seriousness & {Seriousness.DEATH, Seriousness.LIFE_THREATENING})

    # --- §9 interchange ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The §9 JSON record; ``seriousness`` listed in ICH E2A order.

        >>> SafetyEvent(event_id="AE-1", patient_id="P", term="Fever", grade=1,
        ...             onset_date=date(2021, 10, 2), awareness_date=date(2021, 10, 2)).to_dict()
        ... # doctest: +NORMALIZE_WHITESPACE
        {'event_id': 'AE-1', 'patient_id': 'P', 'term': 'Fever', 'onset_date': '2021-10-02',
         'awareness_date': '2021-10-02', 'seriousness': [], 'grade': 1,
         'causality': 'not_assessed', 'expectedness': 'not_assessed', 'outcome': 'unknown'}
        """
        return {
            "event_id": self.event_id,
            "patient_id": self.patient_id,
            "term": self.term,
            "onset_date": date_to_json(self.onset_date),
            "awareness_date": date_to_json(self.awareness_date),
            "seriousness": [c.value for c in sorted(self.seriousness, key=_ORDER.__getitem__)],
            "grade": self.grade,
            "causality": self.causality.value,
            "expectedness": self.expectedness.value,
            "outcome": self.outcome.value,
        }

    @classmethod
    def from_dict(cls, record: object) -> SafetyEvent:
        """Read a §9 event record, reporting every problem with its key.

        ``seriousness`` and ``grade`` are required (a missing list must not read as "not
        serious", §0); a missing or null ``causality`` or ``expectedness`` is
        ``not_assessed`` and a missing ``outcome`` is ``unknown``: the readings that hide no
        stop rule (docs/dev/decisions.md D-SAF-MISSING).

        >>> SafetyEvent.from_dict({"event_id": "AE-1", "patient_id": "P", "term": "Fever",
        ...     "onset_date": "2021-10-02", "awareness_date": "2021-10-02", "grade": 1})
        Traceback (most recent call last):
            ...
        aclf_protocol.errors.InvalidValueError: seriousness: is required (§9); got None
        """
        r = RecordReader(record, what="event")
        values = {
            "event_id": r.get("event_id", identifier.require, required=True),
            "patient_id": r.get("patient_id", identifier.require, required=True),
            "term": r.get("term", parse_str, required=True),
            "onset_date": r.get("onset_date", parse_date, required=True),
            "awareness_date": r.get("awareness_date", parse_date, required=True),
            "seriousness": r.get("seriousness", _parse_criteria, required=True),
            "grade": r.get("grade", parse_int, required=True),
            "causality": r.get("causality", _parser(Causality)) or Causality.NOT_ASSESSED,
            "expectedness": (
                r.get("expectedness", _parser(Expectedness)) or Expectedness.NOT_ASSESSED
            ),
            "outcome": r.get("outcome", _parser(EventOutcome)) or EventOutcome.UNKNOWN,
        }
        return r.build_model(cls, values)


def _parser(kind: type[enum.Enum]) -> Any:
    def parse(value: object, field: str) -> enum.Enum:
        return parse_enum(kind, value, field)

    return parse


def _parse_criteria(value: object, field: str) -> frozenset[Seriousness]:
    """A JSON array of criteria; duplicates collapse (§6.5)."""
    if not isinstance(value, list | tuple):
        raise InvalidValueError(field, value, "must be a JSON array of criteria (§9)")
    return frozenset(
        parse_enum(Seriousness, item, f"{field}[{index}]") for index, item in enumerate(value)
    )


# --- §6.3 reporting obligations --------------------------------------------------------------


class ObligationKind(enum.Enum):
    """What must be reported, and to whom (§6.3)."""

    SAE_TO_SPONSOR = "sae_to_sponsor"
    SUSAR_TO_REGULATOR = "susar_to_regulator"
    SUSAR_FOLLOW_UP = "susar_follow_up"


@attrs.frozen(kw_only=True)
class ReportingObligation:
    """One report owed for one event, due ``due`` (§6.3).

    Attributes:
        day0: The awareness date the clock runs from (Day 0): the first known version of the
            event that qualified for this kind of report (ICH E2A "first knowledge").
        due: Last day the report is on time: Day 0 plus the protocol's calendar days.
        done: Marked done by the caller.
        overdue: ``on`` is after ``due`` and the report is not done; ``False`` when no ``on``
            was given.
    """

    event_id: str
    patient_id: str
    kind: ObligationKind
    day0: date
    due: date
    done: bool = False
    overdue: bool = False

    @property
    def key(self) -> tuple[str, ObligationKind]:
        """``(event_id, kind)``: how a caller marks this obligation done."""
        return (self.event_id, self.kind)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record (§9)."""
        return {
            "event_id": self.event_id,
            "patient_id": self.patient_id,
            "kind": self.kind.value,
            "day0": date_to_json(self.day0),
            "due": date_to_json(self.due),
            "done": self.done,
            "overdue": self.overdue,
        }


#: A report marked done: ``(event_id, kind)``, the kind as enum or its value.
DoneKey = tuple[str, ObligationKind | str]


#: What a done mark holds, in order (§6.5).
_MARK = ("event_id", "kind")


def done_keys(done: Collection[DoneKey]) -> frozenset[tuple[str, ObligationKind]]:
    """The caller's done marks as ``(event_id, ObligationKind)``; a bad mark is an error.

    A mark is a pair (a JSON array of two works too) of event id and kind or kind value.

    >>> sorted(k.value for _, k in done_keys([("E", "sae_to_sponsor"), ["E", "susar_follow_up"]]))
    ['sae_to_sponsor', 'susar_follow_up']
    """
    if not isinstance(done, list | tuple | set | frozenset):
        raise InvalidValueError("done", done, "must be a list of (event_id, kind) pairs (§6.5)")
    keys: set[tuple[str, ObligationKind]] = set()
    items: Iterable[object] = done  # checked here: a JSON array arrives as a list
    for index, item in enumerate(items):
        field = f"done[{index}]"
        pair = tuple(item) if isinstance(item, list | tuple) else ()
        if len(pair) != len(_MARK) or not isinstance(pair[0], str):
            raise InvalidValueError(field, item, "must be a pair (event_id, kind) (§6.5)")
        keys.add((pair[0], parse_enum(ObligationKind, pair[1], f"{field}.kind")))
    return frozenset(keys)


def _versions(event: SafetyEvent, earlier: Iterable[SafetyEvent]) -> list[SafetyEvent]:
    """*earlier* then *event*, checked to be versions of one event, none newer than *event*."""
    require_instance(event, SafetyEvent, "event", "must be a SafetyEvent (§6.1)")
    versions = [*earlier, event]
    unchecked: list[object] = list(versions[:-1])
    for index, version in enumerate(unchecked):
        if not isinstance(version, SafetyEvent) or version.event_id != event.event_id:
            raise InvalidValueError(
                f"earlier[{index}]", version, f"must be a version of event {event.event_id!r}"
            )
        if version.awareness_date > event.awareness_date:
            raise InvalidValueError(
                f"earlier[{index}].awareness_date",
                version.awareness_date,
                f"a superseded version is not newer than the current {event.awareness_date}",
            )
    return versions


def _owed(
    versions: Sequence[SafetyEvent], protocol: Protocol
) -> list[tuple[ObligationKind, date, date]]:
    """(kind, Day 0, due) of each report any of the versions requires (§6.3, §6.7 *v2*).

    A report owed by one version stays owed whatever a later version says: a later version
    may add a report or an earlier deadline, never remove one.
    """
    owed: list[tuple[ObligationKind, date, date]] = []
    serious = [v for v in versions if v.is_serious]
    if serious:
        day0 = min(v.awareness_date for v in serious)
        owed.append(
            (ObligationKind.SAE_TO_SPONSOR, day0, day0 + timedelta(protocol.sae_to_sponsor_days))
        )
    susars = [v for v in serious if v.is_susar]
    if susars:
        day0 = min(v.awareness_date for v in susars)
        due = day0 + timedelta(protocol.other_susar_days)
        fatal = [v for v in susars if v.is_fatal_or_life_threatening]
        if fatal:
            first = min(v.awareness_date for v in fatal)
            fatal_due = first + timedelta(protocol.fatal_susar_days)
            if fatal_due <= due:
                day0, due = first, fatal_due
        owed.append((ObligationKind.SUSAR_TO_REGULATOR, day0, due))
        if fatal:
            follow_up = due + timedelta(protocol.fatal_susar_follow_up_days)
            owed.append((ObligationKind.SUSAR_FOLLOW_UP, day0, follow_up))
    return owed


def reporting_obligations(
    event: SafetyEvent,
    on: date | None = None,
    *,
    earlier: Iterable[SafetyEvent] = (),
    done: Collection[DoneKey] = (),
    protocol: Protocol = NCT04822922,
) -> tuple[ReportingObligation, ...]:
    """The reports *event* requires, each with its due date (§6.3).

    Deadlines are calendar days from Day 0 = an awareness date: any SAE to the sponsor within
    ``sae_to_sponsor_days``; a fatal or life-threatening SUSAR to the regulator within
    ``fatal_susar_days`` with a follow-up ``fatal_susar_follow_up_days`` after that deadline
    (Day 0 + 7 + 8, docs/dev/decisions.md D-SAF-FOLLOWUP); any other SUSAR within
    ``other_susar_days``.

    A report owed by *event* or by any of its *earlier* (superseded) versions is owed: a
    later version may add a report, never remove one (§6.7 *v2*, D-SAF-DAY0), so a SUSAR
    re-assessed unrelated still owes the regulator report it owed. Day 0 of each is the first
    awareness date among the versions that qualified for it: an SAE whose causality is
    assessed later keeps the sponsor clock of its first report, and a SUSAR becoming fatal
    owes its report by the earlier of the 15-day deadline of the first SUSAR version and 7
    days after it became fatal. The result does not depend on the order of *earlier*.

    Args:
        event: The current version of the event.
        earlier: Superseded versions of the same event id.
        on: Judge overdue as of this date (``on > due`` and not done).
        done: ``(event_id, kind)`` pairs already reported.

    Raises:
        InvalidValueError: An *earlier* version has another id or a later awareness date, or a
            *done* mark is malformed.

    >>> fever = SafetyEvent(event_id="AE-7", patient_id="P", term="Fever", grade=3,
    ...     seriousness={Seriousness.HOSPITALISATION},
    ...     onset_date=date(2021, 10, 3), awareness_date=date(2021, 10, 4),
    ...     causality=Causality.UNRELATED)
    >>> [(o.kind.value, str(o.due), o.overdue) for o in
    ...  reporting_obligations(fever, on=date(2021, 10, 6))]
    [('sae_to_sponsor', '2021-10-05', True)]
    >>> done = [("AE-7", "sae_to_sponsor")]
    >>> reporting_obligations(fever, on=date(2021, 10, 6), done=done)[0].overdue
    False
    """
    versions = _versions(event, earlier)
    if on is not None:
        require_on(on)
    marked = done_keys(done)
    result = []
    for kind, day0, due in _owed(versions, protocol):
        is_done = (event.event_id, kind) in marked
        result.append(
            ReportingObligation(
                event_id=event.event_id,
                patient_id=event.patient_id,
                kind=kind,
                day0=day0,
                due=due,
                done=is_done,
                overdue=on is not None and on > due and not is_done,
            )
        )
    return tuple(result)


def overdue_obligations(
    obligations: Iterable[ReportingObligation],
    on: date,
    *,
    done: Collection[DoneKey] = (),
) -> tuple[ReportingObligation, ...]:
    """The obligations overdue on *on*: ``on > due`` and not marked done (§6.5).

    A report marked done here or on the obligation itself is never overdue.

    >>> ob = ReportingObligation(event_id="E", patient_id="P", kind=ObligationKind.SAE_TO_SPONSOR,
    ...                          day0=date(2021, 10, 4), due=date(2021, 10, 5))
    >>> [o.due for o in overdue_obligations([ob], on=date(2021, 10, 5))]   # due today: on time
    []
    >>> [str(o.due) for o in overdue_obligations([ob], on=date(2021, 10, 6))]
    ['2021-10-05']
    """
    require_on(on)
    marked = done_keys(done)
    checked = [
        require_instance(
            o, ReportingObligation, f"obligations[{i}]", "must be a ReportingObligation"
        )
        for i, o in enumerate(iter_records(obligations, "obligations"))
    ]
    return tuple(
        attrs.evolve(o, overdue=True)
        for o in checked
        if on > o.due and not o.done and o.key not in marked
    )
