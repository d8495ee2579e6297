"""A real WordPress for the website publisher's tests: Debian's package, PHP's built-in server, the
MariaDB on the machine.

The site lives in a temporary docroot: WordPress's entry scripts are copied there (so they find
this docroot's wp-config.php rather than Debian's, which reads /etc/wordpress), its wp-admin and
wp-includes are linked, and wp-content (uploads) is the docroot's own. It is installed through
WordPress's own wp_install(), an application password is created for its administrator, and the
database is dropped and created again for every test session.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import urllib3

WORDPRESS = Path("/usr/share/wordpress")
THEMES = WORDPRESS / "wp-content" / "themes"
DB_HOST, DB_PORT = "127.0.0.1", 3306
ADMIN = "prakat"


@dataclass
class Site:
    url: str
    user: str
    password: str  # the application password
    docroot: Path
    process: subprocess.Popen
    log: object = None

    def rest(self, route: str, method: str = "GET", **params) -> urllib3.BaseHTTPResponse:
        """A REST call as the administrator (context=edit sees drafts and trash)."""
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        fields = {"rest_route": route, **params}
        return urllib3.request(method, self.url + "/", fields=fields,
                               headers={"Authorization": f"Basic {token}"}, timeout=30)

    def public(self, path_and_query: str) -> urllib3.BaseHTTPResponse:
        """What a visitor gets, with no credentials."""
        return urllib3.request("GET", self.url + path_and_query, timeout=30, redirect=False)

    def sql(self, statement: str) -> None:
        _php(f"""$db = new mysqli('{DB_HOST}', 'root', '', '{self.database}', {DB_PORT});
                 $db->query({json.dumps(statement)}) or exit(1);""")

    database = "wp_test"


def unavailable() -> str | None:
    """Why WordPress cannot run here, or None."""
    if not (WORDPRESS / "wp-settings.php").exists():
        return "Debian's wordpress package is not installed (run .ci/setup)"
    if shutil.which("php") is None:
        return "php-cli is not installed (run .ci/setup)"
    if not (THEMES / "twentytwentythree").exists():
        return "the wordpress-theme-twentytwentythree package is not installed (run .ci/setup)"
    probe = subprocess.run(["php", "-r", f"exit(@mysqli_connect('{DB_HOST}', 'root', '', '', {DB_PORT}) ? 0 : 3);"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return f"no MariaDB for WordPress at {DB_HOST}:{DB_PORT} (root, no password): {probe.stderr[:200]}"
    return None


def _php(code: str, cwd: Path | None = None) -> str:
    done = subprocess.run(["php", "-r", code], capture_output=True, text=True, cwd=cwd, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"php failed ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _docroot(root: Path, url: str, database: str) -> None:
    for entry in WORDPRESS.iterdir():
        if entry.name in ("wp-config.php", "wp-content"):
            continue
        if entry.is_file():
            shutil.copy(entry, root / entry.name)
        else:
            (root / entry.name).symlink_to(entry)
    content = root / "wp-content"
    (content / "uploads").mkdir(parents=True)
    (content / "plugins").mkdir()
    (content / "themes").symlink_to(THEMES)
    (root / "wp-config.php").write_text(f"""<?php
define('DB_NAME', '{database}');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', '{DB_HOST}:{DB_PORT}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
define('WP_HOME', '{url}');
define('WP_SITEURL', '{url}');
define('WP_CONTENT_DIR', __DIR__ . '/wp-content');
define('WP_CONTENT_URL', '{url}/wp-content');
define('WP_ENVIRONMENT_TYPE', 'local');  // application passwords over plain http
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_DEBUG', false);
foreach (['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT',
          'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'] as $k) define($k, 'test-' . $k);
$table_prefix = 'wp_';
define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
""")


def _install(root: Path) -> str:
    """WordPress's own install, then an application password for its administrator."""
    out = _php(f"""
        define('WP_INSTALLING', true);
        $_SERVER['HTTP_HOST'] = '127.0.0.1';
        require '{root}/wp-load.php';
        require_once ABSPATH . 'wp-admin/includes/upgrade.php';
        $result = wp_install('เว็บไซต์สำนักงานทดสอบ', '{ADMIN}', 'ict@example.test', true, '',
                             'not-used-' . wp_generate_password(12, false));
        update_option('timezone_string', 'Asia/Bangkok');
        [$password, $item] = WP_Application_Passwords::create_new_application_password(
            $result['user_id'], ['name' => 'Prakat']);
        echo "\\nPASSWORD=" . $password;
    """, cwd=root)
    return out.rsplit("PASSWORD=", 1)[1].strip()


def start(tmp: Path) -> Site:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    root = tmp / "docroot"
    root.mkdir()
    _php(f"""$db = new mysqli('{DB_HOST}', 'root', '', '', {DB_PORT});
             $db->query('DROP DATABASE IF EXISTS {Site.database}') or exit(1);
             $db->query('CREATE DATABASE {Site.database} CHARACTER SET utf8mb4') or exit(1);""")
    _docroot(root, url, Site.database)
    password = _install(root)
    log = open(tmp / "php-server.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        ["php", "-d", "upload_max_filesize=64M", "-d", "post_max_size=64M", "-d", "display_errors=0",
         "-S", f"127.0.0.1:{port}", "-t", str(root)],
        cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "PHP_CLI_SERVER_WORKERS": "2"})
    site = Site(url=url, user=ADMIN, password=password, docroot=root, process=process, log=log)
    deadline = time.monotonic() + 30
    while True:
        try:
            if site.rest("/").status == 200:
                return site
        except urllib3.exceptions.HTTPError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            stop(site)
            raise RuntimeError(f"WordPress did not start: {(tmp / 'php-server.log').read_text()[-2000:]}")
        time.sleep(0.2)


def stop(site: Site) -> None:
    """The server and its workers (a process group of their own)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(site.process.pid, signal.SIGTERM)
    try:
        site.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(site.process.pid, signal.SIGKILL)
        site.process.wait()
    site.log.close()
    _php(f"""$db = new mysqli('{DB_HOST}', 'root', '', '', {DB_PORT});
             $db->query('DROP DATABASE IF EXISTS {Site.database}');""")
