"""Password hashes with Argon2id (argon2-cffi): slow on purpose, salted, parameters in the hash.

The default is RFC 9106's low-memory profile (64 MiB, 3 passes). A hash made with other
parameters still verifies and is redone with the current ones at the next successful login.
"""

from __future__ import annotations

import secrets

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

DEFAULT_PARAMETERS = profiles.RFC_9106_LOW_MEMORY
MIN_LENGTH = 10
MAX_LENGTH = 1024  # Argon2 takes any length; a cap keeps one request from hashing megabytes


class Passwords:
    """Hashes and checks passwords with one set of Argon2 parameters."""

    def __init__(self, parameters: Parameters = DEFAULT_PARAMETERS) -> None:
        self._hasher = PasswordHasher.from_parameters(parameters)
        # Verified against when the user is unknown, so that answer takes as long as any other.
        self._decoy = self._hasher.hash(secrets.token_urlsafe(24))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` matches `stored`; with no stored hash, spend the same time."""
        try:
            return self._hasher.verify(stored or self._decoy, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True


def weak_reason(password: str, username: str) -> str | None:
    """Why a new password is refused (a message key), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "identity.password_short"
    if len(password) > MAX_LENGTH:
        return "identity.password_long"
    if password.casefold() == username.casefold():
        return "identity.password_is_username"
    return None
