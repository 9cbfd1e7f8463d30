"""Production smoke test: the README's production steps on a scratch PostgreSQL database.

Production variables (DEBUG=0, its own SECRET_KEY and AUDIT_CHAIN_KEY, ALLOWED_HOSTS, a
PostgreSQL DATABASE_URL), then ``migrate``, ``collectstatic``, the demo data, gunicorn with
``gunicorn.conf.py`` on a free loopback port; over plain HTTP (SECURE_SSL_REDIRECT=0, as
behind a TLS-terminating proxy) it signs in with the CSRF token, opens the inbox and a case
page, checks the hashed static files and the security headers, verifies the audit chain, and
stops gunicorn. Any failure exits non-zero.

    .venv/bin/python .ci/prod_smoke.py        # database shinsa_smoke, created and dropped

SHINSA_SMOKE_DATABASE names another scratch database; SHINSA_SMOKE_POSTGRES the server
(default postgres://root@127.0.0.1:5432).
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
SERVER = os.environ.get("SHINSA_SMOKE_POSTGRES", "postgres://root@127.0.0.1:5432").rstrip("/")
DATABASE = os.environ.get("SHINSA_SMOKE_DATABASE", "shinsa_smoke")
USERNAME = "reviewer"  # a demo governance reviewer: cases in the inbox


class SmokeFailure(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def step(message: str) -> None:
    print(f"-- {message}", flush=True)


def recreate_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def drop_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def production_env(var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SHINSA_", "JOBS_", "GUNICORN_"))
        and key not in {"REDIS_URL", "DATABASE_URL", "DEBUG", "WEB_CONCURRENCY"}
    }
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "AUDIT_CHAIN_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": f"{SERVER}/{DATABASE}",
            # Jobs run in the web process: this test is about the web tier, not Redis.
            "JOBS_RUNNER": "inline",
            "SECURE_SSL_REDIRECT": "0",
            "SHINSA_VAR_DIR": str(var_dir),
            "STATIC_ROOT": str(var_dir / "static"),
            "MEDIA_ROOT": str(var_dir / "media"),
        }
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if result.returncode != 0:
        raise SmokeFailure(
            f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n"
            f"{result.stderr}"
        )
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Browser:
    """Just enough of a browser: keeps cookies (also the Secure ones production sets, since
    the TLS proxy is left out here) and sends the CSRF token back."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def get(self, path: str) -> tuple[dict[str, str], str]:
        """GET ``path``, following redirects within the site; the page must answer 200."""
        for _ in range(5):
            status, headers, text = self.request("GET", path)
            if status not in (301, 302) or not headers.get("location", "").startswith("/"):
                break
            path = headers["location"]
        check(status == 200, f"GET {path}: {status}\n{text[:2000]}")
        return headers, text


def wait_for(port: int, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        check(server.poll() is None, f"gunicorn exited with {server.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.25)
    raise SmokeFailure(f"gunicorn did not listen on port {port} within {seconds} s")


def worker_memory_mb(master: int) -> list[int]:
    """Resident memory of each gunicorn worker (children of the master), in MB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master):
            sizes.append(int(fields["VmRSS"].split()[0]) // 1024)
    return sorted(sizes)


def exercise(port: int) -> None:
    browser = Browser(port)

    step("anonymous visitors are sent to the login page")
    status, headers, _ = browser.request("GET", "/home/")
    check(status == 302 and "/accounts/login/" in headers.get("location", ""), f"/home/: {status}")

    step("Django admin's login page and its static files")
    _, admin_login = browser.get("/admin/login/")
    for path in re.findall(r'(?:href|src)="(/static/admin/[^"]+)"', admin_login):
        check(bool(browser.get(path)[1]), f"{path} is empty")

    step("the login page: 200, Japanese, security headers, hashed static files")
    headers, login_page = browser.get("/accounts/login/")
    check("ログイン" in login_page, "the login page is not in Japanese")
    policy = headers.get("content-security-policy", "")
    check("script-src 'self'" in policy, f"no Content-Security-Policy: {policy!r}")
    check(headers.get("x-frame-options") == "DENY", "no X-Frame-Options: DENY")
    check(headers.get("x-content-type-options") == "nosniff", "no X-Content-Type-Options")
    # Strict-Transport-Security is sent only over HTTPS, which the proxy adds in front.
    check("csrftoken" in browser.cookies, "no CSRF cookie")
    static = re.findall(r'(?:href|src)="(/static/[^"]+)"', login_page)
    check(bool(static), "the login page links no static files")
    for path in static:
        check(re.search(r"\.[0-9a-f]{12}\.", path) is not None, f"not a hashed name: {path}")
        check(bool(browser.get(path)[1]), f"{path} is empty")

    step(f"sign in as {USERNAME} with the CSRF token")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page)
    check(token is not None, "no CSRF token in the login form")
    assert token is not None
    status, headers, text = browser.request(
        "POST",
        "/accounts/login/",
        {
            "csrfmiddlewaretoken": token.group(1),
            "username": USERNAME,
            "password": PASSWORDS[USERNAME],
        },
    )
    check(status == 302, f"login answered {status}:\n{text[:2000]}")

    step("the inbox")
    _, inbox = browser.get("/home/")
    check("自分のタスク" in inbox, "the inbox is not shown in Japanese")
    # The first cell of each task row links its case.
    cases = re.findall(r'<tr>\s*<td><a href="([^"]+)">', inbox)
    check(bool(cases), "the reviewer's inbox lists no case")

    step(f"a case page ({unescape(cases[0])})")
    _, case_page = browser.get(unescape(cases[0]))
    check(
        'id="case-title"' in case_page and "案件番号" in case_page,
        f"{cases[0]} is not a case page in Japanese",
    )

    step("the other pages of a reviewer's menu")
    for path, text in [
        ("/home/cases/", "案件"),
        ("/karte/", "システム"),
        ("/budget/", "予算"),
        ("/spec_review/lock-in-terms/", "ロックイン"),
    ]:
        _, html = browser.get(path)
        check(text in html, f"{path} does not show {text}")


PASSWORDS: dict[str, str] = {}


def main() -> int:
    var_dir = Path(tempfile.mkdtemp(prefix="shinsa-smoke-"))
    env = production_env(var_dir)
    server: subprocess.Popen[bytes] | None = None
    log = var_dir / "gunicorn.log"
    try:
        step(f"scratch database {DATABASE}")
        recreate_database()
        step("migrate")
        manage(env, "migrate", "--noinput")
        step("collectstatic")
        manage(env, "collectstatic", "--noinput")
        step("demo data (load_demo --force)")
        out = manage(env, "load_demo", "--force")
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == USERNAME:
                PASSWORDS[USERNAME] = parts[1]
        check(USERNAME in PASSWORDS, f"load_demo printed no login for {USERNAME}")

        port = free_port()
        step(f"gunicorn -c gunicorn.conf.py on 127.0.0.1:{port}")
        with log.open("wb") as sink:
            server = subprocess.Popen(
                [GUNICORN, "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
                cwd=ROOT,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(port, server)
        exercise(port)
        print(f"   gunicorn workers' memory (MB): {worker_memory_mb(server.pid)}")

        step("the audit chain verifies under the production key")
        print("   " + manage(env, "verify_audit").strip().splitlines()[-1])
    except SmokeFailure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        if log.exists():
            print(log.read_text(errors="replace")[-8000:], file=sys.stderr)
        return 1
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
        drop_database()
        shutil.rmtree(var_dir, ignore_errors=True)
    print("production smoke test: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
