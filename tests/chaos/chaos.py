#!/usr/bin/python3
"""The chaos suite (issue 16 item 7): faults an operator will meet, injected
at seeded random instants into rapportd with every plugin under load, and
the promises checked afterwards.

    chaos.py --short  [--seed S]      one round of a few minutes (ctest label chaos)
    chaos.py --minutes N [--seed S]   rounds until N minutes are spent, then a summary

Needs the build tree (--build), runs a private PostgreSQL cluster of its own
(scripts/pg.sh in a temporary directory, --port), and exits 1 when any check
failed. Every run prints its seed; the same seed gives the same input and
the same fault schedule (the instants the system is in then vary).
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cluster import Cluster          # noqa: E402
from daemon import Daemon            # noqa: E402
from round import Round, PLUGINS     # noqa: E402
import faults                        # noqa: E402
import summary                       # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Config:
    def __init__(self, args):
        self.short = not args.minutes
        self.customers = args.customers or (250 if self.short else 1000)
        self.fault_seconds = args.fault_seconds or (50 if self.short else 240)
        self.fault_gap = (3.0, 9.0) if self.short else (4.0, 15.0)
        self.publish_share = 0.6       # the stream spans 60 % of the fault window: faults hit catch-up too
        self.publish_timeout = self.fault_seconds + 300
        self.catchup_timeout = 600 if self.short else 1800
        self.stuck_after = args.stuck_after or (60 if self.short else 120)
        self.partitions = 16
        self.batch = 100
        self.kinds = args.kinds.split(",") if args.kinds else list(faults.KINDS)
        self.reference = not args.no_reference
        self.strict_columns = getattr(args, "strict_columns", False)


def log(msg):
    print(msg, flush=True)


def make_stream(build, seed, customers):
    synth = os.path.join(build, "services/rapport-synth/rapport-synth")
    gen = subprocess.run(f"{synth} --generate --seed={seed} --customers={customers} --months=12 | "
                         f"{synth} --seed={seed}", shell=True, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in gen.stdout.splitlines() if line.strip()]


def daemon_factory(cfg, build, workdir, rng):
    plugin_dir = os.path.join(build, "plugins")
    counter = os.path.join(build, "tests/contract/plugins/counter.so")

    def make(conninfo, dbname):
        args = [f"--database={conninfo}", f"--plugins={','.join(PLUGINS)},{counter}",
                f"--plugin_dir={plugin_dir}", "--clock=event", f"--partitions={cfg.partitions}",
                "--limits.plugin_batch_events=200", "--db_backoff_max_ms=1000", "--log_level=info",
                "--shutdown_timeout_ms=20000"]
        return Daemon(os.path.join(build, "services/rapportd/rapportd"), args,
                      os.path.join(workdir, f"{dbname}.log"), rng)
    return make


def run_round(cfg, cluster, build, workdir, seed, index, rng):
    events = make_stream(build, seed, cfg.customers)
    log(f"round {index}: seed {seed}, {len(events)} events of {cfg.customers} customers")
    reference = None
    factory = daemon_factory(cfg, build, workdir, rng)
    if cfg.reference:
        t = time.monotonic()
        ref = Round(cfg, cluster, factory, f"chaos_ref_{index}", events, rng, log)
        ref.publish_and_inject(chaos=False)
        if ref.wait_caught_up():
            reference = ref.snapshot()
            ref.finish()
            log(f"  fault-free reference: {sum(reference['frames'].values())} derived events, "
                f"{time.monotonic() - t:.0f}s")
        else:
            ref.finish()
            log("  the fault-free reference run did not catch up: compared with nothing")
    r = Round(cfg, cluster, factory, f"chaos_run_{index}", events, rng, log)
    r.publish_and_inject(chaos=True)
    if r.wait_caught_up():
        r.check(reference)
    else:
        # Checks that do not need catch-up still tell what was lost.
        r.check(None)
    r.finish()
    for name, ok, detail in r.results:
        log(f"  {'PASS' if ok else 'FAIL'} {name}: {detail}")
    for name, ok, detail in r.notes:
        log(f"  {'same' if ok else 'NOTE'} (advisory) {name}: {detail}")
    return r


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--short", action="store_true", help="one short round (the CI form)")
    p.add_argument("--minutes", type=float, default=0, help="run rounds for this long (the long form)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--build", default=os.environ.get("RAPPORT_CHAOS_BUILD", os.path.join(ROOT, "build-test")))
    p.add_argument("--port", type=int, default=int(os.environ.get("RAPPORT_CHAOS_PG_PORT", "54344")))
    p.add_argument("--customers", type=int, default=0)
    p.add_argument("--fault-seconds", type=float, default=0)
    p.add_argument("--stuck-after", type=float, default=0)
    p.add_argument("--kinds", default="", help="comma-separated fault kinds: " + ",".join(faults.KINDS))
    p.add_argument("--no-reference", action="store_true", help="skip the fault-free reference run")
    p.add_argument("--strict-columns", action="store_true",
                   help="fail when plugin columns differ from the fault-free run (advisory by default: issue 18)")
    p.add_argument("--keep", action="store_true", help="keep the cluster and logs directory")
    args = p.parse_args()
    cfg = Config(args)
    if args.seed is None and os.environ.get("RAPPORT_CHAOS_SEED"):
        args.seed = int(os.environ["RAPPORT_CHAOS_SEED"])
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 2**31)
    log(f"chaos: seed {seed} (repeat with --seed {seed}); "
        f"{'short form' if cfg.short else f'long form, {args.minutes:g} minutes'}; build {args.build}")
    rng = random.Random(seed)
    workdir = tempfile.mkdtemp(prefix="rapport-chaos.")
    os.chmod(workdir, 0o755)
    cluster = Cluster(ROOT, os.path.join(workdir, "pg"), args.port)
    rounds, started = [], time.monotonic()
    try:
        cluster.start()
        log(f"chaos: private PostgreSQL cluster in {cluster.dir}, port {args.port}; logs in {workdir}")
        index = 1
        while True:
            rounds.append(run_round(cfg, cluster, args.build, workdir, rng.randrange(1, 2**31), index,
                                    random.Random(rng.random())))
            index += 1
            if cfg.short or time.monotonic() - started >= args.minutes * 60:
                break
    finally:
        cluster.stop()
        failed = any(not ok for r in rounds for _, ok, _ in r.results) or not rounds
        if args.keep or failed:
            log(f"chaos: logs kept in {workdir}")
            shutil.rmtree(cluster.dir, ignore_errors=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    summary.print_summary(rounds, seed, time.monotonic() - started, cluster.restarts, log)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
