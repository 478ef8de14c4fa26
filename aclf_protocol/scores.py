"""Liver scores (SPEC §7): organ failures, CLIF-C OF, ACLF grade, CLIF-C ACLF/AD, MELD family.

Every function is pure and reads a patient's :class:`~aclf_protocol.patient.Labs`
(conventional units, ``Decimal``; ``None`` = unknown). Thresholds are compared exactly in
``Decimal`` (§7.1), so 132.6 µmol/L creatinine *is* 1.5 mg/dL. A score that needs an unknown
lab is ``None`` (§7.7); the ACLF grade is reported whenever every completion of the unknown
labs gives the same grade (§7.4), and :func:`possible_aclf_grades` gives the grades still open.

Each score can explain itself: the ``*_details`` functions return frozen values holding every
intermediate figure and the source the formula follows, so a clinician can check it by hand.

>>> from aclf_protocol.patient import Labs
>>> labs = Labs(bilirubin_mg_dl=Decimal("14.2"), creatinine_mg_dl=Decimal("1.1"),
...             inr=Decimal("2.6"), he_grade=0, map_mmhg=Decimal(78), vasopressors=False,
...             pao2_fio2=Decimal(350), mechanical_ventilation=False, renal_replacement=False,
...             wbc_10e9_l=Decimal("8.1"), sodium_mmol_l=Decimal(134))
>>> clif_c_of(labs), aclf_grade(labs), meld(labs), meld_na(labs)
(10, 2, 28, 29)
>>> round(clif_c_aclf(labs, 53), 2)
47.38
>>> aclf_grade(Labs(bilirubin_mg_dl=Decimal(14), creatinine_mg_dl=Decimal("1.7")))
>>> sorted(possible_aclf_grades(Labs(bilirubin_mg_dl=Decimal(14),
...                                  creatinine_mg_dl=Decimal("1.7"))))
[1, 2, 3]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from types import MappingProxyType
from typing import Any, TypeAlias

import attrs

from aclf_protocol.errors import InvalidValueError
from aclf_protocol.patient import Labs, Sex, VentilationReason
from aclf_protocol.protocol import NCT04822922, Protocol

__all__ = [
    "ORGANS",
    "AclfGradeDetails",
    "ClifCOfDetails",
    "OrganScore",
    "ScoreDetails",
    "aclf_grade",
    "aclf_grade_details",
    "clif_c_aclf",
    "clif_c_aclf_details",
    "clif_c_ad",
    "clif_c_ad_details",
    "clif_c_of",
    "clif_c_of_details",
    "describe_grades",
    "meld",
    "meld_3",
    "meld_3_details",
    "meld_details",
    "meld_na",
    "meld_na_details",
    "organ_failures",
    "organ_subscores",
    "possible_aclf_grades",
]

#: §7.2: the six organs of CLIF-C OF, in the order of the published table.
ORGANS = ("liver", "kidney", "brain", "coagulation", "circulation", "respiration")

SOURCE_CLIF_C_OF = (
    "CLIF-C OF: Jalan R et al., J Hepatol 2014;61:1038-47 (SPEC §7.2-§7.3); ACLF grades: "
    "Moreau R et al., Gastroenterology 2013;144:1426-37 (SPEC §7.4)"
)
SOURCE_CLIF_C_ACLF = "CLIF-C ACLF: Jalan R et al., J Hepatol 2014;61:1038-47 (SPEC §7.5)"
SOURCE_CLIF_C_AD = "CLIF-C AD: Jalan R et al., J Hepatol 2015;62:831-40 (SPEC §7.5)"
SOURCE_MELD = "MELD: OPTN/UNOS policy; Kamath PS et al., Hepatology 2001;33:464-70 (SPEC §7.6)"
SOURCE_MELD_NA = (
    "MELD-Na: OPTN Policy 9.1 (January 2016), read literally; Kim WR et al., "
    "N Engl J Med 2008;359:1018-26 (SPEC §7.6)"
)
SOURCE_MELD_NA_UNROUNDED = (
    "MELD-Na, calculator variant without the one-decimal rounding of MELD(i); "
    "Kim WR et al., N Engl J Med 2008;359:1018-26 (SPEC §7.6, clinical-sources C4)"
)
SOURCE_MELD_3 = "MELD 3.0: Kim WR et al., Gastroenterology 2021;161:1887-95 (SPEC §7.6)"

# --- §7.2 cut-offs, conventional units. These define the published scores, not the trial,
# so they live here rather than in Protocol (a variant trial changes criteria, not CLIF-C OF).
_BILI_2 = Decimal(6)
_BILI_3 = Decimal(12)
_CR_DYSFUNCTION = Decimal("1.5")
_CR_2 = Decimal(2)
_CR_3 = Decimal("3.5")
_INR_2 = Decimal(2)
_INR_3 = Decimal("2.5")
_MAP_LOW = Decimal(70)
_PF_1 = Decimal(300)
_PF_3 = Decimal(200)
_SF_1 = Decimal(357)
_SF_3 = Decimal(214)

# --- §7.6 MELD constants (OPTN).
_ONE = Decimal(1)
_TEN = Decimal(10)
_TENTH = Decimal("0.1")
_FOUR_PLACES = Decimal("0.0001")
_MELD_CR_MAX = Decimal(4)
_MELD_CAP = 40
_MELD_NA_THRESHOLD = 11
_NA_LOW = Decimal(125)
_NA_HIGH = Decimal(137)
_MELD3_CR_MAX = Decimal(3)
_ALB_LOW = Decimal("1.5")
_ALB_HIGH = Decimal("3.5")
#: Decimal arithmetic for the logarithmic scores: ln is correctly rounded to 28 digits,
#: independent of the caller's decimal context (no global state).
_CTX = Context(prec=28)

_HE = VentilationReason.HEPATIC_ENCEPHALOPATHY
_RESP = VentilationReason.RESPIRATORY

# --- Abstract organ states (§7.4). For liver, brain, coagulation, circulation and respiration
# a state is the sub-score 1-3. The kidney has four states, because the grade rules also need
# the creatinine band below failure: 0 = Cr < 1.5; 1 = 1.5 <= Cr < 2 (kidney dysfunction);
# 2 = sub-score 2 (failed); 3 = sub-score 3 (failed). An unknown fact yields every state that
# some completion of it could give.
_S1 = frozenset({1})
_S2 = frozenset({2})
_S3 = frozenset({3})
_S12 = frozenset({1, 2})
_S_ANY = frozenset({1, 2, 3})
_K_NORMAL, _K_DYSFUNCTION, _K_FAILED_2, _K_FAILED_3 = 0, 1, 2, 3
_K_ANY = frozenset({0, 1, 2, 3})
_K_ONE = {band: frozenset({band}) for band in range(4)}
_K_OR_RRT = {band: frozenset({band, _K_FAILED_3}) for band in range(4)}
_KIDNEY_SUBSCORE = (1, 1, 2, 3)
_HE_STATE = (_S1, _S2, _S2, _S3, _S3)  # West Haven grade 0..4 -> brain sub-score (§7.2)
_ONE_GRADE = tuple(frozenset({g}) for g in range(4))

Figure: TypeAlias = Decimal | int | float | bool | str | None


def _check_labs(labs: object) -> Labs:
    if not isinstance(labs, Labs):
        raise InvalidValueError("labs", labs, "must be a Labs value (§7, §9)")
    return labs


def _check_protocol(protocol: object) -> None:
    if not isinstance(protocol, Protocol):
        raise InvalidValueError("protocol", protocol, "must be a Protocol (§1)")


def _check_age(age: object) -> int:
    if type(age) is not int or not 0 <= age <= 150:  # noqa: PLR2004 - same bound as Protocol ages
        raise InvalidValueError("age", age, "must be a whole number of years 0-150 (§0)")
    return age


def _half_up(value: Decimal) -> int:
    """Round to an integer, halves away from zero (§7.6; not Python's banker's ``round``)."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def _show(value: Decimal) -> str:
    """A lab value for a sentence: as given, or to 3 places when it has more (SI input)."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -3:  # noqa: PLR2004 - display precision
        return str(value)
    return "≈" + str(value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP, context=_CTX))


# --- organ states (the hot path of screening: comparisons only, no strings) -----------------


def _liver_states(labs: Labs) -> frozenset[int]:
    bili = labs.bilirubin_mg_dl
    if bili is None:
        return _S_ANY
    if bili < _BILI_2:
        return _S1
    return _S2 if bili <= _BILI_3 else _S3  # §7.2: 12 mg/dL scores 2, failure is > 12


def _kidney_band(creatinine: Decimal) -> int:
    if creatinine < _CR_DYSFUNCTION:
        return _K_NORMAL
    if creatinine < _CR_2:
        return _K_DYSFUNCTION
    return _K_FAILED_2 if creatinine < _CR_3 else _K_FAILED_3


def _kidney_states(labs: Labs) -> frozenset[int]:
    rrt = labs.renal_replacement
    if rrt is True:  # §7.2: renal replacement scores 3 whatever the creatinine
        return _K_ONE[_K_FAILED_3]
    creatinine = labs.creatinine_mg_dl
    if creatinine is None:
        return _K_ANY
    band = _kidney_band(creatinine)
    return _K_OR_RRT[band] if rrt is None else _K_ONE[band]


def _brain_states(labs: Labs) -> frozenset[int]:
    he_ventilation = labs.ventilation_reason is _HE
    ventilated = labs.mechanical_ventilation
    if he_ventilation and ventilated is True:  # §7.3: intubated for HE -> brain 3
        return _S3
    grade = labs.he_grade
    states = _S_ANY if grade is None else _HE_STATE[grade]
    return states | _S3 if he_ventilation and ventilated is None else states


def _coagulation_states(labs: Labs) -> frozenset[int]:
    inr = labs.inr
    if inr is None:
        return _S_ANY
    if inr < _INR_2:
        return _S1
    return _S2 if inr < _INR_3 else _S3


def _circulation_states(labs: Labs) -> frozenset[int]:
    vasopressors = labs.vasopressors
    if vasopressors is True:
        return _S3
    pressure = labs.map_mmhg
    if pressure is None:
        states = _S12  # MAP unknown: sub-score 1 or 2, never a failure
    elif pressure >= _MAP_LOW:
        states = _S1
    else:
        states = _S2
    return states | _S3 if vasopressors is None else states


def _ratio_states(labs: Labs) -> frozenset[int]:
    """§5, §7.3: one fact measured two ways; PaO2/FiO2 wins when both are given."""
    pf = labs.pao2_fio2
    if pf is not None:
        if pf > _PF_1:
            return _S1
        return _S2 if pf > _PF_3 else _S3
    sf = labs.spo2_fio2
    if sf is None:
        return _S_ANY
    if sf > _SF_1:
        return _S1
    return _S2 if sf > _SF_3 else _S3


def _respiration_states(labs: Labs) -> frozenset[int]:
    respiratory_ventilation = labs.ventilation_reason is _RESP
    ventilated = labs.mechanical_ventilation
    if respiratory_ventilation and ventilated is True:
        return _S3
    states = _ratio_states(labs)
    return states | _S3 if respiratory_ventilation and ventilated is None else states


def _organ_states(labs: Labs) -> tuple[frozenset[int], ...]:
    return (
        _liver_states(labs),
        _kidney_states(labs),
        _brain_states(labs),
        _coagulation_states(labs),
        _circulation_states(labs),
        _respiration_states(labs),
    )


def _failed(organ_index: int, state: int) -> bool:
    # §7.3: the kidney fails from sub-score 2 (state >= 2), every other organ at sub-score 3.
    return state >= _K_FAILED_2 if organ_index == 1 else state == 3  # noqa: PLR2004


def _subscore(organ_index: int, state: int) -> int:
    return _KIDNEY_SUBSCORE[state] if organ_index == 1 else state


# --- §7.4 grade over the abstract states -------------------------------------------------------


def _grade(other_failures: int, kidney: int, brain: int) -> int:
    """EASL-CLIF grade from: failures among liver/coagulation/circulation/respiration, the
    kidney state (0 normal, 1 dysfunction, 2 failed) and the brain sub-score (1, 2 = HE I-II,
    3 = failed) (§7.4)."""
    kidney_failed = kidney >= _K_FAILED_2
    brain_failed = brain == 3  # noqa: PLR2004
    failures = other_failures + kidney_failed + brain_failed
    if failures >= 3:  # noqa: PLR2004
        return 3
    if failures == 2:  # noqa: PLR2004
        return 2
    if failures == 0:
        return 0
    if kidney_failed:
        return 1  # single kidney failure
    if brain_failed:
        return 1 if kidney == _K_DYSFUNCTION else 0  # single brain failure: Cr 1.5-2.0
    return 1 if kidney == _K_DYSFUNCTION or brain == 2 else 0  # noqa: PLR2004 - HE I-II


def _grades_of(states: tuple[frozenset[int], ...]) -> frozenset[int]:
    """Every grade some completion of the unknown labs gives (§7.4).

    The organs depend on disjoint facts (ventilation feeds the brain only when its reason is
    HE, respiration only when it is respiratory), so every combination of organ states is
    reachable and the set is exact, not just an over-approximation.
    """
    liver, kidney, brain, coagulation, circulation, respiration = states
    if all(len(organ) == 1 for organ in states):  # every fact known: one grade
        (k,) = kidney
        (b,) = brain
        others = sum(organ >= _S3 for organ in (liver, coagulation, circulation, respiration))
        return _ONE_GRADE[_grade(others, min(k, _K_FAILED_2), b)]
    low = high = 0
    for organ in (liver, coagulation, circulation, respiration):
        if 3 in organ:  # noqa: PLR2004
            high += 1
            if len(organ) == 1:
                low += 1
    kidneys = {min(k, _K_FAILED_2) for k in kidney}
    return frozenset(_grade(n, k, b) for n in range(low, high + 1) for k in kidneys for b in brain)


def possible_aclf_grades(labs: Labs, *, protocol: Protocol = NCT04822922) -> frozenset[int]:
    """The ACLF grades (0 = no ACLF, 1-3) that the known labs still allow (§7.4, §5 I2).

    >>> sorted(possible_aclf_grades(Labs()))
    [0, 1, 2, 3]
    >>> sorted(possible_aclf_grades(Labs(bilirubin_mg_dl=Decimal(13), inr=Decimal(3),
    ...                                  creatinine_mg_dl=Decimal(2))))
    [3]
    """
    _check_protocol(protocol)
    return _grades_of(_organ_states(_check_labs(labs)))


def aclf_grade(labs: Labs, *, protocol: Protocol = NCT04822922) -> int | None:
    """EASL-CLIF ACLF grade 0-3, or ``None`` while unknown labs leave it open (§7.4).

    Args:
        labs: The patient's labs; unknown values are ``None``.

    >>> aclf_grade(Labs(bilirubin_mg_dl=Decimal("12.1"), creatinine_mg_dl=Decimal("1.2"),
    ...   renal_replacement=False, inr=Decimal("1.1"), he_grade=0, vasopressors=False,
    ...   pao2_fio2=Decimal(400), mechanical_ventilation=False))   # liver failure alone
    0
    >>> aclf_grade(Labs(bilirubin_mg_dl=Decimal(13), inr=Decimal(3), he_grade=3))
    3
    """
    grades = possible_aclf_grades(labs, protocol=protocol)
    return next(iter(grades)) if len(grades) == 1 else None


def organ_failures(labs: Labs, *, protocol: Protocol = NCT04822922) -> Mapping[str, bool | None]:
    """Organ -> failed (``True``/``False``) or ``None`` when unknown (§7.3), in §7.2 order.

    >>> dict(organ_failures(Labs(creatinine_mg_dl=Decimal(2), renal_replacement=False)))
    ... # doctest: +NORMALIZE_WHITESPACE
    {'liver': None, 'kidney': True, 'brain': None, 'coagulation': None,
     'circulation': None, 'respiration': None}
    """
    _check_protocol(protocol)
    states = _organ_states(_check_labs(labs))
    return MappingProxyType(
        {organ: _failure(index, states[index]) for index, organ in enumerate(ORGANS)}
    )


def organ_subscores(labs: Labs, *, protocol: Protocol = NCT04822922) -> Mapping[str, int | None]:
    """Organ -> CLIF-C OF sub-score 1-3, or ``None`` when unknown (§7.2), in §7.2 order.

    >>> dict(organ_subscores(Labs(bilirubin_mg_dl=Decimal(6), inr=Decimal("2.5"))))
    ... # doctest: +NORMALIZE_WHITESPACE
    {'liver': 2, 'kidney': None, 'brain': None, 'coagulation': 3, 'circulation': None,
     'respiration': None}
    """
    _check_protocol(protocol)
    states = _organ_states(_check_labs(labs))
    return MappingProxyType(
        {organ: _known_subscore(index, states[index]) for index, organ in enumerate(ORGANS)}
    )


def _known_subscore(index: int, states: frozenset[int]) -> int | None:
    subscores = {_subscore(index, s) for s in states}
    return subscores.pop() if len(subscores) == 1 else None


def _failure(index: int, states: frozenset[int]) -> bool | None:
    if len(states) == 1:
        (state,) = states
        return _failed(index, state)
    outcomes = {_failed(index, s) for s in states}
    return outcomes.pop() if len(outcomes) == 1 else None


def clif_c_of(labs: Labs, *, protocol: Protocol = NCT04822922) -> int | None:
    """CLIF-C OF total 6-18, or ``None`` when any organ's sub-score is unknown (§7.2, §7.7).

    >>> clif_c_of(Labs(bilirubin_mg_dl=Decimal(6), creatinine_mg_dl=Decimal("3.5"),
    ...   renal_replacement=False, he_grade=2, inr=Decimal("2.5"), map_mmhg=Decimal(69),
    ...   vasopressors=False, pao2_fio2=Decimal(200), mechanical_ventilation=False))
    15
    """
    total = 0
    for subscore in organ_subscores(labs, protocol=protocol).values():
        if subscore is None:
            return None
        total += subscore
    return total


# --- explanations ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class OrganScore:
    """One organ's CLIF-C OF sub-score and failure, with the facts behind them (§7.2-§7.3).

    Attributes:
        subscore: 1-3, or ``None`` when unknown facts leave it open.
        possible_subscores: Every sub-score the known facts still allow.
        failed: Organ failure per §7.3, or ``None`` when unknown.
        basis: The facts used, in words ("bilirubin 14.2 mg/dL > 12").
        missing: Record paths of unknown facts that could change the sub-score.
    """

    organ: str
    subscore: int | None
    possible_subscores: tuple[int, ...]
    failed: bool | None
    basis: str
    missing: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible record of this organ's score."""
        return {
            "organ": self.organ,
            "subscore": self.subscore,
            "possible_subscores": list(self.possible_subscores),
            "failed": self.failed,
            "basis": self.basis,
            "missing": list(self.missing),
        }


@attrs.frozen(kw_only=True)
class ClifCOfDetails:
    """CLIF-C OF and the EASL-CLIF grade, explained (§7.2-§7.4).

    Attributes:
        organs: One :class:`OrganScore` per organ, in §7.2 order.
        total: CLIF-C OF 6-18, or ``None`` when a sub-score is unknown.
        lowest_total, highest_total: The range the total can still take.
        possible_grades: ACLF grades the known labs allow; ``grade`` is set when it is one.
        kidney_dysfunction: Creatinine 1.5 <= Cr < 2.0 without kidney failure (§7.4).
        grade_basis: The grade in words, naming the failed organs ("ACLF grade 2 (liver,
            coagulation failure)").
        missing: Record paths of unknown facts that could change the total or the grade.
    """

    organs: tuple[OrganScore, ...]
    total: int | None
    lowest_total: int
    highest_total: int
    possible_grades: tuple[int, ...]
    grade: int | None
    kidney_dysfunction: bool | None
    grade_basis: str
    missing: tuple[str, ...]
    source: str = SOURCE_CLIF_C_OF

    @property
    def organ_failures(self) -> Mapping[str, bool | None]:
        """Organ -> failed, as :func:`organ_failures` gives it."""
        return MappingProxyType({o.organ: o.failed for o in self.organs})

    @property
    def failed_organs(self) -> tuple[str, ...]:
        """Organs known to have failed."""
        return tuple(o.organ for o in self.organs if o.failed is True)

    def explain(self) -> str:
        """One line per organ, then the total and the grade, for a clinician to check."""
        lines = [f"{o.organ}: {_subscore_text(o)} ({o.basis})" for o in self.organs]
        total = "unknown" if self.total is None else str(self.total)
        lines.append(
            f"CLIF-C OF {total} (possible {self.lowest_total}-{self.highest_total}); "
            f"{self.grade_basis}"
        )
        lines.append(f"source: {self.source}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible record of every figure."""
        return {
            "organs": [o.to_dict() for o in self.organs],
            "total": self.total,
            "lowest_total": self.lowest_total,
            "highest_total": self.highest_total,
            "possible_grades": list(self.possible_grades),
            "grade": self.grade,
            "kidney_dysfunction": self.kidney_dysfunction,
            "grade_basis": self.grade_basis,
            "missing": list(self.missing),
            "source": self.source,
        }


def _subscore_text(organ: OrganScore) -> str:
    failed = {True: ", failed", False: "", None: ", failure unknown"}[organ.failed]
    if organ.subscore is not None:
        return f"{organ.subscore}{failed}"
    allowed = " or ".join(str(s) for s in organ.possible_subscores)
    return f"{allowed}{failed}"


def _value(value: Decimal | None, name: str, unit: str) -> str:
    if value is None:
        return f"{name} unknown"
    return f"{name} {_show(value)}{unit}"


def _liver_basis(labs: Labs) -> tuple[str, tuple[str, ...]]:
    bili = labs.bilirubin_mg_dl
    if bili is None:
        return "bilirubin unknown", ("labs.bilirubin_mg_dl",)
    band = "< 6" if bili < _BILI_2 else ("6-12" if bili <= _BILI_3 else "> 12")
    return f"bilirubin {_show(bili)} mg/dL {band}", ()


def _kidney_basis(labs: Labs) -> tuple[str, tuple[str, ...]]:
    rrt = labs.renal_replacement
    creatinine = labs.creatinine_mg_dl
    cr_text = _value(creatinine, "creatinine", " mg/dL")
    if rrt is True:
        return f"renal replacement therapy; {cr_text}", ()
    missing: list[str] = []
    if creatinine is None:
        missing.append("labs.creatinine_mg_dl")
    if rrt is None and (creatinine is None or creatinine < _CR_3):
        missing.append("labs.renal_replacement")
    rrt_text = "renal replacement unknown" if rrt is None else "no renal replacement"
    return f"{cr_text}; {rrt_text}", tuple(missing)


def _brain_basis(labs: Labs) -> tuple[str, tuple[str, ...]]:
    he_ventilation = labs.ventilation_reason is _HE
    ventilated = labs.mechanical_ventilation
    if he_ventilation and ventilated is True:
        return "mechanical ventilation for hepatic encephalopathy (§7.3)", ()
    grade = labs.he_grade
    text = "HE grade unknown" if grade is None else f"West Haven HE grade {grade}"
    missing: list[str] = []
    if grade is None:
        missing.append("labs.he_grade")
    if he_ventilation and ventilated is None:
        text += "; ventilation for HE unknown"
        if grade is None or grade < 3:  # noqa: PLR2004
            missing.append("labs.mechanical_ventilation")
    return text, tuple(missing)


def _coagulation_basis(labs: Labs) -> tuple[str, tuple[str, ...]]:
    inr = labs.inr
    if inr is None:
        return "INR unknown", ("labs.inr",)
    band = "< 2.0" if inr < _INR_2 else ("2.0-2.5" if inr < _INR_3 else ">= 2.5")
    return f"INR {_show(inr)} {band}", ()


def _circulation_basis(labs: Labs) -> tuple[str, tuple[str, ...]]:
    vasopressors = labs.vasopressors
    if vasopressors is True:
        return "vasopressors", ()
    missing: list[str] = []
    if vasopressors is None:
        missing.append("labs.vasopressors")
    pressure = labs.map_mmhg
    if pressure is None:
        missing.append("labs.map_mmhg")
    map_text = _value(pressure, "MAP", " mmHg")
    pressor_text = "vasopressors unknown" if vasopressors is None else "no vasopressors"
    return f"{map_text}; {pressor_text}", tuple(missing)


def _respiration_basis(labs: Labs) -> tuple[str, tuple[str, ...]]:
    respiratory_ventilation = labs.ventilation_reason is _RESP
    ventilated = labs.mechanical_ventilation
    if respiratory_ventilation and ventilated is True:
        return "mechanical ventilation", ()
    missing: list[str] = []
    if labs.pao2_fio2 is not None:
        text = f"PaO2/FiO2 {_show(labs.pao2_fio2)}"
        if labs.spo2_fio2 is not None:
            text += " (wins over SpO2/FiO2)"
    elif labs.spo2_fio2 is not None:
        text = f"SpO2/FiO2 {_show(labs.spo2_fio2)} (no PaO2/FiO2)"
    else:
        text = "PaO2/FiO2 and SpO2/FiO2 unknown"
        missing += ["labs.pao2_fio2", "labs.spo2_fio2"]
    if ventilated is True:
        text += "; ventilated for HE, scored from the ratio (§7.3)"
    elif respiratory_ventilation and ventilated is None:
        text += "; mechanical ventilation unknown"
        if _ratio_states(labs) != _S3:
            missing.append("labs.mechanical_ventilation")
    return text, tuple(missing)


_BASIS_FUNCTIONS = (
    _liver_basis,
    _kidney_basis,
    _brain_basis,
    _coagulation_basis,
    _circulation_basis,
    _respiration_basis,
)

#: Facts that change a sub-score but never a failure or the grade (§7.4): MAP.
_SUBSCORE_ONLY = frozenset({"labs.map_mmhg"})


def _or_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def describe_grades(grades: Iterable[int]) -> str:
    """ACLF grades in words (§7.4): ``"no ACLF"``, ``"ACLF grade 1 or 2"``.

    >>> describe_grades({2, 1})
    'ACLF grade 1 or 2'
    >>> describe_grades({3, 0, 1, 2})
    'no ACLF or ACLF grade 1, 2 or 3'
    """
    ordered = sorted(grades)
    acute = [str(g) for g in ordered if g > 0]
    text = f"ACLF grade {_or_list(acute)}" if acute else ""
    if ordered and ordered[0] == 0:
        return f"no ACLF or {text}" if text else "no ACLF"
    return text


def _single_failure_context(labs: Labs, kidney_states: frozenset[int]) -> str:
    """Creatinine and HE, which decide the grade of a single failure (§7.4)."""
    creatinine = labs.creatinine_mg_dl
    if labs.renal_replacement is None and creatinine is not None and creatinine < _CR_2:
        cr_text = f"creatinine {_show(creatinine)} mg/dL, renal replacement unknown"
    elif creatinine is None:
        cr_text = "creatinine unknown"
    elif _K_DYSFUNCTION in kidney_states:
        cr_text = f"creatinine {_show(creatinine)} mg/dL (1.5-2.0)"
    else:
        cr_text = f"creatinine {_show(creatinine)} mg/dL (< 1.5)"
    grade = labs.he_grade
    he_text = "HE unknown" if grade is None else ("no HE" if grade == 0 else f"HE grade {grade}")
    return f"{cr_text}, {he_text}"


def _grade_basis(
    labs: Labs,
    states: tuple[frozenset[int], ...],
    grades: frozenset[int],
    failed: list[str],
    missing: tuple[str, ...],
) -> str:
    failures = f"{', '.join(failed)} failure" if failed else "no organ failure"
    if len(grades) == 1:
        grade = next(iter(grades))
        head = "no ACLF" if grade == 0 else f"ACLF grade {grade}"
        if len(failed) == 1 and failed[0] != "kidney" and grade <= 1:
            return f"{head} ({failures} alone; {_single_failure_context(labs, states[1])})"
        return f"{head} ({failures})"
    known = f"known: {failures}" if failed else "no failure known yet"
    return (
        f"{describe_grades(grades)} still possible ({known}; not yet known: {', '.join(missing)})"
    )


def clif_c_of_details(labs: Labs, *, protocol: Protocol = NCT04822922) -> ClifCOfDetails:
    """CLIF-C OF, organ failures and the ACLF grade with every figure behind them (§7.2-§7.4).

    >>> d = clif_c_of_details(Labs(bilirubin_mg_dl=Decimal("14.2"), inr=Decimal("2.6"),
    ...   creatinine_mg_dl=Decimal("1.1"), renal_replacement=False, he_grade=0,
    ...   map_mmhg=Decimal(78), vasopressors=False, pao2_fio2=Decimal(350),
    ...   mechanical_ventilation=False))
    >>> print(d.explain())
    liver: 3, failed (bilirubin 14.2 mg/dL > 12)
    kidney: 1 (creatinine 1.1 mg/dL; no renal replacement)
    brain: 1 (West Haven HE grade 0)
    coagulation: 3, failed (INR 2.6 >= 2.5)
    circulation: 1 (MAP 78 mmHg; no vasopressors)
    respiration: 1 (PaO2/FiO2 350)
    CLIF-C OF 10 (possible 10-10); ACLF grade 2 (liver, coagulation failure)
    source: CLIF-C OF: Jalan R et al., J Hepatol 2014;61:1038-47 ...
    """
    _check_protocol(protocol)
    states = _organ_states(_check_labs(labs))
    organs: list[OrganScore] = []
    missing: list[str] = []
    for index, organ in enumerate(ORGANS):
        subscores = sorted({_subscore(index, s) for s in states[index]})
        basis, organ_missing = _BASIS_FUNCTIONS[index](labs)
        organs.append(
            OrganScore(
                organ=organ,
                subscore=subscores[0] if len(subscores) == 1 else None,
                possible_subscores=tuple(subscores),
                failed=_failure(index, states[index]),
                basis=basis,
                missing=organ_missing if len(subscores) > 1 else (),
            )
        )
        if len(subscores) > 1:
            missing += [m for m in organ_missing if m not in missing]
    grades = _grades_of(states)
    failed = [o.organ for o in organs if o.failed is True]
    kidney_reduced = {min(k, _K_FAILED_2) for k in states[1]}
    dysfunction = (
        kidney_reduced == {_K_DYSFUNCTION}
        if len(kidney_reduced) == 1
        else (None if _K_DYSFUNCTION in kidney_reduced else False)
    )
    known = [o.subscore for o in organs]
    lowest = sum(o.possible_subscores[0] for o in organs)
    highest = sum(o.possible_subscores[-1] for o in organs)
    return ClifCOfDetails(
        organs=tuple(organs),
        total=None if None in known else lowest,
        lowest_total=lowest,
        highest_total=highest,
        possible_grades=tuple(sorted(grades)),
        grade=next(iter(grades)) if len(grades) == 1 else None,
        kidney_dysfunction=dysfunction,
        grade_basis=_grade_basis(
            labs, states, grades, failed, () if len(grades) == 1 else _grade_missing(labs, states)
        ),
        missing=tuple(missing),
    )


@attrs.frozen(kw_only=True)
class AclfGradeDetails:
    """The EASL-CLIF grade and why (§7.4); lighter than :class:`ClifCOfDetails`.

    Attributes:
        possible_grades: Grades the known labs still allow (0 = no ACLF).
        grade: The grade when only one is possible, else ``None``.
        failed_organs: Organs known to have failed.
        basis: The grade in words ("ACLF grade 2 (liver, coagulation failure)").
        missing: Record paths of unknown facts that could narrow the grades (empty once
            decided).
    """

    possible_grades: tuple[int, ...]
    grade: int | None
    failed_organs: tuple[str, ...]
    basis: str
    missing: tuple[str, ...]
    source: str = SOURCE_CLIF_C_OF

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible record of the grade."""
        return {
            "possible_grades": list(self.possible_grades),
            "grade": self.grade,
            "failed_organs": list(self.failed_organs),
            "basis": self.basis,
            "missing": list(self.missing),
            "source": self.source,
        }


def aclf_grade_details(labs: Labs, *, protocol: Protocol = NCT04822922) -> AclfGradeDetails:
    """The ACLF grade with the failed organs, the rule applied and what is missing (§7.4).

    >>> d = aclf_grade_details(Labs(bilirubin_mg_dl=Decimal(14), creatinine_mg_dl=Decimal("1.7"),
    ...                             renal_replacement=False))
    >>> d.possible_grades
    (1, 2, 3)
    >>> print(d.basis)
    ACLF grade 1, 2 or 3 still possible (known: liver failure; not yet known: labs.he_grade,
    labs.inr, labs.vasopressors, labs.pao2_fio2, labs.spo2_fio2, labs.mechanical_ventilation)
    """
    _check_protocol(protocol)
    states = _organ_states(_check_labs(labs))
    grades = _grades_of(states)
    failed = [organ for index, organ in enumerate(ORGANS) if _failure(index, states[index]) is True]
    missing = () if len(grades) == 1 else _grade_missing(labs, states)
    return AclfGradeDetails(
        possible_grades=tuple(sorted(grades)),
        grade=next(iter(grades)) if len(grades) == 1 else None,
        failed_organs=tuple(failed),
        basis=_grade_basis(labs, states, grades, failed, missing),
        missing=missing,
    )


def _grade_missing(labs: Labs, states: tuple[frozenset[int], ...]) -> tuple[str, ...]:
    """Unknown facts that could change the ACLF grade (for §5 I2's ``missing``).

    Only organs whose failure (or, for the kidney, creatinine band; for the brain, HE band) is
    still open contribute; MAP never decides a failure.
    """
    missing: list[str] = []
    for index, organ_states in enumerate(states):
        if index == 1:
            reduced = {min(k, _K_FAILED_2) for k in organ_states}
        elif index == 2:  # noqa: PLR2004 - the brain: its sub-score is the grade feature
            reduced = set(organ_states)
        else:
            reduced = {s == 3 for s in organ_states}  # noqa: PLR2004
        if len(reduced) > 1:
            _, organ_missing = _BASIS_FUNCTIONS[index](labs)
            missing += [m for m in organ_missing if m not in _SUBSCORE_ONLY and m not in missing]
    return tuple(missing)


# --- figures for the formula scores --------------------------------------------------------


@attrs.frozen(kw_only=True)
class ScoreDetails:
    """A formula score with every intermediate figure, in the order it is computed (§7.5-§7.6).

    Attributes:
        score: The score's name ("MELD", "MELD-Na", "CLIF-C ACLF", ...).
        value: The result, or ``None`` when a needed fact is unknown.
        steps: ``(name, figure)`` pairs: inputs, bounded inputs, terms, sums. Logarithmic
            terms are shown to 4 decimal places; the computation keeps 28 digits.
        missing: Record paths of unknown facts the score needs.
    """

    score: str
    value: int | float | None
    steps: tuple[tuple[str, Figure], ...]
    missing: tuple[str, ...]
    source: str

    @property
    def figures(self) -> Mapping[str, Figure]:
        """The steps as a read-only mapping, name -> figure."""
        return MappingProxyType(dict(self.steps))

    def explain(self) -> str:
        """One ``name = figure`` line per step, then the result and its source."""
        lines = [f"{name} = {_figure_text(value)}" for name, value in self.steps]
        result = "unknown" if self.value is None else str(self.value)
        lines.append(f"{self.score} = {result}")
        if self.missing:
            lines.append(f"missing: {', '.join(self.missing)}")
        lines.append(f"source: {self.source}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible: decimals as strings (lossless), other figures as they are (§9)."""
        return {
            "score": self.score,
            "value": self.value,
            "steps": {name: _figure_json(value) for name, value in self.steps},
            "missing": list(self.missing),
            "source": self.source,
        }


def _figure_text(value: Figure) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _figure_json(value: Figure) -> Figure:
    return str(value) if isinstance(value, Decimal) else value


def _ln(value: Decimal) -> Decimal:
    return _CTX.ln(value)


def _term(coefficient: str, log: Decimal, *, negate: bool = False) -> Decimal:
    product = _CTX.multiply(Decimal(coefficient), log)
    return _CTX.minus(product) if negate else product


def _shown(value: Decimal) -> Decimal:
    return value.quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP, context=_CTX)


def _floor_one(value: Decimal) -> Decimal:
    return max(value, _ONE)


def _bounded_creatinine(labs: Labs, cap: Decimal) -> tuple[Decimal | None, str, tuple[str, ...]]:
    """Creatinine as the MELD formulas use it: >= 1.0, <= *cap*, *cap* on renal replacement."""
    creatinine = labs.creatinine_mg_dl
    rrt = labs.renal_replacement
    if rrt is True:
        return cap, f"renal replacement: set to {cap}", ()
    if creatinine is not None and creatinine >= cap:
        return cap, f"{creatinine} >= {cap}: set to {cap}", ()
    if creatinine is None or rrt is None:
        missing: tuple[str, ...] = ("labs.creatinine_mg_dl",) if creatinine is None else ()
        if rrt is None:  # renal replacement would set creatinine to the cap
            missing += ("labs.renal_replacement",)
        return None, "unknown", missing
    if creatinine < _ONE:
        return _ONE, f"{creatinine} < 1.0: set to 1.0", ()
    return creatinine, "as measured", ()


def _meld_inner(labs: Labs) -> tuple[Decimal | None, list[tuple[str, Figure]], list[str]]:
    """OPTN MELD(i) inner sum 0.957 ln Cr + 0.378 ln bili + 1.120 ln INR + 0.643 (§7.6)."""
    creatinine, cr_rule, missing_cr = _bounded_creatinine(labs, _MELD_CR_MAX)
    missing = list(missing_cr)
    if labs.bilirubin_mg_dl is None:
        missing.append("labs.bilirubin_mg_dl")
    if labs.inr is None:
        missing.append("labs.inr")
    steps: list[tuple[str, Figure]] = [
        ("creatinine_mg_dl", labs.creatinine_mg_dl),
        ("renal_replacement", labs.renal_replacement),
        ("bilirubin_mg_dl", labs.bilirubin_mg_dl),
        ("inr", labs.inr),
        ("creatinine_used", creatinine),
        ("creatinine_rule", cr_rule),
    ]
    if missing or creatinine is None or labs.bilirubin_mg_dl is None or labs.inr is None:
        return None, steps, missing
    bili = _floor_one(labs.bilirubin_mg_dl)
    inr = _floor_one(labs.inr)
    cr_term = _term("0.957", _ln(creatinine))
    bili_term = _term("0.378", _ln(bili))
    inr_term = _term("1.120", _ln(inr))
    inner = _CTX.add(_CTX.add(_CTX.add(cr_term, bili_term), inr_term), Decimal("0.643"))
    steps += [
        ("bilirubin_used", bili),
        ("inr_used", inr),
        ("0.957 x ln(creatinine)", _shown(cr_term)),
        ("0.378 x ln(bilirubin)", _shown(bili_term)),
        ("1.120 x ln(INR)", _shown(inr_term)),
        ("MELD(i) sum (+ 0.643)", _shown(inner)),
    ]
    return inner, steps, missing


def _meld_i(inner: Decimal) -> int:
    """OPTN: round the sum to the tenth, then multiply by 10 (§7.6) - an integer."""
    return int(_CTX.multiply(inner.quantize(_TENTH, rounding=ROUND_HALF_UP, context=_CTX), _TEN))


def meld_details(labs: Labs, *, protocol: Protocol = NCT04822922) -> ScoreDetails:
    """MELD (OPTN) with its bounded inputs, log terms and rounding (§7.6).

    >>> print(meld_details(Labs(bilirubin_mg_dl=Decimal("1.9"), inr=Decimal("1.2"),
    ...       creatinine_mg_dl=Decimal("1.3"), renal_replacement=False)).explain())
    creatinine_mg_dl = 1.3
    renal_replacement = no
    bilirubin_mg_dl = 1.9
    inr = 1.2
    creatinine_used = 1.3
    creatinine_rule = as measured
    bilirubin_used = 1.9
    inr_used = 1.2
    0.957 x ln(creatinine) = 0.2511
    0.378 x ln(bilirubin) = 0.2426
    1.120 x ln(INR) = 0.2042
    MELD(i) sum (+ 0.643) = 1.3409
    MELD(i) = round to 0.1, x 10 = 13
    MELD = 13
    source: MELD: OPTN/UNOS policy; ...
    """
    _check_protocol(protocol)
    inner, steps, missing = _meld_inner(_check_labs(labs))
    if inner is None:
        return ScoreDetails(
            score="MELD", value=None, steps=tuple(steps), missing=tuple(missing),
            source=SOURCE_MELD,
        )  # fmt: skip
    meld_i = _meld_i(inner)
    steps += [("MELD(i) = round to 0.1, x 10", meld_i)]
    if meld_i > _MELD_CAP:
        steps.append(("cap", f"{meld_i} > 40: capped at 40"))
    return ScoreDetails(
        score="MELD", value=min(meld_i, _MELD_CAP), steps=tuple(steps), missing=(),
        source=SOURCE_MELD,
    )  # fmt: skip


def meld(labs: Labs, *, protocol: Protocol = NCT04822922) -> int | None:
    """MELD (OPTN): 10 x (0.957 ln Cr + 0.378 ln bili + 1.120 ln INR + 0.643), 6-40 (§7.6).

    Bilirubin, INR and creatinine below 1.0 count as 1.0; creatinine above 4.0, or renal
    replacement, counts as 4.0; the result is rounded half up and capped at 40. ``None`` when a
    needed fact is unknown (renal replacement unknown with creatinine < 4 included).

    >>> meld(Labs(bilirubin_mg_dl=Decimal("3.59"), inr=Decimal("1.99"),
    ...           creatinine_mg_dl=Decimal("1.3"), renal_replacement=False))
    21
    >>> meld(Labs(bilirubin_mg_dl=Decimal("3.59"), inr=Decimal("1.99"),
    ...           creatinine_mg_dl=Decimal("1.3")))    # renal replacement unknown
    """
    value = meld_details(labs, protocol=protocol).value
    return None if value is None else int(value)


def meld_na_details(
    labs: Labs, *, unrounded: bool = False, protocol: Protocol = NCT04822922
) -> ScoreDetails:
    """MELD-Na (OPTN 2016) with MELD(i), bounded sodium and the sodium term (§7.6).

    Args:
        unrounded: ``False`` (default) reads the OPTN policy literally: MELD(i) is the sum
            rounded to one decimal, times 10. ``True`` gives the calculator variant that uses
            the unrounded 10 x sum (docs/protocol.md §7.6); it can differ by up to 9 points.

    >>> labs = Labs(bilirubin_mg_dl=Decimal(1), inr=Decimal("1.51"), sodium_mmol_l=Decimal(128),
    ...             creatinine_mg_dl=Decimal(1), renal_replacement=False)
    >>> meld_na_details(labs).value, meld_na_details(labs, unrounded=True).value
    (11, 20)
    """
    _check_protocol(protocol)
    inner, steps, missing = _meld_inner(_check_labs(labs))
    source = SOURCE_MELD_NA_UNROUNDED if unrounded else SOURCE_MELD_NA
    sodium = labs.sodium_mmol_l
    steps.insert(4, ("sodium_mmol_l", sodium))
    if inner is None:
        return ScoreDetails(
            score="MELD-Na", value=None, steps=tuple(steps), missing=tuple(missing), source=source
        )
    meld_i: Decimal
    if unrounded:
        meld_i = _CTX.multiply(inner, _TEN)
        steps.append(("MELD(i) = 10 x sum, unrounded", _shown(meld_i)))
    else:
        meld_i = Decimal(_meld_i(inner))
        steps.append(("MELD(i) = round to 0.1, x 10", int(meld_i)))
    if meld_i <= _MELD_NA_THRESHOLD:
        steps.append(("sodium term", "MELD(i) <= 11: not applied"))
        value = _half_up(meld_i)
        steps.append(("MELD-Na = round half up", value))
        return ScoreDetails(score="MELD-Na", value=value, steps=tuple(steps), missing=(),
                            source=source)  # fmt: skip
    if sodium is None:
        return ScoreDetails(
            score="MELD-Na", value=None, steps=tuple(steps), missing=("labs.sodium_mmol_l",),
            source=source,
        )  # fmt: skip
    bounded = min(max(sodium, _NA_LOW), _NA_HIGH)
    deficit = _CTX.subtract(_NA_HIGH, bounded)
    # Exact in Decimal: 1.32 x (137 - Na) - 0.033 x MELD(i) x (137 - Na).
    raw = _CTX.add(
        meld_i,
        _CTX.subtract(
            _CTX.multiply(Decimal("1.32"), deficit),
            _CTX.multiply(_CTX.multiply(Decimal("0.033"), meld_i), deficit),
        ),
    )
    value = _half_up(raw)
    steps += [
        ("sodium_used (125-137)", bounded),
        ("137 - sodium", deficit),
        ("MELD(i) + 1.32 x (137 - Na) - 0.033 x MELD(i) x (137 - Na)", _shown(raw)),
        ("MELD-Na = round half up", value),
    ]
    if value > _MELD_CAP:
        steps.append(("cap", f"{value} > 40: capped at 40"))
    return ScoreDetails(
        score="MELD-Na", value=min(value, _MELD_CAP), steps=tuple(steps), missing=(),
        source=source,
    )  # fmt: skip


def meld_na(labs: Labs, *, unrounded: bool = False, protocol: Protocol = NCT04822922) -> int | None:
    """MELD-Na (OPTN policy 2016, read literally; §7.6), or ``None`` if a needed fact is unknown.

    If MELD(i) > 11: MELD(i) + 1.32 x (137 - Na) - 0.033 x MELD(i) x (137 - Na), sodium bounded
    to 125-137, rounded half up, capped at 40; otherwise MELD(i), and sodium is not needed.
    ``unrounded=True`` selects the calculator variant (see :func:`meld_na_details`).

    >>> meld_na(Labs(bilirubin_mg_dl=Decimal("1.5"), inr=Decimal("1.5"), renal_replacement=False,
    ...              creatinine_mg_dl=Decimal(1), sodium_mmol_l=Decimal(135)))
    15
    """
    value = meld_na_details(labs, unrounded=unrounded, protocol=protocol).value
    return None if value is None else int(value)


def meld_3_details(
    labs: Labs, sex: Sex | None, *, protocol: Protocol = NCT04822922
) -> ScoreDetails:
    """MELD 3.0 (Kim 2021) with bounded inputs and every term (§7.6).

    MELD 3.0 = 1.33 (female) + 4.56 ln bili + 0.82 (137 - Na) - 0.24 (137 - Na) ln bili
    + 9.09 ln INR + 11.14 ln Cr + 1.85 (3.5 - alb) - 1.83 (3.5 - alb) ln Cr + 6, with bili, INR,
    Cr >= 1.0; Cr <= 3.0 (3.0 on renal replacement); Na 125-137; albumin 1.5-3.5 g/dL; rounded
    half up; capped at 40 as OPTN allocation does (docs/protocol.md §7.6).
    """
    _check_protocol(protocol)
    _check_labs(labs)
    if sex is not None and not isinstance(sex, Sex):
        raise InvalidValueError("sex", sex, "must be a Sex or None (§9)")
    creatinine, cr_rule, missing_cr = _bounded_creatinine(labs, _MELD3_CR_MAX)
    missing = list(missing_cr)
    wanted = (
        ("labs.bilirubin_mg_dl", labs.bilirubin_mg_dl),
        ("labs.inr", labs.inr),
        ("labs.sodium_mmol_l", labs.sodium_mmol_l),
        ("labs.albumin_g_dl", labs.albumin_g_dl),
        ("sex", sex),
    )
    missing += [path for path, value in wanted if value is None]
    steps: list[tuple[str, Figure]] = [
        ("sex", None if sex is None else sex.value),
        ("creatinine_mg_dl", labs.creatinine_mg_dl),
        ("renal_replacement", labs.renal_replacement),
        ("bilirubin_mg_dl", labs.bilirubin_mg_dl),
        ("inr", labs.inr),
        ("sodium_mmol_l", labs.sodium_mmol_l),
        ("albumin_g_dl", labs.albumin_g_dl),
        ("creatinine_used", creatinine),
        ("creatinine_rule", cr_rule),
    ]
    if (
        missing
        or creatinine is None
        or labs.bilirubin_mg_dl is None
        or labs.inr is None
        or labs.sodium_mmol_l is None
        or labs.albumin_g_dl is None
    ):
        return ScoreDetails(
            score="MELD 3.0", value=None, steps=tuple(steps), missing=tuple(missing),
            source=SOURCE_MELD_3,
        )  # fmt: skip
    bili = _floor_one(labs.bilirubin_mg_dl)
    inr = _floor_one(labs.inr)
    sodium = min(max(labs.sodium_mmol_l, _NA_LOW), _NA_HIGH)
    albumin = min(max(labs.albumin_g_dl, _ALB_LOW), _ALB_HIGH)
    ln_bili, ln_inr, ln_cr = _ln(bili), _ln(inr), _ln(creatinine)
    na_gap = _CTX.subtract(_NA_HIGH, sodium)
    alb_gap = _CTX.subtract(_ALB_HIGH, albumin)
    terms = (
        ("1.33 x female", Decimal("1.33") if sex is Sex.FEMALE else Decimal(0)),
        ("4.56 x ln(bilirubin)", _term("4.56", ln_bili)),
        ("0.82 x (137 - Na)", _CTX.multiply(Decimal("0.82"), na_gap)),
        (
            "-0.24 x (137 - Na) x ln(bilirubin)",
            _term("0.24", _CTX.multiply(na_gap, ln_bili), negate=True),
        ),
        ("9.09 x ln(INR)", _term("9.09", ln_inr)),
        ("11.14 x ln(creatinine)", _term("11.14", ln_cr)),
        ("1.85 x (3.5 - albumin)", _CTX.multiply(Decimal("1.85"), alb_gap)),
        (
            "-1.83 x (3.5 - albumin) x ln(creatinine)",
            _term("1.83", _CTX.multiply(alb_gap, ln_cr), negate=True),
        ),
        ("constant", Decimal(6)),
    )
    total = Decimal(0)
    for _, term in terms:
        total = _CTX.add(total, term)
    value = _half_up(total)
    steps += [
        ("bilirubin_used", bili),
        ("inr_used", inr),
        ("sodium_used (125-137)", sodium),
        ("albumin_used (1.5-3.5)", albumin),
    ]
    steps += [(name, _shown(term)) for name, term in terms]
    steps += [("sum", _shown(total)), ("MELD 3.0 = round half up", value)]
    if value > _MELD_CAP:
        steps.append(("cap", f"{value} > 40: capped at 40"))
    return ScoreDetails(
        score="MELD 3.0", value=min(value, _MELD_CAP), steps=tuple(steps), missing=(),
        source=SOURCE_MELD_3,
    )  # fmt: skip


def meld_3(labs: Labs, sex: Sex | None, *, protocol: Protocol = NCT04822922) -> int | None:
    """MELD 3.0 (Kim 2021; §7.6), an integer 6-40, or ``None`` if a needed fact is unknown.

    >>> meld_3(Labs(bilirubin_mg_dl=Decimal("2.5"), inr=Decimal("1.5"), renal_replacement=False,
    ...             creatinine_mg_dl=Decimal("1.2"), sodium_mmol_l=Decimal(135),
    ...             albumin_g_dl=Decimal(3)), Sex.MALE)   # sum 17.853
    18
    """
    value = meld_3_details(labs, sex, protocol=protocol).value
    return None if value is None else int(value)


def _float_score(
    name: str,
    value: float | None,
    steps: list[tuple[str, Figure]],
    missing: list[str],
    source: str,
) -> ScoreDetails:
    return ScoreDetails(
        score=name, value=value, steps=tuple(steps), missing=tuple(missing), source=source
    )


def clif_c_aclf_details(labs: Labs, age: int, *, protocol: Protocol = NCT04822922) -> ScoreDetails:
    """CLIF-C ACLF = 10 x (0.33 x CLIF-C OF + 0.04 x age + 0.63 x ln(WBC) - 2), explained (§7.5).

    >>> labs = Labs(bilirubin_mg_dl=Decimal("14.2"), inr=Decimal("2.6"), he_grade=0,
    ...   creatinine_mg_dl=Decimal("1.1"), renal_replacement=False, map_mmhg=Decimal(78),
    ...   vasopressors=False, pao2_fio2=Decimal(350), mechanical_ventilation=False,
    ...   wbc_10e9_l=Decimal("8.1"))
    >>> print(clif_c_aclf_details(labs, 53).explain())
    age = 53
    CLIF-C OF = 10
    wbc_10e9_l = 8.1
    ln(WBC) = 2.0919
    0.33 x CLIF-C OF = 3.30
    0.04 x age = 2.12
    0.63 x ln(WBC) = 1.3179
    CLIF-C ACLF = 47.378...
    source: CLIF-C ACLF: Jalan R et al., J Hepatol 2014;61:1038-47 (SPEC §7.5)
    """
    of = clif_c_of_details(labs, protocol=protocol)
    years = _check_age(age)
    wbc = labs.wbc_10e9_l
    steps: list[tuple[str, Figure]] = [
        ("age", years),
        ("CLIF-C OF", of.total),
        ("wbc_10e9_l", wbc),
    ]
    missing = list(of.missing)
    if wbc is None:
        missing.append("labs.wbc_10e9_l")
    if of.total is None or wbc is None:
        return _float_score("CLIF-C ACLF", None, steps, missing, SOURCE_CLIF_C_ACLF)
    ln_wbc = math.log(wbc)
    value = 10 * (0.33 * of.total + 0.04 * years + 0.63 * ln_wbc - 2)
    steps += [
        ("ln(WBC)", _shown(Decimal(repr(ln_wbc)))),
        ("0.33 x CLIF-C OF", _CTX.multiply(Decimal("0.33"), of.total)),
        ("0.04 x age", _CTX.multiply(Decimal("0.04"), years)),
        ("0.63 x ln(WBC)", _shown(Decimal(repr(0.63 * ln_wbc)))),
    ]
    return _float_score("CLIF-C ACLF", value, steps, [], SOURCE_CLIF_C_ACLF)


def clif_c_aclf(labs: Labs, age: int, *, protocol: Protocol = NCT04822922) -> float | None:
    """CLIF-C ACLF score, unrounded (round only for display), or ``None`` (§7.5, §7.7).

    Meant for patients with ACLF; needs every CLIF-C OF sub-score and the WBC count.

    Raises:
        InvalidValueError: *age* is not a whole number of years 0-150.

    >>> clif_c_aclf(Labs(), 53) is None
    True
    """
    value = clif_c_aclf_details(labs, age, protocol=protocol).value
    return None if value is None else float(value)


def clif_c_ad_details(labs: Labs, age: int, *, protocol: Protocol = NCT04822922) -> ScoreDetails:
    """CLIF-C AD = 10 x (0.03 age + 0.66 ln Cr + 1.71 ln INR + 0.88 ln WBC - 0.05 Na + 8) (§7.5).

    >>> labs = Labs(creatinine_mg_dl=Decimal("1.2"), inr=Decimal("1.5"),
    ...             wbc_10e9_l=Decimal(7), sodium_mmol_l=Decimal(132))
    >>> print(clif_c_ad_details(labs, 55).explain())  # 10 x (1.65+0.1203+0.6933+1.7124-6.6+8)
    age = 55
    creatinine_mg_dl = 1.2
    inr = 1.5
    wbc_10e9_l = 7
    sodium_mmol_l = 132
    0.03 x age = 1.6500
    0.66 x ln(creatinine) = 0.1203
    1.71 x ln(INR) = 0.6933
    0.88 x ln(WBC) = 1.7124
    -0.05 x sodium = -6.6000
    CLIF-C AD = 55.760...
    source: CLIF-C AD: Jalan R et al., J Hepatol 2015;62:831-40 (SPEC §7.5)
    """
    _check_protocol(protocol)
    _check_labs(labs)
    years = _check_age(age)
    wanted = (
        ("labs.creatinine_mg_dl", labs.creatinine_mg_dl),
        ("labs.inr", labs.inr),
        ("labs.wbc_10e9_l", labs.wbc_10e9_l),
        ("labs.sodium_mmol_l", labs.sodium_mmol_l),
    )
    steps: list[tuple[str, Figure]] = [("age", years)]
    steps += [(path.removeprefix("labs."), value) for path, value in wanted]
    missing = [path for path, value in wanted if value is None]
    cr, inr, wbc, sodium = (value for _, value in wanted)
    if cr is None or inr is None or wbc is None or sodium is None:
        return _float_score("CLIF-C AD", None, steps, missing, SOURCE_CLIF_C_AD)
    terms = (
        ("0.03 x age", 0.03 * years),
        ("0.66 x ln(creatinine)", 0.66 * math.log(cr)),
        ("1.71 x ln(INR)", 1.71 * math.log(inr)),
        ("0.88 x ln(WBC)", 0.88 * math.log(wbc)),
        ("-0.05 x sodium", -0.05 * float(sodium)),
    )
    value = 10 * (sum(term for _, term in terms) + 8)
    steps += [(name, _shown(Decimal(repr(term)))) for name, term in terms]
    return _float_score("CLIF-C AD", value, steps, [], SOURCE_CLIF_C_AD)


def clif_c_ad(labs: Labs, age: int, *, protocol: Protocol = NCT04822922) -> float | None:
    """CLIF-C AD score (patients without ACLF), unrounded, or ``None`` (§7.5, §7.7).

    >>> clif_c_ad(Labs(creatinine_mg_dl=Decimal("1.2")), 55) is None
    True
    """
    value = clif_c_ad_details(labs, age, protocol=protocol).value
    return None if value is None else float(value)
