"""Step 2: pseudonyms. HMAC-SHA-256 of the record id under a random per-export secret.

The secret lives only in a ``Pseudonymizer`` object; it is never written anywhere. The
caller destroys it (``destroy()`` or the context manager) when the export is done, after
which the same record gets an unlinkable pseudonym in any other export.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from types import TracebackType

SECRET_BYTES = 32
PSEUDONYM_CHARS = 16  # 64 bits: collisions are negligible for any realistic export


class Pseudonymizer:
    def __init__(self, secret: bytes | None = None) -> None:
        """``secret`` is for tests only; exports always draw a fresh random one."""
        self._secret: bytearray | None = bytearray(secret or os.urandom(SECRET_BYTES))

    def __call__(self, record_id: str) -> str:
        if self._secret is None:
            raise RuntimeError("the pseudonym secret was destroyed")
        digest = hmac.new(bytes(self._secret), record_id.encode("utf-8"), hashlib.sha256)
        return digest.hexdigest()[:PSEUDONYM_CHARS]

    def destroy(self) -> None:
        """Overwrite and forget the secret (best effort: Python may hold copies)."""
        if self._secret is not None:
            for i in range(len(self._secret)):
                self._secret[i] = 0
            self._secret = None

    @property
    def destroyed(self) -> bool:
        return self._secret is None

    def __enter__(self) -> Pseudonymizer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.destroy()
