"""Settings of the server under load: the project's, with a fast password hasher.

Fifty people log in at the start of the run; with PBKDF2 those logins alone would
take the two workers most of a minute, and the run is about tasks, not hashing.
"""

from pagg.settings import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
