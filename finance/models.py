"""finance: placeholder until its issue lands."""
