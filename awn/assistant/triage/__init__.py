"""Learned triage: classify ticket text into labels learned from labelled history."""

from .classifier import TextClassifier

__all__ = ["TextClassifier"]
