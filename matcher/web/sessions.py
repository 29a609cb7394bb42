"""Browser sessions held in memory only: each has its own round, its own form token
(CSRF) and its own language, and is forgotten when idle. The cookie carries a random
key and nothing else; no session is ever written to disk."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matcher.web.workbench import Workbench

COOKIE = "likematch_session"


@dataclass
class Session:
    """One browser's state. `lock` serialises its requests, so that two tabs cannot
    interleave decisions on the same round."""

    key: str
    language: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    signed_in: bool = False
    name: str = ""  # who leads the meeting, for the report's decisions
    workbench: Workbench | None = None
    messages: list[tuple[str, str]] = field(default_factory=list)  # (kind, text), shown once
    jobs: dict[str, Any] = field(default_factory=dict)
    seen: float = field(default_factory=time.monotonic)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def flash(self, kind: str, text: str) -> None:
        """Keep a message for the next page (after a redirect)."""
        self.messages.append((kind, text))

    def take_messages(self) -> list[tuple[str, str]]:
        """The messages kept for this page, which are then gone."""
        found, self.messages = self.messages, []
        return found

    def forget_round(self) -> None:
        """Drop the round and every job of this session."""
        self.workbench = None
        self.jobs.clear()
        self.messages.clear()


class SessionStore:
    """The sessions of one app. Lookups sweep out idle sessions, and a full store
    forgets its longest idle one, so memory stays bounded whatever clients do."""

    def __init__(
        self,
        idle_seconds: float,
        max_sessions: int,
        language: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self.idle_seconds = idle_seconds
        self.max_sessions = max_sessions
        self.language = language
        self._clock = clock

    def __len__(self) -> int:
        return len(self._sessions)

    def _sweep(self, now: float) -> None:
        for key in [k for k, s in self._sessions.items() if now - s.seen > self.idle_seconds]:
            del self._sessions[key]

    def get(self, key: str | None) -> Session | None:
        """The live session with this cookie key, or None (unknown or expired)."""
        now = self._clock()
        with self._lock:
            self._sweep(now)
            found = self._sessions.get(key) if key else None
            if found is not None:
                found.seen = now
            return found

    def create(self, *, signed_in: bool, language: str | None = None) -> Session:
        """A new session with a fresh random key."""
        now = self._clock()
        session = Session(
            key=secrets.token_urlsafe(32), language=language or self.language, seen=now
        )
        session.signed_in = signed_in
        with self._lock:
            self._sweep(now)
            while len(self._sessions) >= self.max_sessions:
                oldest = min(self._sessions.values(), key=lambda s: s.seen)
                del self._sessions[oldest.key]
            self._sessions[session.key] = session
        return session

    def drop(self, key: str) -> None:
        """Forget a session (signing in replaces it, so its key cannot be fixed beforehand)."""
        with self._lock:
            self._sessions.pop(key, None)
