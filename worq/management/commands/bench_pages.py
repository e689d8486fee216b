"""How fast the hot pages are, next to a plain content page.

Starts gunicorn (2 workers, DEBUG off) on a throw-away copy of the demo,
measures requests per second of each page one at a time with a few
connections, and the p99 latency of the busiest pages under 50 concurrent
connections: once as a visitor, once signed in as a 連合ネットワーク会員 (a
session made in the throw-away database; each is compared with the plain
page seen the same way). Only 127.0.0.1 is ever contacted; every run is
bounded in time."""

import asyncio
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

BASELINE = ("基準：固定ページ", "/pages/about/")
# (label, path or None to look up, busiest?)
PAGES = [
    ("検索結果", "/consultations/?q=" + quote("報酬 未払い"), True),
    ("事例一覧", "/consultations/", True),
    ("事例ページ", None, True),
    ("共済シミュレーター", "/kyosai/simulator/", False),
    ("Magazine ホーム", "/magazine/", True),
    ("用語集", "/consultations/glossary/", False),
]
TARGET_RATIO = 0.5
TARGET_P99 = 1.0


class Command(BaseCommand):
    help = "主なページの速さを、固定ページ（/pages/about/）と比べて表示します（gunicorn・デモのコピー）。"

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=5.0, help="1ページを測る秒数")
        parser.add_argument("--connections", type=int, default=4, help="毎秒リクエスト数を測る同時接続数")
        parser.add_argument("--burst", type=int, default=50, help="p99 を測る同時接続数")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--port", type=int, default=0, help="0 なら空いているポート")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("本番環境では実行できません。")
        workdir = Path(tempfile.mkdtemp(prefix="worq-bench-"))
        server = None
        try:
            env = self._env(workdir)
            self._prepare(workdir, env)
            port = options["port"] or _free_port()
            server = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("gunicorn")),
                    "worq.wsgi",
                    "--workers",
                    str(options["workers"]),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--log-level",
                    "warning",
                    "--backlog",
                    "256",
                    "--config",
                    str(_gunicorn_config(workdir)),
                ],
                cwd=settings.BASE_DIR,
                env=env,
            )
            _wait_until_up(port)
            member_cookie = self._member_cookie(env)
            if "ログアウト".encode() not in asyncio.run(_fetch(port, BASELINE[1], member_cookie)):
                raise CommandError("会員のセッションでログインできませんでした。")
            case_path = _first_case_path(workdir)
            failed = self._run(port, case_path, options, who="ゲスト（未ログイン）", cookie="")
            failed += self._run(
                port, case_path, options, who="ネットワーク会員（ログイン中）", cookie=member_cookie
            )
            self.stdout.write(
                f"\n目標：毎秒リクエスト数が基準の {TARGET_RATIO}倍以上、p99 が {TARGET_P99:g} 秒未満（ゲスト・会員とも）。"
                + (f" 未達：{'、'.join(failed)}" if failed else " すべて達成。")
            )
        finally:
            if server is not None:
                server.terminate()
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()
            shutil.rmtree(workdir, ignore_errors=True)

    def _env(self, workdir: Path) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update(
            WORQ_VAR_DIR=str(workdir),
            DEBUG="false",
            DJANGO_ENV="development",
            LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="worq.settings",
            CONN_MAX_AGE="60",  # as in production: one connection per worker
        )
        return env

    def _prepare(self, workdir: Path, env: dict) -> None:
        """A copy of the SQLite demo when there is one, otherwise a fresh demo."""
        source = Path(settings.DATABASES["default"]["NAME"])
        db = workdir / "db.sqlite3"
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and source.is_file():
            self.stdout.write(f"デモのコピーを作ります（{source}）…")
            with sqlite3.connect(source) as src, sqlite3.connect(db) as dst:
                src.backup(dst)
            subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
            subprocess.run([*manage, "createcachetable"], env=env, check=True)
        else:
            self.stdout.write("新しいデモを作ります…")
            subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
            subprocess.run([*manage, "createcachetable"], env=env, check=True)
        subprocess.run([*manage, "load_demo"], env=env, check=True, stdout=subprocess.DEVNULL)

    def _member_cookie(self, env: dict) -> str:
        """The Cookie header of a signed-in 連合ネットワーク会員 (a session
        stored in the throw-away database, with a CSRF cookie as a browser has)."""
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        code = "from worq.management.commands.bench_pages import member_cookie; print(member_cookie())"
        out = subprocess.run(
            [*manage, "shell", "-c", code], env=env, check=True, capture_output=True, text=True
        )
        return out.stdout.strip().splitlines()[-1]

    def _run(self, port: int, case_path: str, options, *, who: str, cookie: str) -> list[str]:
        seconds, conns, burst = options["seconds"], options["connections"], options["burst"]
        pages = [(label, path or case_path, busy) for label, path, busy in PAGES]
        for _label, path, _busy in [(*BASELINE, False), *pages]:
            asyncio.run(_load(port, path, conns, 1.0, cookie))  # warm caches and workers
        base = asyncio.run(_load(port, BASELINE[1], conns, seconds, cookie))
        self.stdout.write(
            f"\n【{who}】gunicorn {options['workers']} workers・{conns} 接続で {seconds:g} 秒ずつ"
            f"（p99 は {burst} 接続）・load average {_load_average()}\n"
        )
        self.stdout.write(f"{'ページ':<16}{'毎秒':>9}{'比':>8}{'p99(' + str(burst) + ')':>12}  判定")
        self.stdout.write(f"{BASELINE[0]:<16}{base.rps:>9.1f}{1:>8.2f}{'':>12}")
        failed = []
        for label, path, busy in pages:
            result = asyncio.run(_load(port, path, conns, seconds, cookie))
            ratio = result.rps / base.rps if base.rps else 0.0
            p99_text, ok = "", ratio >= TARGET_RATIO and not result.errors
            if busy:
                under_burst = asyncio.run(_load(port, path, burst, seconds, cookie))
                p99_text = f"{under_burst.p99:.3f}s"
                ok = ok and under_burst.p99 < TARGET_P99 and not under_burst.errors
            errors = f" エラー{result.errors}件" if result.errors else ""
            self.stdout.write(
                f"{label:<16}{result.rps:>9.1f}{ratio:>8.2f}{p99_text:>12}  {'OK' if ok else 'NG'}{errors}"
            )
            if not ok:
                failed.append(f"{label}（{who}）")
        return failed


class Result:
    def __init__(self, latencies: list[float], errors: int, elapsed: float):
        self.count = len(latencies)
        self.errors = errors
        self.rps = self.count / elapsed if elapsed else 0.0
        ordered = sorted(latencies) or [0.0]
        self.p50 = statistics.median(ordered)
        self.p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def _one(port: int, path: str, cookie: str = "") -> bool:
    data = await _fetch(port, path, cookie)
    return data.startswith(b"HTTP/1.1 200") or data.startswith(b"HTTP/1.0 200")


async def _fetch(port: int, path: str, cookie: str = "") -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    cookie_line = f"Cookie: {cookie}\r\n" if cookie else ""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{cookie_line}Connection: close\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    return data


async def _load(port: int, path: str, connections: int, seconds: float, cookie: str = "") -> Result:
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    deadline = start + seconds

    async def worker():
        nonlocal errors
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                ok = await asyncio.wait_for(_one(port, path, cookie), timeout=30)
            except (OSError, TimeoutError):
                ok = False
            if ok:
                latencies.append(time.perf_counter() - t0)
            else:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(connections)))
    return Result(latencies, errors, time.perf_counter() - start)


def _first_case_path(workdir: Path) -> str:
    with sqlite3.connect(workdir / "db.sqlite3") as db:
        row = db.execute(
            "SELECT external_id FROM consultations_case WHERE published AND NOT members_only"
            " ORDER BY published_at DESC LIMIT 1"
        ).fetchone()
    if row is None:
        raise CommandError("公開中の相談事例がありません。")
    return f"/consultations/cases/{quote(row[0])}/"


def member_cookie() -> str:
    """Run inside the throw-away copy (``manage.py shell``): a session for an
    active 連合ネットワーク会員 without staff powers, as a Cookie header."""
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    from members.access import Tier, tier_of
    from members.models import NetworkMembership

    for membership in NetworkMembership.objects.active().select_related("user").order_by("pk"):
        user = membership.user
        if not (user.is_staff or user.is_superuser) and tier_of(user) == Tier.MEMBER:
            break
    else:
        raise CommandError("デモに連合ネットワーク会員がいません。")
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={_get_new_csrf_string()}"


def _gunicorn_config(workdir: Path) -> Path:
    """The project's gunicorn settings without the access log (a line per
    request would be measured too, and would flood the output)."""
    path = workdir / "gunicorn.bench.py"
    source = settings.BASE_DIR / "gunicorn.conf.py"
    path.write_text(f"exec(open({str(source)!r}).read())\naccesslog = None\n")
    return path


def _load_average() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if asyncio.run(_one(port, "/healthz")):
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise CommandError("gunicorn が起動しませんでした。")
