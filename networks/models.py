"""networks: placeholder until its issue lands."""
