"""A real `chroma run` server on a loopback port for tests: start, wait for its heartbeat, stop, start again."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMA_CLI = Path(sys.executable).with_name("chroma")


def chroma_cli() -> str | None:
    """The `chroma` CLI that ships with the chromadb package (the venv's bin, else PATH)."""
    if CHROMA_CLI.is_file():
        return str(CHROMA_CLI)
    return shutil.which("chroma")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ChromaServer:
    """One `chroma run --path PATH --host 127.0.0.1 --port PORT`; stop() and start() keep path and port."""

    def __init__(self, path: Path, port: int | None = None, log_path: Path | None = None) -> None:
        self.path = path
        self.port = port or free_port()
        self.log_path = log_path or path.with_name(path.name + ".log")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def heartbeat(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/api/v2/heartbeat", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def start(self, wait_seconds: float = 60.0) -> None:
        cli = chroma_cli()
        if cli is None:
            raise RuntimeError("the chroma CLI is not installed")
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([cli, "run", "--path", str(self.path), "--host", "127.0.0.1",
                                         "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.process.returncode}; see {self.log_path}")
            if self.heartbeat():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"chroma run gave no heartbeat within {wait_seconds} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(30)
        self.process = None
