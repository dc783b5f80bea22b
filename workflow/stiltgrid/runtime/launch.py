"""Start jobs without paying the torch/transformers import every time.

Every Snakemake job is a new Python process, and importing torch and transformers costs ~5-7 s here, more than many
demo jobs compute. So a job script hands its work to a *fork server*: a process that imported the heavy third-party
modules once and forks a fresh worker per job (~10 ms). The worker gets the job's stdin/stdout/stderr (passed over
the socket), working directory, environment and ``sys.path``, imports ``stiltgrid`` anew (code edits are seen), runs
the job function and exits with its status, which the job process returns to Snakemake.

* The server never runs torch operations or touches CUDA, so forking it is safe and each worker still chooses its
  threads and GPU (stiltgrid.runtime.gpus) itself.
* If the job process dies (kill -9, Snakemake cancelling), the worker is killed too; a worker never outlives its job.
* The server is keyed to the Python executable and this checkout, and exits after ``IDLE_SECONDS`` without jobs.
* Off under SLURM (each job runs on its own allocation) and with ``STILTGRID_FORKSERVER=0``; any problem reaching the
  server falls back to running the job in the job process itself.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import os
import pickle
import select
import signal
import socket
import struct
import subprocess
import sys
import time

PRELOAD = (
    "numpy",
    "torch",
    "transformers",
    "transformers.models.xlm_roberta.modeling_xlm_roberta",
    "transformers.models.bert.modeling_bert",
    "tokenizers",
)
IDLE_SECONDS = float(os.environ.get("STILTGRID_FORKSERVER_IDLE", "120"))
START_TIMEOUT = 120.0
_HEADER = struct.Struct("!Q")


class ServerUnavailable(RuntimeError):
    pass


def enabled() -> bool:
    return (
        os.environ.get("STILTGRID_FORKSERVER", "1") != "0"
        and "SLURM_JOB_ID" not in os.environ
        and hasattr(socket, "send_fds")
        and sys.platform.startswith("linux")
    )


def socket_path() -> str:
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the stiltgrid package
    key = hashlib.sha256(f"{sys.executable}\0{package}".encode()).hexdigest()[:12]
    return os.path.join("/tmp", f"stiltgrid-forkserver-{os.getuid()}-{key}.sock")


def call(target: str, *args):
    """Import ``module:function`` and call it."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)(*args)


def run(target: str, *args) -> None:
    """Run ``target`` (``module:function``) with ``args`` in a forked worker; exit with the worker's status."""
    if not enabled():
        call(target, *args)
        return
    try:
        status = _run_remote(target, args)
    except ServerUnavailable as err:
        print(f"stiltgrid: fork server unavailable ({err}); running in this process", file=sys.stderr)
        call(target, *args)
        return
    if status != 0:
        sys.exit(status)


# -- client ----------------------------------------------------------------------------------------------------------
def _connect(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        raise
    return sock


def _connect_or_start(path: str) -> socket.socket:
    try:
        return _connect(path)
    except OSError:
        pass
    with open(path + ".lock", "w") as lock:  # one job starts the server; the others wait for it
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _connect(path)
        except OSError:
            if os.path.exists(path):
                os.unlink(path)  # left by a server that died
        with open(path + ".log", "ab") as log:
            subprocess.Popen(
                [sys.executable, "-m", "stiltgrid.runtime.launch", path],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                cwd="/",
                env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
            )
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            try:
                return _connect(path)
            except OSError:
                time.sleep(0.1)
    raise ServerUnavailable(f"no fork server at {path} after {START_TIMEOUT:.0f} s (see {path}.log)")


def _run_remote(target: str, args: tuple) -> int:
    path = socket_path()
    sock = _connect_or_start(path)
    payload = pickle.dumps(
        {"target": target, "args": args, "cwd": os.getcwd(), "env": dict(os.environ), "sys_path": list(sys.path)}
    )
    try:
        socket.send_fds(sock, [_HEADER.pack(len(payload))], [0, 1, 2])
        sock.sendall(payload)
        reply = _recv_exact(sock, 4)
    except OSError as err:
        raise ServerUnavailable(f"lost the fork server: {err}") from None
    finally:
        sock.close()
    return struct.unpack("!i", reply)[0]


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    return data


# -- server ----------------------------------------------------------------------------------------------------------
def serve(path: str) -> None:
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    tmp = f"{path}.{os.getpid()}"
    server.bind(tmp)
    os.replace(tmp, path)  # appear atomically, only once ready
    server.listen(64)
    server.settimeout(1.0)
    children: set[int] = set()
    last_activity = time.time()
    while True:
        while children:  # reap finished job handlers
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            children.discard(pid)
        if children:
            last_activity = time.time()
        try:
            conn, _ = server.accept()
        except TimeoutError:
            if not children and time.time() - last_activity > IDLE_SECONDS:
                break
            continue
        last_activity = time.time()
        pid = os.fork()
        if pid == 0:
            server.close()
            os._exit(_handle(conn))
        conn.close()
        children.add(pid)
    server.close()
    try:
        if os.path.exists(path) and os.stat(path).st_ino == os.fstat(server.fileno()).st_ino:
            os.unlink(path)
    except (OSError, ValueError):
        pass


def _handle(conn: socket.socket) -> int:
    """In a child of the server: receive one job, run it in a worker, report its status, kill it if the job dies."""
    try:
        header, fds, _, _ = socket.recv_fds(conn, _HEADER.size, 3)
        request = pickle.loads(_recv_exact(conn, _HEADER.unpack(header)[0]))
    except Exception:  # a broken client: nothing to run
        return 1
    worker = os.fork()
    if worker == 0:
        conn.close()
        os.setpgid(0, 0)
        for target_fd, fd in enumerate(fds):
            os.dup2(fd, target_fd)
        _run_worker(request)
    for fd in fds:
        os.close(fd)
    while True:
        readable, _, _ = select.select([conn], [], [], 0.2)
        if readable and not conn.recv(1, socket.MSG_PEEK):  # the job process is gone: stop its worker
            os.killpg(worker, signal.SIGKILL)
            os.waitpid(worker, 0)
            return 1
        pid, status = os.waitpid(worker, os.WNOHANG)
        if pid:
            code = os.waitstatus_to_exitcode(status)
            code = code if code >= 0 else 128 - code  # killed by a signal: report as a shell would
            try:
                conn.sendall(struct.pack("!i", code))
            except OSError:
                pass
            return 0


def _run_worker(request: dict) -> None:
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.path[:] = request["sys_path"]
        sys.argv = [request["target"]]
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", buffering=1, closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        call(request["target"], *request["args"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, int) and exc.code is not None:
            print(exc.code, file=sys.stderr)
    except BaseException:
        sys.excepthook(*sys.exc_info())  # the job's own hook (stiltgrid.runtime.process logs it to the job log too)
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


if __name__ == "__main__":
    serve(sys.argv[1])
