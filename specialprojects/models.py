"""specialprojects: placeholder until its issue lands."""
