"""Contact-center analytics: KPIs defined once, computed from facts that event handlers write (issue 17)."""
