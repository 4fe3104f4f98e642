"""The jsii kernel remembers its tarballs' digests (stacks/kernel_digests.js, hooked into jsii's
program by stacks/kernel_host.py): a tarball is hashed once, not on every kernel's ``load``,
and a tarball whose file changed is hashed again.

That a synth with the memo writes exactly what one without it writes is held by
tests/infra/test_synth_exit.py (the app's parts run through the host).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

from stacks import kernel_host
from tests.infra.fixed_stages import ROOT
from tests.infra.kernel_node import NODE

DIGESTS = ROOT / "stacks" / "kernel_digests.js"

#: Asks the memo for the digest of a file, with a computation that says whether it ran.
ASK = r"""
const crypto = require('crypto');
const fs = require('fs');
require(process.env.DIGESTS_MODULE);
const hook = globalThis[Symbol.for('app.kernel.digestFile')];
const [file, ...extra] = process.argv.slice(1);
let computed = false;
const digest = hook(file, extra, () => {
  computed = true;
  const hash = crypto.createHash('sha256').update(fs.readFileSync(file));
  for (const value of extra) hash.update('\0').update(value);
  return hash.digest();
});
console.log(JSON.stringify({ digest: digest.toString('hex'), computed }));
"""


def _ask(memo: Path, file: Path, *extra: str) -> dict[str, object]:
    env = {**os.environ, "APP_KERNEL_DIGESTS": str(memo), "DIGESTS_MODULE": str(DIGESTS)}
    result = subprocess.run(
        [str(NODE), "-e", ASK, str(file), *extra],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answer: dict[str, object] = json.loads(result.stdout)
    return answer


def _sha256(data: bytes, *extra: str) -> str:
    digest = hashlib.sha256(data)
    for value in extra:
        digest.update(b"\0" + value.encode())
    return digest.hexdigest()


def test_a_tarball_is_hashed_once_and_again_when_it_changes(tmp_path: Path) -> None:
    # Given a tarball and no memo yet
    tarball = tmp_path / "pkg@1.0.0.jsii.tgz"
    tarball.write_bytes(b"first content")
    memo = tmp_path / "digests.json"

    # When two kernels, one after the other, ask for its digest
    first = _ask(memo, tarball, "pkg", "1.0.0")
    second = _ask(memo, tarball, "pkg", "1.0.0")

    # Then the first computes it and the second is told the same without hashing
    assert first == {"digest": _sha256(b"first content", "pkg", "1.0.0"), "computed": True}
    assert second == {"digest": first["digest"], "computed": False}

    # When the file is rewritten in place with content of the same size and its modification
    # time set back (what a tool preserving times does)
    before = tarball.stat()
    tarball.write_bytes(b"other content")
    os.utime(tarball, ns=(before.st_atime_ns, before.st_mtime_ns))
    changed = _ask(memo, tarball, "pkg", "1.0.0")

    # Then its digest is computed again (its change time moved), and is the new content's
    assert changed == {"digest": _sha256(b"other content", "pkg", "1.0.0"), "computed": True}

    # ... and what jsii appends to the hash (package name, version) is part of the key
    assert _ask(memo, tarball, "pkg", "2.0.0")["computed"] is True


def test_an_unreadable_memo_or_off_hashes_as_jsii_does(tmp_path: Path) -> None:
    # Given a tarball, a memo file that is not JSON, and the memo turned off
    tarball = tmp_path / "pkg.tgz"
    tarball.write_bytes(b"content")
    broken = tmp_path / "digests.json"
    broken.write_text("{not json")

    # When the digest is asked for with each
    with_broken = _ask(broken, tarball)
    env = {**os.environ, "APP_KERNEL_DIGESTS": "off", "DIGESTS_MODULE": str(DIGESTS)}
    off = subprocess.run(
        [str(NODE), "-e", f"require({json.dumps(str(DIGESTS))});"
         "console.log(globalThis[Symbol.for('app.kernel.digestFile')] === undefined)"],
        env=env, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip

    # Then it is computed (and the memo rewritten with it), and off sets no hook at all
    assert with_broken == {"digest": _sha256(b"content"), "computed": True}
    assert _ask(broken, tarball)["computed"] is False
    assert off.stdout.strip() == "true"


def test_jsiis_program_is_installed_with_its_digest_asking_the_memo(tmp_path: Path) -> None:
    # Given jsii's embedded kernel program, and one whose digestFile reads otherwise
    files = kernel_host._embedded_files()
    other = {**files, "lib__program.js": b"readFD:3,writeFD:3 function digestFile(e){}"}

    # When each is installed
    installed = kernel_host.install_program(files, tmp_path / "jsii")
    kept = kernel_host.install_program(other, tmp_path / "other")

    # Then jsii's calls the hook exactly where it defined digestFile, and the other is as it was
    assert installed is not None
    assert kept is not None
    program = installed.read_bytes()
    assert program.count(b'Symbol.for("app.kernel.digestFile")') == 1
    assert len(program) > len(files["lib__program.js"])
    assert kept.read_bytes() == other["lib__program.js"]


def test_the_kernel_remembers_the_digest_jsii_computes(tmp_path: Path) -> None:
    # Given a Python process whose jsii kernel runs through the host, with its own memo
    env = {k: v for k, v in os.environ.items() if k not in ("JSII_RUNTIME", "NODE_OPTIONS")}
    env["PATH"] = f"{NODE.parent}{os.pathsep}{env.get('PATH', '')}"
    kernel_host.enable(env, tmp_path / "host")
    memo = Path(env[kernel_host.DIGESTS_VARIABLE])

    # When it loads a jsii package (constructs: importing it loads its assembly)
    result = subprocess.run(
        [sys.executable, "-c", "import constructs"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    # Then the memo holds that tarball's digest as jsii computes it (content, name, version),
    # the key of its package cache
    assert result.returncode == 0, result.stderr
    spec = importlib.util.find_spec("constructs")
    assert spec is not None
    assert spec.origin is not None
    (tarball,) = Path(spec.origin).parent.joinpath("_jsii").glob("constructs@*.jsii.tgz")
    version = tarball.name.removeprefix("constructs@").removesuffix(".jsii.tgz")
    entries = json.loads(memo.read_text())
    assert list(entries.values()) == [_sha256(tarball.read_bytes(), "constructs", version)]
    assert str(tarball) in next(iter(entries))
