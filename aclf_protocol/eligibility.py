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
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any, TypeAlias

import attrs
from dateutil.relativedelta import relativedelta

from aclf_protocol._validators import require_date
from aclf_protocol.errors import InvalidValueError
from aclf_protocol.interchange import iter_records
from aclf_protocol.patient import Never, Patient, Sex, Signer, age_years
from aclf_protocol.protocol import NCT04822922, Criterion, CriterionKind, Protocol
from aclf_protocol.scores import aclf_grade_details, describe_grades, possible_aclf_grades

__all__ = [
    "CriterionResult",
    "EligibilityResult",
    "EligibilityStatus",
    "Outcome",
    "ScreeningSummary",
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


@attrs.frozen(kw_only=True)
class EligibilityResult:
    """The screening of one patient on one date (§5, §10).

    The status and each criterion's outcome are decided when the result is made; the reasons
    and missing paths are written out when asked for (:attr:`criteria`, :attr:`results`,
    :attr:`missing`, :meth:`to_dict`), so screening a large cohort for counts stays cheap.
    Both come from the same facts: the value is immutable and every view is deterministic.

    Attributes:
        patient: The patient screened.
        on: The screening date.
        protocol: The protocol whose criteria were applied.
        status: ELIGIBLE, INELIGIBLE or INCOMPLETE.
        outcomes: Each criterion's outcome, in protocol order.
    """

    patient: Patient
    on: date
    protocol: Protocol
    status: EligibilityStatus
    outcomes: tuple[Outcome, ...]
    #: The look-back windows, computed once per screening call and shared by its results
    #: (derived from ``on`` and ``protocol``, so not part of equality).
    _screening: _Screening | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def patient_id(self) -> str:
        """The screened patient's id."""
        return self.patient.patient_id

    @property
    def results(self) -> tuple[CriterionResult, ...]:
        """One :class:`CriterionResult` per criterion, in protocol order, with its reason."""
        screening = self._screening
        if screening is None or screening.on != self.on or screening.protocol is not self.protocol:
            screening = _Screening.of(self.on, self.protocol)
        return _explain(self.patient, screening)

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
        return _union(r.missing for r in self.results)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every criterion's reason, in protocol order."""
        return tuple(r.reason for r in self.results)

    def explain(self) -> str:
        """The status, then one line per criterion, for a screening log."""
        head = f"{self.patient_id} on {self.on.isoformat()}: {self.status.value}"
        results = self.results
        if self.status is EligibilityStatus.INCOMPLETE:
            head += f" (missing: {', '.join(_union(r.missing for r in results))})"
        return "\n".join([head, *(r.reason for r in results)])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible record: ISO date, enum values, criteria by id (§9)."""
        results = self.results
        incomplete = self.status is EligibilityStatus.INCOMPLETE
        return {
            "patient_id": self.patient_id,
            "on": self.on.isoformat(),
            "protocol": self.protocol.nct_id,
            "status": self.status.value,
            "criteria": {r.criterion_id: r.to_dict() for r in results},
            "missing": list(_union(r.missing for r in results)) if incomplete else [],
        }


def _union(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        seen.update(dict.fromkeys(group))
    return tuple(seen)


# --- evaluators ------------------------------------------------------------------------------
#: What an evaluator finds: whether the criterion's condition holds (True/False/None), the
#: facts in words, and the paths that could decide it when it is None.
_Verdict: TypeAlias = tuple[bool | None, str, tuple[str, ...]]


@attrs.frozen(kw_only=True)
class _Screening:
    """What every patient screened on one date shares: computed once per call, not cached."""

    on: date
    protocol: Protocol
    drug_trial_since: date
    bleeding_infection_since: date

    @classmethod
    def of(cls, on: date, protocol: Protocol) -> _Screening:
        # §5: windows measured back from the screening date with relativedelta.
        return cls(
            on=on,
            protocol=protocol,
            drug_trial_since=on - relativedelta(months=protocol.drug_trial_lookback_months),
            bleeding_infection_since=on
            - relativedelta(months=protocol.bleeding_infection_lookback_months),
        )


#: Whether a criterion's condition holds, the facts in words, and the paths that could decide it.
_Explainer: TypeAlias = Callable[[Patient, int, _Screening], _Verdict]


def _age_limits(protocol: Protocol) -> str:
    return f"{protocol.min_age_years}-{protocol.max_age_years}"


def _i1_age(_patient: Patient, age: int, s: _Screening) -> _Verdict:
    """I1: age in completed years on the screening date, limits inclusive (§0, §5)."""
    inside = s.protocol.min_age_years <= age <= s.protocol.max_age_years
    where = "within" if inside else "outside"
    return inside, f"age {age} on {s.on.isoformat()} is {where} {_age_limits(s.protocol)}", ()


def _i2_aclf(patient: Patient, _age: int, s: _Screening) -> _Verdict:
    """I2: chronic liver disease and ACLF of an eligible grade, over the possible grades."""
    grade = aclf_grade_details(patient.labs, protocol=s.protocol)
    allowed = s.protocol.eligible_aclf_grades
    allowed_text = f"eligible: {describe_grades(allowed)}"
    possible = frozenset(grade.possible_grades)
    if not possible & allowed:
        return False, f"{grade.reason}; {allowed_text}", ()
    disease = patient.chronic_liver_disease
    if disease is False:
        return False, "no history of chronic liver disease (chronic_liver_disease: false)", ()
    settled = possible <= allowed
    if settled and disease is True:
        return True, f"chronic liver disease with {grade.reason}; {allowed_text}", ()
    missing: tuple[str, ...] = ("chronic_liver_disease",) if disease is None else ()
    if not settled:
        missing += grade.missing
    disease_text = (
        "chronic liver disease not recorded" if disease is None else "chronic liver disease"
    )
    return None, f"{disease_text}; {grade.reason}; {allowed_text}", missing


def _i3_consent(patient: Patient, _age: int, s: _Screening) -> _Verdict:
    """I3: signed by the patient (unless known to lack capacity) or an adult family member."""
    consent = patient.consent
    if consent.signed_by is None:
        return False, "informed consent not signed (consent.signed_by: null)", ()
    if consent.signed_by is Signer.FAMILY:
        return True, "informed consent signed by an adult family member", ()
    if consent.has_capacity is False:
        return (
            False,
            (
                "signed by the patient, who cannot make independent judgements "
                "(consent.has_capacity: false), so the signature does not count"
            ),
            (),
        )
    if consent.has_capacity is None and not s.protocol.presume_patient_capacity:
        return (
            None,
            (
                "signed by the patient, but capacity is not recorded (consent.has_capacity: "
                "null) and this protocol does not presume it"
            ),
            ("consent.has_capacity",),
        )
    capacity = "capacity confirmed" if consent.has_capacity else "capacity not recorded"
    return True, f"informed consent signed by the patient ({capacity})", ()


#: One yes/no fact of an exclusion: (record path, words when it is present).
_Fact: TypeAlias = tuple[str, str]


def _flags(facts: tuple[_Fact, ...], values: tuple[bool | None, ...]) -> _Verdict:
    """An exclusion that holds when any fact is true (§5): PRESENT > UNKNOWN > ABSENT."""
    if True not in values and None not in values:
        return False, _absent_text(facts), ()
    present = [words for (_, words), value in zip(facts, values, strict=True) if value is True]
    if present:
        return True, ", ".join(present), ()
    pairs = tuple(zip(facts, values, strict=True))
    unknown = tuple(path for (path, _), value in pairs if value is None)
    if unknown:
        named = ", ".join(f"{words} ({path})" for (path, words), value in pairs if value is None)
        absent = [words for (_, words), value in pairs if value is False]
        known = f"; known absent: {', '.join(absent)}" if absent else ""
        return None, f"not recorded: {named}{known}", unknown
    return False, _absent_text(facts), ()  # pragma: no cover - the fast path above took it


def _absent_text(facts: tuple[_Fact, ...]) -> str:
    return "no " + ", no ".join(words for _, words in facts)


def _months(months: int) -> str:
    return "1 month" if months == 1 else f"{months} months"


def _dated(
    path: str, event: str, value: date | Never | None, on: date, *, months: int, start: date
) -> tuple[bool | None, str]:
    """Whether a dated event lies in the last *months* before *on* (from *start*), boundary
    day included. An event dated after the screening date counts as inside the window (§5).
    """
    if value is None:
        return None, f"date of last {event} not recorded ({path})"
    if value is Never.NEVER:
        return False, f"no {event} ever"
    if value > on:
        return True, f"{event} on {value.isoformat()}, after the screening date: counts as recent"
    if value >= start:
        return True, (
            f"{event} on {value.isoformat()}, within {_months(months)} before "
            f"{on.isoformat()} (since {start.isoformat()})"
        )
    return False, f"no {event} since {start.isoformat()} (last on {value.isoformat()})"


def _combine(flags: _Verdict | None, dated: list[tuple[str, tuple[bool | None, str]]]) -> _Verdict:
    """Join the yes/no facts (if any) and the dated facts of one exclusion into one verdict."""
    present: list[str] = []
    unknown: list[str] = []
    parts: list[str] = []
    if flags is not None:
        holds, text, missing = flags
        (present if holds is True else parts).append(text)
        unknown += missing
    for path, (inside, words) in dated:
        if inside is True:
            present.append(words)
        elif inside is None:
            unknown.append(path)
            parts.append(words)
        else:
            parts.append(words)
    if present:
        return True, "; ".join(present), ()
    if unknown:
        return None, "; ".join(parts), tuple(unknown)
    return False, "; ".join(parts), ()


_E1 = (("history.artificial_liver_planned", "artificial liver support planned"),)
_E2 = (
    ("history.prior_liver_transplant", "prior liver transplantation"),
    ("history.prior_stem_cell_therapy", "prior stem-cell therapy"),
)
_E3 = (
    ("history.malignancy", "malignant tumour"),
    ("history.imaging_suspected_liver_malignancy", "imaging suggesting a malignant liver mass"),
    ("history.tuberculosis", "tuberculosis"),
)
_E4 = (
    ("history.severe_autoimmune_disease", "severe autoimmune disease"),
    ("history.severe_cardiopulmonary_insufficiency", "severe cardiopulmonary insufficiency"),
    ("labs.renal_replacement", "renal replacement therapy"),
    ("history.immunosuppressive_therapy", "immunosuppressive therapy"),
    ("history.hiv", "HIV infection"),
    ("history.tuberculosis", "tuberculosis"),
    ("history.substance_addiction", "alcohol or drug addiction"),
)


def _e1_artificial_liver(patient: Patient, _age: int, _s: _Screening) -> _Verdict:
    """E1: artificial liver support treatment planned."""
    return _flags(_E1, (patient.history.artificial_liver_planned,))


def _e2_transplant_or_stem_cells(patient: Patient, _age: int, _s: _Screening) -> _Verdict:
    """E2: prior liver transplantation or any prior stem-cell therapy."""
    h = patient.history
    return _flags(_E2, (h.prior_liver_transplant, h.prior_stem_cell_therapy))


def _e3_malignancy(patient: Patient, _age: int, _s: _Screening) -> _Verdict:
    """E3: malignancy, imaging suggesting a malignant liver mass, or tuberculosis (also E4)."""
    h = patient.history
    return _flags(_E3, (h.malignancy, h.imaging_suspected_liver_malignancy, h.tuberculosis))


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


def _e4_comorbidity(patient: Patient, _age: int, s: _Screening) -> _Verdict:
    """E4: serious comorbidities, renal replacement (one fact with the kidney score), recent
    drug trial."""
    h = patient.history
    values = _e4_values(patient)
    trial = _dated(
        "history.last_drug_trial",
        "drug trial",
        h.last_drug_trial,
        s.on,
        months=s.protocol.drug_trial_lookback_months,
        start=s.drug_trial_since,
    )
    return _combine(_flags(_E4, values), [("history.last_drug_trial", trial)])


def _e5_bleeding_or_infection(patient: Patient, _age: int, s: _Screening) -> _Verdict:
    """E5: gastrointestinal bleeding or serious infection in the look-back window."""
    h = patient.history
    months = s.protocol.bleeding_infection_lookback_months
    since = s.bleeding_infection_since
    bleeding = _dated(
        "history.last_gi_bleeding", "GI bleeding", h.last_gi_bleeding, s.on, months=months,
        start=since,
    )  # fmt: skip
    infection = _dated(
        "history.last_serious_infection", "serious infection", h.last_serious_infection, s.on,
        months=months, start=since,
    )  # fmt: skip
    return _combine(
        None,
        [("history.last_gi_bleeding", bleeding), ("history.last_serious_infection", infection)],
    )


def _e6_pregnancy(patient: Patient, _age: int, _s: _Screening) -> _Verdict:
    """E6: pregnant or lactating; for a male patient unknowns count as absent."""
    h = patient.history
    present = [w for w, v in (("pregnant", h.pregnant), ("lactating", h.lactating)) if v is True]
    if present:
        return True, f"{' and '.join(present)} (recorded)", ()
    if patient.sex is Sex.MALE:
        return False, "male patient: pregnancy and lactation do not apply", ()
    facts = (("history.pregnant", "pregnant"), ("history.lactating", "lactating"))
    holds, text, missing = _flags(facts, (h.pregnant, h.lactating))
    return holds, text if holds is None else "not pregnant, not lactating", missing


def _e7_no_one_to_consent(patient: Patient, _age: int, _s: _Screening) -> _Verdict:
    """E7: unable to make independent judgements and no direct adult family member."""
    consent = patient.consent
    capacity = consent.has_capacity
    family = consent.adult_family_available
    if capacity is True:
        return False, "able to make independent judgements (consent.has_capacity: true)", ()
    if family is True:
        return False, "a direct adult family member is available to sign", ()
    if consent.signed_by is Signer.FAMILY:
        # A family signature shows a direct adult family member exists (decision D-SCR-E7).
        return False, "a direct adult family member signed the consent", ()
    if capacity is False and family is False:
        return (
            True,
            (
                "cannot make independent judgements (consent.has_capacity: false) and no "
                "direct adult family member (consent.adult_family_available: false)"
            ),
            (),
        )
    missing = tuple(
        path
        for path, value in (
            ("consent.has_capacity", capacity),
            ("consent.adult_family_available", family),
        )
        if value is None
    )
    return None, f"not recorded: {', '.join(missing)}", missing


# --- deciding fast: the same rules without words (the screening hot path) --------------------
#: Whether a criterion's condition holds, and nothing else (True/False/None).
_Decision: TypeAlias = Callable[[Patient, int, _Screening], bool | None]


def _any(values: tuple[bool | None, ...]) -> bool | None:
    """Three-valued OR (§5): true if any is true, unknown if any is unknown, else false."""
    if True in values:
        return True
    return None if None in values else False


def _recent(value: date | Never | None, since: date) -> bool | None:
    """In the window from *since* on; an event after the screening date counts too (§5)."""
    if value is None:
        return None
    if value is Never.NEVER:
        return False
    return value >= since


def _i1_decide(_patient: Patient, age: int, s: _Screening) -> bool:
    return s.protocol.min_age_years <= age <= s.protocol.max_age_years


def _i2_decide(patient: Patient, _age: int, s: _Screening) -> bool | None:
    grades = possible_aclf_grades(patient.labs, protocol=s.protocol)
    allowed = s.protocol.eligible_aclf_grades
    disease = patient.chronic_liver_disease
    if not grades & allowed or disease is False:
        return False
    return True if grades <= allowed and disease is True else None


def _i3_decide(patient: Patient, _age: int, s: _Screening) -> bool | None:
    consent = patient.consent
    if consent.signed_by is None:
        return False
    if consent.signed_by is Signer.FAMILY:
        return True
    if consent.has_capacity is None and not s.protocol.presume_patient_capacity:
        return None
    return consent.has_capacity is not False


def _e1_decide(patient: Patient, _age: int, _s: _Screening) -> bool | None:
    return patient.history.artificial_liver_planned


def _e2_decide(patient: Patient, _age: int, _s: _Screening) -> bool | None:
    h = patient.history
    return _any((h.prior_liver_transplant, h.prior_stem_cell_therapy))


def _e3_decide(patient: Patient, _age: int, _s: _Screening) -> bool | None:
    h = patient.history
    return _any((h.malignancy, h.imaging_suspected_liver_malignancy, h.tuberculosis))


def _e4_decide(patient: Patient, _age: int, s: _Screening) -> bool | None:
    return _any(
        (
            *_e4_values(patient),
            _recent(patient.history.last_drug_trial, s.drug_trial_since),
        )
    )


def _e5_decide(patient: Patient, _age: int, s: _Screening) -> bool | None:
    h = patient.history
    since = s.bleeding_infection_since
    return _any((_recent(h.last_gi_bleeding, since), _recent(h.last_serious_infection, since)))


def _e6_decide(patient: Patient, _age: int, _s: _Screening) -> bool | None:
    h = patient.history
    if h.pregnant is True or h.lactating is True:
        return True
    if patient.sex is Sex.MALE:
        return False
    return _any((h.pregnant, h.lactating))


def _e7_decide(patient: Patient, _age: int, _s: _Screening) -> bool | None:
    c = patient.consent
    if c.has_capacity is True or c.adult_family_available is True or c.signed_by is Signer.FAMILY:
        return False
    return True if c.has_capacity is False and c.adult_family_available is False else None


@attrs.frozen
class Evaluator:
    """How one criterion is evaluated: *decide* gives only whether its condition holds (the
    hot path); *explain* gives the same answer with the facts in words and the missing paths.
    The two must agree on every patient (a law in tests/test_eligibility.py)."""

    decide: _Decision
    explain: _Explainer


#: §5: the evaluator of each criterion id. A protocol variant may drop or reorder criteria;
#: an id with no evaluator here is a ProtocolError.
EVALUATORS: Mapping[str, Evaluator] = MappingProxyType(
    {
        "I1": Evaluator(_i1_decide, _i1_age),
        "I2": Evaluator(_i2_decide, _i2_aclf),
        "I3": Evaluator(_i3_decide, _i3_consent),
        "E1": Evaluator(_e1_decide, _e1_artificial_liver),
        "E2": Evaluator(_e2_decide, _e2_transplant_or_stem_cells),
        "E3": Evaluator(_e3_decide, _e3_malignancy),
        "E4": Evaluator(_e4_decide, _e4_comorbidity),
        "E5": Evaluator(_e5_decide, _e5_bleeding_or_infection),
        "E6": Evaluator(_e6_decide, _e6_pregnancy),
        "E7": Evaluator(_e7_decide, _e7_no_one_to_consent),
    }
)

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

_Plan: TypeAlias = tuple[tuple[Criterion, Evaluator, Mapping[bool | None, Outcome]], ...]


def _plan(protocol: object) -> _Plan:
    """Each criterion of *protocol* with its evaluator; unknown ids are a ProtocolError."""
    if not isinstance(protocol, Protocol):
        raise InvalidValueError("protocol", protocol, "must be a Protocol (§1)")
    plan = []
    for criterion in protocol.criteria:
        evaluator = EVALUATORS.get(criterion.criterion_id)
        if evaluator is None:
            known = ", ".join(EVALUATORS)
            raise InvalidValueError(
                "criteria",
                criterion.criterion_id,
                f"has no evaluator; known criteria are {known} (§5)",
            )
        plan.append((criterion, evaluator, _OUTCOMES[criterion.kind]))
    return tuple(plan)


def _age(birth_date: date, on: date) -> int:
    """Completed years on *on* (§0), as :func:`age_years` gives them, without its cost.

    relativedelta's rule differs from plain calendar arithmetic only for a 29 February
    birthday (a year older on 28 February of a non-leap year), so those go to
    :func:`age_years`, as does a birth date after *on* (a ProtocolError, §5).
    """
    if birth_date > on or (birth_date.month == 2 and birth_date.day == 29):  # noqa: PLR2004
        return age_years(birth_date, on)
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - before_birthday


def _check_on(on: object) -> date:
    return require_date(on, "on")


def _decide(patient: object, screening: _Screening, plan: _Plan) -> EligibilityResult:
    """Outcomes and status only: no sentences, no per-criterion objects (the hot path)."""
    if not isinstance(patient, Patient):
        raise InvalidValueError("patient", patient, "must be a Patient (§9)")
    age = _age(patient.birth_date, screening.on)
    outcomes = []
    against = unknown = False
    for criterion, evaluator, table in plan:
        holds = evaluator.decide(patient, age, screening)
        outcomes.append(table[holds])
        if holds is None:
            unknown = True
        elif holds is (criterion.kind is _EXCLUSION):  # NOT_MET or PRESENT
            against = True
    if against:
        status = EligibilityStatus.INELIGIBLE
    elif unknown:
        status = EligibilityStatus.INCOMPLETE
    else:
        status = EligibilityStatus.ELIGIBLE
    return EligibilityResult(
        patient=patient,
        on=screening.on,
        protocol=screening.protocol,
        status=status,
        outcomes=tuple(outcomes),
        screening=screening,
    )


def _explain(patient: Patient, screening: _Screening) -> tuple[CriterionResult, ...]:
    """Every criterion with its reason and missing paths, from the explaining evaluators."""
    age = _age(patient.birth_date, screening.on)
    results = []
    for criterion, evaluator, table in _plan(screening.protocol):
        holds, text, could_decide = evaluator.explain(patient, age, screening)
        outcome = table[holds]
        results.append(
            CriterionResult(
                criterion=criterion,
                outcome=outcome,
                reason=f"{criterion.criterion_id} {_WORDS[outcome]}: {text}",
                missing=could_decide if holds is None else (),
            )
        )
    return tuple(results)


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
    return _decide(patient, _Screening.of(_check_on(on), protocol), plan)


def screen(
    patients: Iterable[Patient], on: date, *, protocol: Protocol = NCT04822922
) -> Iterator[EligibilityResult]:
    """Screen many patients lazily, one result (carrying ``patient_id``) at a time (§5).

    Memory stays flat however many patients stream through; the protocol and date are checked
    once, when ``screen`` is called.

    >>> from aclf_protocol.patient import Patient, Sex
    >>> people = (Patient(patient_id=f"P-{n}", birth_date=date(1960, 1, 1), sex=Sex.MALE,
    ...                   weight_kg=70) for n in range(3))
    >>> [(r.patient_id, r.status.value) for r in screen(people, date(2021, 10, 1))]
    [('P-0', 'ineligible'), ('P-1', 'ineligible'), ('P-2', 'ineligible')]
    """
    plan = _plan(protocol)
    screening = _Screening.of(_check_on(on), protocol)
    items = iter_records(patients, "patients")
    return (_decide(patient, screening, plan) for patient in items)


@attrs.frozen(kw_only=True)
class ScreeningSummary:
    """Counts for a screening log and the top of a CONSORT diagram (§5).

    Attributes:
        screened: Patients assessed for eligibility.
        eligible, ineligible, incomplete: Patients per status.
        not_meeting_inclusion: Ineligible patients with at least one inclusion NOT_MET.
        meeting_exclusion: Ineligible patients with at least one exclusion PRESENT.
        failed: ``(criterion id, patients)`` for NOT_MET or PRESENT, first-seen order; a
            patient counts under every criterion that fails.
        unknown: ``(criterion id, patients)`` with the criterion UNKNOWN.
        missing_facts: ``(record path, incomplete patients lacking it)``, most frequent first:
            what to chase to finish screening.
    """

    screened: int
    eligible: int
    ineligible: int
    incomplete: int
    not_meeting_inclusion: int
    meeting_exclusion: int
    failed: tuple[tuple[str, int], ...]
    unknown: tuple[tuple[str, int], ...]
    missing_facts: tuple[tuple[str, int], ...]

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
            "not_meeting_inclusion": self.not_meeting_inclusion,
            "meeting_exclusion": self.meeting_exclusion,
            "failed": dict(self.failed),
            "unknown": dict(self.unknown),
            "missing_facts": dict(self.missing_facts),
        }


def summarise_screening(results: Iterable[EligibilityResult]) -> ScreeningSummary:
    """Count screening results in one pass over *results* (a list or a lazy :func:`screen`).

    >>> from aclf_protocol.patient import Patient, Sex
    >>> people = [Patient(patient_id="A", birth_date=date(1990, 1, 1), sex=Sex.MALE,
    ...                   weight_kg=70)]
    >>> s = summarise_screening(screen(people, date(2021, 10, 1)))
    >>> s.screened, s.ineligible, s.failed_by_criterion["I3"]
    (1, 1, 1)
    """
    statuses = dict.fromkeys(EligibilityStatus, 0)
    failed: dict[str, int] = {}
    unknown: dict[str, int] = {}
    missing: dict[str, int] = {}
    inclusion_failures = exclusion_failures = 0
    for index, result in enumerate(iter_records(results, "results")):
        if not isinstance(result, EligibilityResult):
            raise InvalidValueError(
                f"results[{index}]", result, "must be an EligibilityResult (§5)"
            )
        statuses[result.status] += 1
        failed_inclusion = failed_exclusion = False
        for criterion in result.results:
            cid = criterion.criterion_id
            failed.setdefault(cid, 0)
            unknown.setdefault(cid, 0)
            if criterion.outcome is Outcome.NOT_MET:
                failed[cid] += 1
                failed_inclusion = True
            elif criterion.outcome is Outcome.PRESENT:
                failed[cid] += 1
                failed_exclusion = True
            elif criterion.outcome is Outcome.UNKNOWN:
                unknown[cid] += 1
        inclusion_failures += failed_inclusion
        exclusion_failures += failed_exclusion
        for path in result.missing:
            missing[path] = missing.get(path, 0) + 1
    return ScreeningSummary(
        screened=sum(statuses.values()),
        eligible=statuses[EligibilityStatus.ELIGIBLE],
        ineligible=statuses[EligibilityStatus.INELIGIBLE],
        incomplete=statuses[EligibilityStatus.INCOMPLETE],
        not_meeting_inclusion=inclusion_failures,
        meeting_exclusion=exclusion_failures,
        failed=tuple(failed.items()),
        unknown=tuple(unknown.items()),
        missing_facts=tuple(sorted(missing.items(), key=lambda item: (-item[1], item[0]))),
    )
