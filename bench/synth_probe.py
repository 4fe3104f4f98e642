"""Runs a CDK app script as ``cdk synth`` would, recording where its time goes.

Used as the CLI's app command by ``bench_synth.py`` (``--app "python -O synth_probe.py
app.py"``), so the CLI, the environment and the app are exactly those of a real synth. The
script runs unchanged (``runpy`` as ``__main__``); the probe only wraps from outside:

- imports + jsii kernel start: the script's import statements, executed first, wherever they
  are (``app.py`` imports the CDK inside a function, after starting its parallel parts;
  importing ``aws_cdk`` starts the Node kernel and loads the jsii assemblies);
- construction: from there to the call of ``App.synth``;
- synthesis: ``App.synth`` (validation plugins, i.e. the cdk-nag packs, timed inside it by a
  pass-through plugin wrapping each pack: one extra callback per pack);
- after synth: what the script does once synth returns (here: the OpenAPI documents), up to
  its exit (``app.py`` run by the CLI ends with the exit handlers and ``os._exit``);
- CPU seconds (user + system) of this process and of the Node kernel at the end of imports,
  the start and the end of synthesis (``*_cpu``: Python, kernel), for comparisons on a loaded
  machine, where wall-clock phases mostly measure the other load;
- jsii round trips per phase (every request the Python side sends to the kernel), the number
  of constructs, and the cost of one trivial round trip (measured right after synth, while the
  kernel runs, and subtracted from "after synth");
- exit: from the end of the script to the process's exit (the shell command that runs the
  probe records the exit time): exit handlers (the jsii kernel's stop), and the interpreter's
  teardown unless the script skips it.

The bench runs the probe with ``APP_SYNTH_PARTS=1``: the breakdown is of one process doing
every stage, the work the parallel parts share.

``BENCH_PROBE_ATTRIBUTE=N`` also attributes each construction round trip (the phase the app's
code drives) and records the N largest shares of each view under ``attribution``: by the
innermost construct class of this repository being constructed (``__init__`` frames), by the
innermost function (and line) of this repository on the Python stack, by request (``create``
of a class, ``get``/``set``/``invoke`` of a property or method), by line and request, and
(all of them) by the folder of that function (``stacks``, ``packages/<name>``).
The walk of the Python stack per round trip slows the run, so its timings are not comparable
with an unattributed one; the counts are. Run without the CLI (no ``CDK_OUTDIR``;
``CDK_CONTEXT_JSON`` from cdk.json) it is the quickest way to see what a change of the
constructs saves::

    CDK_CONTEXT_JSON="$(jq -c .context cdk.json)" APP_SYNTH_PARTS=1 BENCH_PROBE_ATTRIBUTE=25 \
      BENCH_PROBE_OUT=/tmp/probe.json .venv/bin/python -O bench/synth_probe.py app.py

Timestamps are wall-clock (``time.time``) so the parent can relate them to the CLI's start;
they go as JSON to the file named by ``BENCH_PROBE_OUT``.
"""

from __future__ import annotations

import ast
import atexit
import json
import os
import runpy
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from types import FrameType

FIRST_LINE = time.time()
TRIVIAL_TRIPS = 200


def _process_start() -> float:
    """This process's start as wall-clock time (``/proc``; 10 ms resolution).

    ``/proc/self/stat`` gives the start in clock ticks of the boot-time clock, so it is
    converted through that clock read now; ``btime`` of ``/proc/stat`` (whole seconds, and
    drifting from the wall clock in a VM) put the start about 0.7 s early here, which moved
    that much of the CLI's start into "interpreter start"."""
    ticks = os.sysconf("SC_CLK_TCK")
    start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
    ago = time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / ticks
    return time.time() - ago


class _Attribution:
    """Who asked for each round trip: construct class, function and request (see above)."""

    def __init__(self, root: Path) -> None:
        self.root = str(root) + os.sep
        self.active = False
        self.by_class: Counter[str] = Counter()
        self.by_function: Counter[str] = Counter()
        self.by_line: Counter[str] = Counter()
        self.by_line_request: Counter[str] = Counter()
        self.by_request: Counter[str] = Counter()
        self._own = {__file__, str(Path(__file__).resolve())}

    def _ours(self, filename: str) -> bool:
        return (
            filename.startswith(self.root)
            and filename not in self._own
            and f"{os.sep}.venv{os.sep}" not in filename
            and f"{os.sep}node_modules{os.sep}" not in filename
        )

    def record(self, request: Any) -> None:
        from constructs import Construct

        function = line = construct = None
        frame: FrameType | None = sys._getframe(2)
        while frame is not None and construct is None:
            code = frame.f_code
            if self._ours(code.co_filename):
                if function is None:
                    where = os.path.relpath(code.co_filename, self.root)
                    function = f"{where}:{code.co_qualname}"
                    line = f"{where}:{frame.f_lineno}"
                if code.co_name == "__init__":
                    instance = frame.f_locals.get("self")
                    if isinstance(instance, Construct):
                        kind = type(instance)
                        construct = f"{kind.__module__}.{kind.__qualname__}"
            frame = frame.f_back
        self.by_class[construct or "(no construct of this repository)"] += 1
        self.by_function[function or "(no function of this repository)"] += 1
        self.by_line[line or "(no line of this repository)"] += 1
        self.by_request[_describe(request)] += 1
        self.by_line_request[f"{line} {_describe(request)}"] += 1

    def top(self, count: int) -> dict[str, list[tuple[str, int]]]:
        # Every trip by the folder its function is in (stacks/, packages/<package>, ...).
        by_folder: Counter[str] = Counter()
        for function, trips in self.by_function.items():
            parts = function.split(":")[0].split("/")
            by_folder["/".join(parts[:2]) if parts[0] == "packages" else parts[0]] += trips
        return {
            "by_folder": by_folder.most_common(),
            "by_construct_class": self.by_class.most_common(count),
            "by_function": self.by_function.most_common(count),
            "by_line": self.by_line.most_common(count),
            "by_line_and_request": self.by_line_request.most_common(count),
            "by_request": self.by_request.most_common(count),
        }


def _describe(request: Any) -> str:
    """``create aws-cdk-lib.aws_iam.Role``, ``get functionArn``, ``invoke grantInvoke`` ..."""
    kind = type(request).__name__.removesuffix("Request").lower()
    member = getattr(request, "property", None) or getattr(request, "method", None)
    fqn = getattr(request, "fqn", None)
    name = f"{fqn}.{member}" if fqn and member else fqn or member or ""
    return f"{kind} {name}".strip()


class _Counter:
    """Counts the requests sent to the jsii kernel and the time spent waiting on them."""

    def __init__(self, attribution: _Attribution | None = None) -> None:
        self.trips = 0
        self.seconds = 0.0
        self.attribution = attribution
        self.kernel_pid: int | None = None

    def cpu_seconds(self) -> tuple[float, float]:
        """CPU time (user + system) so far of this process and of the jsii kernel's Node
        process: unlike wall-clock time, hardly changed by other load on the machine."""
        kernel = 0.0
        if self.kernel_pid is not None:
            # The jsii runtime's launcher and the Node process it starts (the kernel itself).
            for pid in (self.kernel_pid, *_children(self.kernel_pid)):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                kernel += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return time.process_time(), kernel

    def install(self) -> None:
        from jsii._kernel.providers.process import _NodeProcess

        send = _NodeProcess.send
        counter = self

        def counted(self: Any, request: Any, response_type: Any) -> Any:
            counter.trips += 1
            if counter.kernel_pid is None:
                counter.kernel_pid = self._process.pid
            if counter.attribution is not None and counter.attribution.active:
                counter.attribution.record(request)
            start = time.perf_counter()
            try:
                return send(self, request, response_type)
            finally:
                counter.seconds += time.perf_counter() - start

        _NodeProcess.send = counted  # type: ignore[method-assign]


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (their parent id in ``/proc/<child>/stat``)."""
    found: list[int] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _app_kernel_settings(script: Path) -> None:
    """What this repository's ``app.py`` sets up in ``main()`` before the CDK starts (the
    jsii kernel's compiled-code cache and host, with the app's list of modules the host
    loads while the kernel idles), which the probe, running the imports and the synth
    itself, would otherwise skip; any other app runs as it is. ``app.py``'s background import
    thread (``stacks/preimport.py``) finds nothing left to import here: the probe runs every
    import first, so its "imports" phase is the modules' import without that overlap."""
    if script != Path(__file__).resolve().parents[1] / "app.py":
        return
    from stacks import kernel_code_cache, kernel_host

    kernel_code_cache.enable(os.environ)
    kernel_host.enable(os.environ, app="app")


def _run_imports(script: Path) -> None:
    """Execute every import statement of ``script`` (type-checking-only ones excepted)."""
    tree = ast.parse(script.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    imports: list[ast.stmt] = [
        n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)
    ]
    code = compile(ast.Module(body=imports, type_ignores=[]), str(script), "exec")
    exec(code, {"__name__": "__bench_imports__"})  # the app's own import lines, nothing else


def _time_nag_packs(record: dict[str, Any]) -> None:
    """Wrap the cdk-nag packs the app registers so their ``validate`` is timed."""
    guardrails = sys.modules.get("stacks.guardrails")
    if guardrails is None:
        return
    import aws_cdk as cdk
    import jsii

    record["nag_s"] = 0.0

    @jsii.implements(cdk.IPolicyValidationPlugin)
    class TimedPlugin:
        # Properties, not attributes: jsii only forwards what the class itself defines.
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        @property
        def name(self) -> Any:
            return self.inner.name

        @property
        def version(self) -> Any:
            return self.inner.version

        @property
        def rule_ids(self) -> Any:
            return self.inner.rule_ids

        def validate(self, context: Any) -> Any:
            start = time.perf_counter()
            try:
                return self.inner.validate(context)
            finally:
                record["nag_s"] += time.perf_counter() - start

    for pack in ("AwsSolutionsChecks", "ServerlessChecks"):
        original = getattr(guardrails, pack, None)
        if original is not None:
            setattr(guardrails, pack, lambda *a, _o=original, **k: TimedPlugin(_o(*a, **k)))


def _diagnostics(app: Any, record: dict[str, Any]) -> None:
    """Constructs, and the cost of one trivial round trip (the kernel is still running)."""
    import aws_cdk as cdk

    start = time.perf_counter()
    record["constructs"] = len(app.node.find_all())
    trip_start = time.perf_counter()
    for _ in range(TRIVIAL_TRIPS):
        cdk.Token.is_unresolved("x")
    record["trip_s"] = (time.perf_counter() - trip_start) / TRIVIAL_TRIPS
    record["diagnostics_s"] = time.perf_counter() - start


def main() -> None:
    script = Path(sys.argv[1]).resolve()
    out = Path(os.environ["BENCH_PROBE_OUT"])
    record: dict[str, Any] = {"process_start": _process_start(), "first_line": FIRST_LINE}
    attribute = int(os.environ.get("BENCH_PROBE_ATTRIBUTE", "0"))
    attribution = _Attribution(script.parent) if attribute else None
    counter = _Counter(attribution)
    counter.install()
    sys.path.insert(0, str(script.parent))
    sys.argv = [str(script)]

    _app_kernel_settings(script)
    _run_imports(script)
    record["imports_end"] = time.time()
    record["imports_end_cpu"] = counter.cpu_seconds()
    record["imports_trips"] = counter.trips
    _time_nag_packs(record)
    if attribution is not None:
        attribution.active = True

    import aws_cdk as cdk

    synth = cdk.App.synth

    def timed_synth(self: Any, *args: Any, **kwargs: Any) -> Any:
        record["synth_start"] = time.time()
        record["synth_start_cpu"] = counter.cpu_seconds()
        record["construction_trips"] = counter.trips - record["imports_trips"]
        if attribution is not None:
            attribution.active = False
            record["attribution"] = attribution.top(attribute)
        trips_before = counter.trips
        try:
            return synth(self, *args, **kwargs)
        finally:
            record["synth_end"] = time.time()
            record["synth_end_cpu"] = counter.cpu_seconds()
            record["synth_trips"] = counter.trips - trips_before
            _diagnostics(self, record)
            record["diagnostics_trips"] = counter.trips - trips_before - record["synth_trips"]

    def script_end() -> None:
        if "main_end" not in record:
            record["main_end"] = time.time()
            record["trips"] = counter.trips - record.get("diagnostics_trips", 0)
            record["trips_wait_s"] = counter.seconds

    # A script that ends with os._exit (app.py under the CLI) runs the exit handlers itself
    # first: its end is the start of those.
    run_exit_handlers, exit_now = atexit._run_exitfuncs, os._exit

    def exit_handlers() -> None:
        script_end()
        run_exit_handlers()

    def hard_exit(status: int) -> NoReturn:
        script_end()
        out.write_text(json.dumps(record))
        exit_now(status)

    cdk.App.synth = timed_synth  # type: ignore[method-assign]
    atexit._run_exitfuncs = exit_handlers
    os._exit = hard_exit
    runpy.run_path(str(script), run_name="__main__")
    script_end()
    out.write_text(json.dumps(record))


if __name__ == "__main__":
    main()
