"""The contract kernel scales on free-threaded CPython: no shared module-level ints in its loop."""
from __future__ import annotations

import dis

from workloads import contract


def test_the_kernel_literals_are_the_contract_constants():
    """kernel() spells its constants as literals (see its docstring): they must stay the
    named ones, which the Go and Node kernels and CONTRACT.md use."""
    consts = set(contract.kernel.__code__.co_consts)
    assert {contract.LCG_MULTIPLIER, contract.LCG_INCREMENT, contract.MASK32} <= consts
    assert not {i.argval for i in dis.get_instructions(contract.kernel)
                if i.opname == "LOAD_GLOBAL"} & {"LCG_MULTIPLIER", "LCG_INCREMENT", "MASK32"}
