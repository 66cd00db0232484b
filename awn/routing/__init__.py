"""Routing, presence and capacity, workforce (forecast, Erlang staffing, live wait), surges (issue 18)."""
