"""The local runtime benchmark's direct call: one function's handler called in this process,
in the environment the runtime's worker for that function has (copied from it by the
benchmark), with the worker's own ``LambdaContext`` and JSON marshalling.

Run as ``python -I -S direct_handler.py EVENT_FILE`` with the worker's environment: the
handler is imported from ``LAMBDA_TASK_ROOT`` and ``LOCAL_GATEWAY_LAYERS``, as the worker
imports it. Prints the first answer as one JSON line, then for each line ``N`` read from stdin
makes N calls and prints their durations (ms) as a JSON list. The handler's own output goes
to stderr.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import uuid


def main() -> None:
    # The protocol keeps this process's stdout; what the handler logs goes to stderr.
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    layers = [p for p in os.environ.get("LOCAL_GATEWAY_LAYERS", "").split(os.pathsep) if p]
    sys.path[:0] = [task_root, *layers, os.environ["LAMBDA_RUNTIME_DIR"]]
    os.chdir(task_root)
    bootstrap = importlib.import_module("bootstrap")
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    handler = getattr(importlib.import_module(module_name), function_name)
    with open(sys.argv[1], encoding="utf-8") as file:
        event = json.load(file)
    arn = os.environ.get("BENCH_FUNCTION_ARN", "arn:aws:lambda:local:000000000000:function:f")

    def call() -> bytes:
        context = bootstrap.LambdaContext(str(uuid.uuid4()), int(time.time() * 1000) + 30_000, arn)
        # A fresh copy per call: handlers may mutate their event.
        result = handler(json.loads(json.dumps(event)), context)
        return json.dumps(result, cls=bootstrap._Encoder).encode()

    print(call().decode(), file=protocol, flush=True)
    for line in sys.stdin:
        durations = []
        for _ in range(int(line)):
            start = time.perf_counter()
            call()
            durations.append((time.perf_counter() - start) * 1000)
        print(json.dumps(durations), file=protocol, flush=True)


if __name__ == "__main__":
    main()
