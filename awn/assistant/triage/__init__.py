"""Learned triage: classify ticket text into labels learned from labelled history.

`TextClassifier` is loaded on first use (PEP 562): importing a submodule (the services, the selectors) must not
pull scikit-learn, SciPy and NumPy into a web worker that never classifies (issue 14: a worker <= 120 MB).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .classifier import TextClassifier

__all__ = ["TextClassifier"]


def __getattr__(name: str) -> Any:
    if name == "TextClassifier":
        from .classifier import TextClassifier

        return TextClassifier
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
