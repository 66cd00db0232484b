"""Protection of minors' data (PDPL): the audit of every read, unmasking with a reason, exports and erasure (issue 15)."""
