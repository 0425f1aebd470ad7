"""vegeta, open loop: requests are sent at a fixed rate whatever the server does.

    vegeta attack -targets=F -rate=R/1s -duration=Ds -timeout=Ts -max-body=0 -output=results.gob
    vegeta encode -to csv results.gob     (one record per request, parsed here)
    vegeta report -type json results.gob  (kept in raw/ for reference, not parsed for numbers)

**What vegeta's own latency measures** (lib/attack.go, v12.12.0): the attack loop
sleeps until hit number ``h`` is due at ``began + (h+1)/rate`` (``ConstantPacer``,
which catches up immediately when behind), hands a tick to an idle worker, and starts
a new worker when all are busy (``-max-workers`` is unbounded by default, connections
too). The worker stamps ``Timestamp`` when it *picks the tick up* and ``Latency`` is
the time from that stamp to the end of the body. So vegeta's latency is the
service time from the actual send; it hides any delay between when a request was
due and when it went out (STYLE.md section 6: coordinated omission when workers or
the pacer fall behind).

**What this driver reports** (``latency_kind = "from-intended-time"``): each
request's completion minus its scheduled send time. Requests are numbered in pickup
order (``Seq``), so request ``seq`` was due ``seq / rate`` after request 0;
request 0's own stamp anchors the schedule (it is at or after its due time, so the
schedule can only be late by that, microseconds). The send lag (actual - scheduled)
is reported too: a large lag means vegeta itself fell behind (a starved generator).
vegeta's pickup-based view is kept as ``service_*`` in ``extra``; the intended-time
latencies also as the row's log-linear histogram (``extra["latency_histogram"]``,
harness/drivers/histogram.py).

Only machine-readable output is read: the CSV records of ``vegeta encode``.
"""
from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from harness.drivers import DriverError, LoadJob, histogram
from harness.drivers.outcome import LoadOutcome, percentile
from harness.drivers.process import Command, cpus_of, run_bounded, work_folder
from harness.measure.host import tool

DEFAULT_TIMEOUT_S = 10
# vegeta opens a worker (and a connection) per request in flight, without bound. Past
# a server's capacity that is thousands of sockets a second, until the file-descriptor
# limit or the ephemeral ports run out and the generator, not the server, fails. Capped
# here far above any healthy point (5,000 req/s x 50 ms = 250 in flight): once the cap
# is reached, requests leave late, and since latency is counted from each request's
# scheduled send time, the lateness is still measured.
MAX_WORKERS = 4096
# A run's per-request timeout: a request of a fixed-rate schedule still unanswered
# after 3 s (60x the 50 ms wait) is one the server has fallen behind on; waiting longer
# only lengthens every run past a model's knee
RUN_TIMEOUT_S = 3.0
POSTPROCESS_LIMIT_S = 60    # encode and report read the results file, nothing more


@dataclass(frozen=True)
class Record:
    """One request as ``vegeta encode -to csv`` writes it (times in ns)."""

    timestamp_ns: int
    code: int
    latency_ns: int
    error: str
    seq: int


def vegeta_bin() -> str:
    path = tool("vegeta")
    if path is None:
        raise DriverError("vegeta is missing: `make loadtools` installs it into bin/ "
                          "(go install github.com/tsenart/vegeta/v12)")
    return path


def targets_text(url: str, method: str = "GET", body_file: str | None = None,
                 headers: Sequence[str] = ()) -> str:
    """A vegeta http-format targets file for one request."""
    lines = [f"{method} {url}", *headers]
    if body_file:
        lines.append(f"@{body_file}")
    return "\n".join(lines) + "\n"


def attack_argv(*, targets: str, rate: int, duration_s: float, timeout_s: float, output: str,
                vegeta: str = "vegeta", cpus: str | None = None) -> list[str]:
    if int(rate) != rate or rate < 1:
        raise DriverError(f"vegeta: rate must be a whole number of requests per second >= 1, got {rate!r}")
    if duration_s <= 0 or timeout_s <= 0:
        raise DriverError("vegeta: duration and timeout must be positive")
    argv = [vegeta, "attack", f"-targets={targets}", f"-rate={int(rate)}/1s",
            f"-duration={duration_s:g}s", f"-timeout={timeout_s:g}s", "-max-body=0",
            "-http2=false", f"-max-workers={MAX_WORKERS}", f"-output={output}"]
    return (["taskset", "-c", cpus] if cpus else []) + argv


def parse_csv(text: str) -> list[Record]:
    """Records from ``vegeta encode -to csv`` (12 fields each; see lib/results.go)."""
    out = []
    for line, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if not row:
            continue
        if len(row) != 12:
            raise DriverError(f"vegeta csv line {line}: {len(row)} fields, expected 12")
        out.append(Record(timestamp_ns=int(row[0]), code=int(row[1]), latency_ns=int(row[2]),
                          error=row[5], seq=int(row[8])))
    return out


def _error_kind(rec: Record) -> str | None:
    if rec.code >= 400:
        return "status"
    if rec.code != 0:
        return None
    text = rec.error.lower()
    if "refused" in text or "connect:" in text or "dial" in text:
        return "connect"
    if "timeout" in text or "deadline" in text:
        return "timeout"
    if "write" in text or "broken pipe" in text:
        return "write"
    return "read"


def summarise(records: Sequence[Record], *, rate: float, duration_s: float,
              generator_cpu_s: float | None = None, generator_cpus: int = 1) -> LoadOutcome:
    """Per-request records -> LoadOutcome, latency from each request's scheduled send time."""
    if not records:
        raise DriverError("vegeta recorded no requests")
    records = sorted(records, key=lambda r: r.seq)
    interval_ns = 1e9 / rate
    t0 = records[0].timestamp_ns - records[0].seq * interval_ns
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0, "status": 0}
    intended, service, lags = [], [], []
    answered = 0
    end = 0
    for r in records:
        kind = _error_kind(r)
        if kind is not None:
            errors[kind] += 1
        if r.code != 0:
            answered += 1
        lag = max(0.0, r.timestamp_ns - (t0 + r.seq * interval_ns))
        lags.append(lag / 1e6)
        service.append(r.latency_ns / 1e6)
        intended.append((r.latency_ns + lag) / 1e6)
        end = max(end, r.timestamp_ns + r.latency_ns)
    intended.sort(), service.sort(), lags.sort()
    # Requests the schedule called for that never left (every worker was waiting on
    # the server at MAX_WORKERS): they would have waited past the run, so they count as
    # timeouts, never silently dropped. A few short is the pacer's rounding at the end.
    expected = int(rate * duration_s)
    unsent = expected - len(records)
    if unsent > max(2, 0.001 * expected):
        errors["timeout"] += unsent
    # answered per second over the whole run: the send window plus the wait for the last answers
    span_s = max((end - records[0].timestamp_ns) / 1e9, duration_s)
    p = lambda xs, q: percentile(xs, q)  # noqa: E731
    return LoadOutcome(
        driver="vegeta", loop="open", requests=answered, errors_connect=errors["connect"],
        errors_read=errors["read"], errors_write=errors["write"], errors_timeout=errors["timeout"],
        errors_status=errors["status"], duration_s=span_s, rps=answered / span_s,
        latency_p50_ms=p(intended, 50), latency_p90_ms=p(intended, 90),
        latency_p99_ms=p(intended, 99), latency_p999_ms=p(intended, 99.9),
        latency_max_ms=intended[-1], latency_kind="from-intended-time",
        generator_cpu_s=generator_cpu_s, generator_cpus=generator_cpus,
        extra={"latency_histogram": histogram.encode(histogram.counts(ms * 1000 for ms in intended)),
               "offered_rate": rate, "sent": len(records),
               "expected_sent": expected, "unsent": max(0, unsent),
               "service_p50_ms": p(service, 50), "service_p99_ms": p(service, 99),
               "service_p999_ms": p(service, 99.9), "service_max_ms": service[-1],
               "send_lag_p99_ms": p(lags, 99), "send_lag_max_ms": lags[-1]})


def run_vegeta(url: str, *, rate: int, duration_s: float, timeout_s: float = DEFAULT_TIMEOUT_S,
               method: str = "GET", body: bytes | None = None, cpus: str | None = None,
               work_dir: str | os.PathLike[str] | None = None, grace_s: float = 20.0,
               generator_cpus: int | None = None) -> LoadOutcome:
    """Attack ``url`` at ``rate`` req/s for ``duration_s``; bounded by a watchdog.

    ``work_dir`` keeps results.gob, results.csv, report.json and stderr (raw/).
    """
    vegeta = vegeta_bin()
    with work_folder(work_dir, "vegeta") as wd:
        body_file = None
        if body is not None:
            body_file = str(wd / "body.bin")
            Path(body_file).write_bytes(body)
        targets = wd / "targets.txt"
        headers = ("Content-Type: application/octet-stream",) if body is not None else ()
        targets.write_text(targets_text(url, method, body_file, headers))
        gob = wd / "results.gob"
        argv = attack_argv(targets=str(targets), rate=rate, duration_s=duration_s,
                           timeout_s=timeout_s, output=str(gob), vegeta=vegeta, cpus=cpus)
        done = run_bounded([Command(argv, stdout=wd / "attack-stdout.txt",
                                    stderr=wd / "attack-stderr.txt")],
                           tool="vegeta attack", limit_s=duration_s + timeout_s + grace_s)
        run_bounded([Command([vegeta, "encode", "-to", "csv", str(gob)], stdout=wd / "results.csv",
                             stderr=wd / "encode-stderr.txt")],
                    tool="vegeta encode", limit_s=POSTPROCESS_LIMIT_S)
        outcome = summarise(parse_csv((wd / "results.csv").read_text()), rate=rate,
                            duration_s=duration_s, generator_cpu_s=done.cpu_s,
                            generator_cpus=generator_cpus or cpus_of(cpus))
        outcome.extra["vegeta_report"] = _report(vegeta, gob, wd / "report.json")
    outcome.extra["argv"] = " ".join(argv)
    return outcome


def _report(vegeta: str, gob: Path, path: Path) -> dict | None:
    """vegeta's own JSON report, kept for reference (None if it fails: it is not needed)."""
    try:
        run_bounded([Command([vegeta, "report", "-type=json", str(gob)], stdout=path,
                             stderr=path.with_suffix(".stderr.txt"))],
                    tool="vegeta report", limit_s=POSTPROCESS_LIMIT_S)
        return json.loads(path.read_text())
    except (DriverError, ValueError):
        return None


def drive(job: LoadJob) -> LoadOutcome:
    """``job`` as a vegeta attack at its rate. A request still unanswered after
    RUN_TIMEOUT_S, or ten times the workload's known wait, counts as a timeout."""
    if not job.rate:
        raise DriverError("vegeta needs a rate (--rate)")
    return run_vegeta(job.url + job.target, rate=max(1, round(job.rate)), duration_s=job.duration_s,
                      method=job.method, body=job.body, cpus=job.cpus, work_dir=job.work_dir,
                      timeout_s=max(RUN_TIMEOUT_S, job.wait_s * 10 + 2))
