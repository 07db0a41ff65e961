"""Worst-case stack depth of a board image, from GCC's call-graph files.

Usage: python3 stack_check.py STACK_SIZE IMAGE.elf FILE.ci...   (exit 1 if it does not fit)

The board build compiles with ``-fcallgraph-info=su``: every function's own
frame size (``N bytes (static)``) and every call it makes. The deepest path
from ``main``, plus the two interrupt handlers stacked on top of it (USART2
can pre-empt SysTick, each entry pushes an 8-word exception frame), must fit
the stack the linker script reserves. A dynamic frame (VLA/alloca) or
recursion cannot be bounded statically: either makes the check fail.

An indirect call (the device layer's dispatch table) is bounded
conservatively: it may reach any function linked into the image (``nm``)
except main, the exception handlers and the functions already on the path.

Library functions without a call graph (newlib's memcpy/memset, libgcc's
64-bit division) are leaves whose frames are small; they are counted with
LIBRARY_FRAME bytes each.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Dict, List, Optional, Set, Tuple

LIBRARY_FRAME = 64          # memcpy, memset, __aeabi_uldivmod: a few registers each
EXCEPTION_FRAME = 32        # r0-r3, r12, lr, pc, xPSR (no FPU state: soft-float build)
ISRS = ("USART2_IRQHandler", "SysTick_Handler")
NOT_INDIRECT_TARGETS = {"main", "Reset_Handler", "NMI_Handler", "HardFault_Handler",
                        "MemManage_Handler", "BusFault_Handler", "UsageFault_Handler",
                        "Default_Handler", *ISRS}

_NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
_EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
_SIZE = re.compile(r"\\n(\d+) bytes \((static|dynamic[^)]*)\)")


def _name(title: str) -> str:
    """'file.c:func' (static functions) or 'func' -> 'func'."""
    return title.rsplit(":", 1)[-1]


def load(paths: List[str]) -> Tuple[Dict[str, int], Dict[str, Set[str]], List[str]]:
    """Frame sizes, call edges and unboundable frames from .ci files."""
    frames: Dict[str, int] = {}
    calls: Dict[str, Set[str]] = {}
    problems: List[str] = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for title, label in _NODE.findall(text):
            m = _SIZE.search(label)
            if m is None:
                continue  # a callee declared here, defined elsewhere
            name = _name(title)
            if m.group(2) != "static":
                problems.append(f"{name}: stack frame is {m.group(2)}")
            frames[name] = max(frames.get(name, 0), int(m.group(1)))
        for src, dst in _EDGE.findall(text):
            calls.setdefault(_name(src), set()).add(_name(dst))
    return frames, calls, problems


def linked_functions(elf: str) -> Set[str]:
    """Names of the code symbols in the image."""
    nm = os.environ.get("ARM_NM", "arm-none-eabi-nm")
    out = subprocess.run([nm, elf], capture_output=True, text=True, check=True).stdout
    return {parts[2] for parts in (line.split() for line in out.splitlines())
            if len(parts) == 3 and parts[1] in "Tt"}


class Graph:
    def __init__(self, frames: Dict[str, int], calls: Dict[str, Set[str]], linked: Set[str]):
        self.frames = frames
        self.calls = calls
        self.indirect_targets = sorted(n for n in frames if n in linked and n not in NOT_INDIRECT_TARGETS)
        self.problems: List[str] = []
        self._memo: Dict[str, Tuple[int, List[str]]] = {}

    def depth(self, fn: str, active: Optional[Set[str]] = None) -> Tuple[int, List[str]]:
        """Deepest stack use starting in fn, and the path that reaches it."""
        active = set() if active is None else active
        if fn in self._memo:
            return self._memo[fn]
        if fn in active:
            self.problems.append(f"recursion through {fn}")
            return 0, [fn]
        active.add(fn)
        own = 0 if fn == "__indirect_call" else self.frames.get(fn, LIBRARY_FRAME)
        callees = self.calls.get(fn, set())
        if fn == "__indirect_call":
            callees = {t for t in self.indirect_targets if t not in active}
        best, best_path = 0, []
        for callee in sorted(callees):
            d, p = self.depth(callee, active)
            if d > best:
                best, best_path = d, p
        active.discard(fn)
        result = (own + best, [fn] + best_path)
        if fn != "__indirect_call":
            self._memo[fn] = result   # the indirect bound depends on the path
        return result


def main(argv: List[str]) -> int:
    stack_size = int(argv[1])
    frames, calls, problems = load(argv[3:])
    graph = Graph(frames, calls, linked_functions(argv[2]))
    main_depth, main_path = graph.depth("main")
    total = main_depth
    parts = [f"main {main_depth}"]
    for isr in ISRS:
        d, _ = graph.depth(isr)
        total += EXCEPTION_FRAME + d
        parts.append(f"{isr} {EXCEPTION_FRAME}+{d}")
    problems += graph.problems
    print(f"  worst-case stack {total} B of {stack_size} B ({' + '.join(parts)}); "
          f"deepest: {' > '.join(main_path)}")
    for problem in sorted(set(problems)):
        print(f"  stack check: cannot bound: {problem}")
    if problems or total > stack_size:
        print("  stack check FAILED", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
