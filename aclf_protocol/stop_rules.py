"""The trial's stop rules R1-R3, evaluated as of a date (SPEC §6.4-§6.7).

The record's one hard rule: a serious adverse reaction during treatment stops the
intervention and terminates the study (R1). A serious event whose causality is not yet
assessed suspends the study until it is (R2). A serious event assessed unlikely or unrelated
stops nothing and is counted for the primary endpoint (R3).

:func:`evaluate_stop_rules` is a pure function of the protocol, the plans, the events (in any
order, any duplicated) and the date ``on``; events the site learnt of after ``on`` and
infusions given after ``on`` are ignored (§6.5, §6.7 *v2*). It replays the events in awareness
order: a termination is final, a suspension lifts once its events are assessed, and a stop
cancels every infusion whose window had not closed before the stop date.

>>> from aclf_protocol.schedule import build_plan
>>> from aclf_protocol.safety import Causality, SafetyEvent, Seriousness
>>> plan = build_plan(patient_id="RJ-001", arm="low", start=date(2021, 10, 1), weight_kg=60)
>>> sae = SafetyEvent(event_id="SAE-1", patient_id="RJ-001", term="Anaphylaxis", grade=4,
...     onset_date=date(2021, 10, 4), awareness_date=date(2021, 10, 4),
...     seriousness={Seriousness.LIFE_THREATENING}, causality=Causality.PROBABLE)
>>> result = evaluate_stop_rules([plan], [sae], on=date(2021, 10, 5))
>>> result.decision.value, [t.rule for t in result.triggers]
('terminate', ['R1'])
>>> [(c.number, str(c.date)) for c in result.cancelled]
[(2, '2021-10-04'), (3, '2021-10-07'), (4, '2021-10-10')]
>>> evaluate_stop_rules([plan], [sae], on=date(2021, 10, 3)).decision.value  # not yet known
'continue'
"""

from __future__ import annotations

import bisect
import enum
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

import attrs

from aclf_protocol._validators import (
    require_instance,
    require_on,
)
from aclf_protocol.errors import InconsistentRecordError, InvalidValueError
from aclf_protocol.interchange import date_to_json, records_of
from aclf_protocol.protocol import NCT04822922, Protocol, protocol_label
from aclf_protocol.safety import (
    Causality,
    DoneKey,
    Expectedness,
    ReportingObligation,
    SafetyEvent,
    Seriousness,
    done_keys,
    reporting_obligations,
)
from aclf_protocol.schedule import (
    Infusion,
    InfusionPlan,
    cancel_remaining,
    date_of_study_day,
    safety_window_end,
)

__all__ = [
    "Deviation",
    "InfusionRef",
    "PatientSafety",
    "PatientStatus",
    "Reassessment",
    "StopRuleEvaluation",
    "StudyDecision",
    "Trigger",
    "VersionConflict",
    "evaluate_stop_rules",
    "treatment_period_end",
]

_UNRELATED = frozenset({Causality.UNLIKELY, Causality.UNRELATED})


class StudyDecision(enum.Enum):
    """What the study may do now (§6.5); ordered CONTINUE < SUSPEND < TERMINATE."""

    CONTINUE = "continue"
    SUSPEND = "suspend"
    TERMINATE = "terminate"

    @property
    def severity(self) -> int:
        """0 for CONTINUE, 1 for SUSPEND, 2 for TERMINATE: compare decisions with it.

        >>> StudyDecision.SUSPEND.severity < StudyDecision.TERMINATE.severity
        True
        """
        return list(StudyDecision).index(self)


class PatientStatus(enum.Enum):
    """Where a patient's intervention stands as of ``on`` (§6.5, §6.7, D-SAF-STATUS).

    ``DIED``: an event of the patient known on ``on`` has the death criterion or outcome
    ``fatal``, whatever its causality (§6.7 *v2*); it takes precedence. ``STOPPED``: the
    intervention was stopped (a termination found infusions still to give, or the plan
    carries a stop date). ``COMPLETED``: not stopped, and no infusion can still be given: each
    is given, cancelled, or its window closed before ``on``. ``ACTIVE``: otherwise (under
    SUSPEND its remaining infusions are on hold).
    """

    ACTIVE = "active"
    STOPPED = "stopped"
    COMPLETED = "completed"
    DIED = "died"


@attrs.frozen(kw_only=True)
class Trigger:
    """One stop-rule firing: rule ``"R1"`` or ``"R2"`` and the event version that fires.

    ``event`` is the event's current version, except for an R1 event re-assessed since the
    termination (§6.7 *v2*): then it is the last version that fired R1, and the evaluation
    lists the re-assessment in ``reassessed``. ``since`` is when this event began to stop
    infusions: the awareness date of the earliest version in the unbroken run of trigger
    versions ending with that one (an event suspended under R2 and then assessed probable
    stops infusions from its first report).
    """

    rule: str
    event: SafetyEvent
    since: date

    @property
    def event_id(self) -> str:
        """The triggering event's id."""
        return self.event.event_id

    @property
    def patient_id(self) -> str:
        """The patient of the triggering event."""
        return self.event.patient_id

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {
            "rule": self.rule,
            "event_id": self.event_id,
            "patient_id": self.patient_id,
            "since": date_to_json(self.since),
            "event": self.event.to_dict(),
        }


@attrs.frozen(kw_only=True)
class VersionConflict:
    """Two different versions of one event id with the same awareness date (§6.7 *v2*).

    ``counted`` is the more conservative of the two, whatever their order in the input (the
    one that stops most: R1 over R2 over none; then the more serious; decision
    D-SAF-VERSIONS); ``other`` the one that does not count.
    """

    event_id: str
    awareness_date: date
    counted: SafetyEvent
    other: SafetyEvent

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {
            "event_id": self.event_id,
            "awareness_date": date_to_json(self.awareness_date),
            "counted": self.counted.to_dict(),
            "other": self.other.to_dict(),
        }


@attrs.frozen(kw_only=True)
class Reassessment:
    """An R1 event re-assessed after it terminated the study (§6.7 *v2*): it lifts nothing.

    ``fired`` is the last version that fired R1, ``current`` the version that counts now
    (e.g. causality unrelated).
    """

    event_id: str
    patient_id: str
    fired: SafetyEvent
    current: SafetyEvent

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {
            "event_id": self.event_id,
            "patient_id": self.patient_id,
            "fired": self.fired.to_dict(),
            "current": self.current.to_dict(),
        }


@attrs.frozen(kw_only=True)
class Deviation:
    """An infusion given (by ``on``) on or after the date of a stop that applies to it.

    ``cause`` is ``"terminate"`` (the study's stop date), ``"died"`` (the awareness date of the
    patient's death) or ``"suspend"`` (given while the study was suspended: the start of that
    suspension); ``stopped_on`` is that date: the earliest stop that applies, and of stops on
    one day the termination, then the death, then the suspension. One given on the stop date
    itself is listed too: dates alone cannot tell whether it came before the report (§6.7
    *v2*; a reviewer decides).
    """

    patient_id: str
    number: int
    given_date: date
    cause: str
    stopped_on: date
    date: date  # last: the field shadows the type in the class body

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {
            "patient_id": self.patient_id,
            "number": self.number,
            "date": date_to_json(self.date),
            "given_date": date_to_json(self.given_date),
            "cause": self.cause,
            "stopped_on": date_to_json(self.stopped_on),
        }


@attrs.frozen(kw_only=True)
class InfusionRef:
    """One infusion of one patient: its number and planned date (cancelled or on hold)."""

    patient_id: str
    number: int
    date: date

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {
            "patient_id": self.patient_id,
            "number": self.number,
            "date": date_to_json(self.date),
        }


@attrs.frozen(kw_only=True)
class PatientSafety:
    """One patient's standing as of ``on``: status and the periods the rules use."""

    patient_id: str
    arm_id: str
    status: PatientStatus
    start: date
    treatment_period_end: date
    safety_window_end: date
    stopped_on: date | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {
            "patient_id": self.patient_id,
            "arm_id": self.arm_id,
            "status": self.status.value,
            "start": date_to_json(self.start),
            "treatment_period_end": date_to_json(self.treatment_period_end),
            "safety_window_end": date_to_json(self.safety_window_end),
            "stopped_on": None if self.stopped_on is None else date_to_json(self.stopped_on),
        }


@attrs.frozen(kw_only=True)
class StopRuleEvaluation:
    """What the stop rules say as of ``on`` (§6.5, §6.7).

    Attributes:
        decision: TERMINATE once an R1 fired on any date up to ``on`` (final, §6.7 *v2*);
            else SUSPEND while an R2 stands; else CONTINUE.
        triggers: Every standing R1 and R2 trigger, and every R1 that fired and was
            re-assessed since; R1 first, then by ``since`` and id.
        since: The stop date: under TERMINATE the first day of the unbroken run of suspension
            or termination that led to it (the awareness date of its first trigger); under
            SUSPEND the first day of the current suspension. ``None`` under CONTINUE.
        patients: Each patient's status, by patient id.
        plans: The plans, updated: every stopped or died patient's plan has its remaining
            infusions cancelled (:func:`~aclf_protocol.schedule.cancel_remaining`).
            Infusions given after ``on`` keep their given date here, but count as not given.
        cancelled: The infusions this evaluation cancelled: of each patient stopped (by the
            termination or a death), those not given before the stop date whose window had
            not closed before it. One given on or after the stop date is listed too (the stop
            cancelled it) and is also a deviation.
        on_hold: Under SUSPEND, the infusions of active patients not given by ``on`` whose
            window is still open: none may be given while the suspension stands.
        deviations: Infusions given (by ``on``) on or after the date of a stop that applies
            to them (:class:`Deviation`).
        conflicts: Same-day versions of one event id that differ (:class:`VersionConflict`).
        reassessed: R1 events re-assessed after the termination (:class:`Reassessment`).
        events: The current version of every event known on ``on``.
        pre_treatment: Events with onset before the patient's Day 1: outside the treatment
            period, they never trigger R1/R2, and are reported like any event (§6.7 *v2*).
        r3_events: Serious events assessed unlikely or unrelated: no stop (R3).
        primary_endpoint_events: Serious events with onset in the patient's safety window
            (§4.2), whatever their causality: the primary endpoint's count.
        obligations: Reports owed for the known events, with due dates and overdue flags; a
            report owed by any known version of an event stays owed.
        history: ``(event_id, superseded versions)`` for each event re-submitted, oldest first.
        ignored: Events (versions) the site became aware of after ``on``.
        protocol: The protocol whose rules were applied: ``to_dict()`` names its id and
            version, and evaluations under two versions are never equal (§1 *v2*).
    """

    on: date
    decision: StudyDecision
    triggers: tuple[Trigger, ...]
    since: date | None
    # The inputs and per-patient detail stay out of the repr: it shows the decision.
    patients: tuple[PatientSafety, ...] = attrs.field(repr=False)
    plans: tuple[InfusionPlan, ...] = attrs.field(repr=False)
    cancelled: tuple[InfusionRef, ...]
    on_hold: tuple[InfusionRef, ...]
    deviations: tuple[Deviation, ...]
    conflicts: tuple[VersionConflict, ...] = attrs.field(repr=False)
    reassessed: tuple[Reassessment, ...] = attrs.field(repr=False)
    events: tuple[SafetyEvent, ...] = attrs.field(repr=False)
    pre_treatment: tuple[SafetyEvent, ...] = attrs.field(repr=False)
    r3_events: tuple[SafetyEvent, ...] = attrs.field(repr=False)
    primary_endpoint_events: tuple[SafetyEvent, ...] = attrs.field(repr=False)
    obligations: tuple[ReportingObligation, ...] = attrs.field(repr=False)
    history: tuple[tuple[str, tuple[SafetyEvent, ...]], ...] = attrs.field(repr=False)
    ignored: tuple[SafetyEvent, ...] = attrs.field(repr=False)
    protocol: Protocol = attrs.field(repr=False)

    @property
    def reason(self) -> str:
        """The decision in one line, with the triggering events (§6.4, §6.5).

        ``"continue: no stop rule applies on 2021-10-05"`` or
        ``"terminate since 2021-10-08: R1 SAE-001 (RJ-001)"``.
        """
        if not self.triggers:
            return f"{self.decision.value}: no stop rule applies on {self.on.isoformat()}"
        fired = ", ".join(f"{t.rule} {t.event_id} ({t.patient_id})" for t in self.triggers)
        since = f" since {self.since.isoformat()}" if self.since is not None else ""
        return f"{self.decision.value}{since}: {fired}"

    @property
    def may_infuse(self) -> bool:
        """Whether any infusion may be given (CONTINUE only)."""
        return self.decision is StudyDecision.CONTINUE

    @property
    def status(self) -> Mapping[str, PatientStatus]:
        """Patient id -> status."""
        return MappingProxyType({p.patient_id: p.status for p in self.patients})

    @property
    def died(self) -> tuple[str, ...]:
        """Ids of the patients who died (status ``died``, §6.7 *v2*)."""
        return tuple(p.patient_id for p in self.patients if p.status is PatientStatus.DIED)

    @property
    def overdue(self) -> tuple[ReportingObligation, ...]:
        """The obligations overdue on ``on``."""
        return tuple(o for o in self.obligations if o.overdue)

    @property
    def superseded(self) -> Mapping[str, tuple[SafetyEvent, ...]]:
        """Event id -> its superseded versions, oldest first."""
        return MappingProxyType(dict(self.history))

    def plan_of(self, patient_id: str) -> InfusionPlan:
        """The (updated) plan of *patient_id*."""
        for plan in self.plans:
            if plan.patient_id == patient_id:
                return plan
        raise InvalidValueError("patient_id", patient_id, "has no infusion plan (§6.5)")

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record of the whole evaluation (§9), naming its protocol (§1 *v2*)."""
        return {
            "on": date_to_json(self.on),
            "protocol": protocol_label(self.protocol),
            "decision": self.decision.value,
            "since": None if self.since is None else date_to_json(self.since),
            "triggers": [t.to_dict() for t in self.triggers],
            "patients": [p.to_dict() for p in self.patients],
            "cancelled": [c.to_dict() for c in self.cancelled],
            "on_hold": [h.to_dict() for h in self.on_hold],
            "deviations": [v.to_dict() for v in self.deviations],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "reassessed": [r.to_dict() for r in self.reassessed],
            "pre_treatment": [e.event_id for e in self.pre_treatment],
            "r3_events": [e.event_id for e in self.r3_events],
            "primary_endpoint_events": [e.event_id for e in self.primary_endpoint_events],
            "obligations": [o.to_dict() for o in self.obligations],
            "events": [e.to_dict() for e in self.events],
            "history": {
                event_id: [v.to_dict() for v in versions] for event_id, versions in self.history
            },
            "ignored": [e.to_dict() for e in self.ignored],
            "plans": [p.to_dict() for p in self.plans],
        }


def treatment_period_end(
    plan: InfusionPlan, on: date | None = None, *, protocol: Protocol = NCT04822922
) -> date:
    """Last day of the patient's treatment period (§6.4, §6.6).

    Study day ``protocol.treatment_period_end_day`` (Day 10), or the last infusion actually
    given if later (given on or before *on*, when *on* is given).

    >>> from aclf_protocol.schedule import build_plan, record_infusion
    >>> plan = build_plan(patient_id="P", arm="low", start=date(2021, 10, 1), weight_kg=60)
    >>> treatment_period_end(plan)
    datetime.date(2021, 10, 10)
    >>> treatment_period_end(record_infusion(plan, 4, date(2021, 10, 12)))   # late: §6.6
    datetime.date(2021, 10, 12)
    """
    require_instance(plan, InfusionPlan, "plan", "must be an InfusionPlan (§6.4)")
    if on is not None:
        require_on(on)
    end = date_of_study_day(protocol.treatment_period_end_day, plan.start)
    given = [
        i.given_date
        for i in plan.infusions
        if i.given_date is not None and (on is None or i.given_date <= on)
    ]
    return max([end, *given])


def _check_plans(plans: Iterable[object], protocol: Protocol) -> dict[str, InfusionPlan]:
    """Plans by patient id; an identical plan given twice counts once (§6.5)."""
    by_patient: dict[str, InfusionPlan] = {}
    for index, item in enumerate(plans):
        plan = require_instance(
            item, InfusionPlan, f"plans[{index}]", "must be an InfusionPlan (§6.5)"
        )
        known = by_patient.get(plan.patient_id)
        if known is not None:
            if known == plan:
                continue
            raise InconsistentRecordError(
                f"plans[{index}].patient_id", plan.patient_id, "one plan per patient (§6.5)"
            )
        try:
            protocol.arm(plan.arm_id)
        except InvalidValueError as err:
            raise err.under(f"plans[{index}]") from None
        by_patient[plan.patient_id] = plan
    return dict(sorted(by_patient.items()))


def _check_events(events: Iterable[object], plans: Mapping[str, InfusionPlan]) -> list[SafetyEvent]:
    """The events, each of a patient with a plan; any onset is accepted (§6.7 *v2*)."""
    checked: list[SafetyEvent] = []
    for index, item in enumerate(events):
        where = f"events[{index}]"
        event = require_instance(item, SafetyEvent, where, "must be a SafetyEvent (§6.1)")
        if event.patient_id not in plans:
            raise InvalidValueError(
                f"{where}.patient_id", event.patient_id, "has no infusion plan (§6.5)"
            )
        checked.append(event)
    return checked


@attrs.frozen
class _Periods:
    """A patient's Day 1, Day 10 (§6.4), safety-window end (§4.2), infusions given by ``on``.

    ``given`` is sorted: the treatment period as of a date runs to the later of Day 10 and
    the last infusion given by that date (§6.6).
    """

    start: date
    day10: date
    window_end: date
    given: tuple[date, ...]

    def end(self, day: date) -> date:
        """Last day of the treatment period as of *day* (§6.4, §6.6)."""
        index = bisect.bisect_right(self.given, day)
        return max(self.day10, self.given[index - 1]) if index else self.day10

    def entry(self, onset: date) -> date | None:
        """The first date on which *onset* lies in the treatment period, if any.

        Onset before Day 1: never (pre-treatment, §6.7 *v2*); up to Day 10: from the start;
        later: from the first infusion given on or after the onset (§6.6).
        """
        if onset < self.start:
            return None
        if onset <= self.day10:
            return date.min
        index = bisect.bisect_left(self.given, onset)
        return self.given[index] if index < len(self.given) else None


def _periods(
    plans: Mapping[str, InfusionPlan], on: date, protocol: Protocol
) -> dict[str, _Periods]:
    return {
        patient_id: _Periods(
            plan.start,
            date_of_study_day(protocol.treatment_period_end_day, plan.start),
            safety_window_end(plan.start, protocol=protocol),
            tuple(
                sorted(
                    i.given_date
                    for i in plan.infusions
                    if i.given_date is not None and i.given_date <= on
                )
            ),
        )
        for patient_id, plan in plans.items()
    }


def _given_by(infusion: Infusion, day: date) -> bool:
    """Recorded as given on or before *day* (D-SAF-ASOF)."""
    return infusion.given_date is not None and infusion.given_date <= day


def _rule_class(event: SafetyEvent) -> str | None:
    """``"R1"`` or ``"R2"`` for a serious reaction (onset aside), else ``None`` (§6.4)."""
    if not event.is_serious or not event.is_adverse_reaction:
        return None  # R3 or not serious: no automatic stop
    return "R1" if event.is_assessed else "R2"


def _rule(event: SafetyEvent, periods: Mapping[str, _Periods], day: date) -> str | None:
    """The rule *event* fires as of *day*: its class, if its onset is in the period then."""
    entry = periods[event.patient_id].entry(event.onset_date)
    return _rule_class(event) if entry is not None and entry <= day else None


_RULE_RANK = {"R1": 2, "R2": 1, None: 0}
_CAUSALITY_RANK = {
    Causality.UNRELATED: 0,
    Causality.UNLIKELY: 1,
    Causality.NOT_ASSESSED: 2,
    Causality.POSSIBLE: 3,
    Causality.PROBABLE: 4,
    Causality.CERTAIN: 5,
}
_EXPECTEDNESS_RANK = {
    Expectedness.EXPECTED: 0,
    Expectedness.NOT_ASSESSED: 1,
    Expectedness.UNEXPECTED: 2,
}


def _died(event: SafetyEvent) -> bool:
    """The death criterion: a valid event has it exactly when its outcome is ``fatal``
    (§6.1, one fact, D-SAF-FATAL)."""
    return Seriousness.DEATH in event.seriousness


def _canonical(event: SafetyEvent) -> str:
    return json.dumps(event.to_dict(), sort_keys=True)


def _conservative_key(event: SafetyEvent, rule: str | None) -> tuple[Any, ...]:
    """Larger is more conservative (§6.7 *v2*, D-SAF-VERSIONS): a total order of versions.

    The rule it fires (R1 over R2 over none); then the more serious: death, life-threatening,
    more criteria, higher grade; then causality (certain > ... > unrelated), expectedness
    (unexpected > not assessed > expected); last the record's canonical JSON text.
    """
    criteria = event.seriousness
    return (
        _RULE_RANK[rule],
        _died(event),
        Seriousness.LIFE_THREATENING in criteria,
        len(criteria),
        event.grade,
        _CAUSALITY_RANK[event.causality],
        _EXPECTEDNESS_RANK[event.expectedness],
        _canonical(event),
    )


@attrs.frozen
class _Version:
    """One counted version of an event: from its awareness date to ``until``."""

    event: SafetyEvent
    until: date
    rule: str | None  # the rule it fired by ``until`` (it can only start firing later, §6.6)
    fires_from: date | None  # the first day it fired


@attrs.frozen
class _History:
    """An event id as known on ``on``: its counted versions in order, and all it had."""

    counted: tuple[_Version, ...]
    others: tuple[SafetyEvent, ...]  # every other known version, oldest first
    conflicts: tuple[VersionConflict, ...]

    @property
    def current(self) -> _Version:
        return self.counted[-1]


def _histories(
    known: Sequence[SafetyEvent], periods: Mapping[str, _Periods], on: date
) -> dict[str, _History]:
    """Each event id's versions: the most conservative counts among same-day versions."""
    by_id: dict[str, list[SafetyEvent]] = {}
    for event in known:
        by_id.setdefault(event.event_id, []).append(event)
    result: dict[str, _History] = {}
    for event_id in sorted(by_id):
        versions = by_id[event_id]
        if len(versions) == 1:  # the common case: one version, no history
            result[event_id] = _History((_version(versions[0], on, periods),), (), ())
            continue
        by_day: dict[date, list[SafetyEvent]] = {}
        for event in versions:
            same_day = by_day.setdefault(event.awareness_date, [])
            if event not in same_day:  # identical re-submissions collapse
                same_day.append(event)
        chosen: list[SafetyEvent] = []
        others: list[SafetyEvent] = []
        conflicts: list[VersionConflict] = []
        for day, same_day in sorted(by_day.items()):
            ranked = sorted(same_day, key=lambda v: _conservative_key(v, _rule(v, periods, day)))
            best = ranked[-1]
            chosen.append(best)
            others.extend(ranked[:-1])
            conflicts.extend(
                VersionConflict(event_id=event_id, awareness_date=day, counted=best, other=v)
                for v in reversed(ranked[:-1])
            )
        counted = [
            _version(
                event,
                on if index + 1 == len(chosen) else chosen[index + 1].awareness_date - _DAY,
                periods,
            )
            for index, event in enumerate(chosen)
        ]
        superseded = sorted(
            [*others, *(v.event for v in counted[:-1])], key=lambda e: e.awareness_date
        )
        result[event_id] = _History(tuple(counted), tuple(superseded), tuple(conflicts))
    return result


_DAY = timedelta(days=1)


def _version(event: SafetyEvent, until: date, periods: Mapping[str, _Periods]) -> _Version:
    """*event* counted from its awareness date to *until*: the rule it fires, and from when."""
    rule = _rule_class(event)
    entry = periods[event.patient_id].entry(event.onset_date)
    if rule is None or entry is None or entry > until:
        return _Version(event, until, None, None)
    return _Version(event, until, rule, max(event.awareness_date, entry))


def _trigger(history: _History) -> tuple[Trigger | None, Reassessment | None]:
    """The trigger an event stands for as of ``on``, and its re-assessment if it was R1.

    An event that fired R1 stays an R1 trigger with the version that fired (a termination
    is final, §6.7 *v2*); if its current version no longer fires R1 it is re-assessed.
    """
    counted = history.counted
    fired = [i for i, v in enumerate(counted) if v.rule == "R1"]
    current = history.current
    if fired:  # the current version, if it fires R1; else the last that did
        last = fired[-1]
    elif current.rule == "R2":
        last = len(counted) - 1
    else:
        return None, None
    first = last
    while first > 0:
        previous, this = counted[first - 1], counted[first]
        if previous.fires_from is None or this.fires_from is None:
            break
        if (this.fires_from - previous.until).days > 1:
            break
        first -= 1
    version, since = counted[last], counted[first].fires_from
    if version.rule is None or since is None:  # pragma: no cover - fired by construction
        return None, None
    trigger = Trigger(rule=version.rule, event=version.event, since=since)
    if version is current:
        return trigger, None
    reassessment = Reassessment(
        event_id=current.event.event_id,
        patient_id=current.event.patient_id,
        fired=version.event,
        current=current.event,
    )
    return trigger, reassessment


def _runs(histories: Iterable[_History]) -> list[tuple[date, date, bool]]:
    """The unbroken runs of suspension or termination: ``(first, last day, terminating)``.

    ``terminating`` if an R1 fired during the run. Replayed day by day in awareness order,
    each counted version fires from ``fires_from`` to ``until`` (§6.7 *v2*).
    """
    spans = sorted(
        (v.fires_from, v.until, v.rule == "R1")
        for h in histories
        for v in h.counted
        if v.fires_from is not None
    )
    runs: list[tuple[date, date, bool]] = []
    for first, last, terminating in spans:
        if runs and (first - runs[-1][1]).days <= 1:
            start, end, before = runs[-1]
            runs[-1] = (start, max(end, last), before or terminating)
        else:
            runs.append((first, last, terminating))
    return runs


def _event_order(event: SafetyEvent) -> tuple[date, str]:
    return (event.awareness_date, event.event_id)


def _sorted_versions(events: Iterable[SafetyEvent]) -> tuple[SafetyEvent, ...]:
    """Distinct versions by awareness date, then id, then canonical text: any input order."""
    return tuple(sorted(set(events), key=lambda e: (*_event_order(e), _canonical(e))))


def evaluate_stop_rules(
    plans: Iterable[InfusionPlan],
    events: Iterable[SafetyEvent],
    on: date,
    *,
    done: Collection[DoneKey] = (),
    protocol: Protocol = NCT04822922,
) -> StopRuleEvaluation:
    """Apply R1-R3 to the events known on *on*, replayed in awareness order (§6.4-§6.7).

    An event counts once the site is aware of it (``awareness_date <= on``); an infusion
    counts as given once given (``given_date <= on``). A re-submitted event id replaces the
    earlier version (the latest awareness date wins); of two versions with the same
    awareness date the more conservative counts, whatever their order, and the conflict is
    listed (D-SAF-VERSIONS). R1: a serious reaction (causality certain, probable or
    possible) with onset in the patient's treatment period (Day 1 to Day 10, or the last
    infusion given if later) terminates the study, for good: a later re-assessment is listed
    in ``reassessed`` and lifts nothing (§6.7 *v2*). R2: the same with causality not yet
    assessed suspends it until assessed. R3: assessed unlikely or unrelated stops nothing.

    A stop cancels, from its stop date, every infusion not given before it whose window had
    not closed before it: the study's termination for every patient, a death (death criterion
    or outcome ``fatal``, any causality) for that patient, who is then ``died``. An event
    with onset before Day 1 is pre-treatment: accepted, reported, never a trigger.

    The result is the same for any order and any duplication of *plans* and *events*.

    Args:
        plans: One infusion plan per patient (an identical plan twice counts once).
        events: Safety events and their re-submissions, in any order.
        on: The date of the evaluation.
        done: ``(event_id, kind)`` of reports already made (§6.3).

    Raises:
        InvalidValueError: An event's patient has no plan, two different plans share a
            patient, or a plan's arm is not in *protocol*.

    >>> from aclf_protocol.schedule import build_plan
    >>> from aclf_protocol.safety import Causality, SafetyEvent, Seriousness
    >>> plan = build_plan(patient_id="RJ-002", arm="high", start=date(2021, 10, 1),
    ...                   weight_kg=70)
    >>> pending = SafetyEvent(event_id="SAE-2", patient_id="RJ-002", term="Sepsis", grade=3,
    ...     onset_date=date(2021, 10, 5), awareness_date=date(2021, 10, 5),
    ...     seriousness={Seriousness.HOSPITALISATION})
    >>> r = evaluate_stop_rules([plan], [pending], on=date(2021, 10, 6))
    >>> r.decision.value, [(h.number, str(h.date)) for h in r.on_hold]
    ('suspend', [(3, '2021-10-07'), (4, '2021-10-10')])
    >>> assessed = attrs.evolve(pending, awareness_date=date(2021, 10, 8),
    ...                         causality=Causality.UNRELATED)
    >>> r = evaluate_stop_rules([plan], [pending, assessed], on=date(2021, 10, 8))
    >>> r.decision.value, [e.event_id for e in r.r3_events], len(r.superseded["SAE-2"])
    ('continue', ['SAE-2'], 1)
    >>> evaluate_stop_rules([plan], [attrs.evolve(pending, patient_id="RJ-404")], on=r.on)
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InvalidValueError: events[0].patient_id: has no infusion plan ...
    """
    require_on(on)
    by_patient = _check_plans(records_of(plans, "plans"), protocol)
    checked = _check_events(records_of(events, "events"), by_patient)
    marked = done_keys(done)
    known = [e for e in checked if e.awareness_date <= on]
    ignored = _sorted_versions(e for e in checked if e.awareness_date > on)
    periods = _periods(by_patient, on, protocol)
    histories = _histories(known, periods, on)

    triggers: list[Trigger] = []
    reassessed: list[Reassessment] = []
    for history in histories.values():
        trigger, reassessment = _trigger(history)
        if trigger is not None:
            triggers.append(trigger)
        if reassessment is not None:
            reassessed.append(reassessment)
    triggers.sort(key=lambda t: (t.rule, t.since, t.event_id))
    runs = _runs(histories.values())
    stop_run = next((run for run in runs if run[2]), None)
    since: date | None
    if stop_run is not None:
        decision, since = StudyDecision.TERMINATE, stop_run[0]
    elif any(t.rule == "R2" for t in triggers):
        decision = StudyDecision.SUSPEND
        since = next(first for first, last, _ in runs if first <= on <= last)
    else:
        decision, since = StudyDecision.CONTINUE, None

    deaths: dict[str, date] = {}
    for event in known:
        if _died(event):
            day = deaths.get(event.patient_id, event.awareness_date)
            deaths[event.patient_id] = min(day, event.awareness_date)
    stops = _Stops(decision=decision, since=since, deaths=deaths, runs=runs, on=on)
    patients, updated, cancelled, on_hold, deviations = _patients(by_patient, periods, stops)
    current = sorted((h.current.event for h in histories.values()), key=_event_order)
    obligations = [
        o
        for h in histories.values()
        for o in reporting_obligations(
            h.current.event, earlier=h.others, on=on, done=marked, protocol=protocol
        )
    ]
    obligations.sort(key=lambda o: (o.due, o.event_id, o.kind.value))
    return StopRuleEvaluation(
        on=on,
        decision=decision,
        triggers=tuple(triggers),
        since=since,
        patients=patients,
        plans=updated,
        cancelled=cancelled,
        on_hold=on_hold,
        deviations=deviations,
        conflicts=tuple(
            sorted(
                (c for h in histories.values() for c in h.conflicts),
                key=lambda c: (c.awareness_date, c.event_id),
            )
        ),
        reassessed=tuple(reassessed),
        events=tuple(current),
        pre_treatment=tuple(e for e in current if e.onset_date < periods[e.patient_id].start),
        r3_events=tuple(e for e in current if e.is_serious and e.causality in _UNRELATED),
        primary_endpoint_events=tuple(
            e
            for e in current
            if e.is_serious
            and periods[e.patient_id].start <= e.onset_date <= periods[e.patient_id].window_end
        ),
        obligations=tuple(obligations),
        history=tuple((i, h.others) for i, h in histories.items() if h.others),
        ignored=ignored,
        protocol=protocol,
    )


@attrs.frozen
class _Stops:
    """What stops infusions as of ``on``: the study's decision and stop date, the deaths."""

    decision: StudyDecision
    since: date | None
    deaths: Mapping[str, date]
    runs: Sequence[tuple[date, date, bool]]
    on: date

    def stop_date(self, patient_id: str) -> date | None:
        """The date from which *patient_id*'s remaining infusions are cancelled, if any."""
        dates = [self.deaths[patient_id]] if patient_id in self.deaths else []
        if self.decision is StudyDecision.TERMINATE and self.since is not None:
            dates.append(self.since)
        return min(dates, default=None)

    def breached(self, patient_id: str, given: date) -> tuple[str, date] | None:
        """``(cause, stop date)`` of the earliest stop in force on *given*, if any."""
        found: list[tuple[date, str]] = []  # in precedence order: terminate, died, suspend
        since = self.since if self.decision is StudyDecision.TERMINATE else None
        if since is not None and since <= given:
            found.append((since, "terminate"))
        death = self.deaths.get(patient_id)
        if death is not None and death <= given:
            found.append((death, "died"))
        for first, last, _ in self.runs:
            if first <= given <= last:
                found.append((first, "suspend"))
        if not found:
            return None
        day, cause = min(found, key=lambda stop: stop[0])  # the first of the earliest
        return cause, day


def _patients(
    plans: Mapping[str, InfusionPlan], periods: Mapping[str, _Periods], stops: _Stops
) -> tuple[
    tuple[PatientSafety, ...],
    tuple[InfusionPlan, ...],
    tuple[InfusionRef, ...],
    tuple[InfusionRef, ...],
    tuple[Deviation, ...],
]:
    """Status, updated plan, cancelled, held and deviating infusions of each patient (§4.5,
    §6.5, §6.7)."""
    on = stops.on
    statuses: list[PatientSafety] = []
    updated: list[InfusionPlan] = []
    cancelled: list[InfusionRef] = []
    on_hold: list[InfusionRef] = []
    deviations: list[Deviation] = []
    for plan in plans.values():
        new = plan
        stop = stops.stop_date(plan.patient_id)
        if stop is not None and _left_at(plan, stop):
            new = cancel_remaining(plan, stop)
            cancelled.extend(
                InfusionRef(patient_id=plan.patient_id, number=i.number, date=i.date)
                for old, i in zip(plan.infusions, new.infusions, strict=True)
                if (i.cancelled and not old.cancelled) or _given_after_stop(old, stop)
            )
        if plan.patient_id in stops.deaths:
            status = PatientStatus.DIED
        elif new.stopped_on is not None and new.stopped_on <= on:  # the plan's, or set above
            status = PatientStatus.STOPPED
        elif _pending(new, on):
            status = PatientStatus.ACTIVE
            if stops.decision is StudyDecision.SUSPEND:
                on_hold.extend(
                    InfusionRef(patient_id=plan.patient_id, number=i.number, date=i.date)
                    for i in new.infusions
                    if _still_to_give(i, on) and i.window_end >= on
                )
        else:
            status = PatientStatus.COMPLETED
        for infusion in plan.infusions:
            if infusion.given_date is None or infusion.given_date > on:
                continue
            breach = stops.breached(plan.patient_id, infusion.given_date)
            if breach is not None:
                deviations.append(
                    Deviation(
                        patient_id=plan.patient_id,
                        number=infusion.number,
                        date=infusion.date,
                        given_date=infusion.given_date,
                        cause=breach[0],
                        stopped_on=breach[1],
                    )
                )
        updated.append(new)
        statuses.append(
            PatientSafety(
                patient_id=plan.patient_id,
                arm_id=plan.arm_id,
                status=status,
                start=plan.start,
                treatment_period_end=periods[plan.patient_id].end(on),
                safety_window_end=periods[plan.patient_id].window_end,
                stopped_on=new.stopped_on,
            )
        )
    return tuple(statuses), tuple(updated), tuple(cancelled), tuple(on_hold), tuple(deviations)


def _still_to_give(infusion: Infusion, day: date) -> bool:
    """Not cancelled and not given by *day*."""
    return not infusion.cancelled and not _given_by(infusion, day)


def _pending(plan: InfusionPlan, day: date) -> bool:
    """Whether some infusion could still be given on or after *day*."""
    return any(_still_to_give(i, day) and i.window_end >= day for i in plan.infusions)


def _given_after_stop(infusion: Infusion, stop: date) -> bool:
    """Given on or after *stop* although its window was open on it: the stop cancelled it."""
    return infusion.given_date is not None and infusion.given_date >= stop <= infusion.window_end


def _left_at(plan: InfusionPlan, stop: date) -> bool:
    """Whether a stop on *stop* finds an infusion to cancel (§6.7 *v2*).

    One not cancelled, not given before the stop date, whose window had not closed before
    it; one given on the stop date itself counts (given on or after the stop: a deviation).
    """
    return any(
        not i.cancelled and (i.given_date is None or i.given_date >= stop) and i.window_end >= stop
        for i in plan.infusions
    )
