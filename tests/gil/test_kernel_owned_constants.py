"""The contract kernel's loop loads no int another thread owns (see its docstring), and its
results stay the LCG of the named constants."""
from __future__ import annotations

import dis

from workloads import contract


def reference(n: int) -> int:
    x = 0
    for _ in range(n):
        x = (x * contract.LCG_MULTIPLIER + contract.LCG_INCREMENT) & contract.MASK32
    return x


def test_the_kernel_is_the_lcg_of_the_named_constants():
    assert [contract.kernel(n) for n in (0, 1, 2, 1000, 4321)] == [reference(n) for n in (0, 1, 2, 1000, 4321)]
    assert contract.kernel(1) == contract.LCG_INCREMENT


def test_the_kernel_loop_loads_no_shared_int():
    """No global and no large literal in the loop: each is one object every thread's loop
    would share (small ints are immortal on every build since PEP 683)."""
    ops = [i.opname for i in dis.get_instructions(contract.kernel)]
    loop = list(dis.get_instructions(contract.kernel))[ops.index("FOR_ITER"):ops.index("JUMP_BACKWARD")]
    assert loop and not [i for i in loop if i.opname == "LOAD_GLOBAL"]
    assert not [i for i in loop if i.opname.startswith("LOAD_CONST") and isinstance(i.argval, int) and i.argval > 256]


def test_the_copies_are_new_objects():
    assert contract._owned(contract.LCG_MULTIPLIER) is not contract.LCG_MULTIPLIER
    assert contract._owned(contract.LCG_MULTIPLIER) == contract.LCG_MULTIPLIER
