"""CLIF-C scores (SPEC §7.2-§7.5): organ failures, CLIF-C OF, CLIF-C ACLF and CLIF-C AD.

The organ sub-scores come from the rules of :mod:`aclf_protocol.scores._organs`; the grade
that :class:`ClifCOfDetails` carries from :mod:`aclf_protocol.scores.grade`.

>>> from decimal import Decimal
>>> labs = Labs(bilirubin_mg_dl=Decimal("14.2"), creatinine_mg_dl=Decimal("1.1"),
...             inr=Decimal("2.6"), he_grade=0, map_mmhg=Decimal(78), vasopressors=False,
...             pao2_fio2=Decimal(350), mechanical_ventilation=False, renal_replacement=False,
...             wbc_10e9_l=Decimal("8.1"))
>>> clif_c_of(labs), round(clif_c_aclf(labs, 53), 2)
(10, 47.38)
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from aclf_protocol._exact import exact
from aclf_protocol.errors import InvalidValueError
from aclf_protocol.patient import Labs
from aclf_protocol.protocol import NCT04822922, Protocol
from aclf_protocol.scores._common import (
    CTX,
    Figure,
    ScoreDetails,
    check_labs,
    check_protocol,
    shown,
)
from aclf_protocol.scores._organs import KIDNEY, MILD, RULES, SOURCE_CLIF_C_OF, Organ
from aclf_protocol.scores.grade import (
    failed_organs,
    grade_missing,
    grade_reason,
    grades_of,
    organ_states,
)

__all__ = [
    "ORGANS",
    "SOURCE_CLIF_C_ACLF",
    "SOURCE_CLIF_C_AD",
    "ClifCOfDetails",
    "OrganScore",
    "clif_c_aclf",
    "clif_c_aclf_details",
    "clif_c_ad",
    "clif_c_ad_details",
    "clif_c_of",
    "clif_c_of_details",
    "organ_failures",
    "organ_subscores",
]

#: §7.2: the names of the six organs of CLIF-C OF, in the order of the published table.
ORGANS = tuple(r.organ.value for r in RULES)
_NAMED_RULES = tuple((r.organ.value, r) for r in RULES)

SOURCE_CLIF_C_ACLF = "CLIF-C ACLF: Jalan R et al., J Hepatol 2014;61:1038-47 (SPEC §7.5)"
SOURCE_CLIF_C_AD = "CLIF-C AD: Jalan R et al., J Hepatol 2015;62:831-40 (SPEC §7.5)"

#: §0: the age bounds every age in the package uses.
_MAX_AGE = 150


#: The smallest normal float: below it a lab loses precision in float, then becomes 0.0.
_FLOAT_MIN = Decimal(sys.float_info.min)


def _ln(path: str, value: Decimal) -> float:
    """The natural log of a positive lab for a float score (§7.5), or ``InvalidValueError``.

    A value below the smallest normal float (WBC 1e-999999999 underflows to 0.0) has no
    float logarithm: it is refused by its path rather than raising Python's "math domain
    error" (D-SCR-FLOAT-LN).

    >>> _ln("labs.wbc_10e9_l", Decimal("1e-999999999"))
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InvalidValueError: labs.wbc_10e9_l: must be >= 2.22...e-308 for a ...
    """
    if value < _FLOAT_MIN:
        rule = f"must be >= {sys.float_info.min} for a float score (§7.5)"
        raise InvalidValueError(path, value, rule)
    return math.log(value)


def _check_age(age: object) -> int:
    if type(age) is not int or not 0 <= age <= _MAX_AGE:
        raise InvalidValueError("age", age, "must be a whole number of years 0-150 (§0)")
    return age


def organ_failures(labs: Labs, *, protocol: Protocol = NCT04822922) -> Mapping[str, bool | None]:
    """Organ -> failed (``True``/``False``) or ``None`` when unknown (§7.3), in §7.2 order.

    A read-only mapping keyed by the organ names of SPEC §10 (``Organ.X.value``).

    >>> dict(organ_failures(Labs(creatinine_mg_dl=Decimal(2), renal_replacement=False)))
    ... # doctest: +NORMALIZE_WHITESPACE
    {'liver': None, 'kidney': True, 'brain': None, 'coagulation': None,
     'circulation': None, 'respiration': None}
    """
    check_protocol(protocol)
    check_labs(labs)
    return MappingProxyType({name: r.failure_of(labs) for name, r in _NAMED_RULES})


def organ_subscores(labs: Labs, *, protocol: Protocol = NCT04822922) -> Mapping[str, int | None]:
    """Organ -> CLIF-C OF sub-score 1-3, or ``None`` when unknown (§7.2), in §7.2 order.

    >>> dict(organ_subscores(Labs(bilirubin_mg_dl=Decimal(6), inr=Decimal("2.5"))))
    ... # doctest: +NORMALIZE_WHITESPACE
    {'liver': 2, 'kidney': None, 'brain': None, 'coagulation': 3, 'circulation': None,
     'respiration': None}
    """
    check_protocol(protocol)
    check_labs(labs)
    return MappingProxyType({name: r.subscore_of(labs) for name, r in _NAMED_RULES})


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
        organ: Which organ (``organ.value`` is its name, "liver").
        subscore: 1-3, or ``None`` when unknown facts leave it open.
        possible_subscores: Every sub-score the known facts still allow.
        failed: Organ failure per §7.3, or ``None`` when unknown.
        reason: The facts used, in words ("bilirubin 14.2 mg/dL > 12").
        missing: Record paths of unknown facts that could change the sub-score.
    """

    organ: Organ
    subscore: int | None
    possible_subscores: tuple[int, ...]
    failed: bool | None
    reason: str
    missing: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible record of this organ's score."""
        return {
            "organ": self.organ.value,
            "subscore": self.subscore,
            "possible_subscores": list(self.possible_subscores),
            "failed": self.failed,
            "reason": self.reason,
            "missing": list(self.missing),
        }


@attrs.frozen(kw_only=True)
class ClifCOfDetails:
    """CLIF-C OF and the EASL-CLIF grade, explained (§7.2-§7.4).

    Attributes:
        organs: One :class:`OrganScore` per organ, in §7.2 order.
        total: CLIF-C OF 6-18, or ``None`` when a sub-score is unknown (also as ``value``).
        lowest_total, highest_total: The range the total can still take.
        possible_grades: ACLF grades the known labs allow; ``grade`` is set when it is one.
        kidney_dysfunction: Creatinine 1.5 <= Cr < 2.0 without kidney failure (§7.4).
        grade_reason: The grade in words, naming the failed organs ("ACLF grade 2 (liver,
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
    grade_reason: str
    missing: tuple[str, ...]
    source: str = SOURCE_CLIF_C_OF

    @property
    def value(self) -> int | None:
        """What :func:`clif_c_of` returns: the total, or ``None`` while open."""
        return self.total

    @property
    def organ_failures(self) -> Mapping[str, bool | None]:
        """Organ name -> failed, as :func:`organ_failures` gives it."""
        return MappingProxyType({o.organ.value: o.failed for o in self.organs})

    @property
    def failed_organs(self) -> tuple[str, ...]:
        """Names of the organs known to have failed."""
        return tuple(o.organ.value for o in self.organs if o.failed is True)

    def explain(self) -> str:
        """One line per organ, then the total and the grade, for a clinician to check."""
        lines = [f"{o.organ.value}: {_subscore_text(o)} ({o.reason})" for o in self.organs]
        total = "unknown" if self.total is None else str(self.total)
        lines.append(
            f"CLIF-C OF {total} (possible {self.lowest_total}-{self.highest_total}); "
            f"{self.grade_reason}"
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
            "grade_reason": self.grade_reason,
            "missing": list(self.missing),
            "source": self.source,
        }


def _subscore_text(organ: OrganScore) -> str:
    failed = {True: ", failed", False: "", None: ", failure unknown"}[organ.failed]
    if organ.subscore is not None:
        return f"{organ.subscore}{failed}"
    allowed = " or ".join(str(s) for s in organ.possible_subscores)
    return f"{allowed}{failed}"


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
    >>> d.value, d.organs[0].organ
    (10, <Organ.LIVER: 'liver'>)
    """
    check_protocol(protocol)
    states = organ_states(check_labs(labs))
    organs: list[OrganScore] = []
    missing: list[str] = []
    for organ_rule, organ_states_ in states:
        subscores = sorted({organ_rule.subscore(s) for s in organ_states_})
        open_ = len(subscores) > 1
        organ_missing = organ_rule.missing(labs) if open_ else ()
        failures = {organ_rule.failed(s) for s in organ_states_}
        organs.append(
            OrganScore(
                organ=organ_rule.organ,
                subscore=None if open_ else subscores[0],
                possible_subscores=tuple(subscores),
                failed=failures.pop() if len(failures) == 1 else None,
                reason=organ_rule.reason(labs),
                missing=organ_missing,
            )
        )
        missing += [m for m in organ_missing if m not in missing]
    grades = grades_of(states)
    kidney = KIDNEY.features_of(labs)
    dysfunction = kidney == {MILD} if len(kidney) == 1 else (None if MILD in kidney else False)
    lowest = sum(o.possible_subscores[0] for o in organs)
    highest = sum(o.possible_subscores[-1] for o in organs)
    decided = len(grades) == 1
    return ClifCOfDetails(
        organs=tuple(organs),
        total=None if any(o.subscore is None for o in organs) else lowest,
        lowest_total=lowest,
        highest_total=highest,
        possible_grades=tuple(sorted(grades)),
        grade=next(iter(grades)) if decided else None,
        kidney_dysfunction=dysfunction,
        grade_reason=grade_reason(
            labs, grades, failed_organs(states), () if decided else grade_missing(labs, states)
        ),
        missing=tuple(missing),
    )


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


@exact
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
    ln_wbc = _ln("labs.wbc_10e9_l", wbc)
    value = 10 * (0.33 * of.total + 0.04 * years + 0.63 * ln_wbc - 2)
    steps += [
        ("ln(WBC)", shown(Decimal(repr(ln_wbc)))),
        ("0.33 x CLIF-C OF", CTX.multiply(Decimal("0.33"), of.total)),
        ("0.04 x age", CTX.multiply(Decimal("0.04"), years)),
        ("0.63 x ln(WBC)", shown(Decimal(repr(0.63 * ln_wbc)))),
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


@exact
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
    check_protocol(protocol)
    check_labs(labs)
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
        ("0.66 x ln(creatinine)", 0.66 * _ln("labs.creatinine_mg_dl", cr)),
        ("1.71 x ln(INR)", 1.71 * _ln("labs.inr", inr)),
        ("0.88 x ln(WBC)", 0.88 * _ln("labs.wbc_10e9_l", wbc)),
        ("-0.05 x sodium", -0.05 * float(sodium)),
    )
    value = 10 * (sum(term for _, term in terms) + 8)
    steps += [(name, shown(Decimal(repr(term)))) for name, term in terms]
    return _float_score("CLIF-C AD", value, steps, [], SOURCE_CLIF_C_AD)


def clif_c_ad(labs: Labs, age: int, *, protocol: Protocol = NCT04822922) -> float | None:
    """CLIF-C AD score (patients without ACLF), unrounded, or ``None`` (§7.5, §7.7).

    >>> clif_c_ad(Labs(creatinine_mg_dl=Decimal("1.2")), 55) is None
    True
    """
    value = clif_c_ad_details(labs, age, protocol=protocol).value
    return None if value is None else float(value)
