"""Operating Awn: health and readiness, metrics, backups and restore drills (issue 19)."""
