"""`likematch serve`: the coordinator's workbench and the HTTP API in the browser.

The web stack loads only when this command runs, so every other command starts as fast
as before.
"""

from __future__ import annotations

import errno
import os
import socket
import threading
import webbrowser
from typing import Annotated

import typer

from matcher.cli.common import LangOpt, err, fail, use_language
from matcher.text.language import current
from matcher.text.language import gettext as _

HostOpt = Annotated[
    str,
    typer.Option(help="Address to listen on. Anything but this machine (127.0.0.1) needs --token."),
]
PortOpt = Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")]
TokenOpt = Annotated[
    str | None,
    typer.Option(
        envvar="LIKEMATCH_TOKEN",
        metavar="SECRET",
        help="Access code (16+ characters): the API needs it as a Bearer header, and the "
        "pages ask for it once per browser.",
    ),
]
NoBrowserOpt = Annotated[
    bool, typer.Option("--no-browser", help="Do not open the browser at the app.")
]
IdleOpt = Annotated[
    int,
    typer.Option(
        "--idle-minutes", min=1, max=24 * 60, help="Forget a browser's round after this idle time."
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        metavar="tcp://HOST:PORT",
        help="Run the programme lead's simulations on this Dask scheduler.",
    ),
]
ProcessesOpt = Annotated[
    int | None,
    typer.Option(
        min=0,
        max=64,
        help="Worker processes for the round's solves, so that several coordinators are "
        "served at once (0: solve in the server itself). Default: one per core, at most 4.",
    ),
]
WorkersOpt = Annotated[
    int, typer.Option(min=1, max=256, help="Local processes for the programme lead's long jobs.")
]


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def serve(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    token: TokenOpt = None,
    no_browser: NoBrowserOpt = False,
    idle_minutes: IdleOpt = 120,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 1,
    processes: ProcessesOpt = None,
    lang: LangOpt = "nb",
) -> None:
    """Open the pairing meeting in the browser: upload the round, decide pair by pair,
    print the report. Also serves the HTTP API (/api/solve, /openapi.json)."""
    use_language(lang)
    # lazy: the web stack is heavy and only this command needs it
    import uvicorn

    # lazy: as above
    from matcher.web import WebSettings, create_app

    # lazy: as above
    from matcher.web.settings import SettingsError

    settings = WebSettings(
        host=host,
        port=port,
        token=token,
        language=current(),
        idle_seconds=idle_minutes * 60,
        scheduler=scheduler,
        workers=workers,
        processes=min(os.cpu_count() or 1, 4) if processes is None else processes,
    )
    try:
        app = create_app(settings)
        if not _port_free(host, port):
            fail(_("port {port} is in use; give another with --port").format(port=port))
    except SettingsError as error:
        fail(str(error))
    except OSError as error:
        fail(f"--host {host}: {error.strerror or error}")
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    err.print(_("likematch is running at {url}; press Ctrl+C to stop.").format(url=url))
    if not no_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=host.strip("[]"), port=port, access_log=False, log_level="warning")


def register(app: typer.Typer) -> None:
    """Add `serve` to the `likematch` app."""
    app.command("serve")(serve)
