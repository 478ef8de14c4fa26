"""Score behaviours that mutation testing showed unpinned (issue #6, docs/mutation.md).

Each test states one rule of §7 that a surviving mutant of ``aclf_protocol/scores.py`` broke
without any other test noticing: the sentences a clinician reads (each organ's basis, the grade
in words, every figure of the formula scores), the record paths still missing, the JSON
records, the ends of the age range, half-up display rounding and the ``protocol=`` check
reaching every plain function. Every number is worked by hand in a comment (logs to 6 places).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest

from aclf_protocol import (
    InvalidValueError,
    Labs,
    Sex,
    VentilationReason,
    aclf_grade_details,
    clif_c_aclf,
    clif_c_aclf_details,
    clif_c_ad,
    clif_c_ad_details,
    clif_c_of,
    clif_c_of_details,
    meld,
    meld_3,
    meld_3_details,
    meld_details,
    meld_na,
    meld_na_details,
    organ_failures,
)
from aclf_protocol.scores import describe_grades
from tests.test_scores import NORMAL

D = Decimal
HE = VentilationReason.HEPATIC_ENCEPHALOPATHY
OF_SOURCE = (
    "CLIF-C OF: Jalan R et al., J Hepatol 2014;61:1038-47 (SPEC §7.2-§7.3); ACLF grades: "
    "Moreau R et al., Gastroenterology 2013;144:1426-37 (SPEC §7.4)"
)
MELD_SOURCE = "MELD: OPTN/UNOS policy; Kamath PS et al., Hepatology 2001;33:464-70 (SPEC §7.6)"
MELD_NA_SOURCE = (
    "MELD-Na: OPTN Policy 9.1 (January 2016), read literally; Kim WR et al., "
    "N Engl J Med 2008;359:1018-26 (SPEC §7.6)"
)
MELD_NA_CALCULATOR_SOURCE = (
    "MELD-Na, calculator variant without the one-decimal rounding of MELD(i); "
    "Kim WR et al., N Engl J Med 2008;359:1018-26 (SPEC §7.6, clinical-sources C4)"
)

MELD_3_SOURCE = "MELD 3.0: Kim WR et al., Gastroenterology 2021;161:1887-95 (SPEC §7.6)"


#: SPEC §9's patient RJ-001: liver 3 (14.2 > 12) and coagulation 3 (2.6 >= 2.5), the rest 1.
RJ001 = Labs(
    bilirubin_mg_dl=D("14.2"),
    creatinine_mg_dl=D("1.1"),
    inr=D("2.6"),
    he_grade=0,
    map_mmhg=D(78),
    vasopressors=False,
    pao2_fio2=D(350),
    mechanical_ventilation=False,
    renal_replacement=False,
    wbc_10e9_l=D("8.1"),
    sodium_mmol_l=D(134),
)


def normal(**changes: Any) -> Labs:
    """Labs with every organ normal, except *changes*."""
    return Labs(**{**NORMAL, **changes})


def lines(*rows: str) -> str:
    """An explanation, one argument per line."""
    return "\n".join(rows)


class TestOrganSentences:
    """§7.2-§7.4: each organ's sub-score, failure and basis, and the grade, in words."""

    def test_nothing_known(self) -> None:
        """§7.4: empty labs leave every sub-score 1-3, CLIF-C OF 6-18 and every grade open."""
        details = clif_c_of_details(Labs())
        assert details.explain() == lines(
            "liver: 1 or 2 or 3, failure unknown (bilirubin unknown)",
            "kidney: 1 or 2 or 3, failure unknown (creatinine unknown; renal replacement unknown)",
            "brain: 1 or 2 or 3, failure unknown (HE grade unknown)",
            "coagulation: 1 or 2 or 3, failure unknown (INR unknown)",
            "circulation: 1 or 2 or 3, failure unknown (MAP unknown; vasopressors unknown)",
            "respiration: 1 or 2 or 3, failure unknown (PaO2/FiO2 and SpO2/FiO2 unknown; "
            "mechanical ventilation unknown)",
            "CLIF-C OF unknown (possible 6-18); no ACLF or ACLF grade 1, 2 or 3 still possible "
            "(no failure known yet; not yet known: labs.bilirubin_mg_dl, labs.creatinine_mg_dl, "
            "labs.renal_replacement, labs.he_grade, labs.inr, labs.vasopressors, "
            "labs.pao2_fio2, labs.spo2_fio2, labs.mechanical_ventilation)",
            f"source: {OF_SOURCE}",
        )
        # The sub-score also needs MAP, which never decides a failure (§7.3).
        assert details.missing == (
            "labs.bilirubin_mg_dl",
            "labs.creatinine_mg_dl",
            "labs.renal_replacement",
            "labs.he_grade",
            "labs.inr",
            "labs.vasopressors",
            "labs.map_mmhg",
            "labs.pao2_fio2",
            "labs.spo2_fio2",
            "labs.mechanical_ventilation",
        )
        assert [o.missing for o in details.organs] == [
            ("labs.bilirubin_mg_dl",),
            ("labs.creatinine_mg_dl", "labs.renal_replacement"),
            ("labs.he_grade",),
            ("labs.inr",),
            ("labs.vasopressors", "labs.map_mmhg"),
            ("labs.pao2_fio2", "labs.spo2_fio2", "labs.mechanical_ventilation"),
        ]
        assert details.kidney_dysfunction is None
        assert (details.total, details.grade) == (None, None)

    def test_every_organ_at_its_worst(self) -> None:
        """§7.2: renal replacement, vasopressors and ventilation each score 3: CLIF-C OF 18."""
        labs = Labs(
            bilirubin_mg_dl=D(20),
            renal_replacement=True,
            he_grade=4,
            inr=D(3),
            vasopressors=True,
            mechanical_ventilation=True,
        )
        details = clif_c_of_details(labs)
        assert details.explain() == lines(
            "liver: 3, failed (bilirubin 20 mg/dL > 12)",
            "kidney: 3, failed (renal replacement therapy; creatinine unknown)",
            "brain: 3, failed (West Haven HE grade 4)",
            "coagulation: 3, failed (INR 3 >= 2.5)",
            "circulation: 3, failed (vasopressors)",
            "respiration: 3, failed (mechanical ventilation)",
            "CLIF-C OF 18 (possible 18-18); ACLF grade 3 (liver, kidney, brain, coagulation, "
            "circulation, respiration failure)",
            f"source: {OF_SOURCE}",
        )
        assert details.failed_organs == (
            "liver",
            "kidney",
            "brain",
            "coagulation",
            "circulation",
            "respiration",
        )
        assert (details.total, details.grade, details.kidney_dysfunction) == (18, 3, False)

    def test_ventilated_for_hepatic_encephalopathy(self) -> None:
        """§7.3: ventilation for HE fails the brain, respiration is scored from the ratio."""
        details = clif_c_of_details(
            normal(mechanical_ventilation=True, ventilation_reason=HE, he_grade=None)
        )
        # 1 + 1 + 3 + 1 + 1 + 1 = 8; brain failure alone with Cr 0.9 < 1.5 is no ACLF (§7.4).
        assert details.explain() == lines(
            "liver: 1 (bilirubin 1.0 mg/dL < 6)",
            "kidney: 1 (creatinine 0.9 mg/dL; no renal replacement)",
            "brain: 3, failed (mechanical ventilation for hepatic encephalopathy (§7.3))",
            "coagulation: 1 (INR 1.1 < 2.0)",
            "circulation: 1 (MAP 85 mmHg; no vasopressors)",
            "respiration: 1 (PaO2/FiO2 400; ventilated for HE, scored from the ratio (§7.3))",
            "CLIF-C OF 8 (possible 8-8); no ACLF (brain failure alone; creatinine 0.9 mg/dL "
            "(< 1.5), HE unknown)",
            f"source: {OF_SOURCE}",
        )

    def test_ventilation_for_he_unknown_opens_the_brain(self) -> None:
        """§7.3: HE grade 1, ventilation for HE unknown: brain 2 or 3, grade 1 or 2 (§7.4)."""
        labs = normal(
            mechanical_ventilation=None, ventilation_reason=HE, he_grade=1, bilirubin_mg_dl=D(13)
        )
        details = clif_c_of_details(labs)
        # Liver 3 + kidney 1 + brain 2..3 + 1 + 1 + 1 = 9..10. Brain 2 (HE I) with liver
        # failure is grade 1; brain 3 is a second failure, grade 2.
        assert details.organs[2].basis == "West Haven HE grade 1; ventilation for HE unknown"
        assert details.explain().splitlines()[6] == (
            "CLIF-C OF unknown (possible 9-10); ACLF grade 1 or 2 still possible (known: liver "
            "failure; not yet known: labs.mechanical_ventilation)"
        )
        assert details.missing == ("labs.mechanical_ventilation",)
        assert aclf_grade_details(labs).missing == ("labs.mechanical_ventilation",)
        assert organ_failures(labs)["brain"] is None

    def test_boundaries_in_words_and_the_record(self) -> None:
        """§7.2: bilirubin 6 and INR 2.0 open band 2; both ratios named; MAP alone stays open."""
        labs = normal(
            spo2_fio2=D(200),
            bilirubin_mg_dl=D(6),
            inr=D(2),
            creatinine_mg_dl=D("1.7"),
            map_mmhg=None,
        )
        # Liver 2 + kidney 1 + brain 1 + coagulation 2 + circulation 1..2 + respiration 1
        # (PaO2/FiO2 400 wins over SpO2/FiO2 200) = 8..9; no failure, so no ACLF.
        assert clif_c_of_details(labs).to_dict() == {
            "organs": [
                {
                    "organ": "liver",
                    "subscore": 2,
                    "possible_subscores": [2],
                    "failed": False,
                    "basis": "bilirubin 6 mg/dL 6-12",
                    "missing": [],
                },
                {
                    "organ": "kidney",
                    "subscore": 1,
                    "possible_subscores": [1],
                    "failed": False,
                    "basis": "creatinine 1.7 mg/dL; no renal replacement",
                    "missing": [],
                },
                {
                    "organ": "brain",
                    "subscore": 1,
                    "possible_subscores": [1],
                    "failed": False,
                    "basis": "West Haven HE grade 0",
                    "missing": [],
                },
                {
                    "organ": "coagulation",
                    "subscore": 2,
                    "possible_subscores": [2],
                    "failed": False,
                    "basis": "INR 2 2.0-2.5",
                    "missing": [],
                },
                {
                    "organ": "circulation",
                    "subscore": None,
                    "possible_subscores": [1, 2],
                    "failed": False,
                    "basis": "MAP unknown; no vasopressors",
                    "missing": ["labs.map_mmhg"],
                },
                {
                    "organ": "respiration",
                    "subscore": 1,
                    "possible_subscores": [1],
                    "failed": False,
                    "basis": "PaO2/FiO2 400 (wins over SpO2/FiO2)",
                    "missing": [],
                },
            ],
            "total": None,
            "lowest_total": 8,
            "highest_total": 9,
            "possible_grades": [0],
            "grade": 0,
            "kidney_dysfunction": True,
            "grade_basis": "no ACLF (no organ failure)",
            "missing": ["labs.map_mmhg"],
            "source": OF_SOURCE,
        }

    def test_known_kidney_failure_with_renal_replacement_unknown(self) -> None:
        """§7.3: creatinine 2.5 fails the kidney whether or not renal replacement runs."""
        labs = normal(
            pao2_fio2=None,
            spo2_fio2=D(300),
            mechanical_ventilation=None,
            bilirubin_mg_dl=D(12),
            inr=D("2.5"),
            creatinine_mg_dl=D("2.5"),
            renal_replacement=None,
            vasopressors=None,
        )
        # Liver 2 (12 is not > 12) + kidney 2..3 + brain 1 + coagulation 3 + circulation 1..3
        # + respiration 2..3 (SpO2/FiO2 300: 214 < 300 <= 357) = 11..15. Kidney and coagulation
        # fail: grade 2, or 3 with vasopressors or ventilation. Renal replacement can no longer
        # change the grade, so the grade's missing facts leave it out.
        details = clif_c_of_details(labs)
        assert details.explain() == lines(
            "liver: 2 (bilirubin 12 mg/dL 6-12)",
            "kidney: 2 or 3, failed (creatinine 2.5 mg/dL; renal replacement unknown)",
            "brain: 1 (West Haven HE grade 0)",
            "coagulation: 3, failed (INR 2.5 >= 2.5)",
            "circulation: 1 or 3, failure unknown (MAP 85 mmHg; vasopressors unknown)",
            "respiration: 2 or 3, failure unknown (SpO2/FiO2 300 (no PaO2/FiO2); mechanical "
            "ventilation unknown)",
            "CLIF-C OF unknown (possible 11-15); ACLF grade 2 or 3 still possible (known: "
            "kidney, coagulation failure; not yet known: labs.vasopressors, "
            "labs.mechanical_ventilation)",
            f"source: {OF_SOURCE}",
        )
        assert organ_failures(labs)["kidney"] is True
        assert details.missing == (
            "labs.renal_replacement",
            "labs.vasopressors",
            "labs.mechanical_ventilation",
        )
        assert aclf_grade_details(labs).missing == (
            "labs.vasopressors",
            "labs.mechanical_ventilation",
        )
        assert details.kidney_dysfunction is False

    @pytest.mark.parametrize(
        ("bilirubin", "band"),
        [("5.99", "< 6"), ("6", "6-12"), ("12", "6-12"), ("12.01", "> 12")],
    )
    def test_liver_band_words(self, bilirubin: str, band: str) -> None:
        """§7.2: the liver's band in words, ends included as in the table."""
        basis = clif_c_of_details(normal(bilirubin_mg_dl=D(bilirubin))).organs[0].basis
        assert basis == f"bilirubin {bilirubin} mg/dL {band}"

    @pytest.mark.parametrize(
        ("inr", "band"),
        [("1.99", "< 2.0"), ("2.0", "2.0-2.5"), ("2.49", "2.0-2.5"), ("2.5", ">= 2.5")],
    )
    def test_coagulation_band_words(self, inr: str, band: str) -> None:
        """§7.2: the INR band in words, ends included as in the table."""
        assert clif_c_of_details(normal(inr=D(inr))).organs[3].basis == f"INR {inr} {band}"

    @pytest.mark.parametrize(
        ("changes", "dysfunction"),
        [
            ({"creatinine_mg_dl": D("1.7")}, True),
            ({"creatinine_mg_dl": D("1.49")}, False),
            ({"creatinine_mg_dl": D(2)}, False),  # failure, not dysfunction
            ({"renal_replacement": None}, False),  # Cr 0.9: normal or renal replacement
            ({"creatinine_mg_dl": D("1.7"), "renal_replacement": None}, None),
            ({"creatinine_mg_dl": None}, None),
        ],
    )
    def test_kidney_dysfunction(self, changes: dict[str, Any], dysfunction: bool | None) -> None:
        """§7.4: kidney dysfunction is 1.5 <= Cr < 2.0 without failure; None while open."""
        assert clif_c_of_details(normal(**changes)).kidney_dysfunction is dysfunction

    def test_respiration_unknown_ventilation_and_low_ratio(self) -> None:
        """§7.3: PaO2/FiO2 150 already scores 3, so unknown ventilation is not missing."""
        labs = normal(pao2_fio2=D(150), mechanical_ventilation=None)
        organ = clif_c_of_details(labs).organs[5]
        assert (organ.subscore, organ.basis, organ.missing) == (
            3,
            "PaO2/FiO2 150; mechanical ventilation unknown",
            (),
        )
        open_labs = normal(pao2_fio2=D(350), mechanical_ventilation=None)
        assert clif_c_of_details(open_labs).organs[5].missing == ("labs.mechanical_ventilation",)

    def test_creatinine_unknown_without_renal_replacement(self) -> None:
        """§7.3: no renal replacement and creatinine unknown: only creatinine is missing."""
        organ = clif_c_of_details(normal(creatinine_mg_dl=None)).organs[1]
        assert (organ.basis, organ.missing) == (
            "creatinine unknown; no renal replacement",
            ("labs.creatinine_mg_dl",),
        )

    def test_decided_grade_lists_nothing_missing(self) -> None:
        """§7.4: three known failures decide grade 3; the other unknown organs are not missing."""
        details = aclf_grade_details(Labs(bilirubin_mg_dl=D(13), inr=D(3), he_grade=4))
        assert (details.grade, details.missing) == (3, ())
        assert details.basis == "ACLF grade 3 (liver, brain, coagulation failure)"

    def test_two_open_organs_both_listed(self) -> None:
        """§5: INR and HE both unknown with liver failure: both paths, in §7.2 order."""
        labs = normal(bilirubin_mg_dl=D(13), inr=None, he_grade=None)
        assert clif_c_of_details(labs).missing == ("labs.he_grade", "labs.inr")
        assert aclf_grade_details(labs).missing == ("labs.he_grade", "labs.inr")


class TestGradeSentences:
    """§7.4: the grade of a single failure names creatinine and HE, which decided it."""

    @pytest.mark.parametrize(
        ("changes", "basis"),
        [
            ({}, "no ACLF (no organ failure)"),
            (
                {"bilirubin_mg_dl": D(13), "creatinine_mg_dl": D("1.2")},
                "no ACLF (liver failure alone; creatinine 1.2 mg/dL (< 1.5), no HE)",
            ),
            (
                {"bilirubin_mg_dl": D(13), "creatinine_mg_dl": D("1.7")},
                "ACLF grade 1 (liver failure alone; creatinine 1.7 mg/dL (1.5-2.0), no HE)",
            ),
            (
                {"bilirubin_mg_dl": D(13), "he_grade": 2},
                "ACLF grade 1 (liver failure alone; creatinine 0.9 mg/dL (< 1.5), HE grade 2)",
            ),
            ({"creatinine_mg_dl": D("2.5")}, "ACLF grade 1 (kidney failure)"),
            (
                {"bilirubin_mg_dl": D(13), "inr": D(3)},
                "ACLF grade 2 (liver, coagulation failure)",
            ),
        ],
    )
    def test_basis(self, changes: dict[str, Any], basis: str) -> None:
        """The grade in words: failed organs, and for one non-kidney failure its context."""
        labs = normal(**changes)
        assert aclf_grade_details(labs).basis == basis
        assert clif_c_of_details(labs).grade_basis == basis

    def test_grade_details_record(self) -> None:
        """§5 I2's example (liver failure, Cr 1.7, INR unknown) as a JSON record."""
        labs = normal(bilirubin_mg_dl=D(14), creatinine_mg_dl=D("1.7"), inr=None)
        assert aclf_grade_details(labs).to_dict() == {
            "possible_grades": [1, 2],
            "grade": None,
            "failed_organs": ["liver"],
            "basis": (
                "ACLF grade 1 or 2 still possible (known: liver failure; not yet known: labs.inr)"
            ),
            "missing": ["labs.inr"],
            "source": OF_SOURCE,
        }

    @pytest.mark.parametrize(
        ("grades", "words"),
        [
            ({0}, "no ACLF"),
            ({1}, "ACLF grade 1"),
            ({0, 2}, "no ACLF or ACLF grade 2"),
            ({3, 1, 2}, "ACLF grade 1, 2 or 3"),
            ({0, 1, 2, 3}, "no ACLF or ACLF grade 1, 2 or 3"),
        ],
    )
    def test_describe_grades(self, grades: set[int], words: str) -> None:
        """§7.4: grades in words, in order, 0 as "no ACLF"."""
        assert describe_grades(grades) == words


class TestMeldFigures:
    """§7.6: every figure of MELD and MELD-Na, as a clinician checks it by hand."""

    def test_renal_replacement_and_floors(self) -> None:
        """Renal replacement sets Cr to 4; bilirubin 0.5 counts as 1: sum 1.9697 -> 20."""
        # 0.957 ln 4 = 0.957 x 1.386294 = 1.326684; + 0.643 = 1.969684 -> 2.0 -> 20
        details = meld_details(Labs(renal_replacement=True, bilirubin_mg_dl=D("0.5"), inr=D(1)))
        assert details.explain() == lines(
            "creatinine_mg_dl = unknown",
            "renal_replacement = yes",
            "bilirubin_mg_dl = 0.5",
            "inr = 1",
            "creatinine_used = 4",
            "creatinine_rule = renal replacement: set to 4",
            "bilirubin_used = 1",
            "inr_used = 1",
            "0.957 x ln(creatinine) = 1.3267",
            "0.378 x ln(bilirubin) = 0.0000",
            "1.120 x ln(INR) = 0.0000",
            "MELD(i) sum (+ 0.643) = 1.9697",
            "MELD(i) = round to 0.1, x 10 = 20",
            "MELD = 20",
            f"source: {MELD_SOURCE}",
        )
        assert details.missing == ()

    def test_creatinine_below_one_and_exactly_forty(self) -> None:
        """Cr 0.5 counts as 1.0; bili 40, INR 6: sum 4.0442 -> 40, at the cap, not over."""
        # 0.378 ln 40 = 0.378 x 3.688879 = 1.394396; 1.120 ln 6 = 1.120 x 1.791759 = 2.006770;
        # + 0.643 = 4.044166 -> 4.0 -> 40
        labs = Labs(
            creatinine_mg_dl=D("0.5"), renal_replacement=False, bilirubin_mg_dl=D(40), inr=D(6)
        )
        assert meld_details(labs).explain() == lines(
            "creatinine_mg_dl = 0.5",
            "renal_replacement = no",
            "bilirubin_mg_dl = 40",
            "inr = 6",
            "creatinine_used = 1",
            "creatinine_rule = 0.5 < 1.0: set to 1.0",
            "bilirubin_used = 40",
            "inr_used = 6",
            "0.957 x ln(creatinine) = 0.0000",
            "0.378 x ln(bilirubin) = 1.3944",
            "1.120 x ln(INR) = 2.0068",
            "MELD(i) sum (+ 0.643) = 4.0442",
            "MELD(i) = round to 0.1, x 10 = 40",
            "MELD = 40",
            f"source: {MELD_SOURCE}",
        )

    def test_creatinine_exactly_one_is_as_measured(self) -> None:
        """§7.6: creatinine 1.0 is not below 1.0: used as measured."""
        details = meld_details(normal(creatinine_mg_dl=D("1.0")))
        assert details.figures["creatinine_rule"] == "as measured"

    def test_nothing_known(self) -> None:
        """§7.7: unknown labs give no MELD, and name the four facts it needs, in order."""
        details = meld_details(Labs())
        assert details.to_dict() == {
            "score": "MELD",
            "value": None,
            "steps": {
                "creatinine_mg_dl": None,
                "renal_replacement": None,
                "bilirubin_mg_dl": None,
                "inr": None,
                "creatinine_used": None,
                "creatinine_rule": "unknown",
            },
            "missing": [
                "labs.creatinine_mg_dl",
                "labs.renal_replacement",
                "labs.bilirubin_mg_dl",
                "labs.inr",
            ],
            "source": MELD_SOURCE,
        }
        assert details.explain().splitlines()[-3:] == [
            "MELD = unknown",
            (
                "missing: labs.creatinine_mg_dl, labs.renal_replacement, labs.bilirubin_mg_dl, "
                "labs.inr"
            ),
            f"source: {MELD_SOURCE}",
        ]

    @pytest.mark.parametrize(
        ("changes", "missing"),
        [
            ({"bilirubin_mg_dl": None}, ("labs.bilirubin_mg_dl",)),
            ({"inr": None}, ("labs.inr",)),
            ({"creatinine_mg_dl": None}, ("labs.creatinine_mg_dl",)),
        ],
    )
    def test_one_lab_unknown(self, changes: dict[str, Any], missing: tuple[str, ...]) -> None:
        """§7.7: any one of the three labs unknown leaves MELD and MELD-Na unknown."""
        labs = normal(**changes)
        assert (meld(labs), meld_na(labs)) == (None, None)
        assert meld_details(labs).missing == missing

    def test_meld_na_rj001(self) -> None:
        """RJ-001: MELD(i) 28 > 11, sodium 134: 28 + 3.96 - 2.772 = 29.188 -> 29."""
        # 0.957 ln 1.1 = 0.091212; 0.378 ln 14.2 = 1.002931; 1.120 ln 2.6 = 1.070172;
        # + 0.643 = 2.807315 -> 2.8 -> 28
        assert meld_na_details(RJ001).explain() == lines(
            "creatinine_mg_dl = 1.1",
            "renal_replacement = no",
            "bilirubin_mg_dl = 14.2",
            "inr = 2.6",
            "sodium_mmol_l = 134",
            "creatinine_used = 1.1",
            "creatinine_rule = as measured",
            "bilirubin_used = 14.2",
            "inr_used = 2.6",
            "0.957 x ln(creatinine) = 0.0912",
            "0.378 x ln(bilirubin) = 1.0029",
            "1.120 x ln(INR) = 1.0702",
            "MELD(i) sum (+ 0.643) = 2.8073",
            "MELD(i) = round to 0.1, x 10 = 28",
            "sodium_used (125-137) = 134",
            "137 - sodium = 3",
            "MELD(i) + 1.32 x (137 - Na) - 0.033 x MELD(i) x (137 - Na) = 29.1880",
            "MELD-Na = round half up = 29",
            "MELD-Na = 29",
            f"source: {MELD_NA_SOURCE}",
        )

    def test_meld_na_calculator_variant(self) -> None:
        """C4 variant: MELD(i) 28.0731 unrounded: + 3.96 - 2.7792 = 29.2539 -> 29."""
        # 0.033 x 28.07315 x 3 = 2.779242
        details = meld_na_details(RJ001, unrounded=True)
        assert details.figures["MELD(i) = 10 x sum, unrounded"] == D("28.0731")
        assert details.figures["MELD(i) + 1.32 x (137 - Na) - 0.033 x MELD(i) x (137 - Na)"] == D(
            "29.2539"
        )
        assert (details.value, details.source) == (29, MELD_NA_CALCULATOR_SOURCE)

    def test_meld_na_at_threshold_needs_no_sodium(self) -> None:
        """C4: MELD(i) exactly 11 is not > 11: no sodium term, and the step says so."""
        # 1.120 ln 1.51 = 1.120 x 0.412110 = 0.461563; + 0.643 = 1.104563 -> 1.1 -> 11
        labs = Labs(
            bilirubin_mg_dl=D(1),
            inr=D("1.51"),
            sodium_mmol_l=D(128),
            creatinine_mg_dl=D(1),
            renal_replacement=False,
        )
        assert meld_na_details(labs).explain().splitlines()[-6:] == [
            "MELD(i) sum (+ 0.643) = 1.1046",
            "MELD(i) = round to 0.1, x 10 = 11",
            "sodium term = MELD(i) <= 11: not applied",
            "MELD-Na = round half up = 11",
            "MELD-Na = 11",
            f"source: {MELD_NA_SOURCE}",
        ]
        assert meld_na(attrs.evolve(labs, sodium_mmol_l=None)) == 11
        assert meld_na_details(labs).missing == ()
        assert meld_na_details(RJ001).missing == ()

    def test_meld_na_cap(self) -> None:
        """Bili 40, INR 6, Cr 4, Na 120 (-> 125): 54 + 15.84 - 21.384 = 48.456 -> 48 -> 40."""
        labs = Labs(bilirubin_mg_dl=D(40), inr=D(6), creatinine_mg_dl=D(4), sodium_mmol_l=D(120))
        assert meld_na_details(labs).explain().splitlines()[5:7] == [
            "creatinine_used = 4",
            "creatinine_rule = 4 >= 4: set to 4",
        ]
        assert meld_na_details(labs).explain().splitlines()[-8:] == [
            "MELD(i) = round to 0.1, x 10 = 54",
            "sodium_used (125-137) = 125",
            "137 - sodium = 12",
            "MELD(i) + 1.32 x (137 - Na) - 0.033 x MELD(i) x (137 - Na) = 48.4560",
            "MELD-Na = round half up = 48",
            "cap = 48 > 40: capped at 40",
            "MELD-Na = 40",
            f"source: {MELD_NA_SOURCE}",
        ]
        assert meld_details(labs).figures["cap"] == "54 > 40: capped at 40"

    def test_meld_na_of_exactly_forty_is_not_capped(self) -> None:
        """§7.6: MELD(i) 40 with sodium 137 (no deficit) is MELD-Na 40, with no cap step."""
        labs = Labs(
            creatinine_mg_dl=D("0.5"),
            renal_replacement=False,
            bilirubin_mg_dl=D(40),
            inr=D(6),
            sodium_mmol_l=D(137),
        )
        assert meld_na_details(labs).explain().splitlines()[-6:] == [
            "sodium_used (125-137) = 137",
            "137 - sodium = 0",
            "MELD(i) + 1.32 x (137 - Na) - 0.033 x MELD(i) x (137 - Na) = 40.0000",
            "MELD-Na = round half up = 40",
            "MELD-Na = 40",
            f"source: {MELD_NA_SOURCE}",
        ]

    def test_meld_na_sodium_unknown_above_threshold(self) -> None:
        """§7.6: MELD(i) 28 needs sodium: unknown, the missing path named in explain()."""
        text = meld_na_details(attrs.evolve(RJ001, sodium_mmol_l=None)).explain()
        assert text.splitlines()[4] == "sodium_mmol_l = unknown"
        assert text.splitlines()[-3:] == [
            "MELD-Na = unknown",
            "missing: labs.sodium_mmol_l",
            f"source: {MELD_NA_SOURCE}",
        ]

    def test_meld_na_nothing_known(self) -> None:
        """§7.7: MELD-Na with nothing known names the MELD labs."""
        details = meld_na_details(Labs())
        assert details.value is None
        assert details.explain().splitlines()[-3:] == [
            "MELD-Na = unknown",
            (
                "missing: labs.creatinine_mg_dl, labs.renal_replacement, labs.bilirubin_mg_dl, "
                "labs.inr"
            ),
            f"source: {MELD_NA_SOURCE}",
        ]
        assert details.missing == (
            "labs.creatinine_mg_dl",
            "labs.renal_replacement",
            "labs.bilirubin_mg_dl",
            "labs.inr",
        )
        assert details.figures["sodium_mmol_l"] is None


class TestMeld3Figures:
    """§7.6: MELD 3.0 (Kim 2021), every term shown to 4 places."""

    def test_male_example(self) -> None:
        """Bili 2.5, INR 1.5, Cr 1.2, Na 135, albumin 3.0, male: sum 17.8534 -> 18."""
        # 4.56 ln 2.5 = 4.56 x 0.916291 = 4.178286; 0.82 x 2 = 1.64;
        # -0.24 x 2 x 0.916291 = -0.439820; 9.09 ln 1.5 = 9.09 x 0.405465 = 3.685678;
        # 11.14 ln 1.2 = 11.14 x 0.182322 = 2.031062; 1.85 x 0.5 = 0.925;
        # -1.83 x 0.5 x 0.182322 = -0.166824; + 6 -> 17.853382
        labs = Labs(
            bilirubin_mg_dl=D("2.5"),
            inr=D("1.5"),
            creatinine_mg_dl=D("1.2"),
            renal_replacement=False,
            sodium_mmol_l=D(135),
            albumin_g_dl=D("3.0"),
        )
        assert meld_3_details(labs, Sex.MALE).explain() == lines(
            "sex = male",
            "creatinine_mg_dl = 1.2",
            "renal_replacement = no",
            "bilirubin_mg_dl = 2.5",
            "inr = 1.5",
            "sodium_mmol_l = 135",
            "albumin_g_dl = 3.0",
            "creatinine_used = 1.2",
            "creatinine_rule = as measured",
            "bilirubin_used = 2.5",
            "inr_used = 1.5",
            "sodium_used (125-137) = 135",
            "albumin_used (1.5-3.5) = 3.0",
            "1.33 x female = 0.0000",
            "4.56 x ln(bilirubin) = 4.1783",
            "0.82 x (137 - Na) = 1.6400",
            "-0.24 x (137 - Na) x ln(bilirubin) = -0.4398",
            "9.09 x ln(INR) = 3.6857",
            "11.14 x ln(creatinine) = 2.0311",
            "1.85 x (3.5 - albumin) = 0.9250",
            "-1.83 x (3.5 - albumin) x ln(creatinine) = -0.1668",
            "constant = 6.0000",
            "sum = 17.8534",
            "MELD 3.0 = round half up = 18",
            "MELD 3.0 = 18",
            f"source: {MELD_3_SOURCE}",
        )
        assert meld_3_details(labs, Sex.MALE).to_dict()["steps"]["sex"] == "male"

    def test_female_capped(self) -> None:
        """Bili 30, INR 6, Cr 3, Na 125, albumin 1.5, female: sum 51.0887 -> 51 -> 40."""
        # 1.33; 4.56 ln 30 = 4.56 x 3.401197 = 15.509460; 0.82 x 12 = 9.84;
        # -0.24 x 12 x 3.401197 = -9.795448; 9.09 ln 6 = 16.287092; 11.14 ln 3 = 12.238541;
        # 1.85 x 2 = 3.7; -1.83 x 2 x 1.098612 = -4.020921; + 6 -> 51.088724
        labs = Labs(
            bilirubin_mg_dl=D(30),
            inr=D(6),
            creatinine_mg_dl=D(3),
            renal_replacement=False,
            sodium_mmol_l=D(125),
            albumin_g_dl=D("1.5"),
        )
        assert meld_3_details(labs, Sex.FEMALE).explain().splitlines()[7:] == [
            "creatinine_used = 3",
            "creatinine_rule = 3 >= 3: set to 3",
            "bilirubin_used = 30",
            "inr_used = 6",
            "sodium_used (125-137) = 125",
            "albumin_used (1.5-3.5) = 1.5",
            "1.33 x female = 1.3300",
            "4.56 x ln(bilirubin) = 15.5095",
            "0.82 x (137 - Na) = 9.8400",
            "-0.24 x (137 - Na) x ln(bilirubin) = -9.7954",
            "9.09 x ln(INR) = 16.2871",
            "11.14 x ln(creatinine) = 12.2385",
            "1.85 x (3.5 - albumin) = 3.7000",
            "-1.83 x (3.5 - albumin) x ln(creatinine) = -4.0209",
            "constant = 6.0000",
            "sum = 51.0887",
            "MELD 3.0 = round half up = 51",
            "cap = 51 > 40: capped at 40",
            "MELD 3.0 = 40",
            f"source: {MELD_3_SOURCE}",
        ]
        assert meld_3(labs, Sex.FEMALE) == 40

    def test_exactly_forty_is_not_capped(self) -> None:
        """§7.6: a MELD 3.0 of 40 is the cap itself: no cap step."""
        # Male, bili 7.5, INR 3, Cr 3, Na 130, albumin 3: 4.56 ln 7.5 = 9.187958 + 5.74
        # - 0.24 x 7 x 2.014903 (3.385037) + 9.09 ln 3 (9.986387) + 11.14 ln 3 (12.238541)
        # + 0.925 - 1.83 x 0.5 x ln 3 (1.005230) + 6 = 39.687619 -> 40
        labs = Labs(
            bilirubin_mg_dl=D("7.5"),
            inr=D(3),
            creatinine_mg_dl=D(3),
            renal_replacement=False,
            sodium_mmol_l=D(130),
            albumin_g_dl=D(3),
        )
        details = meld_3_details(labs, Sex.MALE)
        assert details.explain().splitlines()[-5:] == [
            "constant = 6.0000",
            "sum = 39.6876",
            "MELD 3.0 = round half up = 40",
            "MELD 3.0 = 40",
            f"source: {MELD_3_SOURCE}",
        ]

    def test_sex_error_names_field_value_and_rule(self) -> None:
        """§9: MELD 3.0 takes a Sex or None; the text 'female' is refused, word for word."""
        with pytest.raises(InvalidValueError) as caught:
            meld_3(RJ001, "female")  # type: ignore[arg-type]
        assert str(caught.value) == "sex: must be a Sex or None (§9); got 'female'"
        assert caught.value.value == "female"

    def test_renal_replacement_sets_creatinine_to_three(self) -> None:
        """Kim 2021: renal replacement counts as Cr 3.0: 11.14 ln 3 + 6 = 18.2385 -> 18."""
        labs = Labs(
            renal_replacement=True,
            bilirubin_mg_dl=D(1),
            inr=D(1),
            sodium_mmol_l=D(137),
            albumin_g_dl=D("3.5"),
        )
        details = meld_3_details(labs, Sex.MALE)
        assert details.figures["creatinine_rule"] == "renal replacement: set to 3"
        assert details.figures["sum"] == D("18.2385")
        assert details.value == 18

    def test_nothing_known(self) -> None:
        """§7.7: MELD 3.0 names every unknown it needs, sex last, and returns None."""
        details = meld_3_details(Labs(), None)
        assert details.explain() == lines(
            "sex = unknown",
            "creatinine_mg_dl = unknown",
            "renal_replacement = unknown",
            "bilirubin_mg_dl = unknown",
            "inr = unknown",
            "sodium_mmol_l = unknown",
            "albumin_g_dl = unknown",
            "creatinine_used = unknown",
            "creatinine_rule = unknown",
            "MELD 3.0 = unknown",
            "missing: labs.creatinine_mg_dl, labs.renal_replacement, labs.bilirubin_mg_dl, "
            "labs.inr, labs.sodium_mmol_l, labs.albumin_g_dl, sex",
            f"source: {MELD_3_SOURCE}",
        )
        assert meld_3(Labs(), None) is None

    @pytest.mark.parametrize(
        "missing",
        [
            "labs.bilirubin_mg_dl",
            "labs.inr",
            "labs.sodium_mmol_l",
            "labs.albumin_g_dl",
            "sex",
        ],
    )
    def test_each_fact_is_needed(self, missing: str) -> None:
        """§7.7: any one of MELD 3.0's facts unknown leaves it unknown, naming that fact."""
        record: dict[str, Any] = {
            "bilirubin_mg_dl": D(2),
            "inr": D("1.5"),
            "creatinine_mg_dl": D("1.2"),
            "renal_replacement": False,
            "sodium_mmol_l": D(135),
            "albumin_g_dl": D(3),
        }
        sex: Sex | None = Sex.FEMALE
        if missing == "sex":
            sex = None
        else:
            record[missing.removeprefix("labs.")] = None
        details = meld_3_details(Labs(**record), sex)
        assert (details.value, details.missing) == (None, (missing,))


class TestClifCFormulas:
    """§7.5: CLIF-C ACLF and CLIF-C AD figures, missing facts and the age range."""

    def test_clif_c_aclf_record(self) -> None:
        """RJ-001, age 53: ln 8.1 = 2.091864, 0.63 x it = 1.317874; 47.3787 unrounded."""
        record = clif_c_aclf_details(RJ001, 53).to_dict()
        assert record["value"] == pytest.approx(47.378744, abs=1e-6)
        assert {k: v for k, v in record.items() if k != "value"} == {
            "score": "CLIF-C ACLF",
            "steps": {
                "age": 53,
                "CLIF-C OF": 10,
                "wbc_10e9_l": "8.1",
                "ln(WBC)": "2.0919",
                "0.33 x CLIF-C OF": "3.30",
                "0.04 x age": "2.12",
                "0.63 x ln(WBC)": "1.3179",
            },
            "missing": [],
            "source": "CLIF-C ACLF: Jalan R et al., J Hepatol 2014;61:1038-47 (SPEC §7.5)",
        }

    def test_clif_c_aclf_missing_names_organ_and_wbc_facts(self) -> None:
        """§7.7: INR and WBC unknown: CLIF-C ACLF unknown, both paths named."""
        labs = attrs.evolve(RJ001, wbc_10e9_l=None, inr=None)
        details = clif_c_aclf_details(labs, 53)
        assert (details.value, details.missing) == (None, ("labs.inr", "labs.wbc_10e9_l"))
        assert details.explain().splitlines()[-4:] == [
            "wbc_10e9_l = unknown",
            "CLIF-C ACLF = unknown",
            "missing: labs.inr, labs.wbc_10e9_l",
            "source: CLIF-C ACLF: Jalan R et al., J Hepatol 2014;61:1038-47 (SPEC §7.5)",
        ]
        assert clif_c_aclf(labs, 53) is None
        only_wbc = clif_c_aclf_details(attrs.evolve(RJ001, wbc_10e9_l=None), 53)
        assert only_wbc.missing == ("labs.wbc_10e9_l",)

    def test_clif_c_ad_record(self) -> None:
        """Jalan 2015, age 55, Cr 1.2, INR 1.5, WBC 7, Na 132: every term to 4 places."""
        # 0.03 x 55 = 1.65; 0.66 ln 1.2 = 0.120332; 1.71 ln 1.5 = 0.693345;
        # 0.88 ln 7 = 0.88 x 1.945910 = 1.712401; -0.05 x 132 = -6.6; (sum + 8) x 10 = 55.7608
        labs = Labs(creatinine_mg_dl=D("1.2"), inr=D("1.5"), wbc_10e9_l=D(7), sodium_mmol_l=D(132))
        record = clif_c_ad_details(labs, 55).to_dict()
        assert record["value"] == pytest.approx(55.76078, abs=1e-5)
        assert {k: v for k, v in record.items() if k != "value"} == {
            "score": "CLIF-C AD",
            "steps": {
                "age": 55,
                "creatinine_mg_dl": "1.2",
                "inr": "1.5",
                "wbc_10e9_l": "7",
                "sodium_mmol_l": "132",
                "0.03 x age": "1.6500",
                "0.66 x ln(creatinine)": "0.1203",
                "1.71 x ln(INR)": "0.6933",
                "0.88 x ln(WBC)": "1.7124",
                "-0.05 x sodium": "-6.6000",
            },
            "missing": [],
            "source": "CLIF-C AD: Jalan R et al., J Hepatol 2015;62:831-40 (SPEC §7.5)",
        }
        assert clif_c_ad(labs, 55) == pytest.approx(55.76078, abs=1e-5)

    def test_clif_c_ad_nothing_known(self) -> None:
        """§7.7: age 0 is a valid age; every unknown lab is named, in the formula's order."""
        assert clif_c_ad_details(Labs(), 0).explain() == lines(
            "age = 0",
            "creatinine_mg_dl = unknown",
            "inr = unknown",
            "wbc_10e9_l = unknown",
            "sodium_mmol_l = unknown",
            "CLIF-C AD = unknown",
            "missing: labs.creatinine_mg_dl, labs.inr, labs.wbc_10e9_l, labs.sodium_mmol_l",
            "source: CLIF-C AD: Jalan R et al., J Hepatol 2015;62:831-40 (SPEC §7.5)",
        )
        assert clif_c_ad(Labs(), 0) is None

    @pytest.mark.parametrize(
        ("field", "label"),
        [
            ("creatinine_mg_dl", "labs.creatinine_mg_dl"),
            ("inr", "labs.inr"),
            ("wbc_10e9_l", "labs.wbc_10e9_l"),
            ("sodium_mmol_l", "labs.sodium_mmol_l"),
        ],
    )
    def test_clif_c_ad_each_lab_is_needed(self, field: str, label: str) -> None:
        """§7.7: any one CLIF-C AD lab unknown leaves it unknown, naming that lab."""
        record: dict[str, Any] = {
            "creatinine_mg_dl": D("1.2"),
            "inr": D("1.5"),
            "wbc_10e9_l": D(7),
            "sodium_mmol_l": D(132),
        }
        details = clif_c_ad_details(Labs(**{**record, field: None}), 55)
        assert (details.value, details.missing) == (None, (label,))

    @pytest.mark.parametrize("age", [0, 150])
    def test_age_range_ends_are_accepted(self, age: int) -> None:
        """§0: ages 0 and 150 are both whole years inside the range."""
        assert clif_c_aclf_details(RJ001, age).figures["age"] == age

    @pytest.mark.parametrize("age", [-1, 151])
    def test_age_error_names_field_value_and_rule(self, age: int) -> None:
        """§0: an age outside 0-150 names 'age', the value and the rule, word for word."""
        with pytest.raises(InvalidValueError) as caught:
            clif_c_ad(RJ001, age)
        err = caught.value
        assert (err.field, err.value) == ("age", age)
        assert str(err) == f"age: must be a whole number of years 0-150 (§0); got {age}"


class TestArgumentsAndDisplay:
    """§1, §9: every plain function checks its arguments; displayed figures round half up."""

    @pytest.mark.parametrize(
        "call",
        [
            lambda p: clif_c_of(RJ001, protocol=p),
            lambda p: meld(RJ001, protocol=p),
            lambda p: meld_na(RJ001, protocol=p),
            lambda p: meld_3(RJ001, Sex.MALE, protocol=p),
            lambda p: clif_c_aclf(RJ001, 53, protocol=p),
            lambda p: clif_c_ad(RJ001, 53, protocol=p),
        ],
    )
    def test_protocol_must_be_a_protocol(self, call: Any) -> None:
        """§1: a protocol that is not a Protocol is refused, naming field, value and rule."""
        with pytest.raises(InvalidValueError) as caught:
            call("NCT04822922")
        assert str(caught.value) == "protocol: must be a Protocol (§1); got 'NCT04822922'"

    def test_labs_error_keeps_the_value(self) -> None:
        """§9: a dict instead of Labs is named with its value."""
        with pytest.raises(InvalidValueError) as caught:
            meld({"inr": 2})  # type: ignore[arg-type]
        assert caught.value.value == {"inr": 2}

    def test_si_display_rounds_half_up(self) -> None:
        """§7.1: a value with more than 3 places is shown to 3, half up (5.1225 -> ≈5.123)."""
        basis = clif_c_of_details(normal(bilirubin_mg_dl=D("5.1225"))).organs[0].basis
        assert basis == "bilirubin ≈5.123 mg/dL < 6"
        assert clif_c_of_details(normal(bilirubin_mg_dl=D("5.125"))).organs[0].basis == (
            "bilirubin 5.125 mg/dL < 6"
        )

    def test_terms_display_rounds_half_up(self) -> None:
        """§7.6: terms are shown to 4 places half up: 0.82 x 0.0625 = 0.05125 -> 0.0513."""
        labs = Labs(
            bilirubin_mg_dl=D(1),
            inr=D(1),
            creatinine_mg_dl=D(1),
            renal_replacement=False,
            sodium_mmol_l=D("136.9375"),
            albumin_g_dl=D("3.5"),
        )
        assert meld_3_details(labs, Sex.MALE).figures["0.82 x (137 - Na)"] == D("0.0513")
