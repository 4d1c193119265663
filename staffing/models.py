"""staffing: placeholder until its issue lands."""
