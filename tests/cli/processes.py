"""A server of someone else's (a dev server, webxdc-dev), run for as long as a test needs it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def serving(
    args: list[str],
    port: int,
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> Iterator[subprocess.Popen[str]]:
    """Run ``args`` in a session of its own until it accepts connections on ``port``.

    Yields the process; afterwards stops it and its children (SIGTERM to the session, then
    SIGKILL after 10 s). Raises RuntimeError with what it printed if it ends before
    listening, or does not listen within 60 s. What it prints goes to ``log`` if given (to
    be read while it runs), else to a pipe read when it ends.
    """
    output = log.open("w") if log else subprocess.PIPE
    process = subprocess.Popen(
        args,
        cwd=cwd,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env={**os.environ, **(env or {})},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                said = process.stdout.read() if process.stdout else log.read_text() if log else ""
                raise RuntimeError(f"{args[0]} is not listening on port {port}: {said}")
            time.sleep(0.1)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        if log:
            output.close()
