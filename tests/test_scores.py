"""Liver scores: CLIF-C OF, organ failures, ACLF grade, CLIF-C ACLF/AD, MELD family (SPEC §7).

Worked examples name their source; every number is checked by hand in a comment (natural
logs to 5 places). Boundaries of the §7.2 table are pinned one by one.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aclf_protocol import (
    NCT04822922,
    InvalidValueError,
    Labs,
    Sex,
    VentilationReason,
    aclf_grade,
    aclf_grade_details,
    clif_c_aclf,
    clif_c_aclf_details,
    clif_c_ad,
    clif_c_of,
    clif_c_of_details,
    meld,
    meld_3,
    meld_3_details,
    meld_details,
    meld_na,
    meld_na_details,
    organ_failures,
    organ_subscores,
    possible_aclf_grades,
)
from aclf_protocol.scores import ORGANS, _half_up
from tests.fixtures import SPEC_RECORD
from tests.strategies import lab_completions, labs, worsened_labs

D = Decimal
HE = VentilationReason.HEPATIC_ENCEPHALOPATHY

#: Every organ known and normal: CLIF-C OF 6, no failure, no ACLF.
NORMAL: dict[str, Any] = {
    "bilirubin_mg_dl": D("1.0"),
    "creatinine_mg_dl": D("0.9"),
    "renal_replacement": False,
    "he_grade": 0,
    "inr": D("1.1"),
    "map_mmhg": D(85),
    "vasopressors": False,
    "pao2_fio2": D(400),
    "mechanical_ventilation": False,
}


def normal(**changes: Any) -> Labs:
    """Labs with every organ normal, except *changes*."""
    return Labs(**{**NORMAL, **changes})


def subscore(labs: Labs, organ: str) -> int | None:
    """One organ's CLIF-C OF sub-score."""
    return next(o.subscore for o in clif_c_of_details(labs).organs if o.organ == organ)


def failures(labs: Labs) -> int:
    """Organs known to have failed."""
    return sum(v is True for v in organ_failures(labs).values())


# SPEC §9 example patient RJ-001: liver and coagulation failure.
RJ001 = Labs.from_dict(SPEC_RECORD["labs"])


class TestSpecExample:
    """SPEC §9's patient RJ-001, scored by hand from the §7.2 table and §7.5-§7.6 formulas."""

    def test_clif_c_of_is_ten(self) -> None:
        """Liver 3 (14.2 > 12) + kidney 1 + brain 1 + coagulation 3 (2.6 >= 2.5) + 1 + 1 = 10."""
        assert clif_c_of(RJ001) == 10

    def test_liver_and_coagulation_fail(self) -> None:
        """Only the liver and coagulation fail (§7.3)."""
        assert dict(organ_failures(RJ001)) == {
            "liver": True,
            "kidney": False,
            "brain": False,
            "coagulation": True,
            "circulation": False,
            "respiration": False,
        }

    def test_aclf_grade_two(self) -> None:
        """Two organ failures: ACLF grade 2 (SPEC §9 says so)."""
        assert aclf_grade(RJ001) == 2
        assert aclf_grade_details(RJ001).basis == "ACLF grade 2 (liver, coagulation failure)"

    def test_clif_c_aclf(self) -> None:
        """Jalan 2014 formula, age 53: 10 x (3.3 + 2.12 + 0.63 x ln 8.1 - 2) = 47.3787."""
        # ln 8.1 = 2.09186; 0.63 x 2.09186 = 1.31787; 3.3 + 2.12 + 1.31787 - 2 = 4.73787
        assert clif_c_aclf(RJ001, 53) == pytest.approx(47.3787, abs=1e-4)

    def test_meld_and_meld_na(self) -> None:
        """OPTN MELD 28 and MELD-Na 29 (sodium 134)."""
        # 0.957 ln 1.1 = 0.09121; 0.378 ln 14.2 = 1.00293; 1.120 ln 2.6 = 1.07017;
        # + 0.643 = 2.80731 -> 2.8 -> MELD(i) 28.  28 + 1.32 x 3 - 0.033 x 28 x 3 = 29.188 -> 29
        assert meld(RJ001) == 28
        assert meld_na(RJ001) == 29


class TestPublishedMeldExamples:
    """MELD and MELD-Na worked examples from published pages (§7.6)."""

    def test_calculatorlib_example(self) -> None:
        """calculatorlib.com/meld-score-calculator example: bili 1.9, INR 1.2, Cr 1.3 -> 13."""
        # 0.957 ln 1.3 = 0.25108; 0.378 ln 1.9 = 0.24262; 1.120 ln 1.2 = 0.20420;
        # + 0.643 = 1.34090 -> 1.3 -> 13 (the page: 13.41 -> 13)
        labs = normal(bilirubin_mg_dl=D("1.9"), inr=D("1.2"), creatinine_mg_dl=D("1.3"))
        assert meld(labs) == 13

    def test_droracle_689324_corrected_to_21(self) -> None:
        """droracle.ai 689324: bili 3.59, INR 1.99, Cr 1.3; the page says 19, its own
        terms sum to 21.48, so 21."""
        # 0.25108 + 0.378 ln 3.59 (0.48314) + 1.120 ln 1.99 (0.77071) + 0.643 = 2.14793 -> 21
        labs = normal(bilirubin_mg_dl=D("3.59"), inr=D("1.99"), creatinine_mg_dl=D("1.3"))
        assert meld(labs) == 21

    def test_droracle_689334_with_natural_logs_is_18(self) -> None:
        """droracle.ai 689334: bili 2.8, INR 1.6, Cr 1.25 gives 18 with ln (the page used
        log10 and said 14)."""
        # 0.957 ln 1.25 = 0.21355; 0.378 ln 2.8 = 0.38920; 1.120 ln 1.6 = 0.52640;
        # + 0.643 = 1.77215 -> 1.8 -> 18
        labs = normal(bilirubin_mg_dl=D("2.8"), inr=D("1.6"), creatinine_mg_dl=D("1.25"))
        assert meld(labs) == 18

    def test_droracle_689337_corrected_to_26(self) -> None:
        """droracle.ai 689337: Cr 1.77, bili 3.8, INR 2.26; the page says "approximately 22"
        with ln, but the terms sum to 26.07, so 26."""
        # 0.957 ln 1.77 = 0.54643; 0.378 ln 3.8 = 0.50463; 1.120 ln 2.26 = 0.91321;
        # + 0.643 = 2.60727 -> 2.6 -> 26
        labs = normal(bilirubin_mg_dl=D("3.8"), inr=D("2.26"), creatinine_mg_dl=D("1.77"))
        assert meld(labs) == 26

    def test_optn_literal_and_calculator_meld_na_differ_near_11(self) -> None:
        """§7.6 (OPTN 2016 policy): bili 1.0, INR 1.51, Cr 1.0, Na 128 -> 11 OPTN-literal, 20
        unrounded."""
        # sum = 1.120 ln 1.51 (0.46156) + 0.643 = 1.10456. Literal: 1.1 -> MELD(i) 11, not > 11,
        # no sodium term -> 11. Unrounded: 11.0456 > 11 -> 11.0456 + 1.32 x 9
        # - 0.033 x 11.0456 x 9 = 19.645 -> 20.
        labs = normal(
            bilirubin_mg_dl=D("1.0"), inr=D("1.51"), creatinine_mg_dl=D("1.0"), sodium_mmol_l=D(128)
        )
        assert meld_na(labs) == 11
        assert meld_na(labs, unrounded=True) == 20

    def test_scoutmytool_meld_na_example(self) -> None:
        """scoutmytool.com/calc/health/meld-score: Cr 1.0, bili 1.5, INR 1.5, Na 135 -> MELD 13,
        MELD-Na 15; the unrounded variant gives 14."""
        # sum = 0.378 ln 1.5 (0.15327) + 1.120 ln 1.5 (0.45412) + 0.643 = 1.25039 -> 1.3 -> 13.
        # 13 + 1.32 x 2 - 0.033 x 13 x 2 = 14.782 -> 15.  Unrounded: 12.50387 + 2.64 - 0.82526
        # = 14.3186 -> 14.
        labs = normal(
            bilirubin_mg_dl=D("1.5"), inr=D("1.5"), creatinine_mg_dl=D("1.0"), sodium_mmol_l=D(135)
        )
        assert meld(labs) == 13
        assert meld_na(labs) == 15
        assert meld_na(labs, unrounded=True) == 14


class TestFormulaExamples:
    """Scores hand-computed from the published coefficients (Jalan 2014/2015, Kim 2021)."""

    def test_clif_c_ad(self) -> None:
        """CLIF-C AD (Jalan 2015): age 55, Cr 1.2, INR 1.5, WBC 7, Na 132 -> 55.7608."""
        # 0.03 x 55 = 1.65; 0.66 ln 1.2 = 0.12033; 1.71 ln 1.5 = 0.69335; 0.88 ln 7 = 1.71240;
        # -0.05 x 132 = -6.6; sum + 8 = 5.57608; x 10 = 55.7608
        labs = Labs(creatinine_mg_dl=D("1.2"), inr=D("1.5"), wbc_10e9_l=D(7), sodium_mmol_l=D(132))
        assert clif_c_ad(labs, 55) == pytest.approx(55.7608, abs=1e-4)

    def test_meld_3_male_and_female(self) -> None:
        """MELD 3.0 (Kim 2021): bili 2.5, INR 1.5, Cr 1.2, Na 135, albumin 3.0 -> 18 male,
        19 female."""
        # 4.56 ln 2.5 = 4.17829; 0.82 x 2 = 1.64; -0.24 x 2 x 0.91629 = -0.43982;
        # 9.09 ln 1.5 = 3.68568; 11.14 ln 1.2 = 2.03106; 1.85 x 0.5 = 0.925;
        # -1.83 x 0.5 x 0.18232 = -0.16682; + 6 -> 17.85338 -> 18; + 1.33 -> 19.18338 -> 19
        labs = normal(
            bilirubin_mg_dl=D("2.5"),
            inr=D("1.5"),
            creatinine_mg_dl=D("1.2"),
            sodium_mmol_l=D(135),
            albumin_g_dl=D("3.0"),
        )
        assert meld_3(labs, Sex.MALE) == 18
        assert meld_3(labs, Sex.FEMALE) == 19

    def test_meld_3_bounds(self) -> None:
        """MELD 3.0 bounds: Cr 3.5 -> 3.0, Na 120 -> 125, albumin 1.0 -> 1.5 (Kim 2021)."""
        # female 1.33 + 0.82 x 12 = 9.84 + 11.14 ln 3 = 12.23854 + 1.85 x 2 = 3.7
        # - 1.83 x 2 x ln 3 = -4.02092 + 6 -> 29.08762 -> 29 (bili and INR 1: their logs are 0)
        labs = normal(
            bilirubin_mg_dl=D("0.4"),
            inr=D("0.9"),
            creatinine_mg_dl=D("3.5"),
            sodium_mmol_l=D(120),
            albumin_g_dl=D("1.0"),
        )
        details = meld_3_details(labs, Sex.FEMALE)
        assert details.value == 29
        assert details.figures["creatinine_used"] == D(3)
        assert details.figures["sodium_used (125-137)"] == D(125)
        assert details.figures["albumin_used (1.5-3.5)"] == D("1.5")

    def test_meld_cap_40(self) -> None:
        """Bili 40, INR 6, Cr 4: the sum 5.37085 gives 54, capped at 40 (§7.6)."""
        # 0.957 ln 4 = 1.32668; 0.378 ln 40 = 1.39440; 1.120 ln 6 = 2.00677; + 0.643 = 5.37085
        labs = normal(bilirubin_mg_dl=D(40), inr=D(6), creatinine_mg_dl=D(4), sodium_mmol_l=D(120))
        assert meld(labs) == 40
        assert meld_na(labs) == 40
        assert meld_details(labs).figures["MELD(i) = round to 0.1, x 10"] == 54


class TestMeldRules:
    """OPTN bounds, renal replacement, unknowns and rounding (§7.6, §7.7)."""

    def test_values_below_one_count_as_one(self) -> None:
        """Bili, INR, Cr below 1.0 count as 1.0: sum 0.643 -> MELD 6, the floor."""
        assert meld(normal(bilirubin_mg_dl=D("0.3"), inr=D("0.8"), creatinine_mg_dl=D("0.5"))) == 6

    def test_creatinine_above_four_counts_as_four(self) -> None:
        """Creatinine 6.5 scores as 4.0: 0.957 ln 4 + 0.643 = 1.96968 -> 20."""
        assert meld(normal(creatinine_mg_dl=D("6.5"), bilirubin_mg_dl=D(1), inr=D(1))) == 20

    def test_renal_replacement_sets_creatinine_to_four(self) -> None:
        """Renal replacement: creatinine 4.0 whatever was measured, even unknown -> 20."""
        assert meld(normal(renal_replacement=True, bilirubin_mg_dl=D(1), inr=D(1))) == 20
        unknown_cr = normal(renal_replacement=True, creatinine_mg_dl=None, inr=D(1))
        assert meld(attrs.evolve(unknown_cr, bilirubin_mg_dl=D(1))) == 20

    def test_unknown_renal_replacement_leaves_meld_unknown_below_four(self) -> None:
        """§7.6: renal replacement unknown with creatinine < 4 -> MELD unknown."""
        labs = normal(renal_replacement=None, creatinine_mg_dl=D("3.99"))
        assert meld(labs) is None
        assert meld_details(labs).missing == ("labs.renal_replacement",)

    def test_unknown_renal_replacement_does_not_matter_from_four(self) -> None:
        """Creatinine >= 4 already counts as 4.0, so renal replacement need not be known."""
        assert meld(normal(renal_replacement=None, creatinine_mg_dl=D(4))) is not None

    def test_unknown_lab_makes_meld_unknown(self) -> None:
        """§7.7: a needed lab unknown -> None, with the path named."""
        details = meld_details(normal(inr=None))
        assert details.value is None
        assert details.missing == ("labs.inr",)

    def test_meld_na_without_sodium_when_meld_i_at_most_11(self) -> None:
        """§7.6: MELD(i) <= 11 needs no sodium: INR 1.1 -> 0.10675 + 0.643 -> 0.7 -> 7."""
        assert meld_na(normal(sodium_mmol_l=None)) == 7

    def test_meld_na_needs_sodium_above_11(self) -> None:
        """MELD(i) 28 > 11 with sodium unknown -> MELD-Na unknown."""
        details = meld_na_details(attrs.evolve(RJ001, sodium_mmol_l=None))
        assert details.value is None
        assert details.missing == ("labs.sodium_mmol_l",)

    def test_sodium_is_bounded_to_125_137(self) -> None:
        """Sodium 110 scores as 125 and 150 as 137 (§7.6)."""
        low = attrs.evolve(RJ001, sodium_mmol_l=D(110))
        floor = attrs.evolve(RJ001, sodium_mmol_l=D(125))
        high = attrs.evolve(RJ001, sodium_mmol_l=D(150))
        assert meld_na(low) == meld_na(floor)
        assert meld_na(high) == meld(RJ001)  # 137 - 137 = 0: no sodium term

    def test_rounding_is_half_up_not_bankers(self) -> None:
        """§7.6: 12.5 -> 13 and 14.5 -> 15 (Python's round gives 12 and 14)."""
        assert [_half_up(D("12.5")), _half_up(D("14.5")), _half_up(D("14.4999"))] == [13, 15, 14]

    def test_meld_i_rounds_to_the_tenth_before_the_threshold(self) -> None:
        """MELD(i) is an integer (OPTN literal): the details show 11 for the sum 1.10456."""
        labs = normal(bilirubin_mg_dl=D(1), inr=D("1.51"), creatinine_mg_dl=D(1))
        assert meld_na_details(labs).figures["MELD(i) = round to 0.1, x 10"] == 11


class TestOrganTable:
    """Every boundary of the §7.2 table, compared exactly in Decimal (§7.1)."""

    @pytest.mark.parametrize(
        ("bilirubin", "score", "failed"),
        [("5.99", 1, False), ("6", 2, False), ("12", 2, False), ("12.01", 3, True)],
    )
    def test_liver(self, bilirubin: str, score: int, failed: bool) -> None:
        """Bilirubin < 6 -> 1; 6-12 -> 2; > 12 -> 3 and failure (12 itself is not)."""
        labs = normal(bilirubin_mg_dl=D(bilirubin))
        assert (subscore(labs, "liver"), organ_failures(labs)["liver"]) == (score, failed)

    @pytest.mark.parametrize(
        ("creatinine", "score", "failed"),
        [("1.99", 1, False), ("2.0", 2, True), ("3.49", 2, True), ("3.5", 3, True)],
    )
    def test_kidney(self, creatinine: str, score: int, failed: bool) -> None:
        """Creatinine < 2 -> 1; 2-3.5 -> 2 and failure already; >= 3.5 -> 3."""
        labs = normal(creatinine_mg_dl=D(creatinine))
        assert (subscore(labs, "kidney"), organ_failures(labs)["kidney"]) == (score, failed)

    @pytest.mark.parametrize(
        ("grade", "score", "failed"),
        [(0, 1, False), (1, 2, False), (2, 2, False), (3, 3, True), (4, 3, True)],
    )
    def test_brain(self, grade: int, score: int, failed: bool) -> None:
        """West Haven 0 -> 1; 1-2 -> 2; 3-4 -> 3 and failure."""
        labs = normal(he_grade=grade)
        assert (subscore(labs, "brain"), organ_failures(labs)["brain"]) == (score, failed)

    @pytest.mark.parametrize(
        ("inr", "score", "failed"),
        [("1.99", 1, False), ("2.0", 2, False), ("2.49", 2, False), ("2.5", 3, True)],
    )
    def test_coagulation(self, inr: str, score: int, failed: bool) -> None:
        """INR < 2.0 -> 1; 2.0-2.5 -> 2; >= 2.5 -> 3 and failure."""
        labs = normal(inr=D(inr))
        assert (subscore(labs, "coagulation"), organ_failures(labs)["coagulation"]) == (
            score,
            failed,
        )

    @pytest.mark.parametrize(
        ("pressure", "pressors", "score", "failed"),
        [("70", False, 1, False), ("69.9", False, 2, False), ("85", True, 3, True)],
    )
    def test_circulation(self, pressure: str, pressors: bool, score: int, failed: bool) -> None:
        """MAP >= 70 -> 1; < 70 -> 2 (no failure); vasopressors -> 3 and failure."""
        labs = normal(map_mmhg=D(pressure), vasopressors=pressors)
        assert (subscore(labs, "circulation"), organ_failures(labs)["circulation"]) == (
            score,
            failed,
        )

    @pytest.mark.parametrize(
        ("ratio", "score", "failed"),
        [("301", 1, False), ("300", 2, False), ("201", 2, False), ("200", 3, True)],
    )
    def test_respiration_pao2(self, ratio: str, score: int, failed: bool) -> None:
        """PaO2/FiO2 > 300 -> 1; 200-300 -> 2; <= 200 -> 3 and failure."""
        labs = normal(pao2_fio2=D(ratio))
        assert (subscore(labs, "respiration"), organ_failures(labs)["respiration"]) == (
            score,
            failed,
        )

    @pytest.mark.parametrize(
        ("ratio", "score", "failed"),
        [("358", 1, False), ("357", 2, False), ("215", 2, False), ("214", 3, True)],
    )
    def test_respiration_spo2(self, ratio: str, score: int, failed: bool) -> None:
        """Without PaO2/FiO2: SpO2/FiO2 > 357 -> 1; 214-357 -> 2; <= 214 -> 3 and failure."""
        labs = normal(pao2_fio2=None, spo2_fio2=D(ratio))
        assert (subscore(labs, "respiration"), organ_failures(labs)["respiration"]) == (
            score,
            failed,
        )

    def test_spo2_ratio_float_trap(self) -> None:
        """85.6 % on FiO2 0.4 is 214 exactly (float says 213.99999999999997): failure, 3."""
        labs = normal(pao2_fio2=None, spo2_fio2=D("85.6") / D("0.4"))
        assert subscore(labs, "respiration") == 3

    def test_pao2_wins_over_spo2(self) -> None:
        """§7.3: PaO2/FiO2 350 with SpO2/FiO2 200 scores 1 (the PaO2 ratio wins)."""
        labs = normal(pao2_fio2=D(350), spo2_fio2=D(200))
        assert subscore(labs, "respiration") == 1

    def test_renal_replacement_scores_three(self) -> None:
        """Renal replacement -> kidney 3 and failure, even with creatinine 0.8 (§7.2)."""
        labs = normal(renal_replacement=True, creatinine_mg_dl=D("0.8"))
        assert (subscore(labs, "kidney"), organ_failures(labs)["kidney"]) == (3, True)

    def test_respiratory_ventilation_is_respiratory_failure(self) -> None:
        """Mechanical ventilation (respiratory) -> respiration 3 even with PaO2/FiO2 400."""
        labs = normal(mechanical_ventilation=True)
        assert (subscore(labs, "respiration"), subscore(labs, "brain")) == (3, 1)

    def test_ventilation_for_hepatic_encephalopathy(self) -> None:
        """§7.3: ventilated for HE -> brain 3 (failure), respiration from the ratio (400 -> 1)."""
        labs = normal(mechanical_ventilation=True, ventilation_reason=HE)
        assert (subscore(labs, "brain"), subscore(labs, "respiration")) == (3, 1)
        assert organ_failures(labs)["brain"] is True
        assert organ_failures(labs)["respiration"] is False

    def test_subscores_by_organ(self) -> None:
        """RJ-001's sub-scores: liver 3, coagulation 3, the rest 1 (§7.2)."""
        assert dict(organ_subscores(RJ001)) == {
            "liver": 3,
            "kidney": 1,
            "brain": 1,
            "coagulation": 3,
            "circulation": 1,
            "respiration": 1,
        }

    def test_all_worst(self) -> None:
        """Every organ at its worst: CLIF-C OF 18, six failures, grade 3."""
        labs = Labs(
            bilirubin_mg_dl=D(20),
            renal_replacement=True,
            he_grade=4,
            inr=D(3),
            vasopressors=True,
            mechanical_ventilation=True,
        )
        assert (clif_c_of(labs), failures(labs), aclf_grade(labs)) == (18, 6, 3)


class TestSiUnits:
    """§7.1: SI inputs converted exactly, so boundaries hold in µmol/L too."""

    @pytest.mark.parametrize(
        ("key", "si", "organ", "score"),
        [
            ("bilirubin_umol_l", "102.6", "liver", 2),  # 6 mg/dL
            ("bilirubin_umol_l", "205.2", "liver", 2),  # 12 mg/dL: not > 12
            ("bilirubin_umol_l", "205.3", "liver", 3),
            ("creatinine_umol_l", "176.8", "kidney", 2),  # 2.0 mg/dL
            ("creatinine_umol_l", "309.4", "kidney", 3),  # 3.5 mg/dL (float: 3.4999999999999996)
        ],
    )
    def test_si_boundaries(self, key: str, si: str, organ: str, score: int) -> None:
        """Exact SI boundaries score like their conventional values."""
        record = {k: (v if isinstance(v, bool | int) else str(v)) for k, v in NORMAL.items()}
        record.pop(key.replace("umol_l", "mg_dl"))
        labs = Labs.from_dict({**record, key: si})
        assert subscore(labs, organ) == score

    def test_132_6_umol_is_kidney_dysfunction(self) -> None:
        """132.6 µmol/L is 1.5 mg/dL: with liver failure alone it makes ACLF grade 1 (§7.4)."""
        labs = Labs.from_dict(
            {"bilirubin_mg_dl": 13, "creatinine_umol_l": 132.6, "renal_replacement": False}
            | {k: v for k, v in NORMAL.items() if k not in {"bilirubin_mg_dl", "creatinine_mg_dl"}}
        )
        assert aclf_grade(labs) == 1


class TestGrades:
    """EASL-CLIF grades (Moreau 2013; EF-CLIF grade table; §7.4)."""

    @pytest.mark.parametrize(
        ("changes", "grade"),
        [
            ({}, 0),  # no organ failure
            ({"bilirubin_mg_dl": D(13)}, 0),  # liver alone, Cr < 1.5, no HE
            ({"bilirubin_mg_dl": D(13), "creatinine_mg_dl": D("1.49")}, 0),
            ({"bilirubin_mg_dl": D(13), "creatinine_mg_dl": D("1.5")}, 1),  # Cr 1.5-1.9
            ({"bilirubin_mg_dl": D(13), "creatinine_mg_dl": D("1.99")}, 1),
            ({"bilirubin_mg_dl": D(13), "he_grade": 1}, 1),  # HE I-II
            ({"inr": D("2.5"), "he_grade": 2}, 1),
            ({"vasopressors": True, "creatinine_mg_dl": D("1.7")}, 1),
            ({"pao2_fio2": D(150), "creatinine_mg_dl": D("1.2")}, 0),
            ({"creatinine_mg_dl": D(2)}, 1),  # kidney alone
            ({"renal_replacement": True}, 1),
            ({"he_grade": 3}, 0),  # brain alone, Cr < 1.5
            ({"he_grade": 3, "creatinine_mg_dl": D("1.6")}, 1),  # brain + Cr 1.5-1.9
            ({"bilirubin_mg_dl": D(13), "inr": D(3)}, 2),
            ({"creatinine_mg_dl": D(2), "he_grade": 4}, 2),
            ({"bilirubin_mg_dl": D(13), "inr": D(3), "vasopressors": True}, 3),
            ({"bilirubin_mg_dl": D(13), "inr": D(3), "creatinine_mg_dl": D(4), "he_grade": 3}, 3),
        ],
    )
    def test_grade(self, changes: dict[str, Any], grade: int) -> None:
        """The grade rule applied to one organ picture."""
        assert aclf_grade(normal(**changes)) == grade

    def test_spec_example_liver_failure_cr_1_7_inr_unknown(self) -> None:
        """§5 I2 / §7.4: liver failure, Cr 1.7, INR unknown -> {1, 2}, grade open."""
        labs = normal(bilirubin_mg_dl=D(14), creatinine_mg_dl=D("1.7"), inr=None)
        assert possible_aclf_grades(labs) == {1, 2}
        assert aclf_grade(labs) is None
        assert aclf_grade_details(labs).missing == ("labs.inr",)

    def test_three_known_failures_decide_grade_three(self) -> None:
        """§7.4: three known failures -> grade 3 whatever the unknown rest."""
        labs = Labs(bilirubin_mg_dl=D(13), inr=D(3), he_grade=4)
        assert aclf_grade(labs) == 3
        assert clif_c_of(labs) is None

    def test_nothing_known_allows_every_grade(self) -> None:
        """Empty labs: grades 0-3 all possible, CLIF-C OF between 6 and 18."""
        details = clif_c_of_details(Labs())
        assert details.possible_grades == (0, 1, 2, 3)
        assert (details.lowest_total, details.highest_total) == (6, 18)

    def test_unknown_renal_replacement_keeps_failure_open(self) -> None:
        """Cr 1.0 with renal replacement unknown: kidney failure unknown, grade 0 or 1."""
        labs = normal(renal_replacement=None)
        assert organ_failures(labs)["kidney"] is None
        assert possible_aclf_grades(labs) == {0, 1}

    def test_unknown_map_never_opens_a_failure(self) -> None:
        """MAP unknown without vasopressors: circulation not failed, sub-score 1 or 2."""
        labs = normal(map_mmhg=None)
        assert organ_failures(labs)["circulation"] is False
        assert clif_c_of(labs) is None
        assert aclf_grade(labs) == 0
        assert clif_c_of_details(labs).missing == ("labs.map_mmhg",)

    def test_unknown_ventilation_for_he_opens_brain(self) -> None:
        """HE 0, ventilation unknown, reason HE: brain 1 or 3; the missing fact is named."""
        labs = normal(mechanical_ventilation=None, ventilation_reason=HE, bilirubin_mg_dl=D(13))
        assert possible_aclf_grades(labs) == {0, 2}
        assert aclf_grade_details(labs).missing == ("labs.mechanical_ventilation",)

    def test_respiration_known_from_either_ratio(self) -> None:
        """§5: respiration is known from SpO2/FiO2 alone; unknown only when both are."""
        assert organ_failures(normal(pao2_fio2=None, spo2_fio2=D(400)))["respiration"] is False
        none = normal(pao2_fio2=None, spo2_fio2=None)
        assert organ_failures(none)["respiration"] is None
        assert aclf_grade(none) == 0  # a lone respiratory failure with Cr < 1.5, no HE: 0
        open_grade = attrs.evolve(none, creatinine_mg_dl=D("1.7"))
        assert possible_aclf_grades(open_grade) == {0, 1}
        assert aclf_grade_details(open_grade).missing == ("labs.pao2_fio2", "labs.spo2_fio2")


class TestExplanations:
    """Details values carry every figure and the source, and serialise to JSON."""

    def test_clif_c_of_details_names_each_organ(self) -> None:
        """One organ score per organ, in §7.2 order, with the facts in words."""
        details = clif_c_of_details(RJ001)
        assert tuple(o.organ for o in details.organs) == ORGANS
        assert details.organs[0].basis == "bilirubin 14.2 mg/dL > 12"
        assert "Jalan" in details.source
        assert json.loads(json.dumps(details.to_dict()))["total"] == 10

    def test_meld_details_show_bounded_inputs(self) -> None:
        """Bounded inputs and terms appear as figures; to_dict is JSON."""
        details = meld_details(normal(bilirubin_mg_dl=D("0.5"), inr=D("1.2")))
        assert details.figures["bilirubin_used"] == D(1)
        assert details.figures["creatinine_used"] == D(1)
        assert json.loads(json.dumps(details.to_dict()))["steps"]["creatinine_rule"].startswith(
            "0.9 < 1.0"
        )

    def test_explain_reads_as_lines(self) -> None:
        """explain() ends with the result and the source."""
        lines = clif_c_aclf_details(RJ001, 53).explain().splitlines()
        assert lines[-2].startswith("CLIF-C ACLF = 47.378")
        assert lines[-1].startswith("source: CLIF-C ACLF: Jalan R")

    def test_si_input_is_shown_to_three_places(self) -> None:
        """A converted SI value with many digits is shown rounded, marked ≈."""
        labs = Labs.from_dict({"bilirubin_umol_l": 100})
        assert clif_c_of_details(labs).organs[0].basis == "bilirubin ≈5.848 mg/dL < 6"


class TestErrors:
    """Bad arguments raise ProtocolErrors naming the argument."""

    def test_labs_must_be_labs(self) -> None:
        """A dict instead of Labs -> InvalidValueError on 'labs'."""
        with pytest.raises(InvalidValueError, match=r"^labs: must be a Labs"):
            clif_c_of({"inr": 2})  # type: ignore[arg-type]

    def test_age_must_be_whole_years(self) -> None:
        """Age -1, 53.5 or True -> InvalidValueError on 'age'."""
        for age in (-1, 53.5, True):
            with pytest.raises(InvalidValueError, match=r"^age: "):
                clif_c_aclf(RJ001, age)  # type: ignore[arg-type]

    def test_protocol_must_be_a_protocol(self) -> None:
        """protocol= must be a Protocol."""
        with pytest.raises(InvalidValueError, match=r"^protocol: "):
            aclf_grade(RJ001, protocol="NCT04822922")  # type: ignore[arg-type]

    def test_sex_must_be_a_sex(self) -> None:
        """MELD 3.0 takes a Sex, not a string."""
        with pytest.raises(InvalidValueError, match=r"^sex: "):
            meld_3(RJ001, "female")  # type: ignore[arg-type]

    def test_variant_protocol_accepted(self) -> None:
        """Scores take a variant protocol (§10) and give the same published scores."""
        variant = attrs.evolve(NCT04822922, max_age_years=75)
        assert clif_c_of(RJ001, protocol=variant) == 10


class TestScoreLaws:
    """§7.4/§7.7 laws over any labs: ranges, known-stays-known, completions and monotony."""

    @given(labs=labs())
    def test_ranges(self, labs: Labs) -> None:
        """CLIF-C OF in 6..18, grades in 0..3 and never empty, MELD scores in 6..40."""
        of = clif_c_of(labs)
        assert of is None or 6 <= of <= 18
        grades = possible_aclf_grades(labs)
        assert grades
        assert grades <= {0, 1, 2, 3}
        grade = aclf_grade(labs)
        assert grade is None or grades == {grade}
        for score in (meld(labs), meld_na(labs), meld_na(labs, unrounded=True)):
            assert score is None or 6 <= score <= 40

    @given(labs=labs(complete=True))
    def test_everything_known_decides_everything(self, labs: Labs) -> None:
        """Complete labs: every failure known, CLIF-C OF known, grade decided, scores known."""
        assert None not in organ_failures(labs).values()
        assert clif_c_of(labs) is not None
        assert aclf_grade(labs) is not None
        assert meld(labs) is not None
        assert meld_na(labs) is not None
        assert clif_c_aclf(labs, 50) is not None

    @given(data=st.data(), partial=labs())
    @example(data=None, partial=Labs(bilirubin_mg_dl=D(14), creatinine_mg_dl=D("1.7")))
    def test_completion_stays_within_possible(self, data: Any, partial: Labs) -> None:
        """Knowing more never leaves the possible grades; known failures and scores stay."""
        if data is None:  # the @example: complete with INR 3 (coagulation failure)
            full = attrs.evolve(partial, inr=D(3))
        else:
            full = data.draw(lab_completions(partial))
        assert possible_aclf_grades(full) <= possible_aclf_grades(partial)
        for organ, failed in organ_failures(partial).items():
            if failed is not None:
                assert organ_failures(full)[organ] is failed
        for score in (clif_c_of, meld, meld_na):
            if score(partial) is not None:
                assert score(full) == score(partial)

    @given(data=st.data(), before=labs())
    @example(data=None, before=normal(creatinine_mg_dl=D("1.49"), bilirubin_mg_dl=D(13)))
    def test_worse_labs_never_score_better(self, data: Any, before: Labs) -> None:
        """Any lab worsening: failures, CLIF-C OF and the grade never go down (§7.2-§7.4)."""
        if data is None:  # the @example: creatinine 1.49 -> 1.5 turns grade 0 into grade 1
            after = attrs.evolve(before, creatinine_mg_dl=D("1.5"))
        else:
            after = data.draw(worsened_labs(before))
        assert failures(after) >= failures(before)
        lo_before, lo_after = min(possible_aclf_grades(before)), min(possible_aclf_grades(after))
        hi_before, hi_after = max(possible_aclf_grades(before)), max(possible_aclf_grades(after))
        assert lo_after >= lo_before
        assert hi_after >= hi_before
        if aclf_grade(before) is not None and aclf_grade(after) is not None:
            assert aclf_grade(after) >= aclf_grade(before)  # type: ignore[operator]
        if clif_c_of(before) is not None and clif_c_of(after) is not None:
            assert clif_c_of(after) >= clif_c_of(before)  # type: ignore[operator]
        if meld(before) is not None and meld(after) is not None:
            assert meld(after) >= meld(before)  # type: ignore[operator]

    @given(labs=labs())
    def test_si_and_conventional_inputs_agree(self, labs: Labs) -> None:
        """§7.1: the same labs given in SI units score identically."""
        record = labs.to_dict()
        for si, (key, factor) in {
            "bilirubin_umol_l": ("bilirubin_mg_dl", D("17.1")),
            "creatinine_umol_l": ("creatinine_mg_dl", D("88.4")),
            "albumin_g_l": ("albumin_g_dl", D(10)),
        }.items():
            value = getattr(labs, key)
            del record[key]
            record[si] = None if value is None else str(value * factor)
        si_labs = Labs.from_dict(record)
        assert si_labs == labs
        assert clif_c_of_details(si_labs) == clif_c_of_details(labs)
        assert meld_na(si_labs) == meld_na(labs)

    @given(labs=labs())
    def test_details_agree_with_the_plain_functions(self, labs: Labs) -> None:
        """Each details value carries the same result as its plain function."""
        details = clif_c_of_details(labs)
        assert details.total == clif_c_of(labs)
        assert dict(details.organ_failures) == dict(organ_failures(labs))
        assert set(details.possible_grades) == possible_aclf_grades(labs)
        assert dict(organ_subscores(labs)) == {o.organ: o.subscore for o in details.organs}
        assert aclf_grade_details(labs).grade == aclf_grade(labs)
        assert meld_details(labs).value == meld(labs)
        assert json.loads(json.dumps(details.to_dict())) == details.to_dict()
