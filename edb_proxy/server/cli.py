"""The ``edb-proxy`` command line: ``serve`` and ``demo``.

Exit codes: 0 after a clean shutdown, 2 for usage errors, 3 when the server cannot start
(message on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from edb_proxy import __version__
from edb_proxy.control.demo import prepare_demo
from edb_proxy.errors import EdbError
from edb_proxy.server.app import Server, StartupError, build_server
from edb_proxy.server.config import DEFAULT_PORT, ServerConfig

__all__ = ["main"]

log = logging.getLogger("edb_proxy.server")


def _on_off(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("on", "1", "true", "yes"):
        return True
    if lowered in ("off", "0", "false", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected on or off, got {value!r}")


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=Path("data"), help="data directory")
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="MySQL port (0 = any)")
    parser.add_argument(
        "--require-secure-transport",
        type=_on_off,
        default=True,
        metavar="on|off",
        help="refuse clients that do not use TLS (default on; off is for development only)",
    )
    parser.add_argument("--max-connections", type=int, default=151)
    parser.add_argument("--max-allowed-packet", type=int, default=64 * 1024 * 1024)
    parser.add_argument("--connect-timeout", type=float, default=10.0)
    parser.add_argument("--wait-timeout", type=float, default=28800.0)
    parser.add_argument("--net-read-timeout", type=float, default=30.0)
    parser.add_argument("--net-write-timeout", type=float, default=60.0)
    parser.add_argument("--lock-wait-timeout", type=float, default=50.0)
    parser.add_argument("--shutdown-grace", type=float, default=30.0)
    parser.add_argument(
        "--max-statement-time",
        type=float,
        default=30.0,
        help="seconds one statement may run before it fails with 3024 (0 = no cap)",
    )
    parser.add_argument(
        "--event-loop",
        choices=("asyncio", "uvloop", "trio"),
        default="asyncio",
        help="asyncio (stdlib, default), uvloop (measured slower here) or trio",
    )
    parser.add_argument("--tls-cert", type=Path, help="PEM server certificate chain")
    parser.add_argument("--tls-key", type=Path, help="PEM server private key")
    parser.add_argument("--log-level", default="INFO")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="edb-proxy", description=__doc__)
    parser.add_argument("--version", action="version", version=f"edb-proxy {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the server")
    _add_server_options(serve)
    serve.add_argument("--manifest", type=Path, help="manifest JSON (initializes a new data dir)")
    demo = sub.add_parser(
        "demo", help="create a demo PKI, root user and manifest, then serve (make serve)"
    )
    _add_server_options(demo)
    return parser


def _config(args: argparse.Namespace) -> ServerConfig:
    if (args.tls_cert is None) != (args.tls_key is None):
        raise StartupError("--tls-cert and --tls-key go together")
    return ServerConfig(
        data_dir=args.data_dir,
        host=args.host,
        port=args.port,
        require_secure_transport=args.require_secure_transport,
        max_connections=args.max_connections,
        max_allowed_packet=args.max_allowed_packet,
        connect_timeout=args.connect_timeout,
        wait_timeout=args.wait_timeout,
        net_read_timeout=args.net_read_timeout,
        net_write_timeout=args.net_write_timeout,
        lock_wait_timeout=args.lock_wait_timeout,
        shutdown_grace=args.shutdown_grace,
        max_statement_time=args.max_statement_time,
        event_loop=args.event_loop,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
    )


def _run(server: Server, on_ready: object) -> None:
    from collections.abc import Callable  # noqa: PLC0415

    ready: Callable[[int], None] = on_ready  # type: ignore[assignment]
    if server.config.event_loop == "trio":
        import trio  # noqa: PLC0415

        from edb_proxy.server.trio_adapter import run_trio  # noqa: PLC0415

        trio.run(run_trio, server, ready)
        return
    from edb_proxy.server.aio import new_event_loop, serve_asyncio  # noqa: PLC0415

    with asyncio.Runner(loop_factory=lambda: new_event_loop(server.config.event_loop)) as runner:
        runner.run(serve_asyncio(server, on_ready=ready))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``edb-proxy`` console script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        config = _config(args)
        manifest = args.manifest if args.command == "serve" else None
        demo_files = None
        if args.command == "demo":
            demo_files = prepare_demo(config.data_dir)
            manifest = demo_files.manifest
        server = build_server(config, manifest)
    except (EdbError, OSError) as exc:
        print(f"edb-proxy: cannot start: {exc}", file=sys.stderr)
        return 3

    def on_ready(port: int) -> None:
        print(f"edb-proxy {__version__} ready: listening on {config.host}:{port}", flush=True)
        insecure = config.insecure_settings()
        if not config.require_secure_transport:
            print("WARNING: require_secure_transport is OFF", flush=True)
        del insecure
        if demo_files is not None:
            ca = config.data_dir / "tls" / "ca.pem"
            command = [
                "mysql",
                "-h",
                config.host,
                "-P",
                str(port),
                "-u",
                "root",
                "--ssl-verify-server-cert",
                f"--ssl-ca={ca}",
                f"--ssl-cert={demo_files.root_cert}",
                f"--ssl-key={demo_files.root_key}",
            ]
            print("Connect with:\n  " + shlex.join(command), flush=True)

    try:
        _run(server, on_ready)
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"edb-proxy: cannot serve: {exc}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
