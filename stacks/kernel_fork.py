"""Start a synth part as a fork of a process that has imported the CDK, with a kernel of its own.

Every part of a parallel synth (:mod:`stacks.synth_parts`) imports the CDK's Python modules:
about a second of CPU per process (``aws_ec2`` alone is a 7 MB module of some 2,000 classes),
on a machine whose two cores the parts already share. A fork of the first part, taken once it
has imported them and before it has asked its kernel for anything but the assemblies, has them
all; what it cannot share is the Node kernel (one process per Python process, over pipes),
so the child starts its own and loads into it, in the same order, the assemblies the parent
loaded. Nothing else is on the parent's kernel at that point: :func:`fork` refuses (the
caller then starts a fresh process) when the parent holds any kernel object.

This relies on two things jsii's Python runtime does not promise: the kernel's process is kept
by a ``memoized_property`` of ``ProcessProvider`` (a list in the getter's closure), and every
assembly is loaded through ``Kernel.load``. When either is not as expected, :func:`recorder`
returns None and parts are started as fresh processes.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

#: ``off`` starts every part as a fresh process.
FORK_VARIABLE = "APP_SYNTH_FORK"
#: The parent's kernel process, detached in a child: kept referenced so that it is never
#: finalized there (its finalizer would tell the parent's kernel to exit).
_DETACHED: list[object] = []


class LoadRecorder:
    """Records the assemblies loaded into the jsii kernel (``Kernel.load``), from
    :func:`recorder`'s call on, so that a forked child loads them into a kernel of its own."""

    def __init__(self, kernel: Any, memo: list[Any]) -> None:
        self._kernel = kernel
        self._memo = memo
        self._load = kernel.load
        self.loads: list[tuple[str, str, str]] = []
        kernel.load = self._record

    def _record(self, name: str, version: str, tarball: str) -> None:
        self._load(name, version, tarball)
        self.loads.append((name, version, tarball))

    def fork(self) -> int | None:
        """``os.fork()``: in the child the parent's kernel is left alone and the next request
        starts a new one (:meth:`reload` loads the assemblies into it). None, without forking,
        when the parent has created kernel objects the child could not use."""
        from jsii import _reference_map

        if _reference_map._refs._refs or len(self._memo) != 1:
            return None
        sys.stdout.flush()
        sys.stderr.flush()
        # What the parent has imported stays as it is in both: the collector need not walk it
        # (nor touch its pages, which would copy them into the child).
        gc.freeze()
        with warnings.catch_warnings():
            # Python 3.12+ warns about forking with threads (jsii's stderr reader): the child
            # uses none of the parent's threads or what they hold.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            self._detach()
        return pid

    def _detach(self) -> None:
        parent_kernel = self._memo.pop()
        _DETACHED.append(parent_kernel)
        # The exit handlers are the parent's (its kernel's stop above all); the child registers
        # its own as it goes (the new kernel's stop, the staged asset's removal).
        atexit._clear()
        popen = getattr(parent_kernel, "_process", None)
        for pipe in (getattr(popen, name, None) for name in ("stdin", "stdout", "stderr")):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    os.close(pipe.fileno())

    def reload(self) -> None:
        """In a forked child: start its kernel (with the environment as it is now) and load the
        parent's assemblies into it, in the parent's order."""
        for name, version, tarball in self.loads:
            self._load(name, version, tarball)


def recorder(environ: Mapping[str, str]) -> LoadRecorder | None:
    """A recorder of the kernel's loads, to be made before the CDK is imported; None when
    ``APP_SYNTH_FORK=off``, the platform cannot fork, the kernel has started already, or
    jsii's runtime is not laid out as this module expects."""
    if environ.get(FORK_VARIABLE) == "off" or not hasattr(os, "fork"):
        return None
    from jsii import _runtime
    from jsii._kernel.providers.process import ProcessProvider

    memo = _process_memo(ProcessProvider)
    if memo is None or memo:
        return None
    return LoadRecorder(_runtime.kernel, memo)


def _process_memo(provider: type) -> list[Any] | None:
    """The list in which jsii's ``memoized_property`` keeps the kernel's process."""
    getter = getattr(provider.__dict__.get("_process"), "fget", None)
    cells = getattr(getter, "__closure__", None) or ()
    lists = [cell.cell_contents for cell in cells if isinstance(cell.cell_contents, list)]
    return lists[0] if len(lists) == 1 else None
