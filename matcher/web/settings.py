"""How one running app is set up: the address it listens on, its access token and the
limits that keep a shared machine's memory bounded."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from matcher.text.language import gettext as _

#: An idle session (and the round it holds) is forgotten after this many seconds.
DEFAULT_IDLE_SECONDS = 2 * 60 * 60
#: At most this many sessions are held; beyond it the longest idle one is forgotten.
MAX_SESSIONS = 200


class SettingsError(ValueError):
    """The server cannot start as asked; the message says what to do instead."""


def is_loopback(host: str) -> bool:
    """Whether `host` only listens on this machine (127.0.0.0/8, ::1 or localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class WebSettings:
    """The app's settings; `check` refuses an address others can reach without a token,
    because the pages carry health data."""

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    language: str = "nb"
    idle_seconds: float = DEFAULT_IDLE_SECONDS
    max_sessions: int = MAX_SESSIONS
    scheduler: str | None = None  # a Dask scheduler for the programme lead's long jobs
    workers: int = 1  # local processes for the programme lead's long jobs
    processes: int = 0  # worker processes for the round's solves (0: in the server)

    def check(self) -> None:
        """Raise `SettingsError` when the settings would expose personal data."""
        if self.token is not None and len(self.token) < 16:
            raise SettingsError(
                _("--token: use at least 16 characters, for example from a password manager")
            )
        if not is_loopback(self.host) and self.token is None:
            raise SettingsError(
                _(
                    "--host {host} lets other machines reach the app, and its pages hold "
                    "health data; give --token SECRET as well, or leave out --host to use "
                    "127.0.0.1"
                ).format(host=self.host)
            )
