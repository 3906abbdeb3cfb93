"""The ``oqms`` command: ``oqms run``, ``oqms worker``, ``oqms demo``, ``oqms setup`` and every Django command.

``oqms run`` serves the app with gunicorn and runs the django-q2 worker beside it, stopping both together;
anything else is passed to Django's management (``oqms migrate``, ``oqms createsuperuser``, ...).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def _django(*args: str) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["oqms", *args])


def run(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="oqms run", description="Serve OQMS and run its background worker.")
    parser.add_argument("--bind", default=os.environ.get("OQMS_BIND", "127.0.0.1:8000"))
    parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument(
        "--no-worker", action="store_true", help="serve pages only (run `oqms worker` elsewhere)"
    )
    options = parser.parse_args(argv)
    python = sys.executable
    children = [
        subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "oqms.wsgi:application",
                "--bind",
                options.bind,
                "--workers",
                str(options.web_workers),
                "--threads",
                "4",
                "--timeout",
                "120",
                "--access-logfile",
                "-",
                "--forwarded-allow-ips",
                os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
            ]
        )
    ]
    if not options.no_worker:
        children.append(subprocess.Popen([python, "-m", "oqms.cli", "worker"]))
    print(f"OQMS is serving on http://{options.bind}/ (Ctrl+C stops it)", flush=True)

    def stop(*_args: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
    return max((child.returncode or 0) for child in children)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oqms.settings")
    command = argv[0] if argv else "help"
    if command == "run":
        return run(argv[1:])
    if command == "worker":
        _django("qcluster", *argv[1:])
        return 0
    if command == "setup":
        # Idempotent: migrate, apply the role matrix, collect static files.
        _django("migrate", "--no-input")
        _django("collectstatic", "--no-input", "--verbosity", "0")
        return 0
    if command in {"help", "-h", "--help"}:
        print(__doc__)
        _django("help")
        return 0
    _django(*argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
