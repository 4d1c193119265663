"""knowledge: placeholder until its issue lands."""
