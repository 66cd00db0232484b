"""Measuring the assistant, out of its runtime: the first line on labelled questions (assistant.py, run by
`manage.py eval_assistant`) and the intent classifier on labelled CSV files (intents.py, `manage.py eval_intents`,
bench/intent_*.py). No module that serves a question imports this package (tests/test_evaluation_apart.py in
awn/assistant checks it); training and model selection live in bench/assistant/. Figures: bench/RESULTS.md.
"""
