"""The jsii kernel run without jsii's relay process (stacks/kernel_host.js, set up by app.py):
the host's stdin and stdout carry the kernel's API and nothing else, everything printed reaches
the host as jsii's launcher forwards it, and the real kernel answers a CDK app through it.

That a whole synth through the host writes exactly what one through jsii's launcher writes is
held by tests/infra/test_synth_exit.py (app.py run as the CLI runs it, against an in-process
synth through the launcher).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from stacks import kernel_host
from tests.infra.kernel_node import NODE

#: A stand-in for jsii's kernel program: answers each API line on fd 3 and prints on the way,
#: through every channel JavaScript has (console, process streams, raw writes of fd 1 and 2).
PROGRAM = r"""
const fs = require('fs');
const buffer = Buffer.alloc(65536);
let pending = '';
console.log('console.log');
console.error('console.error');
process.stdout.write('stdout.write');
fs.writeSync(2, Buffer.from('..raw stderr..'), 2, 10);
for (;;) {
  const read = fs.readSync(3, buffer, 0, buffer.length, null);
  if (read === 0) break;
  pending += buffer.subarray(0, read).toString();
  let end;
  while ((end = pending.indexOf('\n')) >= 0) {
    const request = JSON.parse(pending.slice(0, end));
    pending = pending.slice(end + 1);
    const preserved = process.execArgv.includes('--preserve-symlinks');
    const answer = { ok: request.n * 2, preserved, big: 'x'.repeat(200000) };
    fs.writeSync(3, JSON.stringify(answer) + '\n');
  }
}
"""


def test_the_api_goes_over_the_pipes_and_everything_printed_over_stderr(tmp_path: Path) -> None:
    # Given the host running a program that talks on fd 3 and prints through every channel,
    # with symlinks preserved as app.py asks (NODE_OPTIONS)
    program = tmp_path / "program.js"
    program.write_text(PROGRAM)
    env = {
        **os.environ,
        kernel_host.PROGRAM_VARIABLE: str(program),
        "NODE_OPTIONS": "--preserve-symlinks",
    }

    # When two requests are written to its stdin
    result = subprocess.run(
        [str(NODE), str(kernel_host.HOST)],
        input='{"n": 1}\n{"n": 21}\n',
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    # Then stdout holds exactly the two answers (the second after a large first one), and
    # stderr every printed chunk, in order, as jsii's launcher forwards them
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["ok"] for a in answers] == [2, 42]
    # ... and the program sees the flag where jsii's kernel looks for it (process.execArgv: it
    # links its packages' directories when set, and copies every file of them when not)
    assert all(a["preserved"] for a in answers)
    printed = [json.loads(line) for line in result.stderr.splitlines()]
    decoded = [(k, base64.b64decode(v).decode()) for p in printed for k, v in p.items()]
    assert decoded == [
        ("stdout", "console.log\n"),
        ("stderr", "console.error\n"),
        ("stdout", "stdout.write"),
        ("stderr", "raw stderr"),
    ]


def test_the_cdk_runs_on_jsiis_kernel_through_the_host(tmp_path: Path) -> None:
    # Given a Python process whose jsii kernel runs through the host
    env = {k: v for k, v in os.environ.items() if k not in ("JSII_RUNTIME", "NODE_OPTIONS")}
    env["PATH"] = f"{NODE.parent}{os.pathsep}{env.get('PATH', '')}"
    kernel_host.enable(env, tmp_path / "host")
    out = str(tmp_path / "out")
    # CloudFormation's built-in validator off, as app.py's app has it: loading its schemas
    # would be most of this process's time, and what is asked here is the kernel's channel.
    script = (
        "import aws_cdk as cdk, json\n"
        f"app = cdk.App(outdir={out!r}, builtin_cloud_formation_validation=False)\n"
        "stack = cdk.Stack(app, 'S')\n"
        "cdk.CfnOutput(stack, 'O', value=cdk.Fn.join('-', ['a', stack.region]))\n"
        "print(json.dumps(app.synth().get_stack_by_name('S').template['Outputs']))\n"
    )

    # When a CDK app is synthesized in it
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )

    # Then the kernel answered through the host, and nothing but the app's output is printed
    assert result.returncode == 0, result.stderr
    assert env["JSII_RUNTIME"] == str(kernel_host.HOST)
    assert json.loads(result.stdout) == {
        "O": {"Value": {"Fn::Join": ["-", ["a", {"Ref": "AWS::Region"}]]}}
    }


def test_a_kernel_that_does_not_talk_on_fd_3_keeps_jsiis_launcher(tmp_path: Path) -> None:
    # Given jsii's embedded files of a kernel that opens its API channel differently
    files = {
        "lib__program.js": b"new SyncStdio({readFD:0,writeFD:1})",
        "lib__runtime-index-worker.js": b"",
    }

    # When it is installed / Then it is not: jsii's launcher starts it as before
    assert kernel_host.install_program(files, tmp_path) is None
    assert not tmp_path.joinpath("lib").exists()


def test_the_host_is_set_once_and_a_chosen_runtime_is_kept(tmp_path: Path) -> None:
    # Given environments: one with Node options, one with a jsii runtime of its own, one off
    plain = {"NODE_OPTIONS": "--max-old-space-size=4096"}
    chosen = {"JSII_RUNTIME": "/opt/runtime.js"}
    off = {kernel_host.HOST_VARIABLE: "off"}

    # When the host is enabled in each (twice in the first: app.py, then a part it starts)
    kernel_host.enable(plain, tmp_path)
    kernel_host.enable(plain, tmp_path)
    kernel_host.enable(chosen, tmp_path)
    kernel_host.enable(off, tmp_path)

    # Then the first runs the installed kernel through the host with the launcher's flag
    # once, and the others are left as they were
    assert plain["JSII_RUNTIME"] == str(kernel_host.HOST)
    assert plain["NODE_OPTIONS"] == "--preserve-symlinks --max-old-space-size=4096"
    program = plain[kernel_host.PROGRAM_VARIABLE]
    assert program.endswith("/lib/program.js")
    assert kernel_host.API_CHANNEL in Path(program).read_bytes()
    assert chosen == {"JSII_RUNTIME": "/opt/runtime.js"}
    assert off == {kernel_host.HOST_VARIABLE: "off"}
