"""`negoprep serve`: the local web app (cases, runs, the dossier, rehearsal) on 127.0.0.1.

Binding any other address needs an access token: `NEGOPREP_WEB_TOKEN`, or one generated and
printed at start. The web app and its libraries are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys

from negoprep.errors import UserError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "serve",
        help="the local web app: cases, runs, the dossier and rehearsal in the browser",
        description="Start the web app on 127.0.0.1 (the same settings, runs and cases as the CLI).",
    )
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default: 127.0.0.1; any other needs an access token)",
    )
    p.add_argument("--open", action="store_true", help="open the app in the browser")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import logging
    import webbrowser
    from dataclasses import replace

    import uvicorn

    from negoprep.app import settings as settings_mod
    from negoprep.web.app import create_app
    from negoprep.web.security import access_token_for, is_loopback
    from negoprep.web.state import config_from_env

    settings_mod.load_env_file()
    settings = settings_mod.from_env()
    sock = _listen(args.host, args.port)  # before anything is printed: the port may be taken
    config = config_from_env(args.host, args.port)
    config = replace(config, token=access_token_for(args.host, config.token))
    logging.basicConfig(level=logging.INFO, format="negoprep: %(message)s")
    url = f"http://{'127.0.0.1' if is_loopback(args.host) else args.host}:{args.port}/"
    shown = f"{url}?token={config.token}" if config.token else url
    print(f"negoprep: serving on {shown}", file=sys.stderr)
    if config.token and not is_loopback(args.host):
        print(
            "negoprep: every request needs this access token (open the address above once)",
            file=sys.stderr,
        )
    print(
        f"negoprep: cases in {config.data_dir}/cases, runs in {settings.runs_dir}; Ctrl-C stops",
        file=sys.stderr,
    )
    if args.open:
        webbrowser.open(shown)
    app = create_app(config, settings)
    server = uvicorn.Server(uvicorn.Config(app, access_log=False, log_level="warning"))
    server.run(sockets=[sock])
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, or a `UserError` naming the port and what to do."""
    try:
        return socket.create_server((host, port))
    except OSError as exc:
        raise UserError(
            f"cannot serve on {host}:{port}: {os.strerror(exc.errno) if exc.errno else exc} (another program, such as a "
            f"local model server, may be using it; choose another with --port, e.g. --port "
            f"{port + 1})"
        ) from None
