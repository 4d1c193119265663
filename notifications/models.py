"""notifications: placeholder until its issue lands."""
