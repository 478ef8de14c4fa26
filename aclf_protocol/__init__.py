"""aclf_protocol: the protocol of trial NCT04822922 (UC-MSC for ACLF) as tested Python.

The names here are the public contract of SPEC §10; module paths behind them may move.
"""

from aclf_protocol.dosing import (
    ReleaseCheck,
    cells_per_infusion,
    check_release,
    containers_needed,
    dose_deviation_percent,
    is_dose_within_tolerance,
    total_planned_cells,
    volume_to_draw_ml,
)
from aclf_protocol.errors import (
    InconsistentRecordError,
    InvalidRecordError,
    InvalidValueError,
    ProtocolError,
    UnknownKeyError,
)
from aclf_protocol.patient import (
    Consent,
    History,
    Labs,
    Never,
    Patient,
    Sex,
    Signer,
    VentilationReason,
    age_years,
)
from aclf_protocol.protocol import NCT04822922, Arm, Criterion, CriterionKind, DayWindow, Protocol
from aclf_protocol.schedule import (
    AdherenceReport,
    Infusion,
    InfusionPlan,
    InfusionStatus,
    Visit,
    build_plan,
    cancel_remaining,
    check_adherence,
    date_of_study_day,
    follow_up_visits,
    plan_infusions,
    record_infusion,
    safety_window_end,
    study_day,
)

__version__ = "0.1.0"

__all__ = [
    "NCT04822922",
    "AdherenceReport",
    "Arm",
    "Consent",
    "Criterion",
    "CriterionKind",
    "DayWindow",
    "History",
    "InconsistentRecordError",
    "Infusion",
    "InfusionPlan",
    "InfusionStatus",
    "InvalidRecordError",
    "InvalidValueError",
    "Labs",
    "Never",
    "Patient",
    "Protocol",
    "ProtocolError",
    "ReleaseCheck",
    "Sex",
    "Signer",
    "UnknownKeyError",
    "VentilationReason",
    "Visit",
    "__version__",
    "age_years",
    "build_plan",
    "cancel_remaining",
    "cells_per_infusion",
    "check_adherence",
    "check_release",
    "containers_needed",
    "date_of_study_day",
    "dose_deviation_percent",
    "follow_up_visits",
    "is_dose_within_tolerance",
    "plan_infusions",
    "record_infusion",
    "safety_window_end",
    "study_day",
    "total_planned_cells",
    "volume_to_draw_ml",
]
