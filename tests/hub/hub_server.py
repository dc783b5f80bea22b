"""A local stand-in for the Hugging Face hub: the part of its HTTP API that ``huggingface_hub`` and ``datasets`` use.

``HubServer`` (a ``ThreadingHTTPServer`` on 127.0.0.1, started by the tests) serves dataset and model repositories
from memory, each a list of commits (file path -> bytes) and branches pointing at them:

* ``GET /api/{datasets|models}/{id}[/revision/{rev}]``: repository info with the commit ``sha`` of the revision;
* ``GET /api/{datasets|models}/{id}/tree/{rev}[/{path}]?recursive=``: the file listing (directories included);
* ``POST /api/{datasets|models}/{id}/paths-info/{rev}``: info on the named paths;
* ``HEAD|GET /[datasets/]{id}/resolve/{rev}/{path}``: a file, with ``X-Repo-Commit``, ``ETag`` (the content's sha256)
  and ``Content-Length``; a ``Range: bytes=N-`` request gets 206 and the rest of the file.

Errors carry ``X-Error-Code`` (``RepoNotFound``, ``RevisionNotFound``, ``EntryNotFound``) as the hub's do. Faults on
demand: ``fail_next(n, status)`` answers the next n requests with that status (``Retry-After: 0``), ``drop_next(n)``
sends the headers and half the body of the next n file downloads, then closes the connection. Every request is
logged (``requests``) so tests can count what a run asked for. No Xet headers are ever sent.

Repositories come from a directory of ``<owner>/<name>`` snapshots (``hub_fixtures.build_mirror`` writes one).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Repo:
    kind: str  # "dataset" | "model"
    repo_id: str
    commits: dict[str, dict[str, bytes]] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)

    def resolve(self, rev: str) -> str | None:
        if rev in self.commits:
            return rev
        return self.branches.get(rev)


def _sha(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()


class HubServer:
    def __init__(self):
        self.repos: dict[tuple[str, str], Repo] = {}
        self.requests: list[tuple[str, str]] = []
        self.ranges: list[str] = []  # paths served from a Range request (resumed downloads)
        self.faults: list[int] = []  # statuses for the next requests
        self.drops = 0  # file downloads to cut short
        self.drop_suffix = ""  # ... among the files whose name ends so
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> HubServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- content ------------------------------------------------------------------------------------------------------
    def add_repo(self, kind: str, repo_id: str, files: dict[str, bytes], sha: str | None = None) -> str:
        """A repository whose ``main`` is one commit holding ``files``; returns the commit."""
        repo = self.repos.setdefault((kind, repo_id), Repo(kind, repo_id))
        sha = sha or _sha(kind, repo_id, str(len(repo.commits)))
        repo.commits[sha] = dict(files)
        repo.branches["main"] = sha
        return sha

    def commit(self, kind: str, repo_id: str, changes: dict[str, bytes | None]) -> str:
        """A new commit on ``main``: the files of the current one with ``changes`` (None deletes); returns it."""
        repo = self.repos[(kind, repo_id)]
        files = dict(repo.commits[repo.branches["main"]])
        for path, data in changes.items():
            if data is None:
                files.pop(path, None)
            else:
                files[path] = data
        return self.add_repo(kind, repo_id, files)

    def add_mirror(self, root: Path, only: set[str] | None = None) -> None:
        """Every ``<owner>/<name>`` directory under ``root`` becomes a dataset repository."""
        for repo_dir in sorted(p for p in root.glob("*/*") if p.is_dir()):
            repo_id = repo_dir.relative_to(root).as_posix()
            if only is not None and repo_id not in only:
                continue
            files = {
                p.relative_to(repo_dir).as_posix(): p.read_bytes() for p in sorted(repo_dir.rglob("*")) if p.is_file()
            }
            self.add_repo("dataset", repo_id, files)

    # -- faults and the log -------------------------------------------------------------------------------------------
    def fail_next(self, n: int, status: int = 429) -> None:
        with self.lock:
            self.faults.extend([status] * n)

    def drop_next(self, n: int = 1, suffix: str = "") -> None:
        with self.lock:
            self.drops += n
            self.drop_suffix = suffix

    def reset_log(self) -> None:
        with self.lock:
            self.requests.clear()
            self.ranges.clear()

    def downloads(self) -> list[str]:
        """Paths of the file bodies served (GET on resolve)."""
        return [path for method, path in self.requests if method == "GET" and "/resolve/" in path]


def _handler(hub: HubServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args):  # quiet
            pass

        # -- replies ----------------------------------------------------------------------------------------------
        def _send(self, status: int, body: bytes = b"", headers: dict | None = None, head: bool = False):
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, str(value))
            if "Content-Length" not in (headers or {}):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head and body:
                self.wfile.write(body)

        def _json(self, value, status: int = 200):
            self._send(status, json.dumps(value).encode(), {"Content-Type": "application/json"})

        def _error(self, status: int, code: str, message: str, head: bool = False, extra: dict | None = None):
            body = json.dumps({"error": message}).encode()
            self._send(
                status,
                body,
                {"X-Error-Code": code, "X-Error-Message": message, "Content-Type": "application/json", **(extra or {})},
                head=head,
            )

        # -- dispatch ---------------------------------------------------------------------------------------------
        def do_HEAD(self):
            self._dispatch("HEAD")

        def do_GET(self):
            self._dispatch("GET")

        def do_POST(self):
            self._dispatch("POST")

        def _dispatch(self, method: str):
            with hub.lock:
                hub.requests.append((method, self.path))
                fault = hub.faults.pop(0) if hub.faults else None
            if fault is not None:
                return self._error(
                    fault, "Transient", f"injected {fault}", head=method == "HEAD", extra={"Retry-After": "0"}
                )
            url = urlsplit(self.path)
            segments = url.path.strip("/").split("/")  # split before unquoting: a revision is one segment
            query = parse_qs(url.query)
            if segments[:1] == ["api"]:
                return self._api(method, segments[1:], query)
            kind = "dataset" if segments[:1] == ["datasets"] else "model"
            if kind == "dataset":
                segments = segments[1:]
            if len(segments) >= 4 and segments[2] == "resolve":
                return self._resolve(
                    method, kind, "/".join(segments[:2]), unquote(segments[3]), unquote("/".join(segments[4:]))
                )
            return self._error(404, "RepoNotFound", f"no route {url.path}", head=method == "HEAD")

        def _repo(self, kind: str, repo_id: str, rev: str, head: bool = False):
            repo = hub.repos.get((kind, repo_id))
            if repo is None:
                self._error(404, "RepoNotFound", f"Repository {repo_id} not found", head=head)
                return None, None
            sha = repo.resolve(rev)
            if sha is None:
                self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}", head=head)
                return None, None
            return repo, sha

        def _api(self, method: str, segments: list[str], query: dict):
            if segments[:1] == ["agent-harnesses"] or len(segments) < 3:
                return self._error(404, "EntryNotFound", "not served")
            kind = {"datasets": "dataset", "models": "model"}.get(segments[0])
            repo_id, rest = "/".join(segments[1:3]), segments[3:]
            if kind is None:
                return self._error(404, "RepoNotFound", "unknown repository type")
            if not rest or rest[0] == "revision":
                rev = unquote(rest[1]) if len(rest) > 1 else "main"
                repo, sha = self._repo(kind, repo_id, rev)
                if repo is None:
                    return
                return self._json(
                    {
                        "id": repo_id,
                        "sha": sha,
                        "private": False,
                        "lastModified": "2026-10-01T00:00:00.000Z",
                        "siblings": [{"rfilename": p} for p in sorted(repo.commits[sha])],
                    }
                )
            if rest[0] == "tree" and len(rest) >= 2:
                repo, sha = self._repo(kind, repo_id, unquote(rest[1]))
                if repo is None:
                    return
                prefix = unquote("/".join(rest[2:])).strip("/")
                recursive = query.get("recursive", ["false"])[0] == "true"
                return self._tree(repo.commits[sha], prefix, recursive)
            if rest[0] == "paths-info" and len(rest) >= 2 and method == "POST":
                repo, sha = self._repo(kind, repo_id, unquote(rest[1]))
                if repo is None:
                    return
                length = int(self.headers.get("Content-Length") or 0)
                wanted = parse_qs(self.rfile.read(length).decode()).get("paths", [])
                entries = {e["path"]: e for e in _entries(repo.commits[sha], "", True)}
                return self._json([entries[p] for p in wanted if p in entries])
            return self._error(404, "EntryNotFound", "not served")

        def _tree(self, files: dict[str, bytes], prefix: str, recursive: bool):
            if prefix and prefix in files:
                return self._error(404, "EntryNotFound", f"{prefix} is a file")
            entries = _entries(files, prefix, recursive)
            if prefix and not entries:
                return self._error(404, "EntryNotFound", f"no directory {prefix}")
            return self._json(entries)

        def _resolve(self, method: str, kind: str, repo_id: str, rev: str, path: str):
            head = method == "HEAD"
            repo, sha = self._repo(kind, repo_id, rev, head=head)
            if repo is None:
                return
            data = repo.commits[sha].get(path)
            if data is None:
                return self._error(404, "EntryNotFound", f"{path} not found", head=head, extra={"X-Repo-Commit": sha})
            headers = {
                "X-Repo-Commit": sha,
                "ETag": f'"{hashlib.sha256(data).hexdigest()}"',
                "Accept-Ranges": "bytes",
                "Content-Type": "application/octet-stream",
            }
            start = 0
            ranged = (self.headers.get("Range") or "").strip()
            if ranged.startswith("bytes=") and not head:
                with hub.lock:
                    hub.ranges.append(path)
                first, _, last = ranged[len("bytes=") :].partition("-")
                start = int(first or 0)
                end = int(last) if last else len(data) - 1
                body = data[start : end + 1]
                headers.update({"Content-Length": len(body), "Content-Range": f"bytes {start}-{end}/{len(data)}"})
                return self._send(206, body, headers)
            headers["Content-Length"] = len(data)
            if not head:
                with hub.lock:
                    drop = hub.drops > 0 and len(data) > 1 and path.endswith(hub.drop_suffix)
                    hub.drops -= drop
                if drop:  # the promised length, half the bytes, then the connection goes away
                    self.send_response(200)
                    for key, value in headers.items():
                        self.send_header(key, str(value))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
            return self._send(200, data, headers, head=head)

    return Handler


def _entries(files: dict[str, bytes], prefix: str, recursive: bool) -> list[dict]:
    """Tree entries under ``prefix``: files and directories, with full repository paths."""
    out: dict[str, dict] = {}
    base = f"{prefix}/" if prefix else ""
    for path, data in sorted(files.items()):
        if not path.startswith(base):
            continue
        parts = path[len(base) :].split("/")
        for depth in range(1, len(parts)):
            if not recursive and depth > 1:
                break
            folder = base + "/".join(parts[:depth])
            out.setdefault(folder, {"type": "directory", "oid": _sha("tree", folder), "size": 0, "path": folder})
        if recursive or len(parts) == 1:
            digest = hashlib.sha256(data).hexdigest()
            out[path] = {
                "type": "file",
                "oid": _sha("blob", digest),
                "size": len(data),
                "path": path,
                "lfs": {"oid": digest, "size": len(data), "pointerSize": 130},
            }
    return list(out.values())
