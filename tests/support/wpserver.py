"""Start and stop a throwaway WordPress (PHP built-in server + private MariaDB) on loopback.

Stdlib only, so `.ci/run` can use it before the venv exists:

    python3 tests/support/wpserver.py start DIR   # prints: URL USER APP_PASSWORD
    python3 tests/support/wpserver.py stop DIR

Needs the Debian packages ``wordpress mariadb-server php-cli php-mysql``. The
WordPress tree is ``/usr/share/wordpress``: its top-level PHP files are copied into
``DIR/site`` (so ``ABSPATH`` is there and our own ``wp-config.php`` is read instead of
Debian's ``/etc/wordpress/config-<host>.php``), ``wp-admin`` and ``wp-includes`` are
symlinked, and ``wp-content`` is private (themes symlinked, a mu-plugin that registers
the ``curator_slug`` and ``curator_source_url`` post meta for the REST API).

MariaDB runs from ``DIR/db`` on a free port of 127.0.0.1 and a private socket; a
database and user are created through the socket as root. WordPress is installed
non-interactively by a PHP script, which also creates an application password for
the admin user (``WP_ENVIRONMENT_TYPE`` is ``local``, so they work over plain http).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

WORDPRESS_DIR = Path("/usr/share/wordpress")
PACKAGES = "wordpress mariadb-server php-cli php-mysql"
ADMIN_USER = "admin"
DB_NAME = "wordpress"
DB_USER = "wordpress"
START_TIMEOUT = 60.0  # seconds, for each of MariaDB and PHP to answer

# The servers this process started, by pid: kept so they are waited for (reaped) on stop.
_PROCESSES: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True, slots=True)
class WordPress:
    url: str  # the site root, e.g. http://127.0.0.1:40123
    user: str
    app_password: str


def _which(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
        if found:
            return found
    return None


def missing() -> str | None:
    """Why a WordPress cannot be started here (a clear one-line reason), or None."""
    needs = {
        "mariadbd (mariadb-server)": _which("mariadbd", "mysqld"),
        "mariadb-install-db (mariadb-server)": _which("mariadb-install-db", "mysql_install_db"),
        "mariadb client (mariadb-client)": _which("mariadb", "mysql"),
        "php (php-cli)": _which("php"),
        "WordPress (wordpress)": str(WORDPRESS_DIR)
        if (WORDPRESS_DIR / "wp-load.php").exists()
        else None,
    }
    absent = [name for name, path in needs.items() if path is None]
    if not absent:
        php = needs["php (php-cli)"]
        assert php is not None
        done = subprocess.run([php, "-m"], capture_output=True, text=True)
        if "mysqli" not in done.stdout:
            absent.append("PHP mysqli extension (php-mysql)")
    if absent:
        return f"needs {', '.join(absent)}: apt-get install -y {PACKAGES}"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(argv: list[str], *, stdin: str | None = None) -> str:
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr.strip() or done.stdout.strip())[-2000:]
        raise RuntimeError(f"{' '.join(argv[:3])} ... failed ({done.returncode}): {detail}")
    return done.stdout


def _spawn(
    argv: list[str], log: Path, base: Path, name: str, env: dict[str, str] | None = None
) -> None:
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # its own process group: stop() kills the group
        )
    _PROCESSES[process.pid] = process
    (base / f"{name}.pid").write_text(str(process.pid))


def _wait(check: object, what: str, log: Path) -> None:
    assert callable(check)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise RuntimeError(f"{what} did not start within {START_TIMEOUT:.0f}s: {tail}")


def _start_mariadb(base: Path) -> int:
    install_db = _which("mariadb-install-db", "mysql_install_db")
    mariadbd = _which("mariadbd", "mysqld")
    client = _which("mariadb", "mysql")
    assert install_db and mariadbd and client
    datadir = base / "db"
    sock = base / "mysql.sock"
    port = _free_port()
    user = ["--user=root"] if os.geteuid() == 0 else []
    _run(
        [
            install_db,
            "--no-defaults",
            f"--datadir={datadir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *user,
        ]
    )
    log = base / "mariadb.log"
    _spawn(
        [
            mariadbd,
            "--no-defaults",
            f"--datadir={datadir}",
            f"--socket={sock}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            f"--pid-file={base / 'mariadbd.pid'}",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=16M",
            "--innodb-flush-log-at-trx-commit=0",
            "--skip-name-resolve",
            *user,
        ],
        log,
        base,
        "mariadb",
    )

    def ready() -> bool:
        if not sock.exists():
            return False
        done = subprocess.run(
            [client, "--no-defaults", f"--socket={sock}", "-uroot", "-e", "SELECT 1"],
            capture_output=True,
        )
        return done.returncode == 0

    _wait(ready, "MariaDB", log)
    (base / "db_port").write_text(str(port))
    return port


def _php_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


MU_PLUGIN = """<?php
/* curator test site: post meta the curator WordPress target writes. */
add_action('init', function () {
    foreach (array('curator_slug', 'curator_source_url') as $key) {
        register_post_meta('post', $key, array(
            'show_in_rest' => true,
            'single' => true,
            'type' => 'string',
        ));
    }
});
"""

ROUTER = """<?php
/* php -S router: real files as they are, everything else through WordPress. */
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if ($path !== '/' && is_file(__DIR__ . $path) && substr($path, -4) !== '.php') {
    return false;
}
if ($path !== '/' && is_file(__DIR__ . $path)) {
    require __DIR__ . $path;
    return true;
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = __DIR__ . '/index.php';
require __DIR__ . '/index.php';
"""

INSTALL = """<?php
define('WP_INSTALLING', true);
require __DIR__ . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$result = wp_install('curator test', %(user)s, 'admin@example.invalid', false, '', %(password)s);
update_option('permalink_structure', '/%%postname%%/');
$user = get_user_by('login', %(user)s);
$created = WP_Application_Passwords::create_new_application_password($user->ID, array('name' => 'curator'));
if (is_wp_error($created)) {
    fwrite(STDERR, $created->get_error_message() . "\\n");
    exit(1);
}
echo "APP_PASSWORD=" . $created[0] . "\\n";
"""


def _write_site(base: Path, url: str, db_port: int, db_password: str) -> Path:
    site = base / "site"
    site.mkdir()
    for item in WORDPRESS_DIR.iterdir():
        if item.name in ("wp-config.php", "wp-content"):
            continue
        if item.is_dir():
            (site / item.name).symlink_to(item)
        else:
            shutil.copy2(item, site / item.name)
    content = site / "wp-content"
    (content / "mu-plugins").mkdir(parents=True)
    (content / "plugins").mkdir()
    (content / "uploads").mkdir()
    (content / "themes").symlink_to(WORDPRESS_DIR / "wp-content" / "themes")
    (content / "mu-plugins" / "curator-meta.php").write_text(MU_PLUGIN)
    salts = "\n".join(
        f"define({_php_string(key)}, {_php_string(secrets.token_hex(32))});"
        for key in (
            "AUTH_KEY",
            "SECURE_AUTH_KEY",
            "LOGGED_IN_KEY",
            "NONCE_KEY",
            "AUTH_SALT",
            "SECURE_AUTH_SALT",
            "LOGGED_IN_SALT",
            "NONCE_SALT",
        )
    )
    config = f"""<?php
define('DB_NAME', {_php_string(DB_NAME)});
define('DB_USER', {_php_string(DB_USER)});
define('DB_PASSWORD', {_php_string(db_password)});
define('DB_HOST', '127.0.0.1:{db_port}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
{salts}
define('WP_ENVIRONMENT_TYPE', 'local');
define('WP_HOME', {_php_string(url)});
define('WP_SITEURL', {_php_string(url)});
define('WP_CONTENT_DIR', __DIR__ . '/wp-content');
define('WP_CONTENT_URL', {_php_string(url + "/wp-content")});
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('WP_DEBUG', false);
define('WP_DEBUG_DISPLAY', false);
@ini_set('display_errors', '0');
$table_prefix = 'wp_';
if (!defined('ABSPATH')) {{
    define('ABSPATH', __DIR__ . '/');
}}
require_once ABSPATH . 'wp-settings.php';
"""
    (site / "wp-config.php").write_text(config)
    (site / "router.php").write_text(ROUTER)
    return site


def start(base: Path) -> WordPress:
    """Start MariaDB and WordPress under ``base`` (created; must not hold a running site)."""
    reason = missing()
    if reason:
        raise RuntimeError(reason)
    php = _which("php")
    client = _which("mariadb", "mysql")
    assert php and client
    base.mkdir(parents=True, exist_ok=True)
    db_port = _start_mariadb(base)
    db_password = secrets.token_hex(16)
    sql = (
        f"CREATE DATABASE {DB_NAME} CHARACTER SET utf8mb4;"
        f"CREATE USER '{DB_USER}'@'127.0.0.1' IDENTIFIED BY '{db_password}';"
        f"GRANT ALL PRIVILEGES ON {DB_NAME}.* TO '{DB_USER}'@'127.0.0.1';"
        "FLUSH PRIVILEGES;"
    )
    _run([client, "--no-defaults", f"--socket={base / 'mysql.sock'}", "-uroot"], stdin=sql)

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    site = _write_site(base, url, db_port, db_password)
    admin_password = secrets.token_urlsafe(16)
    install = site / "curator-install.php"
    install.write_text(
        INSTALL % {"user": _php_string(ADMIN_USER), "password": _php_string(admin_password)}
    )
    output = _run([php, "-d", "display_errors=stderr", str(install)])
    install.unlink()
    app_password = ""
    for line in output.splitlines():
        if line.startswith("APP_PASSWORD="):
            app_password = line.split("=", 1)[1].strip()
    if not app_password:
        raise RuntimeError(f"WordPress install printed no application password: {output[-2000:]}")

    log = base / "php.log"
    env = dict(os.environ, PHP_CLI_SERVER_WORKERS="4")
    _spawn(
        [
            php,
            "-d",
            "display_errors=stderr",
            "-S",
            f"127.0.0.1:{port}",
            "-t",
            str(site),
            str(site / "router.php"),
        ],
        log,
        base,
        "php",
        env,
    )

    def ready() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/?rest_route=/", timeout=5) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    _wait(ready, "WordPress (php -S)", log)
    wordpress = WordPress(url=url, user=ADMIN_USER, app_password=app_password)
    (base / "wordpress").write_text(f"{url} {ADMIN_USER} {app_password}\n")
    return wordpress


def _kill(base: Path, name: str) -> None:
    pidfile = base / f"{name}.pid"
    if not pidfile.exists():
        return
    pid = int(pidfile.read_text())
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pidfile.unlink()
        return
    process = _PROCESSES.pop(pid, None)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process is not None:
            if process.poll() is not None:
                break
        else:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
        time.sleep(0.05)
    else:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if process is not None:
            process.wait()
    pidfile.unlink()


def stop(base: Path) -> None:
    """Stop the PHP server and MariaDB started by ``start(base)`` (a no-op if none)."""
    _kill(base, "php")
    _kill(base, "mariadb")


if __name__ == "__main__":
    command, folder = sys.argv[1], Path(sys.argv[2])
    if command == "start":
        site = start(folder)
        print(site.url, site.user, site.app_password)
    elif command == "stop":
        stop(folder)
    else:
        sys.exit(f"usage: {sys.argv[0]} start|stop DIR")
