"""Settings of the server bench/http.py measures: the project's, plus the bare baseline."""

from pagg.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.bareflow"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
