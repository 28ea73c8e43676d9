"""A private PostgreSQL cluster the chaos suite may crash at will.

It is started with scripts/pg.sh in a directory of its own, on a port of
its own (Unix socket only), so stopping it with `pg_ctl stop -m immediate`
never disturbs another test's database. SQL goes through psql.
"""
import os
import subprocess
import time


class SqlError(RuntimeError):
    pass


class Cluster:
    def __init__(self, root, directory, port):
        self.root = root
        self.dir = directory
        self.port = port
        self.bindir = sorted(
            (os.path.join("/usr/lib/postgresql", v, "bin") for v in os.listdir("/usr/lib/postgresql")),
            key=lambda p: [int(x) for x in p.split("/")[-2].split(".") if x.isdigit()])[-1]
        self.restarts = 0

    # -- lifecycle -------------------------------------------------------
    def _as_owner(self, argv):
        return (["runuser", "-u", "postgres", "--"] + argv) if os.getuid() == 0 else argv

    def start(self, timeout=90):
        env = dict(os.environ, RAPPORT_PG_PORT=str(self.port))
        out = subprocess.run([os.path.join(self.root, "scripts/pg.sh"), "start", self.dir], env=env,
                             capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"pg.sh start failed: {out.stderr.strip()}")
        return out.stdout.strip()

    def stop_immediate(self):
        """The crash: no checkpoint, every backend killed, recovery at the next start."""
        subprocess.run(self._as_owner([os.path.join(self.bindir, "pg_ctl"), "-D", os.path.join(self.dir, "data"),
                                       "-m", "immediate", "-w", "-t", "60", "stop"]),
                       capture_output=True, timeout=90)

    def restart(self):
        self.start()
        self.restarts += 1

    def stop(self):
        env = dict(os.environ, RAPPORT_PG_PORT=str(self.port))
        subprocess.run([os.path.join(self.root, "scripts/pg.sh"), "stop", self.dir], env=env,
                       capture_output=True, timeout=120)

    def postmaster_pid(self):
        try:
            with open(os.path.join(self.dir, "data", "postmaster.pid")) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    # -- SQL -------------------------------------------------------------
    def conninfo(self, dbname="postgres"):
        return f"host={self.dir}/socket port={self.port} dbname={dbname} user=postgres connect_timeout=5"

    def rows(self, sql, dbname="postgres", timeout=120):
        """Rows of a query as lists of strings (tab-separated by psql)."""
        out = subprocess.run(["psql", self.conninfo(dbname), "-X", "-q", "-t", "-A", "-F", "\t",
                              "-v", "ON_ERROR_STOP=1", "-c", sql],
                             capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise SqlError(out.stderr.strip())
        return [line.split("\t") for line in out.stdout.splitlines() if line != ""]

    def value(self, sql, dbname="postgres", timeout=120):
        rows = self.rows(sql, dbname, timeout)
        return rows[0][0] if rows else None

    def int(self, sql, dbname="postgres", timeout=120):
        v = self.value(sql, dbname, timeout)
        return int(v) if v not in (None, "") else 0

    def try_int(self, sql, dbname="postgres", timeout=30):
        """int() or None while the server is down or restarting."""
        try:
            return self.int(sql, dbname, timeout)
        except (SqlError, subprocess.TimeoutExpired):
            return None

    def wait_up(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.try_int("SELECT 1", timeout=10) == 1:
                return True
            time.sleep(0.2)
        return False

    def create_database(self, name):
        self.rows(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.rows(f"CREATE DATABASE {name}")
        return self.conninfo(name)
