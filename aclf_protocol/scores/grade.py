"""The EASL-CLIF ACLF grade (Moreau 2013; SPEC §7.4), decided over the unknown facts.

The grade is reported whenever every completion of the unknown labs gives the same grade;
:func:`possible_aclf_grades` gives the grades still open.

>>> from decimal import Decimal
>>> aclf_grade(Labs(bilirubin_mg_dl=Decimal(14), creatinine_mg_dl=Decimal("1.7")))
>>> sorted(possible_aclf_grades(Labs(bilirubin_mg_dl=Decimal(14),
...                                  creatinine_mg_dl=Decimal("1.7"))))
[1, 2, 3]
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType
from typing import Any

import attrs

from aclf_protocol.errors import InvalidValueError
from aclf_protocol.patient import Labs
from aclf_protocol.protocol import ACLF_GRADES, NCT04822922, Protocol
from aclf_protocol.scores._common import check_labs, check_protocol, show
from aclf_protocol.scores._organs import (
    BRAIN,
    FAILED,
    KIDNEY,
    MILD,
    RULES,
    SOURCE_CLIF_C_OF,
    Organ,
    OrganRule,
)

__all__ = [
    "MAX_GRADE",
    "AclfGradeDetails",
    "States",
    "aclf_grade",
    "aclf_grade_details",
    "describe_grades",
    "failed_organs",
    "grade_missing",
    "grade_reason",
    "grades_of",
    "organ_states",
    "possible_aclf_grades",
]

#: Grades run from 0 (no ACLF) to 3 (``protocol.ACLF_GRADES``); three or more failures are
#: grade 3 (§7.4).
MAX_GRADE = max(ACLF_GRADES)
_TWO_FAILURES = 2

#: Each organ's rule with the states its known facts still allow, in §7.2 order.
States = tuple[tuple[OrganRule, frozenset[int]], ...]


def organ_states(labs: Labs) -> States:
    """Each organ's rule and possible states, in the order of :data:`RULES` (§7.4)."""
    return tuple([(r, r.states(labs)) for r in RULES])


def _grade(other_failures: int, kidney: int, brain: int) -> int:
    """The grade from the failures among liver, coagulation, circulation and respiration and
    the kidney's and the brain's grade features (§7.4)."""
    failures = other_failures + (kidney == FAILED) + (brain == FAILED)
    if failures >= MAX_GRADE:
        return MAX_GRADE
    if failures == _TWO_FAILURES:
        return _TWO_FAILURES
    if failures == 0:
        return 0
    if kidney == FAILED:
        return 1  # single kidney failure
    if brain == FAILED:
        return int(kidney == MILD)  # single brain failure: grade 1 with Cr 1.5-2.0
    return int(MILD in (kidney, brain))  # any other: grade 1 with Cr 1.5-2.0 and/or HE I-II


def grades_of(states: States) -> frozenset[int]:
    """Every grade some completion of the unknown labs gives (§7.4).

    The organs depend on disjoint facts (ventilation feeds the brain only when its reason is
    HE, respiration only when it is respiratory), so every combination of organ states is
    reachable and the set is exact, not just an over-approximation.
    """
    low = high = 0
    kidney: frozenset[int]  # RULES holds the kidney and the brain exactly once
    brain: frozenset[int]
    for organ_rule, organ in states:
        features = organ_rule.feature_sets[organ]
        if organ_rule is KIDNEY:
            kidney = features
        elif organ_rule is BRAIN:
            brain = features
        elif FAILED in features:
            high += 1
            low += len(features) == 1
    return _GRADES[low, high, kidney, brain]


def _grades(low: int, high: int, kidney: frozenset[int], brain: frozenset[int]) -> frozenset[int]:
    """The grades of *low* to *high* failures among the four other organs, with the kidney's
    and the brain's possible grade features (§7.4)."""
    return frozenset(_grade(n, k, b) for n in range(low, high + 1) for k in kidney for b in brain)


#: The organs other than the kidney and the brain: only their failures count (§7.4).
_FAILURES_ONLY = tuple(r for r in RULES if r is not KIDNEY and r is not BRAIN)
#: Each of those organs' ``states`` and ``feature_sets``, looked up once (hot path).
_FAILURE_READS = tuple((r.states, r.feature_sets) for r in _FAILURES_ONLY)

#: :func:`_grades` of every case, read-only, derived once: (low, high, kidney features,
#: brain features) -> grades (screening asks it for every patient).
_GRADES = MappingProxyType(
    {
        (low, high, kidney, brain): _grades(low, high, kidney, brain)
        for high in range(len(_FAILURES_ONLY) + 1)
        for low in range(high + 1)
        for kidney in set(KIDNEY.feature_sets.values())
        for brain in set(BRAIN.feature_sets.values())
    }
)


def possible_aclf_grades(labs: Labs, *, protocol: Protocol = NCT04822922) -> frozenset[int]:
    """The ACLF grades (0 = no ACLF, 1-3) that the known labs still allow (§7.4, §5 I2).

    What :func:`grades_of` gives for :func:`organ_states`, without building the states of
    every organ (screening calls it for every patient).

    >>> from decimal import Decimal
    >>> sorted(possible_aclf_grades(Labs()))
    [0, 1, 2, 3]
    >>> sorted(possible_aclf_grades(Labs(bilirubin_mg_dl=Decimal(13), inr=Decimal(3),
    ...                                  creatinine_mg_dl=Decimal(2))))
    [3]
    """
    check_protocol(protocol)
    check_labs(labs)
    low = high = 0
    for states, feature_sets in _FAILURE_READS:
        features = feature_sets[states(labs)]
        if FAILED in features:
            high += 1
            low += len(features) == 1
    kidney = KIDNEY.feature_sets[KIDNEY.states(labs)]
    return _GRADES[low, high, kidney, BRAIN.feature_sets[BRAIN.states(labs)]]


def aclf_grade(labs: Labs, *, protocol: Protocol = NCT04822922) -> int | None:
    """EASL-CLIF ACLF grade 0-3, or ``None`` while unknown labs leave it open (§7.4).

    Args:
        labs: The patient's labs; unknown values are ``None``.

    >>> from decimal import Decimal
    >>> aclf_grade(Labs(bilirubin_mg_dl=Decimal("12.1"), creatinine_mg_dl=Decimal("1.2"),
    ...   renal_replacement=False, inr=Decimal("1.1"), he_grade=0, vasopressors=False,
    ...   pao2_fio2=Decimal(400), mechanical_ventilation=False))   # liver failure alone
    0
    >>> aclf_grade(Labs(bilirubin_mg_dl=Decimal(13), inr=Decimal(3), he_grade=3))
    3
    """
    grades = possible_aclf_grades(labs, protocol=protocol)
    return next(iter(grades)) if len(grades) == 1 else None


def _or_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def describe_grades(grades: Iterable[int]) -> str:
    """ACLF grades in words (§7.4): ``"no ACLF"``, ``"ACLF grade 1 or 2"``.

    >>> describe_grades({2, 1})
    'ACLF grade 1 or 2'
    >>> describe_grades({3, 0, 1, 2})
    'no ACLF or ACLF grade 1, 2 or 3'
    """
    if not isinstance(grades, set | frozenset | list | tuple) or any(
        type(g) is not int or g not in ACLF_GRADES for g in grades
    ):
        raise InvalidValueError("grades", grades, "must be ACLF grades 0-3 (§7.4)")
    ordered = sorted(grades)
    acute = [str(g) for g in ordered if g > 0]
    text = f"ACLF grade {_or_list(acute)}" if acute else ""
    if ordered and ordered[0] == 0:
        return f"no ACLF or {text}" if text else "no ACLF"
    return text


def _single_failure_context(labs: Labs) -> str:
    """Creatinine and HE, which decide the grade of a single failure (§7.4).

    Only called for a decided grade with one failure that is not the kidney's: then the
    creatinine is known and renal replacement is not (or need not be) given, since otherwise
    the kidney could still fail and the grade would be open.
    """
    creatinine = labs.creatinine_mg_dl
    (scale,) = KIDNEY.scales
    cr_text = (
        "creatinine unknown"
        if creatinine is None
        else f"creatinine {show(creatinine)} mg/dL ({scale.band_words(scale.band(creatinine))})"
    )
    grade = labs.he_grade
    he_text = "HE unknown" if grade is None else ("no HE" if grade == 0 else f"HE grade {grade}")
    return f"{cr_text}, {he_text}"


def grade_reason(
    labs: Labs, grades: frozenset[int], failed: list[Organ], missing: tuple[str, ...]
) -> str:
    """The grade in words, naming the failed organs and, while open, the missing facts."""
    names = [organ.value for organ in failed]
    failures = f"{', '.join(names)} failure" if failed else "no organ failure"
    if len(grades) == 1:
        grade = next(iter(grades))
        head = "no ACLF" if grade == 0 else f"ACLF grade {grade}"
        if len(failed) == 1 and failed[0] is not Organ.KIDNEY and grade <= 1:
            return f"{head} ({failures} alone; {_single_failure_context(labs)})"
        return f"{head} ({failures})"
    known = f"known: {failures}" if failed else "no failure known yet"
    return (
        f"{describe_grades(grades)} still possible ({known}; not yet known: {', '.join(missing)})"
    )


def grade_missing(labs: Labs, states: States) -> tuple[str, ...]:
    """Unknown facts that could change the ACLF grade (for §5 I2's ``missing``).

    Only organs whose grade feature (failure; for the kidney also creatinine 1.5-2.0, for the
    brain HE grade 1-2) is still open contribute; MAP never decides a failure.
    """
    missing: list[str] = []
    for organ_rule, organ in states:
        if len(organ_rule.feature_sets[organ]) > 1:
            paths = organ_rule.missing(labs, for_grade=True)
            missing += [path for path in paths if path not in missing]
    return tuple(missing)


def failed_organs(states: States) -> list[Organ]:
    """Organs known to have failed, in §7.2 order."""
    return [r.organ for r, organ in states if _known_failure(r, organ)]


def _known_failure(organ_rule: OrganRule, states: frozenset[int]) -> bool:
    return all(organ_rule.failed(state) for state in states)


@attrs.frozen(kw_only=True)
class AclfGradeDetails:
    """The EASL-CLIF grade and why (§7.4); lighter than ``ClifCOfDetails``.

    Attributes:
        possible_grades: Grades the known labs still allow (0 = no ACLF).
        grade: The grade when only one is possible, else ``None`` (also as ``value``).
        failed_organs: Organs known to have failed (their names, "liver").
        reason: The grade in words ("ACLF grade 2 (liver, coagulation failure)").
        missing: Record paths of unknown facts that could narrow the grades (empty once
            decided).
    """

    possible_grades: tuple[int, ...]
    grade: int | None
    failed_organs: tuple[str, ...]
    reason: str
    missing: tuple[str, ...]
    source: str = SOURCE_CLIF_C_OF

    @property
    def value(self) -> int | None:
        """What :func:`aclf_grade` returns: the grade, or ``None`` while open."""
        return self.grade

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible record of the grade."""
        return {
            "possible_grades": list(self.possible_grades),
            "grade": self.grade,
            "failed_organs": list(self.failed_organs),
            "reason": self.reason,
            "missing": list(self.missing),
            "source": self.source,
        }


def aclf_grade_details(labs: Labs, *, protocol: Protocol = NCT04822922) -> AclfGradeDetails:
    """The ACLF grade with the failed organs, the rule applied and what is missing (§7.4).

    >>> from decimal import Decimal
    >>> d = aclf_grade_details(Labs(bilirubin_mg_dl=Decimal(14), creatinine_mg_dl=Decimal("1.7"),
    ...                             renal_replacement=False))
    >>> d.possible_grades, d.value
    ((1, 2, 3), None)
    >>> print(d.reason)
    ACLF grade 1, 2 or 3 still possible (known: liver failure; not yet known: labs.he_grade,
    labs.inr, labs.vasopressors, labs.pao2_fio2, labs.spo2_fio2, labs.mechanical_ventilation)
    """
    check_protocol(protocol)
    states = organ_states(check_labs(labs))
    grades = grades_of(states)
    failed = failed_organs(states)
    missing = () if len(grades) == 1 else grade_missing(labs, states)
    return AclfGradeDetails(
        possible_grades=tuple(sorted(grades)),
        grade=next(iter(grades)) if len(grades) == 1 else None,
        failed_organs=tuple(organ.value for organ in failed),
        reason=grade_reason(labs, grades, failed, missing),
        missing=missing,
    )
