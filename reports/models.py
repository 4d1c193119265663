"""Reports keep no state of their own yet; monthly report files come with issue 5's rest."""
