"""The onboarding flow on bare viewflow: the baseline of bench/http.py, never installed by pagg."""
