#!/usr/bin/python3
"""Finds which columns of the plugins' tables follow from the events alone:
runs the same input fault-free twice (published at once, then paced as the
chaos round publishes it, so workers interleave differently) and prints the
columns whose fingerprints agree, as the TABLES dict of invariants.py.

    tests/chaos/calibrate.py --build build-test [--seed S] [--runs N]

Re-run it when a plugin changes its tables or what it reads from others.
"""
import argparse
import os
import random
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import chaos             # noqa: E402
import columns           # noqa: E402
from cluster import Cluster  # noqa: E402
from round import Round  # noqa: E402

PREFIXES = ("scoring_", "care_", "survey_", "referral_", "stakeholder_", "contact_")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(chaos.ROOT, "build-test"))
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--port", type=int, default=54345)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--customers", type=int, default=250)
    args = p.parse_args()
    cfg = chaos.Config(argparse.Namespace(minutes=0, customers=args.customers, fault_seconds=0, stuck_after=0,
                                          kinds="", no_reference=False))
    workdir = tempfile.mkdtemp(prefix="rapport-calibrate.")
    os.chmod(workdir, 0o755)
    cluster = Cluster(chaos.ROOT, os.path.join(workdir, "pg"), args.port)
    rng = random.Random(args.seed)
    events = chaos.make_stream(args.build, args.seed, cfg.customers)
    prints = []
    try:
        cluster.start()
        factory = chaos.daemon_factory(cfg, args.build, workdir, rng)
        for i in range(args.runs):
            r = Round(cfg, cluster, factory, f"calib_{i}", events, rng, chaos.log)
            paced = i % 2 == 1
            if paced:
                # as a chaos round publishes: spread over part of the fault window
                cfg_rate = len(events) / (cfg.fault_seconds * cfg.publish_share)
                r.cfg = cfg
                _publish_paced(r, cfg_rate)
            else:
                r.publish_and_inject(chaos=False)
            r.wait_caught_up()
            tables = [t[0] for t in cluster.rows(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'", r.dbname)
                if t[0].startswith(PREFIXES)]
            prints.append(columns.column_fingerprints(cluster, r.dbname, {t: None for t in tables}))
            r.finish()
            chaos.log(f"run {i} ({'paced' if paced else 'at once'}) done")
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    stable = {}
    for key in sorted(prints[0]):
        same = all(pr.get(key) == prints[0][key] for pr in prints[1:])
        print(f"{'same' if same else 'DIFF'} {key[0]}.{key[1]}")
        if same and key[1] != "*rows":
            stable.setdefault(key[0], []).append(key[1])
    print("TABLES = {")
    for t, cs in sorted(stable.items()):
        print(f"    {t!r}: {cs!r},")
    print("}")


def _publish_paced(r, rate):
    from load import Publisher
    import time
    r.daemon.start()
    pub = Publisher(r.daemon, r.events, batch=r.cfg.batch, rate=rate, deadline=time.monotonic() + 600)
    r.publisher = pub
    pub.start()
    pub.join(600)


if __name__ == "__main__":
    main()
