#!/usr/bin/env python3
"""ETL benchmark: evlake's incremental ETL against DuckDB's COPY ... PARTITION_BY on the same raw
objects, in the same run (../shared/tools/duckdb/bench-etl.mjs is the DuckDB side, unchanged).

Prints JSON lines: per case (1 hour = 12 objects, 24 hours = 288 objects) the events/s and peak
RSS of both and the ratios; then the incremental case (1 new object after 288) against that object
alone in a fresh lake. Medians of --runs runs after a warm-up for the 1-hour case (evlake and
DuckDB alternating, so that load from other processes falls on both alike); the 24-hour case runs
once each (it takes minutes). CPU seconds (user + system of the process tree) come with each.
usage: bench_etl.py BUILD_DIR [--quick] [--runs N]
"""
import datetime, json, os, resource, shutil, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = sys.argv[1]
EVLAKE = os.path.join(ROOT, BUILD, "evlake")
QUICK = "--quick" in sys.argv
RUNS = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
WORK = os.path.join(ROOT, "build", "bench-etl")
DUCK = os.path.join(ROOT, "build", "duckdb")


def run_measured(cmd, env=None):
    """Runs cmd, returns (seconds, peak RSS in MB of the child, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    secs = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"bench_etl: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the max over all waited children: only trust it when it grew.
    return secs, (peak if peak > before else None), p.stdout


def rss_of(cmd):
    """Peak RSS (MB) of one command, measured in a fresh python so earlier children don't mask it."""
    code = ("import resource,subprocess,sys;subprocess.run(sys.argv[1:],check=True,capture_output=True);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code] + cmd, capture_output=True, text=True, check=True).stdout
    return round(int(out) / 1024, 1)


def lake(name, objects, start="2025-11-20T00:00:00Z"):
    home = os.path.join(WORK, name)
    marker = os.path.join(home, f".generated-{objects}")
    if not os.path.exists(marker):
        shutil.rmtree(home, ignore_errors=True)
        subprocess.run([EVLAKE, "init", "--home", home], check=True, capture_output=True)
        subprocess.run([EVLAKE, "gen", "--home", home, "--objects", str(objects), "--events", "600000",
                        "--start", start, "--quiet"], check=True, capture_output=True)
        open(marker, "w").close()
    return home


def evlake_etl(home):
    subprocess.run([EVLAKE, "etl", "reset", "--home", home], check=True, capture_output=True)
    secs, _, out = run_measured([EVLAKE, "etl", "run", "--home", home, "--json"])
    return secs, json.loads(out)


def duckdb_etl(home, codec="ZSTD"):
    glob = os.path.join(home, "raw/events/*/*/*/*/*/*.jsonl.gz")
    out_dir = os.path.join(WORK, "duckdb-out")
    r = subprocess.run(["node", os.path.join(DUCK, "bench-etl.mjs"), glob, out_dir, codec, "2"], capture_output=True,
                       text=True, cwd=DUCK)
    if r.returncode != 0:
        sys.exit(f"bench_etl: DuckDB failed: {r.stderr.strip()}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def children_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def case(name, objects, runs):
    """Runs of both alternate (evlake, DuckDB, evlake, ...) so that both see the same load from
    other processes on the machine; CPU seconds are reported too (less sensitive to that load)."""
    home = lake(name, objects)
    evlake_etl(home)  # warm-up (and page cache)
    secs, cpus, duck_runs, duck_cpus = [], [], [], []
    for i in range(runs):
        c0 = children_cpu()
        s, rep = evlake_etl(home)
        secs.append(s)
        cpus.append(children_cpu() - c0)
        if i < max(1, runs // 2):
            c0 = children_cpu()
            duck_runs.append(duckdb_etl(home))
            duck_cpus.append(children_cpu() - c0)
    subprocess.run([EVLAKE, "etl", "reset", "--home", home], check=True, capture_output=True)
    ev_rss = rss_of([EVLAKE, "etl", "run", "--home", home])
    duck_secs = median([d["secs"] for d in duck_runs])
    glob = os.path.join(home, "raw/events/*/*/*/*/*/*.jsonl.gz")
    duck_rss = rss_of(["node", os.path.join(DUCK, "bench-etl.mjs"), glob, os.path.join(WORK, "duckdb-out"), "ZSTD", "2"])
    events = rep["lines"]
    ev_eps = events / median(secs)
    duck_eps = duck_runs[0]["rows"] / duck_secs
    out = {"bench": f"etl_{name}", "objects": objects, "events": events, "threads": 2, "codec": "zstd",
           "evlake_median_seconds": round(median(secs), 3), "duckdb_median_seconds": round(duck_secs, 3),
           "evlake_events_per_sec": round(ev_eps), "duckdb_events_per_sec": round(duck_eps),
           "speedup_vs_duckdb": round(ev_eps / duck_eps, 2), "target_speedup": 4.0,
           "evlake_peak_rss_mb": ev_rss, "duckdb_peak_rss_mb": duck_rss, "target_rss_mb": 256,
           "evlake_median_cpu_seconds": round(median(cpus), 3), "duckdb_median_cpu_seconds": round(median(duck_cpus), 3),
           "cpu_speedup_vs_duckdb": round(median(duck_cpus) / median(cpus), 2),
           "evlake_bytes_per_event": round(rep["bytes_out"] / events, 2),
           "duckdb_bytes_per_event": duck_runs[0]["bytes_per_event"], "runs": runs}
    print(json.dumps(out), flush=True)
    return home


def raw_objects(home):
    return {os.path.join(r, f) for r, _, fs in os.walk(os.path.join(home, "raw")) for f in fs}


def incremental(home_288, runs):
    """One new object after 288 processed, against that object alone in a fresh lake: medians of
    `runs` runs of each, alternating (the incremental run rewound, the lone lake reset between)."""
    subprocess.run([EVLAKE, "etl", "run", "--home", home_288], check=True, capture_output=True)
    extra = "2025-11-21T00:00:00Z"
    alone = os.path.join(WORK, "alone")
    shutil.rmtree(alone, ignore_errors=True)
    subprocess.run([EVLAKE, "init", "--home", alone], check=True, capture_output=True)
    raw_before = raw_objects(home_288)
    for h in (home_288, alone):
        subprocess.run([EVLAKE, "gen", "--home", h, "--objects", "1", "--events", "600000", "--start", extra,
                        "--quiet"], check=True, capture_output=True)
    t_incs, t_alones = [], []
    for _ in range(runs):
        before_inc = datetime.datetime.now(datetime.timezone.utc).isoformat()
        t_incs.append(run_measured([EVLAKE, "etl", "run", "--home", home_288])[0])
        # leave the 288-object lake as generated and fully processed (queries are benchmarked on
        # it): forget only the incremental run (its object is removed after the last)
        subprocess.run([EVLAKE, "etl", "rewind", "--home", home_288, "--to", before_inc], check=True,
                       capture_output=True)
        t_alones.append(run_measured([EVLAKE, "etl", "run", "--home", alone])[0])
        subprocess.run([EVLAKE, "etl", "reset", "--home", alone], check=True, capture_output=True)
    for f in raw_objects(home_288) - raw_before:  # only the object this case added
        os.remove(f)
    t_inc, t_alone = median(t_incs), median(t_alones)
    print(json.dumps({"bench": "etl_incremental_1_after_288", "seconds": round(t_inc, 3),
                      "alone_seconds": round(t_alone, 3), "ratio": round(t_inc / t_alone, 2), "target_ratio": 1.2,
                      "runs": runs}), flush=True)


def main():
    os.makedirs(WORK, exist_ok=True)
    subprocess.run(["sh", os.path.join(ROOT, "scripts/duckdb-setup.sh")], check=True, stdout=subprocess.DEVNULL)
    case("1h", 12, RUNS)
    if not QUICK:
        home = case("24h", 288, 1)
        incremental(home, RUNS)


main()
