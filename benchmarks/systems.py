"""Start and stop the systems under test privately: MariaDB from Debian and edb-proxy.

Both bind 127.0.0.1 on a free port, require TLS and live entirely in a temporary directory
owned by the caller. Each server is started in its own session (`start_new_session=True`) so a
Ctrl-C at the terminal reaches only this script, which then stops the servers itself.

Invariants:
1. `stop()` is idempotent and never raises: SIGTERM, wait, then SIGKILL, then reap.
2. `cpu_seconds()` counts user+system time of the server process, its live descendants and
   the descendants it has reaped, read from /proc/<pid>/stat.
3. `sysbench_ca` is the CA sysbench should trust for this server (written as cacert.pem).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from certs import PKI

__all__ = [
    "EdbProxy",
    "MariaDB",
    "ServerError",
    "System",
    "free_port",
    "log_tail",
    "process_cpu_seconds",
]

_CLK_TCK = os.sysconf("SC_CLK_TCK")
REPO = Path(__file__).resolve().parent.parent


class ServerError(Exception):
    """A system under test could not be installed, started or configured."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def log_tail(path: Path, lines: int = 30) -> str:
    """Return the last `lines` lines of a text file, or "" if it cannot be read."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 2 (comm) is parenthesised and may contain spaces: split after the last ')'.
    return raw[raw.rindex(")") + 2 :].split()


def _children(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        if fields is not None:
            parents.setdefault(int(fields[1]), []).append(int(entry))
    out: list[int] = []
    todo = [root]
    while todo:
        pid = todo.pop()
        kids = parents.get(pid, [])
        out.extend(kids)
        todo.extend(kids)
    return out


def process_cpu_seconds(pid: int) -> float:
    """User+system CPU seconds of `pid`, its live descendants and reaped children."""
    total_ticks = 0
    for p in [pid, *_children(pid)]:
        fields = _stat_fields(p)
        if fields is None:
            continue
        # After comm: fields[0] is field 3 (state); utime, stime, cutime, cstime are 14..17.
        total_ticks += sum(int(fields[i]) for i in (11, 12, 13, 14))
    return total_ticks / _CLK_TCK


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class System:
    """A server under test. Subclasses fill in `_command`, `_prepare` and `_wait_ready`."""

    name = "system"
    start_timeout_s = 60.0
    stop_grace_s = 10.0

    def __init__(self, workdir: Path, pki: PKI) -> None:
        self.workdir = workdir
        self.pki = pki
        self.port = free_port()
        self.stdout_path = workdir / f"{self.name}.stdout"
        self.log_path = self.stdout_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.sysbench_ca: Path = pki.ca_cert

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise ServerError(f"{self.name} is not running")
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.pid)

    def version(self) -> str:
        raise NotImplementedError

    def config(self) -> dict[str, object]:
        """Settings worth recording next to the numbers."""
        return {}

    def _prepare(self) -> None:
        """Create data directories and files before the process starts."""

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _cwd(self) -> Path:
        return self.workdir

    def _wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            self._check_running()
            if _port_open(self.port):
                return
            time.sleep(0.2)
        raise ServerError(f"{self.name} did not accept TCP connections on port {self.port}")

    def _setup(self) -> None:
        """Configure the running server (users, databases)."""

    def _check_running(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            tail = log_tail(self.log_path)
            last = tail.splitlines()[-1] if tail else "(no output)"
            raise ServerError(
                f"{self.name} exited with code {self.proc.returncode} during start-up: {last}"
                f"\nlog tail:\n{tail}"
            )

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._prepare()
        with self.stdout_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self._command(),
                cwd=self._cwd(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready(time.monotonic() + self.start_timeout_s)
        self._setup()

    def stop(self) -> int | None:
        """Stop the server (SIGTERM, then SIGKILL after `stop_grace_s`); return its exit code."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=self.stop_grace_s)
            except subprocess.TimeoutExpired:
                print(f"  {self.name}: no exit {self.stop_grace_s:.0f} s after SIGTERM; SIGKILL")
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait()
        # Descendants left behind in the server's session (there should be none).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        return proc.returncode


class MariaDB(System):
    """MariaDB from Debian, installed into a private data directory."""

    name = "mariadb"
    stop_grace_s = 30.0

    def __init__(self, workdir: Path, pki: PKI, buffer_pool: str = "256M") -> None:
        super().__init__(workdir, pki)
        self.mariadbd = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
        self.datadir = workdir / "data"
        self.socket = workdir / "mysql.sock"
        self.buffer_pool = buffer_pool
        self.log_path = workdir / "mariadbd.err"

    def version(self) -> str:
        out = subprocess.run(
            [self.mariadbd, "--version"], capture_output=True, text=True, check=False
        )
        return out.stdout.strip()

    def _server_options(self) -> list[str]:
        return [
            f"--datadir={self.datadir}",
            f"--socket={self.socket}",
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            f"--ssl-cert={self.pki.server_cert}",
            f"--ssl-key={self.pki.server_key}",
            f"--ssl-ca={self.pki.ca_cert}",
            "--require-secure-transport=ON",
            f"--innodb-buffer-pool-size={self.buffer_pool}",
            "--max-connections=200",
            "--skip-name-resolve",
            f"--pid-file={self.workdir / 'mariadbd.pid'}",
            f"--log-error={self.log_path}",
            "--user=root",
        ]

    def config(self) -> dict[str, object]:
        return {"command": self._command()}

    def _prepare(self) -> None:
        install = shutil.which("mariadb-install-db")
        if install is None:
            raise ServerError("mariadb-install-db not found (apt-get install mariadb-server)")
        out = subprocess.run(
            [
                install,
                "--no-defaults",
                f"--datadir={self.datadir}",
                "--user=root",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if out.returncode != 0:
            raise ServerError(
                f"mariadb-install-db failed ({out.returncode}):\n{out.stdout[-2000:]}"
                f"\n{out.stderr[-2000:]}"
            )

    def _command(self) -> list[str]:
        return [self.mariadbd, "--no-defaults", *self._server_options()]

    def sql(self, statement: str, timeout_s: float = 30.0) -> str:
        """Run `statement` as root over the Unix socket; return tab-separated output."""
        out = subprocess.run(
            [
                "mariadb",
                "--no-defaults",
                f"--socket={self.socket}",
                "--user=root",
                "--batch",
                "--skip-column-names",
                "-e",
                statement,
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout_s,
        )
        if out.returncode != 0:
            raise ServerError(f"mariadb -e {statement!r} failed: {out.stderr.strip()}")
        return out.stdout

    def _wait_ready(self, deadline: float) -> None:
        last = ""
        while time.monotonic() < deadline:
            self._check_running()
            if self.socket.exists():
                try:
                    self.sql("SELECT 1", timeout_s=5)
                    return
                except (ServerError, subprocess.TimeoutExpired) as exc:
                    last = str(exc)
            time.sleep(0.2)
        raise ServerError(f"mariadbd not ready: {last}\n{log_tail(self.log_path)}")

    def _setup(self) -> None:
        # Debian's install-db creates anonymous accounts that would shadow sbtest@'%'
        # (design/testing.md section 10): drop every account with an empty user name.
        for line in self.sql("SELECT Host FROM mysql.user WHERE User = ''").splitlines():
            self.sql(f"DROP USER ''@'{line.strip()}'")
        # REQUIRE X509 proves that sysbench really presents its client certificate over TLS.
        self.sql(
            "CREATE DATABASE sbtest; "
            "CREATE USER 'sbtest'@'%' IDENTIFIED BY 'sbtest' REQUIRE X509; "
            "GRANT ALL ON sbtest.* TO 'sbtest'@'%';"
        )


class EdbProxy(System):
    """edb-proxy started as `python -m edb_proxy serve` from the repository."""

    name = "edb"
    start_timeout_s = 30.0
    stop_grace_s = 10.0

    def __init__(
        self,
        workdir: Path,
        pki: PKI,
        python: str | None = None,
        extra_args: list[str] | None = None,
    ) -> None:
        super().__init__(workdir, pki)
        self.python = python or sys.executable
        self.extra_args = list(extra_args or [])
        self.datadir = workdir / "data"
        self.manifest = workdir / "manifest.json"

    def version(self) -> str:
        out = subprocess.run(
            [
                self.python,
                "-c",
                "import importlib.metadata as m\n"
                "def v(name):\n"
                "    try:\n"
                "        return m.version(name)\n"
                "    except m.PackageNotFoundError:\n"
                "        return 'absent'\n"
                "print(v('edb-proxy') + '; uvloop ' + v('uvloop') + ' installed')",
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=REPO,
        )
        version = out.stdout.strip() or "unknown"
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if commit:
            version += f" ({commit}{'+dirty' if dirty else ''})"
        return version

    def config(self) -> dict[str, object]:
        return {"command": self._command(), "manifest": json.loads(self.manifest.read_text())}

    def _prepare(self) -> None:
        self.datadir.mkdir(parents=True, exist_ok=True)
        manifest = {
            "sql": [
                "CREATE DATABASE sbtest",
                "CREATE USER sbtest IDENTIFIED BY 'sbtest'",
                "GRANT ALL ON sbtest.* TO sbtest",
            ],
            "ca": self.pki.ca_pem(),
            "debug": False,
        }
        self.manifest.write_text(json.dumps(manifest, indent=2))

    def _command(self) -> list[str]:
        return [
            self.python,
            "-m",
            "edb_proxy",
            "serve",
            "--data-dir",
            str(self.datadir),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--manifest",
            str(self.manifest),
            *self.extra_args,
        ]

    def _cwd(self) -> Path:
        return REPO

    def _setup(self) -> None:
        # The server certifies itself under its own instance CA; let sysbench trust that one.
        # libmariadb (10.11) verifies the chain against cacert.pem (not the host name), so
        # sysbench cannot connect without the right CA.
        instance_ca = self.datadir / "tls" / "ca.pem"
        deadline = time.monotonic() + 5.0
        while not instance_ca.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        if not instance_ca.exists():
            raise ServerError(f"edb-proxy listens but wrote no instance CA at {instance_ca}")
        self.sysbench_ca = instance_ca
