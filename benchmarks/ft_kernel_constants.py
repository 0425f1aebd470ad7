"""Benchmark: the contract kernel on 1 and 2 threads of free-threaded CPython, by where
its int constants come from.

Not a test. On the free-threaded build an int every thread loads has its reference count
changed atomically on a shared cache line; code constants are immortal (no count) only
when the code was loaded from a .pyc, since the builtin compile() that importing from
source uses keeps them mortal (CPython 3.13 Python/bltinmodule.c, gh-118527).

globals-src / globals-pyc: the contract's original kernel (module-level names), its module
    compiled from source / loaded as from a .pyc (marshal)
literal-src / literal-pyc: the same with literals in the loop
owned: per-call copies of the constants, ints the calling thread created
contract: workloads.contract.kernel as it is now, imported from source

Prints iterations per second (all threads) and the 2-thread speedup, medians of 3
interleaved repeats with their range. Run it under the bench lock on 2 idle cores:

    taskset -c 0-1 .venv-ft/bin/python benchmarks/ft_kernel_constants.py [ITERATIONS]
"""
import marshal
import os
import statistics
import sys
import threading
import time
import types

LIT = '''
def kernel(n):
    x = 0
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
    return x
def owned(n):
    mul, inc, mask = int(str(MUL)), int(str(INC)), int(str(MASK))
    x = 0
    for _ in range(n):
        x = (x * mul + inc) & mask
    return x
MUL, INC, MASK = 1103515245, 12345, 0xFFFFFFFF
'''

def load(src, name, as_pyc):
    code = compile(src, name, "exec")                   # builtin compile(): mortal constants
    if as_pyc:
        code = marshal.loads(marshal.dumps(code))       # what importing a .pyc does
    mod = sys.modules[name] = types.ModuleType(name)
    exec(code, mod.__dict__)
    return mod

GLOBALS = """
MASK32 = 0xFFFFFFFF
LCG_MULTIPLIER = 1103515245
LCG_INCREMENT = 12345
def kernel(n):
    x = 0
    for _ in range(n):
        x = (x * LCG_MULTIPLIER + LCG_INCREMENT) & MASK32
    return x
"""
contract_src = load(GLOBALS, "contract_src", False)
contract_pyc = load(GLOBALS, "contract_pyc", True)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from workloads import contract   # the worktree's kernel, imported from source
lit_src, lit_pyc = load(LIT, "lit_src", False), load(LIT, "lit_pyc", True)
VARIANTS = {"globals-src": contract_src.kernel, "globals-pyc": contract_pyc.kernel,
            "literal-src": lit_src.kernel, "literal-pyc": lit_pyc.kernel, "owned": lit_src.owned,
            "contract": contract.kernel}
N = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000

def run(fn, threads):
    ts = [threading.Thread(target=fn, args=(N,)) for _ in range(threads)]
    t0 = time.perf_counter()
    for t in ts: t.start()
    for t in ts: t.join()
    return threads * N / (time.perf_counter() - t0)   # iterations/s, all threads

gil = getattr(sys, "_is_gil_enabled", lambda: True)()
print(sys.version.split()[0], "GIL" if gil else "no GIL",
      "refcount LCG_MULTIPLIER src/pyc:", sys.getrefcount(contract_src.LCG_MULTIPLIER),
      sys.getrefcount(contract_pyc.LCG_MULTIPLIER))
assert len({f(1000) for f in VARIANTS.values()}) == 1
res = {(v, t): [] for v in VARIANTS for t in (1, 2)}
for rep in range(3):
    for v, f in VARIANTS.items():
        for t in (1, 2):
            res[(v, t)].append(run(f, t))
for v in VARIANTS:
    one, two = res[(v, 1)], res[(v, 2)]
    r = sorted(b / a for a, b in zip(one, two))
    print(f"{v:12s} 1 thread {statistics.median(one)/1e6:5.2f} M it/s [{min(one)/1e6:.2f}-{max(one)/1e6:.2f}]"
          f"  2 threads {statistics.median(two)/1e6:5.2f} [{min(two)/1e6:.2f}-{max(two)/1e6:.2f}]"
          f"  speedup {statistics.median(r):.2f}x [{r[0]:.2f}-{r[-1]:.2f}]")
