"""The contract kernel's loop touches no int shared between threads (see its docstring)."""
from __future__ import annotations

import dis

from workloads import contract


def test_the_kernel_loop_loads_no_shared_constant():
    loads = {i.opname for i in dis.get_instructions(contract.kernel)
             if i.opname.startswith("LOAD_CONST") and isinstance(i.argval, int) and i.argval > 256}
    assert not loads, "a large int literal is one object shared by every thread"
    assert [contract.kernel(n) for n in (0, 1, 2)] == [0, 12345, (12345 * 1103515245 + 12345) & 0xFFFFFFFF]
