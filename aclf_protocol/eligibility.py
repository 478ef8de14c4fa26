"""Eligibility screening (SPEC §5): criteria I1-I3 and E1-E7 in three-valued logic.

Each criterion comes out MET / NOT_MET (inclusions) or PRESENT / ABSENT (exclusions), or
UNKNOWN, with a sentence naming the facts and values used and the record paths that could
decide it. The criteria are data (``Protocol.criteria``); their numbers (age limits, eligible
ACLF grades, look-back months) are ``Protocol`` fields; the evaluator of each criterion is
found here by its id.

>>> from aclf_protocol.patient import Patient
>>> rj001 = Patient.from_dict({
...     "patient_id": "RJ-001", "birth_date": "1968-05-01", "sex": "male", "weight_kg": "62.5",
...     "chronic_liver_disease": True,
...     "labs": {"bilirubin_mg_dl": 14.2, "creatinine_mg_dl": 1.1, "inr": 2.6, "he_grade": 0,
...              "map_mmhg": 78, "vasopressors": False, "pao2_fio2": 350,
...              "mechanical_ventilation": False, "renal_replacement": False},
...     "history": {"artificial_liver_planned": False, "prior_liver_transplant": False,
...                 "prior_stem_cell_therapy": False, "malignancy": False,
...                 "imaging_suspected_liver_malignancy": False, "tuberculosis": False,
...                 "severe_autoimmune_disease": False,
...                 "severe_cardiopulmonary_insufficiency": False,
...                 "immunosuppressive_therapy": False, "hiv": False,
...                 "substance_addiction": False, "last_drug_trial": "never",
...                 "last_gi_bleeding": "2021-03-02", "last_serious_infection": "never"},
...     "consent": {"signed_by": "patient", "has_capacity": True,
...                 "adult_family_available": True}})
>>> result = check_eligibility(rj001, date(2021, 10, 1))
>>> result.status.value
'eligible'
>>> print(result.criteria["I2"].reason)  # doctest: +NORMALIZE_WHITESPACE
I2 met: chronic liver disease with ACLF grade 2 (liver, coagulation failure);
eligible: ACLF grade 1 or 2
"""

from __future__ import annotations

import enum
import itertools
from calendar import isleap
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any, NamedTuple, TypeAlias

import attrs

from aclf_protocol._validators import (
    require_on,
)
from aclf_protocol.errors import InvalidValueError
from aclf_protocol.interchange import iter_records
from aclf_protocol.patient import Never, Patient, Sex, Signer, age_years
from aclf_protocol.protocol import (
    NCT04822922,
    Criterion,
    CriterionKind,
    Protocol,
    protocol_label,
)
from aclf_protocol.scores import aclf_grade_details, describe_grades, possible_aclf_grades

__all__ = [
    "CriterionResult",
    "EligibilityResult",
    "EligibilityStatus",
    "Outcome",
    "ScreeningSummary",
    "Verdict",
    "check_eligibility",
    "screen",
    "summarise_screening",
]


class EligibilityStatus(enum.Enum):
    """Overall screening status (§5)."""

    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    INCOMPLETE = "incomplete"


class Outcome(enum.Enum):
    """One criterion's outcome: inclusions MET/NOT_MET, exclusions PRESENT/ABSENT (§5)."""

    MET = "met"
    NOT_MET = "not_met"
    PRESENT = "present"
    ABSENT = "absent"
    UNKNOWN = "unknown"


@attrs.frozen(kw_only=True)
class CriterionResult:
    """One criterion evaluated for one patient (§5).

    Attributes:
        criterion: The protocol's criterion (id, kind and the record's words).
        outcome: MET/NOT_MET for inclusions, PRESENT/ABSENT for exclusions, or UNKNOWN.
        reason: A sentence naming the facts and values used, e.g.
            ``"I1 met: age 53 on 2021-10-01 is within 18-70"``.
        missing: Record paths (``"labs.inr"``) of unknown facts that could decide an UNKNOWN
            outcome; empty once decided.
    """

    criterion: Criterion
    outcome: Outcome
    reason: str
    missing: tuple[str, ...] = ()

    @property
    def criterion_id(self) -> str:
        """The SPEC id, ``"I1"`` ... ``"E7"``."""
        return self.criterion.criterion_id

    @property
    def kind(self) -> CriterionKind:
        """Inclusion or exclusion."""
        return self.criterion.kind

    @property
    def text(self) -> str:
        """The trial record's words for the criterion."""
        return self.criterion.text

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible record (enum values, §9)."""
        return {
            "kind": self.kind.value,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "missing": list(self.missing),
            "text": self.text,
        }


@attrs.frozen(kw_only=True, repr=False)
class EligibilityResult:
    """The screening of one patient on one date (§5, §10).

    Every criterion is evaluated once, when the result is made: the status and one verdict
    per criterion (whether it holds, the case of its rule that decided it, the paths that
    could decide it) are stored. The per-criterion results and their reasons are written
    out from those verdicts the first time they are asked for (:attr:`criteria`,
    :attr:`results`, :meth:`to_dict`), so screening a large cohort for counts writes no
    reason at all. The repr names the patient, date and status only, not the whole record
    and protocol.

    Attributes:
        patient: The patient screened.
        on: The screening date.
        protocol: The protocol whose criteria were applied.
        status: ELIGIBLE, INELIGIBLE or INCOMPLETE.
        verdicts: One :class:`Verdict` per criterion, in protocol order: what every view
            is built from.
    """

    patient: Patient = attrs.field(repr=False)
    #: The screening date, the protocol and its look-back windows, computed once per
    #: screening call and shared by its results.
    _screening: _Screening = attrs.field(repr=False)
    status: EligibilityStatus
    verdicts: tuple[Verdict, ...] = attrs.field(repr=False)
    #: The per-criterion results, written out at most once (derived, not part of equality).
    _written: tuple[CriterionResult, ...] | None = attrs.field(
        init=False, default=None, eq=False, repr=False
    )

    def __repr__(self) -> str:
        return (
            f"EligibilityResult(patient_id={self.patient_id!r}, on={self.on!r}, "
            f"status={self.status})"
        )

    @property
    def on(self) -> date:
        """The screening date."""
        return self._screening.on

    @property
    def protocol(self) -> Protocol:
        """The protocol whose criteria were applied."""
        return self._screening.protocol

    @property
    def patient_id(self) -> str:
        """The screened patient's id."""
        return self.patient.patient_id

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        """Each criterion's outcome, in protocol order, without writing out the reasons."""
        return tuple(
            _OUTCOMES[c.kind][v.holds]
            for c, v in zip(self.protocol.criteria, self.verdicts, strict=True)
        )

    @property
    def results(self) -> tuple[CriterionResult, ...]:
        """One :class:`CriterionResult` per criterion, in protocol order, with its reason
        (written out on the first access, then kept)."""
        written = self._written
        if written is None:
            pairs = zip(self.protocol.criteria, self.verdicts, strict=True)
            patient, screening = self.patient, self._screening
            written = tuple(_criterion_result(c, v, patient, screening) for c, v in pairs)
            object.__setattr__(self, "_written", written)  # a memo of derived values
        return written

    @property
    def criteria(self) -> Mapping[str, CriterionResult]:
        """Criterion id -> result, read-only, in protocol order (§10)."""
        return MappingProxyType({r.criterion_id: r for r in self.results})

    @property
    def outcome_by_criterion(self) -> Mapping[str, Outcome]:
        """Criterion id -> outcome, without writing out the reasons."""
        ids = (c.criterion_id for c in self.protocol.criteria)
        return MappingProxyType(dict(zip(ids, self.outcomes, strict=True)))

    @property
    def missing(self) -> tuple[str, ...]:
        """For an INCOMPLETE result, every record path whose knowledge could decide it (the
        union over the UNKNOWN criteria, in protocol order); empty once decided (§5)."""
        if self.status is not EligibilityStatus.INCOMPLETE:
            return ()
        if self._written is not None:  # already written out: the same paths
            return _union(r.missing for r in self._written)
        patient, screening = self.patient, self._screening
        return _union(v.could_decide(patient, screening) for v in self.verdicts)

    @property
    def consent_pending(self) -> bool:
        """Whether the patient waits only for consent (§5 I3 *v2*, pre-screening): INCOMPLETE,
        consent not yet obtained (``consent.signed_by`` null), and every criterion but I3 and
        E7 (who can consent) decided in the patient's favour (D-SCR-CONSENT-PENDING)."""
        return self.status is EligibilityStatus.INCOMPLETE and _waits_for_consent(
            self.protocol.criteria, self.verdicts
        )

    @property
    def reason(self) -> str:
        """The status in one line: what decided it, or what is still open (§5).

        ``"ineligible: I1 not met, E5 present"``, ``"incomplete: I2 unknown"``,
        ``"incomplete: I3 unknown, E7 unknown (consent pending)"``, or
        ``"eligible: every inclusion met, every exclusion absent"``. Each criterion's own
        sentence is in :attr:`criteria`.
        """
        status = self.status
        if status is EligibilityStatus.ELIGIBLE:
            return "eligible: every inclusion met, every exclusion absent"
        wanted: tuple[Outcome, ...] = (Outcome.NOT_MET, Outcome.PRESENT)
        if status is EligibilityStatus.INCOMPLETE:
            wanted = (Outcome.UNKNOWN,)
        decisive = [
            f"{criterion.criterion_id} {_WORDS[outcome]}"
            for criterion, outcome in zip(self.protocol.criteria, self.outcomes, strict=True)
            if outcome in wanted
        ]
        pending = " (consent pending)" if self.consent_pending else ""
        return f"{status.value}: {', '.join(decisive)}{pending}"

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every criterion's reason, in protocol order."""
        return tuple(r.reason for r in self.results)

    def explain(self) -> str:
        """The status, then one line per criterion, for a screening log."""
        head = f"{self.patient_id} on {self.on.isoformat()}: {self.status.value}"
        if self.status is EligibilityStatus.INCOMPLETE:
            head += f" (missing: {', '.join(self.missing)})"
        return "\n".join([head, *self.reasons])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible record: ISO date, enum values, criteria by id (§9); ``"protocol"``
        names the protocol applied, ``{"nct_id": ..., "version": ...}`` (§1 *v2*)."""
        return {
            "patient_id": self.patient_id,
            "on": self.on.isoformat(),
            "protocol": protocol_label(self.protocol),
            "status": self.status.value,
            "consent_pending": self.consent_pending,
            "criteria": {r.criterion_id: r.to_dict() for r in self.results},
            "missing": list(self.missing),
        }


#: The criteria that obtaining consent settles (§5 I3, E7): open while consent is pending.
_CONSENT_CRITERIA = frozenset({"I3", "E7"})


def _waits_for_consent(criteria: tuple[Criterion, ...], verdicts: tuple[Verdict, ...]) -> bool:
    """Of a result that is not INELIGIBLE: consent not yet obtained (I3), and every criterion
    that consent does not settle already decided (§5 I3 *v2*)."""
    pending = False
    for criterion, verdict in zip(criteria, verdicts, strict=True):
        cid = criterion.criterion_id
        if cid == "I3":
            pending = verdict is _I3_PENDING
        elif verdict.holds is None and cid not in _CONSENT_CRITERIA:
            return False
    return pending


def _union(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        seen.update(dict.fromkeys(group))
    return tuple(seen)


def _criterion_result(
    criterion: Criterion, verdict: Verdict, patient: Patient, screening: _Screening
) -> CriterionResult:
    """A criterion's result with its reason, ``"<id> <outcome words>: <facts>"`` (§5)."""
    outcome = _OUTCOMES[criterion.kind][verdict.holds]
    sentence = verdict.sentence(patient, screening)
    return CriterionResult(
        criterion=criterion,
        outcome=outcome,
        reason=f"{criterion.criterion_id} {_WORDS[outcome]}: {sentence}",
        missing=verdict.could_decide(patient, screening),
    )


# --- evaluators ------------------------------------------------------------------------------


class Verdict(NamedTuple):
    """What one criterion's evaluator finds (§5): whether the criterion's condition holds,
    which case of its rule decided it, and the record paths that could decide it.

    The sentence is written only when asked for, from the patient's record, the screening
    (date, protocol, windows) and the verdict's facts: *words* renders them. Most verdicts
    are made once, at import (a case whose sentence reads its values from the record), so
    screening makes almost none per patient.

    Attributes:
        holds: True/False, or None when unknown facts could still decide it.
        words: ``words(patient, screening, *facts)`` gives the facts in words.
        facts: What the record does not say: the case chosen, a window's finding.
        paths: Record paths of unknown facts that could decide it, as far as the evaluator
            named them; empty unless *holds* is None.
        more_paths: ``more_paths(patient, screening, *facts)`` finds the rest of them when
            naming them costs more than deciding (the labs of a still-open ACLF grade).
    """

    holds: bool | None
    words: Callable[..., str]
    facts: tuple[Any, ...] = ()
    paths: tuple[str, ...] = ()
    more_paths: Callable[..., tuple[str, ...]] | None = None

    def sentence(self, patient: Patient, screening: _Screening) -> str:
        """The facts in words (the reason without its ``"<id> <outcome>: "`` head)."""
        return self.words(patient, screening, *self.facts)

    def could_decide(self, patient: Patient, screening: _Screening) -> tuple[str, ...]:
        """Record paths of unknown facts that could decide the criterion (§5)."""
        more = self.more_paths
        if more is None:
            return self.paths
        return self.paths + more(patient, screening, *self.facts)


#: ``_new(Verdict, (holds, words, facts, paths, more_paths))`` makes a verdict from all five
#: fields without the keyword handling of ``Verdict(...)``: the screening hot path makes
#: a few per patient.
_new = tuple.__new__


def _said(_patient: Patient, _s: _Screening, sentence: str) -> str:
    """The words of a verdict whose sentence names no varying fact."""
    return sentence


def _fixed(holds: bool | None, sentence: str, could_decide: tuple[str, ...] = ()) -> Verdict:
    """A verdict whose sentence names no varying fact: made once, at import."""
    return Verdict(holds, _said, (sentence,), could_decide)


class _Screening(NamedTuple):
    """What every patient screened on one date shares: computed once per call, not cached
    (a tuple: one is made per ``check_eligibility`` call). The look-back windows' first days
    are worked out only for an event dated in or near them (most records have none)."""

    on: date
    protocol: Protocol

    @classmethod
    def of(cls, on: date, protocol: Protocol) -> _Screening:
        return _new(cls, (on, protocol))

    @property
    def drug_trial_since(self) -> date:
        """The first day of the E4 drug-trial window (§5)."""
        return _months_before(self.on, self.protocol.drug_trial_lookback_months)

    @property
    def bleeding_infection_since(self) -> date:
        """The first day of the E5 bleeding and infection window (§5)."""
        return _months_before(self.on, self.protocol.bleeding_infection_lookback_months)


def _months_before(on: date, months: int) -> date:
    """``on - relativedelta(months=months)`` without its cost (§5 E4, E5): the same day
    *months* calendar months earlier, or that month's last day if it is shorter.

    >>> _months_before(date(2021, 3, 31), 1), _months_before(date(2020, 5, 31), 3)
    (datetime.date(2021, 2, 28), datetime.date(2020, 2, 29))
    """
    year, month = divmod(on.year * 12 + on.month - 1 - months, 12)
    if year < 1:
        raise InvalidValueError("on", on, "its look-back windows start before year 1 (§0, §5)")
    month += 1
    day = on.day
    if day > _SHORTEST_MONTH:
        day = min(day, _MONTH_DAYS[month - 1] + (month == _FEBRUARY and isleap(year)))
    return date(year, month, day)


#: Days in each month of a common year; every month has at least the shortest's days.
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_SHORTEST_MONTH = min(_MONTH_DAYS)
_FEBRUARY = 2
_LEAP_DAY = 29


#: How a criterion is evaluated: (patient, age in completed years, screening) -> verdict.
_Evaluator: TypeAlias = Callable[[Patient, int, _Screening], Verdict]


def _age_words(patient: Patient, s: _Screening, where: str) -> str:
    age = _age(patient.birth_date, s.on)
    limits = f"{s.protocol.min_age_years}-{s.protocol.max_age_years}"
    return f"age {age} on {s.on.isoformat()} is {where} {limits}"


_I1_WITHIN = Verdict(True, _age_words, ("within",))
_I1_OUTSIDE = Verdict(False, _age_words, ("outside",))


def _i1_age(_patient: Patient, age: int, s: _Screening) -> Verdict:
    """I1: age in completed years on the screening date, limits inclusive (§0, §5)."""
    protocol = s.protocol
    return _I1_WITHIN if protocol.min_age_years <= age <= protocol.max_age_years else _I1_OUTSIDE


def _grade_words(patient: Patient, s: _Screening, disease: str) -> str:
    grade = aclf_grade_details(patient.labs, protocol=s.protocol)
    allowed = describe_grades(s.protocol.eligible_aclf_grades)
    return f"{disease}{grade.reason}; eligible: {allowed}"


def _open_grade_paths(patient: Patient, s: _Screening, _disease: str) -> tuple[str, ...]:
    """The unknown labs that could move a still-open ACLF grade in or out of the eligible
    grades (§5 I2, §7.4)."""
    return aclf_grade_details(patient.labs, protocol=s.protocol).missing


_I2_GRADE = Verdict(False, _grade_words, ("",))
_I2_NO_DISEASE = _fixed(False, "no history of chronic liver disease (chronic_liver_disease: false)")
_I2_MET = Verdict(True, _grade_words, ("chronic liver disease with ",))
_DISEASE = "chronic liver disease; "
_NO_DISEASE_RECORD = "chronic liver disease not recorded; "
#: UNKNOWN, by (disease unrecorded, grade settled within the eligible ones).
_I2_OPEN = MappingProxyType(
    {
        (True, True): Verdict(
            None, _grade_words, (_NO_DISEASE_RECORD,), ("chronic_liver_disease",)
        ),
        (True, False): Verdict(
            None, _grade_words, (_NO_DISEASE_RECORD,), ("chronic_liver_disease",), _open_grade_paths
        ),
        (False, False): Verdict(None, _grade_words, (_DISEASE,), (), _open_grade_paths),
    }
)


def _i2_aclf(patient: Patient, _age: int, s: _Screening) -> Verdict:
    """I2: chronic liver disease and ACLF of an eligible grade, over the possible grades."""
    protocol = s.protocol
    possible = possible_aclf_grades(patient.labs, protocol=protocol)
    allowed = protocol.eligible_aclf_grades
    if possible.isdisjoint(allowed):
        return _I2_GRADE
    disease = patient.chronic_liver_disease
    if disease is False:
        return _I2_NO_DISEASE
    settled = possible <= allowed
    if settled and disease is True:
        return _I2_MET
    return _I2_OPEN[disease is None, settled]


#: §5 I3 *v2*: consent not yet obtained, an unknown: pre-screening gives INCOMPLETE, never
#: INELIGIBLE for a missing signature (counted as consent pending, :class:`ScreeningSummary`).
_I3_PENDING = _fixed(
    None,
    "informed consent not yet obtained (consent.signed_by: null)",
    ("consent.signed_by",),
)
_I3_DECLINED = _fixed(False, "informed consent declined (consent.signed_by: declined)")
_I3_FAMILY = _fixed(True, "informed consent signed by an adult family member")
_I3_NO_CAPACITY = _fixed(
    False,
    "signed by the patient, who cannot make independent judgements "
    "(consent.has_capacity: false), so the signature does not count",
)
_I3_CAPACITY_UNKNOWN = _fixed(
    None,
    "signed by the patient, but capacity is not recorded (consent.has_capacity: "
    "null) and this protocol does not presume it",
    ("consent.has_capacity",),
)
_I3_PATIENT = _fixed(True, "informed consent signed by the patient (capacity confirmed)")
_I3_PATIENT_PRESUMED = _fixed(
    True, "informed consent signed by the patient (capacity not recorded, presumed)"
)


def _i3_consent(patient: Patient, _age: int, s: _Screening) -> Verdict:
    """I3 (§5 *v2*): signed by an adult family member, or by the patient with capacity;
    declined is NOT_MET; not yet obtained, or capacity unknown, is UNKNOWN (unless the
    protocol presumes capacity)."""
    consent = patient.consent
    signer = consent.signed_by
    if signer is None:
        return _I3_PENDING
    if signer is Signer.FAMILY:
        return _I3_FAMILY
    if signer is Signer.DECLINED:
        return _I3_DECLINED
    if consent.has_capacity is False:
        return _I3_NO_CAPACITY
    if consent.has_capacity is None:
        return _I3_PATIENT_PRESUMED if s.protocol.presume_patient_capacity else _I3_CAPACITY_UNKNOWN
    return _I3_PATIENT


#: One yes/no fact of an exclusion: (record path, words when it is present).
_Fact: TypeAlias = tuple[str, str]


@attrs.frozen
class _Flags:
    """The yes/no facts of one exclusion, and its verdict for every combination of their
    values (True/False/None), decided once when the module is loaded: ``verdicts[values]``
    with the values in the order of :attr:`facts`."""

    facts: tuple[_Fact, ...]
    absent: Verdict
    verdicts: Mapping[tuple[bool | None, ...], Verdict]

    @classmethod
    def of(cls, *facts: _Fact, absent: str = "") -> _Flags:
        sentence = absent or "no " + ", no ".join(words for _, words in facts)
        none = _fixed(False, sentence)
        combinations = itertools.product((True, False, None), repeat=len(facts))
        verdicts = {values: _any_fact(facts, values, none) for values in combinations}
        return cls(facts, none, MappingProxyType(verdicts))


def _any_fact(facts: tuple[_Fact, ...], values: tuple[bool | None, ...], none: Verdict) -> Verdict:
    """Holds when any fact is true (§5): PRESENT > UNKNOWN > ABSENT."""
    if True in values:
        return Verdict(True, _present_words, (facts, values))
    if None in values:
        unknown = tuple(
            path for (path, _), value in zip(facts, values, strict=True) if value is None
        )
        return Verdict(None, _unknown_words, (facts, values), unknown)
    return none


def _present_words(
    _patient: Patient, _s: _Screening, facts: tuple[_Fact, ...], values: tuple[bool | None, ...]
) -> str:
    return ", ".join(words for (_, words), value in zip(facts, values, strict=True) if value)


def _unknown_words(
    _patient: Patient, _s: _Screening, facts: tuple[_Fact, ...], values: tuple[bool | None, ...]
) -> str:
    pairs = tuple(zip(facts, values, strict=True))
    named = ", ".join(f"{words} ({path})" for (path, words), value in pairs if value is None)
    absent = [words for (_, words), value in pairs if value is False]
    known = f"; known absent: {', '.join(absent)}" if absent else ""
    return f"not recorded: {named}{known}"


_E1 = _Flags.of(("history.artificial_liver_planned", "artificial liver support planned"))
_E2 = _Flags.of(
    ("history.prior_liver_transplant", "prior liver transplantation"),
    ("history.prior_stem_cell_therapy", "prior stem-cell therapy"),
)
_E3 = _Flags.of(
    ("history.malignancy", "malignant tumour"),
    ("history.imaging_suspected_liver_malignancy", "imaging suggesting a malignant liver mass"),
    ("history.tuberculosis", "tuberculosis"),
)
_E4 = _Flags.of(
    ("history.severe_autoimmune_disease", "severe autoimmune disease"),
    ("history.severe_cardiopulmonary_insufficiency", "severe cardiopulmonary insufficiency"),
    ("labs.renal_replacement", "renal replacement therapy"),
    ("history.immunosuppressive_therapy", "immunosuppressive therapy"),
    ("history.hiv", "HIV infection"),
    ("history.tuberculosis", "tuberculosis"),
    ("history.substance_addiction", "alcohol or drug addiction"),
)
_E6 = _Flags.of(
    ("history.pregnant", "pregnant"),
    ("history.lactating", "lactating"),
    absent="not pregnant, not lactating",
)


def _e1_artificial_liver(patient: Patient, _age: int, _s: _Screening) -> Verdict:
    """E1: artificial liver support treatment planned."""
    return _E1.verdicts[patient.history.artificial_liver_planned,]


def _e2_transplant_or_stem_cells(patient: Patient, _age: int, _s: _Screening) -> Verdict:
    """E2: prior liver transplantation or any prior stem-cell therapy."""
    h = patient.history
    return _E2.verdicts[h.prior_liver_transplant, h.prior_stem_cell_therapy]


def _e3_malignancy(patient: Patient, _age: int, _s: _Screening) -> Verdict:
    """E3: malignancy, imaging suggesting a malignant liver mass, or tuberculosis (also E4)."""
    h = patient.history
    return _E3.verdicts[h.malignancy, h.imaging_suspected_liver_malignancy, h.tuberculosis]


# --- dated facts (E4, E5): whether an event lies in a look-back window, and its wording ------
#: A dated fact's finding: inside the window (True/False/None) and the wording of the case.
_Dated: TypeAlias = tuple[bool | None, str]
_NOT_RECORDED: _Dated = (None, "date of last {event} not recorded ({path})")
_NEVER: _Dated = (False, "no {event} ever")
_AFTER: _Dated = (True, "{event} on {value}, after the screening date: counts as recent")
_WITHIN: _Dated = (True, "{event} on {value}, within {months} before {on} (since {start})")
_BEFORE: _Dated = (False, "no {event} since {start} (last on {value})")


def _dated(value: date | Never | None, on: date, months: int) -> _Dated:
    """Whether a dated event lies in the window of *months* before *on*, boundary days
    included (§5: windows measured back from the screening date as relativedelta does). An
    event dated after the screening date counts as inside the window (§5)."""
    if value is None:
        return _NOT_RECORDED
    if value is Never.NEVER:
        return _NEVER
    if value > on:
        return _AFTER
    return _WITHIN if value >= _months_before(on, months) else _BEFORE


def _months(months: int) -> str:
    return "1 month" if months == 1 else f"{months} months"


#: The record path and the event's name of each dated fact.
_DRUG_TRIAL = ("history.last_drug_trial", "drug trial")
_GI_BLEEDING = ("history.last_gi_bleeding", "GI bleeding")
_SERIOUS_INFECTION = ("history.last_serious_infection", "serious infection")


def _dated_text(
    fact: tuple[str, str], value: date | Never | None, finding: _Dated, on: date, *, months: int,
    start: date,
) -> str:  # fmt: skip
    path, event = fact
    return finding[1].format(
        path=path, event=event, value=value, on=on, start=start, months=_months(months)
    )


def _joined(parts: list[tuple[bool | None, str]]) -> str:
    """The words of one exclusion's facts: the present ones alone if any, else all (§5)."""
    present = [words for holds, words in parts if holds is True]
    return "; ".join(present or [words for _, words in parts])


def _e4_values(patient: Patient) -> tuple[bool | None, ...]:
    """The yes/no facts of E4, in the order of ``_E4`` (renal replacement is the labs' fact)."""
    h = patient.history
    return (
        h.severe_autoimmune_disease,
        h.severe_cardiopulmonary_insufficiency,
        patient.labs.renal_replacement,
        h.immunosuppressive_therapy,
        h.hiv,
        h.tuberculosis,
        h.substance_addiction,
    )


_E4_NONE = _fixed(False, f"{_E4.absent.facts[0]}; no drug trial ever")


def _e4_words(patient: Patient, s: _Screening, flags: Verdict, trial: _Dated) -> str:
    months = s.protocol.drug_trial_lookback_months
    last = patient.history.last_drug_trial
    trial_text = _dated_text(
        _DRUG_TRIAL, last, trial, s.on, months=months, start=s.drug_trial_since
    )
    return _joined([(flags.holds, flags.sentence(patient, s)), (trial[0], trial_text)])


def _e4_comorbidity(patient: Patient, _age: int, s: _Screening) -> Verdict:
    """E4: serious comorbidities, renal replacement (one fact with the kidney score), recent
    drug trial."""
    flags = _E4.verdicts[_e4_values(patient)]
    last = patient.history.last_drug_trial
    trial = _dated(last, s.on, s.protocol.drug_trial_lookback_months)
    if trial is _NEVER and flags is _E4.absent:
        return _E4_NONE
    inside = trial[0]
    if flags.holds is True or inside is True:
        holds: bool | None = True
        missing: tuple[str, ...] = ()
    elif flags.holds is None or inside is None:
        holds = None
        missing = flags.paths + ((_DRUG_TRIAL[0],) if inside is None else ())
    else:
        holds, missing = False, ()
    return _new(Verdict, (holds, _e4_words, (flags, trial), missing, None))


_E5_NONE = _fixed(False, "no GI bleeding ever; no serious infection ever")


def _e5_words(patient: Patient, s: _Screening, bleeding: _Dated, infection: _Dated) -> str:
    h = patient.history
    months = s.protocol.bleeding_infection_lookback_months
    start = s.bleeding_infection_since
    return _joined(
        [
            (
                bleeding[0],
                _dated_text(
                    _GI_BLEEDING, h.last_gi_bleeding, bleeding, s.on, months=months, start=start
                ),
            ),
            (
                infection[0],
                _dated_text(
                    _SERIOUS_INFECTION,
                    h.last_serious_infection,
                    infection,
                    s.on,
                    months=months,
                    start=start,
                ),
            ),
        ]
    )


def _e5_bleeding_or_infection(patient: Patient, _age: int, s: _Screening) -> Verdict:
    """E5: gastrointestinal bleeding or serious infection in the look-back window."""
    h = patient.history
    months = s.protocol.bleeding_infection_lookback_months
    bleeding = _dated(h.last_gi_bleeding, s.on, months)
    infection = _dated(h.last_serious_infection, s.on, months)
    if bleeding is _NEVER and infection is _NEVER:
        return _E5_NONE
    if bleeding[0] is True or infection[0] is True:
        holds: bool | None = True
        missing: tuple[str, ...] = ()
    elif bleeding[0] is None or infection[0] is None:
        holds = None
        missing = ((_GI_BLEEDING[0],) if bleeding[0] is None else ()) + (
            (_SERIOUS_INFECTION[0],) if infection[0] is None else ()
        )
    else:
        holds, missing = False, ()
    return _new(Verdict, (holds, _e5_words, (bleeding, infection), missing, None))


def _pregnancy_words(patient: Patient, _s: _Screening) -> str:
    h = patient.history
    present = [w for w, v in (("pregnant", h.pregnant), ("lactating", h.lactating)) if v is True]
    return f"{' and '.join(present)} (recorded)"


_E6_RECORDED = Verdict(True, _pregnancy_words)
_E6_MALE = _fixed(False, "male patient: pregnancy and lactation do not apply")


def _e6_pregnancy(patient: Patient, _age: int, _s: _Screening) -> Verdict:
    """E6: pregnant or lactating; for a male patient unknowns count as absent (a male
    patient recorded as pregnant or lactating is refused by ``Patient``, §5 *v2*)."""
    if patient.sex is Sex.MALE:
        return _E6_MALE
    h = patient.history
    if h.pregnant is True or h.lactating is True:
        return _E6_RECORDED
    return _E6.verdicts[h.pregnant, h.lactating]


_E7_CAPACITY = _fixed(False, "able to make independent judgements (consent.has_capacity: true)")
_E7_FAMILY = _fixed(False, "a direct adult family member is available to sign")
# A family signature shows a direct adult family member exists (decision D-SCR-E7).
_E7_FAMILY_SIGNED = _fixed(False, "a direct adult family member signed the consent")
_E7_NO_ONE = _fixed(
    True,
    "cannot make independent judgements (consent.has_capacity: false) and no "
    "direct adult family member (consent.adult_family_available: false)",
)


def _not_recorded_words(_patient: Patient, _s: _Screening, paths: tuple[str, ...]) -> str:
    return f"not recorded: {', '.join(paths)}"


def _e7_no_one_to_consent(patient: Patient, _age: int, _s: _Screening) -> Verdict:
    """E7: unable to make independent judgements and no direct adult family member."""
    consent = patient.consent
    capacity = consent.has_capacity
    family = consent.adult_family_available
    if capacity is True:
        return _E7_CAPACITY
    if family is True:
        return _E7_FAMILY
    if consent.signed_by is Signer.FAMILY:
        return _E7_FAMILY_SIGNED
    if capacity is False and family is False:
        return _E7_NO_ONE
    missing = tuple(
        path
        for path, value in (
            ("consent.has_capacity", capacity),
            ("consent.adult_family_available", family),
        )
        if value is None
    )
    return Verdict(None, _not_recorded_words, (missing,), missing)


#: §5: the evaluator of each criterion id. A protocol variant may drop or reorder criteria;
#: an id with no evaluator here is a ProtocolError.
_EVALUATORS: dict[str, _Evaluator] = {
    "I1": _i1_age,
    "I2": _i2_aclf,
    "I3": _i3_consent,
    "E1": _e1_artificial_liver,
    "E2": _e2_transplant_or_stem_cells,
    "E3": _e3_malignancy,
    "E4": _e4_comorbidity,
    "E5": _e5_bleeding_or_infection,
    "E6": _e6_pregnancy,
    "E7": _e7_no_one_to_consent,
}
EVALUATORS: Mapping[str, _Evaluator] = MappingProxyType(_EVALUATORS)

#: Whether a criterion's condition holds -> its outcome, for each kind (§5).
_OUTCOMES: Mapping[CriterionKind, Mapping[bool | None, Outcome]] = MappingProxyType(
    {
        CriterionKind.INCLUSION: {True: Outcome.MET, False: Outcome.NOT_MET, None: Outcome.UNKNOWN},
        CriterionKind.EXCLUSION: {
            True: Outcome.PRESENT,
            False: Outcome.ABSENT,
            None: Outcome.UNKNOWN,
        },
    }
)
_WORDS = {
    Outcome.MET: "met",
    Outcome.NOT_MET: "not met",
    Outcome.PRESENT: "present",
    Outcome.ABSENT: "absent",
    Outcome.UNKNOWN: "unknown",
}
_EXCLUSION = CriterionKind.EXCLUSION

#: Each criterion's evaluator and whether it is an exclusion, in protocol order.
_Plan: TypeAlias = tuple[tuple[_Evaluator, bool], ...]


def _plan(protocol: object) -> _Plan:
    """Each criterion of *protocol* with its evaluator; unknown ids are a ProtocolError."""
    if not isinstance(protocol, Protocol):
        raise InvalidValueError("protocol", protocol, "must be a Protocol (§1)")
    try:
        return tuple(
            [(_EVALUATORS[c.criterion_id], c.kind is _EXCLUSION) for c in protocol.criteria]
        )
    except KeyError as unknown:
        known = ", ".join(EVALUATORS)
        raise InvalidValueError(
            "criteria", unknown.args[0], f"has no evaluator; known criteria are {known} (§5)"
        ) from None


def _age(birth_date: date, on: date) -> int:
    """Completed years on *on* (§0), as :func:`age_years` gives them, without its cost.

    relativedelta's rule differs from plain calendar arithmetic only for a 29 February
    birthday (a year older on 28 February of a non-leap year), so those go to
    :func:`age_years`, as does a birth date after *on* (a ProtocolError, §5).
    """
    if birth_date > on or (birth_date.month == _FEBRUARY and birth_date.day == _LEAP_DAY):
        return age_years(birth_date, on)
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - before_birthday


def _evaluate(patient: object, screening: _Screening, plan: _Plan) -> EligibilityResult:
    """One verdict per criterion and the status (§5): no sentences written (the hot path).

    No ``@exact`` here (§0 *v2*): screening only compares decimals, which no context changes,
    and the scores it reads run under the library's context; ``tests/test_exact.py`` screens
    under hostile contexts to keep it so. The decorator would cost 3 % of ``screen``.
    """
    if not isinstance(patient, Patient):
        raise InvalidValueError("patient", patient, "must be a Patient (§9)")
    age = _age(patient.birth_date, screening.on)
    verdicts: list[Verdict] = []
    append = verdicts.append
    against = unknown = False
    for evaluate, exclusion in plan:
        verdict = evaluate(patient, age, screening)
        append(verdict)
        holds = verdict.holds
        if holds is None:
            unknown = True
        elif holds is exclusion:  # NOT_MET or PRESENT
            against = True
    if against:
        status = EligibilityStatus.INELIGIBLE
    elif unknown:
        status = EligibilityStatus.INCOMPLETE
    else:
        status = EligibilityStatus.ELIGIBLE
    return EligibilityResult(
        patient=patient,
        status=status,
        verdicts=tuple(verdicts),
        screening=screening,
    )


def check_eligibility(
    patient: Patient, on: date, *, protocol: Protocol = NCT04822922
) -> EligibilityResult:
    """Screen one patient on the screening date *on* against every criterion (§5, §10).

    INELIGIBLE if any inclusion is NOT_MET or any exclusion PRESENT; else ELIGIBLE if every
    inclusion is MET and every exclusion ABSENT; else INCOMPLETE, listing in ``.missing`` the
    record paths that could decide it. Unknown facts never make a patient eligible.

    Args:
        patient: The patient record; unknown facts are ``None``.
        on: The screening date: age and look-back windows are measured from it.

    Raises:
        InconsistentRecordError: The birth date is after *on* (§5).
        InvalidValueError: A criterion of *protocol* has no evaluator, or an argument has the
            wrong type.

    >>> from aclf_protocol.patient import Patient, Sex
    >>> p = Patient(patient_id="P-7", birth_date=date(1950, 1, 1), sex=Sex.MALE, weight_kg=70)
    >>> r = check_eligibility(p, date(2021, 10, 1))
    >>> r.status.value, r.criteria["I1"].reason
    ('ineligible', 'I1 not met: age 71 on 2021-10-01 is outside 18-70')
    >>> import attrs
    >>> older = attrs.evolve(NCT04822922, max_age_years=75)
    >>> check_eligibility(p, date(2021, 10, 1), protocol=older).criteria["I1"].outcome
    <Outcome.MET: 'met'>
    """
    plan = _plan(protocol)
    return _evaluate(patient, _Screening.of(require_on(on), protocol), plan)


def screen(
    patients: Iterable[Patient], on: date, *, protocol: Protocol = NCT04822922
) -> Iterator[EligibilityResult]:
    """Screen many patients lazily, one result (carrying ``patient_id``) at a time (§5).

    Memory stays flat however many patients stream through; the protocol and date are checked
    once, when ``screen`` is called.

    >>> from aclf_protocol.patient import Patient, Sex
    >>> people = (Patient(patient_id=f"P-{n}", birth_date=date(1940 + 20 * n, 1, 1),
    ...                   sex=Sex.MALE) for n in range(3))   # no weight: not needed (§9 v2)
    >>> [(r.patient_id, r.status.value) for r in screen(people, date(2021, 10, 1))]
    [('P-0', 'ineligible'), ('P-1', 'incomplete'), ('P-2', 'incomplete')]
    """
    plan = _plan(protocol)
    screening = _Screening.of(require_on(on), protocol)
    items = iter_records(patients, "patients")
    return (_evaluate(patient, screening, plan) for patient in items)


@attrs.frozen(kw_only=True)
class ScreeningSummary:
    """Counts for a screening log and the top of a CONSORT diagram (§5).

    Attributes:
        screened: Patients assessed for eligibility.
        eligible, ineligible, incomplete: Patients per status; the ineligible are the screen
            failures.
        consent_pending: Incomplete patients who wait only for consent (pre-screened on
            clinical facts, ``consent.signed_by`` null: :attr:`EligibilityResult.consent_pending`,
            §5 I3 *v2*). They are counted in ``incomplete`` too, never as screen failures.
        not_meeting_inclusion: Ineligible patients with at least one inclusion NOT_MET.
        meeting_exclusion: Ineligible patients with at least one exclusion PRESENT.
        failed: ``(criterion id, patients)`` for NOT_MET or PRESENT, first-seen order; a
            patient counts under every criterion that fails.
        unknown: ``(criterion id, patients)`` with the criterion UNKNOWN.
        missing_facts: ``(record path, incomplete patients lacking it)``, most frequent first:
            what to chase to finish screening.
        protocols: ``(nct_id, version)`` of each protocol the results were screened under,
            first-seen order: a log may span an amendment, and says so (§1 *v2*,
            D-LABEL-SUMMARY).
    """

    screened: int
    eligible: int
    ineligible: int
    incomplete: int
    consent_pending: int
    not_meeting_inclusion: int
    meeting_exclusion: int
    failed: tuple[tuple[str, int], ...]
    unknown: tuple[tuple[str, int], ...]
    missing_facts: tuple[tuple[str, int], ...]
    protocols: tuple[tuple[str, str], ...] = ()

    @property
    def by_status(self) -> Mapping[EligibilityStatus, int]:
        """Status -> patients."""
        return MappingProxyType(
            {
                EligibilityStatus.ELIGIBLE: self.eligible,
                EligibilityStatus.INELIGIBLE: self.ineligible,
                EligibilityStatus.INCOMPLETE: self.incomplete,
            }
        )

    @property
    def failed_by_criterion(self) -> Mapping[str, int]:
        """Criterion id -> patients for whom it is NOT_MET or PRESENT."""
        return MappingProxyType(dict(self.failed))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible record of every count."""
        return {
            "screened": self.screened,
            "eligible": self.eligible,
            "ineligible": self.ineligible,
            "incomplete": self.incomplete,
            "consent_pending": self.consent_pending,
            "not_meeting_inclusion": self.not_meeting_inclusion,
            "meeting_exclusion": self.meeting_exclusion,
            "failed": dict(self.failed),
            "unknown": dict(self.unknown),
            "missing_facts": dict(self.missing_facts),
            "protocols": [{"nct_id": n, "version": v} for n, v in self.protocols],
        }


def summarise_screening(results: Iterable[EligibilityResult]) -> ScreeningSummary:
    """Count screening results in one pass over *results* (a list or a lazy :func:`screen`).

    >>> from aclf_protocol.patient import Patient, Sex
    >>> people = [Patient(patient_id="A", birth_date=date(1990, 1, 1), sex=Sex.MALE,
    ...                   weight_kg=70)]
    >>> s = summarise_screening(screen(people, date(2021, 10, 1)))
    >>> s.screened, s.incomplete, s.ineligible, s.consent_pending  # I2 open too: not only consent
    (1, 1, 0, 0)
    """
    statuses = dict.fromkeys(EligibilityStatus, 0)
    failed: dict[str, int] = {}
    unknown: dict[str, int] = {}
    missing: dict[str, int] = {}
    protocols: dict[tuple[str, str], None] = {}
    inclusion_failures = exclusion_failures = consent_pending = 0
    for index, result in enumerate(iter_records(results, "results")):
        if not isinstance(result, EligibilityResult):
            raise InvalidValueError(
                f"results[{index}]", result, "must be an EligibilityResult (§5)"
            )
        statuses[result.status] += 1
        protocols[result.protocol.nct_id, result.protocol.version] = None
        failed_inclusion = failed_exclusion = False
        # The verdicts alone: counting writes no sentence (§5).
        for criterion, verdict in zip(result.protocol.criteria, result.verdicts, strict=True):
            cid = criterion.criterion_id
            failed.setdefault(cid, 0)
            unknown.setdefault(cid, 0)
            holds = verdict.holds
            if holds is None:
                unknown[cid] += 1
            elif holds is (criterion.kind is _EXCLUSION):  # NOT_MET or PRESENT
                failed[cid] += 1
                if holds:
                    failed_exclusion = True
                else:
                    failed_inclusion = True
        inclusion_failures += failed_inclusion
        exclusion_failures += failed_exclusion
        consent_pending += result.consent_pending
        for path in result.missing:
            missing[path] = missing.get(path, 0) + 1
    return ScreeningSummary(
        screened=sum(statuses.values()),
        eligible=statuses[EligibilityStatus.ELIGIBLE],
        ineligible=statuses[EligibilityStatus.INELIGIBLE],
        incomplete=statuses[EligibilityStatus.INCOMPLETE],
        consent_pending=consent_pending,
        not_meeting_inclusion=inclusion_failures,
        meeting_exclusion=exclusion_failures,
        failed=tuple(failed.items()),
        unknown=tuple(unknown.items()),
        missing_facts=tuple(sorted(missing.items(), key=lambda item: (-item[1], item[0]))),
        protocols=tuple(protocols),
    )
