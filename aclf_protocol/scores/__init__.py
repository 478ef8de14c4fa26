"""Liver scores (SPEC §7): organ failures, CLIF-C OF, ACLF grade, CLIF-C ACLF/AD, MELD family,
Child-Pugh.

Every function is pure and reads a patient's :class:`~aclf_protocol.patient.Labs`
(conventional units, ``Decimal``; ``None`` = unknown). Thresholds are compared exactly in
``Decimal`` (§7.1), so 132.6 µmol/L creatinine *is* 1.5 mg/dL. A score that needs an unknown
lab is ``None`` (§7.7); the ACLF grade is reported whenever every completion of the unknown
labs gives the same grade (§7.4), and :func:`possible_aclf_grades` gives the grades still open.

Each score can explain itself: the ``*_details`` functions return frozen values holding every
intermediate figure and the source the formula follows, so a clinician can check it by hand;
their ``.value`` is what the plain function returns.

The package by family: ``_organs`` (the six organ rules of the §7.2 table), ``clif``
(CLIF-C OF, organ failures, CLIF-C ACLF and AD), ``grade`` (the §7.4 grade), ``meld``,
``child_pugh`` (§7.8).

>>> from decimal import Decimal
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

from aclf_protocol.scores._common import Figure, ScoreDetails
from aclf_protocol.scores._organs import SOURCE_CLIF_C_OF, Organ, OrganRule
from aclf_protocol.scores.child_pugh import (
    CHILD_PUGH_ITEMS,
    SOURCE_CHILD_PUGH,
    ChildPughDetails,
    ChildPughItem,
    child_pugh,
    child_pugh_class,
    child_pugh_details,
)
from aclf_protocol.scores.clif import (
    ORGANS,
    SOURCE_CLIF_C_ACLF,
    SOURCE_CLIF_C_AD,
    ClifCOfDetails,
    OrganScore,
    clif_c_aclf,
    clif_c_aclf_details,
    clif_c_ad,
    clif_c_ad_details,
    clif_c_of,
    clif_c_of_details,
    organ_failures,
    organ_subscores,
)
from aclf_protocol.scores.grade import (
    AclfGradeDetails,
    aclf_grade,
    aclf_grade_details,
    describe_grades,
    possible_aclf_grades,
)
from aclf_protocol.scores.meld import (
    MELD_NA_VARIANTS,
    SOURCE_MELD,
    SOURCE_MELD_3,
    SOURCE_MELD_NA,
    SOURCE_MELD_NA_KIM2008,
    SOURCE_MELD_NA_UNROUNDED,
    MeldNaVariant,
    meld,
    meld_3,
    meld_3_details,
    meld_details,
    meld_na,
    meld_na_details,
)

__all__ = [
    "CHILD_PUGH_ITEMS",
    "MELD_NA_VARIANTS",
    "ORGANS",
    "SOURCE_CHILD_PUGH",
    "SOURCE_CLIF_C_ACLF",
    "SOURCE_CLIF_C_AD",
    "SOURCE_CLIF_C_OF",
    "SOURCE_MELD",
    "SOURCE_MELD_3",
    "SOURCE_MELD_NA",
    "SOURCE_MELD_NA_KIM2008",
    "SOURCE_MELD_NA_UNROUNDED",
    "AclfGradeDetails",
    "ChildPughDetails",
    "ChildPughItem",
    "ClifCOfDetails",
    "Figure",
    "MeldNaVariant",
    "Organ",
    "OrganRule",
    "OrganScore",
    "ScoreDetails",
    "aclf_grade",
    "aclf_grade_details",
    "child_pugh",
    "child_pugh_class",
    "child_pugh_details",
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
