"""Where a model runs: the device (cpu, cuda, mps, auto), the CPUs this process may use and
torch's thread count on them, and whether the CPU has bf16 instructions. No torch import at
module level (the CLI's start stays fast); torch is imported where a function needs it."""

from __future__ import annotations

import math
import os
from typing import Any

from moderation.errors import ScorerError


def usable_cpus() -> int:
    """CPUs this process may use: scheduler affinity, capped by a cgroup v2 CPU quota."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max", encoding="ascii") as fh:
            quota, period = fh.read().split()[:2]
        if quota != "max":
            n = min(n, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, n)


def cpu_has_bf16() -> bool:
    """Whether this CPU has bf16 instructions (avx512_bf16 or AMX), where bf16 weights run
    several times faster than fp32; without them bf16 is emulated and slower."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


def resolve_device(device: str | None) -> Any:
    """``auto`` picks cuda, then mps, then cpu; an unavailable device is a ScorerError."""
    import torch

    dev = (device or "auto").strip().lower()
    if dev == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if dev == "cpu":
        return torch.device("cpu")
    if dev.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ScorerError(f"device {device!r} requested but CUDA is not available here")
        return torch.device(dev)
    if dev == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ScorerError("device 'mps' requested but MPS is not available here")
        return torch.device("mps")
    raise ScorerError(f"unknown device {device!r}: use cpu, cuda, mps or auto")


def set_cpu_threads() -> int:
    """Set torch's intra-op threads to the usable CPUs (or $MODERATION_TORCH_THREADS)."""
    import torch

    env = os.environ.get("MODERATION_TORCH_THREADS", "").strip()
    n = int(env) if env.isdigit() and int(env) > 0 else usable_cpus()
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n
