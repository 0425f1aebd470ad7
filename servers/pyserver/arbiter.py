"""The master process: supervision only, never a client byte (gunicorn's arbiter).

The master holds the listening sockets (pyserver.listeners: one per worker
slot, or one shared) and pre-forks ``workers`` processes; each worker runs
``serve(listener, worker)`` (a mode's loop) on its slot's socket until
``worker.alive`` turns False. A replacement worker takes the slot, and so the
socket and its queued connections, of the worker it replaces. The master then:

* prints READY (``on_ready``) once every first worker said ``worker.ready()``;
* restarts a worker that died, with exponential back-off while they die young
  (a crash loop), and gives up with the worker's exit code when one dies before
  the server was ever ready (an app that cannot start: no half-started server);
* kills a worker whose heartbeat (``worker.notify()`` -> ctime of a shared
  unlinked temp file, touched with fchmod) is older than ``timeout``;
* handles signals through a queue and a method per name, ``handle_<name>``;
  the handlers themselves only queue the signal and wake the loop:

  SIGTERM  graceful: workers stop accepting and finish in-flight requests
           within ``graceful_timeout``; then exit 0
  SIGINT, SIGQUIT  fast: workers exit at once; exit 0
  SIGHUP   new workers replace the old ones (old ones stop gracefully)
  SIGTTIN / SIGTTOU  one worker (and slot) more / one fewer (never below one)

Workers: SIGTERM -> ``alive = False`` (the mode finishes in-flight work);
SIGINT/SIGQUIT -> immediate exit. A worker whose master died stops too.
"""
from __future__ import annotations

import os
import select
import signal
import sys
import tempfile
import time
import traceback
from collections import deque

SIGNALS = {getattr(signal, f"SIG{name}"): name.lower()
           for name in ("TERM", "INT", "QUIT", "HUP", "TTIN", "TTOU")}
BOOT_TIMEOUT = 60.0         # seconds for the first workers to say ready
CRASH_WINDOW = 5.0          # a worker that dies younger than this counts as a crash
MAX_BACKOFF = 10.0


class WorkerContext:
    """What a worker process sees of the master (passed to the mode's serve())."""

    supervised = True

    def __init__(self, age: int, master_pid: int, tmp, ready_w: int):
        self.age = age
        self.master_pid = master_pid
        self.alive = True
        self._tmp_fd = tmp.fileno()
        self._spin = 0
        self._ready_w = ready_w

    def notify(self) -> None:
        """Heartbeat: call at least once per --timeout or the master kills this worker."""
        self._spin ^= 1
        try:
            os.fchmod(self._tmp_fd, self._spin)
        except OSError:
            pass
        if os.getppid() != self.master_pid:     # orphaned: the master is gone
            self.alive = False

    def ready(self) -> None:
        """Tell the master this worker accepts connections."""
        if self._ready_w >= 0:
            try:
                os.write(self._ready_w, b"%d\n" % os.getpid())
            finally:
                os.close(self._ready_w)
                self._ready_w = -1

    # signal handlers, installed in the worker after the fork
    def _graceful(self, signum, frame) -> None:
        self.alive = False

    @staticmethod
    def _fast(signum, frame) -> None:
        _flush()
        os._exit(0)


class _Worker:
    __slots__ = ("pid", "age", "slot", "tmp", "born", "retiring", "ready")

    def __init__(self, pid: int, age: int, slot: int, tmp):
        self.pid, self.age, self.slot, self.tmp = pid, age, slot, tmp
        self.born = time.monotonic()
        self.retiring = False     # told to stop (graceful); no longer counted
        self.ready = False


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass


class Arbiter:
    def __init__(self, listeners, serve, *, workers: int, timeout: float,
                 graceful_timeout: float, on_ready=lambda: None):
        self.listeners = listeners          # pyserver.listeners: a socket per slot
        self.serve = serve                  # serve(listener, WorkerContext) in the child
        self.num_workers = workers
        self.timeout = timeout
        self.graceful_timeout = graceful_timeout
        self.on_ready = on_ready
        self.workers: dict[int, _Worker] = {}
        self.signals: deque[int] = deque()
        self._age = 0
        self._crashes = 0
        self._next_spawn = 0.0
        self._ready = False
        self._pipe_r = self._pipe_w = -1
        self._ready_r = self._ready_w = -1
        self._ready_buf = b""

    # -- the loop ---------------------------------------------------------------

    def run(self) -> int:
        self.pid = os.getpid()
        self._pipe_r, self._pipe_w = os.pipe()
        self._ready_r, self._ready_w = os.pipe()
        for fd in (self._pipe_r, self._pipe_w, self._ready_r):
            os.set_blocking(fd, False)
        for sig in SIGNALS:
            signal.signal(sig, self._queue_signal)
        signal.signal(signal.SIGCHLD, self._wake)
        try:
            return self._run()
        except _Exit as stop:
            return stop.code
        finally:
            self._kill_all(signal.SIGKILL)
            self._reap()

    def _run(self) -> int:
        self.manage_workers()
        boot_deadline = time.monotonic() + BOOT_TIMEOUT
        while True:
            # Wake for a respawn that waits out its crash back-off, not a whole second later.
            self._sleep(min(1.0, max(0.0, self._next_spawn - time.monotonic())) or 1.0)
            self._read_ready()
            self._reap()
            if not self._ready:
                if self.workers and all(w.ready for w in self.workers.values()) \
                        and len(self.workers) >= self.num_workers:
                    self._ready = True
                    self.on_ready()
                elif time.monotonic() > boot_deadline:
                    print("pyserver: error: workers did not start within "
                          f"{BOOT_TIMEOUT:g} s", file=sys.stderr, flush=True)
                    self.stop(graceful=False)
                    return 1
            while self.signals:
                getattr(self, "handle_" + SIGNALS[self.signals.popleft()])()
            self.murder_workers()
            self.manage_workers()

    def _queue_signal(self, signum, frame) -> None:
        if len(self.signals) < 5:
            self.signals.append(signum)
        self._wake()

    def _wake(self, *_) -> None:
        try:
            os.write(self._pipe_w, b".")
        except OSError:
            pass

    def _sleep(self, seconds: float) -> None:
        try:
            ready, _, _ = select.select([self._pipe_r, self._ready_r], [], [], seconds)
        except InterruptedError:
            return
        if self._pipe_r in ready:
            try:
                while os.read(self._pipe_r, 4096):
                    pass
            except OSError:
                pass

    def _read_ready(self) -> None:
        try:
            while True:
                data = os.read(self._ready_r, 4096)
                if not data:
                    break
                self._ready_buf += data
        except BlockingIOError:
            pass
        *lines, self._ready_buf = self._ready_buf.split(b"\n")
        for line in lines:
            worker = self.workers.get(int(line)) if line.strip().isdigit() else None
            if worker is not None:
                worker.ready = True

    # -- signals ------------------------------------------------------------------

    def handle_term(self) -> None:
        self.stop(graceful=True)
        raise _Exit(0)

    def handle_int(self) -> None:
        self.stop(graceful=False)
        raise _Exit(0)

    handle_quit = handle_int

    def handle_hup(self) -> None:
        """Replace every worker: new ones first, then the old ones stop gracefully
        (old and new share the slot's socket meanwhile: nothing queued is lost)."""
        old = [w for w in self.workers.values() if not w.retiring]
        for slot in range(self.num_workers):
            self.spawn_worker(slot)
        for worker in old:
            self._retire(worker)

    def handle_ttin(self) -> None:
        self.num_workers += 1
        self.manage_workers()

    def handle_ttou(self) -> None:
        if self.num_workers > 1:
            self.num_workers -= 1
        self.manage_workers()

    # -- workers ------------------------------------------------------------------

    def _active(self) -> list[_Worker]:
        return [w for w in self.workers.values() if not w.retiring]

    def manage_workers(self) -> None:
        """Retire the workers of slots beyond ``num_workers`` (and give those slots up);
        fill every empty slot below it."""
        active = self._active()
        for worker in active:
            if worker.slot >= self.num_workers:
                self._retire(worker)
        self.listeners.keep_slots(self.num_workers)
        missing = set(range(self.num_workers)) - {w.slot for w in active}
        if missing and time.monotonic() >= self._next_spawn:
            for slot in sorted(missing):
                self.spawn_worker(slot)

    def _retire(self, worker: _Worker) -> None:
        worker.retiring = True
        worker.born = time.monotonic()      # its graceful period starts now
        self._signal(worker.pid, signal.SIGTERM)

    def spawn_worker(self, slot: int) -> None:
        try:
            listener = self.listeners.for_slot(slot)
        except OSError as exc:      # e.g. out of file descriptors: try again later
            print(f"pyserver: cannot open the socket of worker slot {slot}: {exc}; "
                  "retrying in 1 s", file=sys.stderr, flush=True)
            self._next_spawn = time.monotonic() + 1.0
            return
        self._age += 1
        tmp = tempfile.TemporaryFile(prefix="pyserver-heartbeat-")
        _flush()
        pid = os.fork()
        if pid:
            self.workers[pid] = _Worker(pid, self._age, slot, tmp)
            return
        # -- the child: never returns into the master's code ----------------------
        code = 0
        try:
            for sig in SIGNALS:
                signal.signal(sig, signal.SIG_DFL)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for fd in (self._pipe_r, self._pipe_w, self._ready_r):
                os.close(fd)
            for other in self.workers.values():
                other.tmp.close()
            for sock in self.listeners.others(slot):
                sock.close()
            worker = WorkerContext(self._age, self.pid, tmp, self._ready_w)
            signal.signal(signal.SIGTERM, worker._graceful)
            signal.signal(signal.SIGINT, worker._fast)
            signal.signal(signal.SIGQUIT, worker._fast)
            worker.notify()
            self.serve(listener, worker)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc(file=sys.stderr)
            code = 1
        finally:
            _flush()
            os._exit(code)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            except InterruptedError:
                continue
            if not pid:
                return
            worker = self.workers.pop(pid, None)
            if worker is None:
                continue
            worker.tmp.close()
            code = os.waitstatus_to_exitcode(status)
            if worker.retiring:
                continue
            if not self._ready:
                # A worker died before the server was ever ready: the app or the mode
                # cannot start. Do not print READY for a server that is not there.
                self.stop(graceful=False)
                raise _Exit(code if code > 0 else 1)
            lived = time.monotonic() - worker.born
            self._crashes = self._crashes + 1 if lived < CRASH_WINDOW else 0
            if self._crashes:
                delay = min(0.1 * 2 ** (self._crashes - 1), MAX_BACKOFF)
                self._next_spawn = time.monotonic() + delay
                print(f"pyserver: worker {pid} exited ({code}) after {lived:.1f} s; "
                      f"restarting in {delay:.1f} s", file=sys.stderr, flush=True)
            else:
                print(f"pyserver: worker {pid} exited ({code}); restarting",
                      file=sys.stderr, flush=True)

    def murder_workers(self) -> None:
        """Kill workers whose heartbeat is older than --timeout (and retiring workers
        past --graceful-timeout)."""
        now_wall, now = time.time(), time.monotonic()
        for worker in list(self.workers.values()):
            if worker.retiring:
                if now - worker.born > self.graceful_timeout + 1.0:
                    self._signal(worker.pid, signal.SIGKILL)
                continue
            try:
                beat = os.fstat(worker.tmp.fileno()).st_ctime
            except (OSError, ValueError):
                continue
            if now_wall - beat > self.timeout:
                print(f"pyserver: worker {worker.pid} silent for more than {self.timeout:g} s "
                      "(--timeout); killing it", file=sys.stderr, flush=True)
                self._signal(worker.pid, signal.SIGKILL)

    def _signal(self, pid: int, sig: int) -> None:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass

    def _kill_all(self, sig: int) -> None:
        for pid in list(self.workers):
            self._signal(pid, sig)

    def stop(self, graceful: bool = True) -> None:
        """Stop every worker: SIGTERM and wait up to --graceful-timeout, or SIGQUIT."""
        self.listeners.close()
        self._kill_all(signal.SIGTERM if graceful else signal.SIGQUIT)
        deadline = time.monotonic() + (self.graceful_timeout + 1.0 if graceful else 2.0)
        for worker in self.workers.values():
            worker.retiring = True
        while self.workers and time.monotonic() < deadline:
            self._sleep(0.05)
            self._reap_quietly()
        self._kill_all(signal.SIGKILL)
        end = time.monotonic() + 5.0
        while self.workers and time.monotonic() < end:
            self._sleep(0.02)
            self._reap_quietly()

    def _reap_quietly(self) -> None:
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.workers.clear()
                return
            except InterruptedError:
                continue
            if not pid:
                return
            worker = self.workers.pop(pid, None)
            if worker is not None:
                worker.tmp.close()


class _Exit(Exception):
    def __init__(self, code: int):
        self.code = code


__all__ = ["Arbiter", "WorkerContext"]
