"""Run the jsii kernel without jsii's relay process (``kernel_host.js``).

jsii's Python runtime starts ``node jsii-runtime.js``, a launcher that starts the kernel as a
second Node process and relays every request and response between its own pipes and the
kernel's API socket: each of a synth's ~3,000 round trips crosses four processes instead of
two, and the relay's CPU time is about a quarter of the kernel's during construction. jsii
lets ``JSII_RUNTIME`` name the script it starts: ``kernel_host.js`` runs jsii's own kernel
program in that process, with the same files, flags (``--preserve-symlinks``, as the launcher
passes it) and console forwarding.

The kernel program is copied from the installed jsii distribution to
``.cache/jsii-host/<hash>/lib`` (beside the worker script it starts, as jsii lays them out),
and used only when it talks on fd 3 as the host expects; otherwise jsii's launcher runs as
before. Its ``digestFile`` (the SHA-256 of a package's tarball, by which the kernel finds the
package in its cache on every ``load``) is made to ask ``kernel_digests.js`` first, which
remembers the digest of an unchanged file; a program whose ``digestFile`` reads otherwise is
installed as it is. Pure standard library and jsii's embedded files: it must run before the CDK is
imported, since importing ``aws_cdk`` starts the kernel.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import MutableMapping

#: ``off`` keeps jsii's launcher.
HOST_VARIABLE = "APP_KERNEL_HOST"
#: The kernel program the host runs (set by :func:`enable`).
PROGRAM_VARIABLE = "APP_JSII_PROGRAM"
#: The list of modules the host loads while the kernel idles (``kernel_prewarm.js``): set by
#: :func:`enable` unless given; ``off`` loads none ahead.
PREWARM_VARIABLE = "APP_KERNEL_PREWARM"
#: The memo of the jsii tarballs' digests (``kernel_digests.js``): set by :func:`enable`
#: unless given; ``off`` hashes every tarball on every load.
DIGESTS_VARIABLE = "APP_KERNEL_DIGESTS"
HOST = Path(__file__).resolve().with_name("kernel_host.js")
DEFAULT_DIRECTORY = Path(__file__).resolve().parents[1] / ".cache" / "jsii-host"
#: How the kernel program opens its API channel, which the host maps onto its pipes.
API_CHANNEL = b"readFD:3,writeFD:3"
#: jsii's embedded files the kernel needs, by their name in the distribution.
_PROGRAM_FILES = {
    "lib__program.js": "program.js",
    "lib__runtime-index-worker.js": "runtime-index-worker.js",
}
#: jsii's ``digestFile(file, ...extra)`` as its bundled program defines it (the names are the
#: bundler's), and what it becomes: a call of the hook ``kernel_digests.js`` sets, with the
#: original computation to run when the hook is absent or does not know the file.
_DIGEST_FILE = re.compile(
    rb"(?P<exports>\w+)\.digestFile=function digestFile\((?P<file>\w+),\.\.\.(?P<extra>\w+)\)"
    rb"\{return readFileChunks\((?P=file),\(\)=>\{\},\.\.\.(?P=extra)\)\}"
)
_DIGEST_HOOK = (
    rb"\g<exports>.digestFile=function digestFile(\g<file>,...\g<extra>){"
    rb"const compute=()=>readFileChunks(\g<file>,()=>{},...\g<extra>),"
    rb'hook=globalThis[Symbol.for("app.kernel.digestFile")];'
    rb"return hook?hook(\g<file>,\g<extra>,compute):compute()}"
)


def enable(
    environ: MutableMapping[str, str], directory: Path = DEFAULT_DIRECTORY, *, app: str = "any"
) -> None:
    """Have every jsii kernel started with ``environ`` run in the process jsii starts, unless
    ``APP_KERNEL_HOST=off``, ``JSII_RUNTIME`` is already chosen, or the installed kernel does
    not talk on fd 3. The modules its kernel loads are listed for the next kernel of the same
    ``app`` to load while idle (``directory/prewarm-<app>.json``, unless
    ``APP_KERNEL_PREWARM`` names another file or is ``off``): each app its own list, since
    each loads other modules."""
    if environ.get(HOST_VARIABLE) == "off" or "JSII_RUNTIME" in environ:
        return
    program = install_program(_embedded_files(), directory)
    if program is None:
        return
    environ["JSII_RUNTIME"] = str(HOST)
    environ[PROGRAM_VARIABLE] = str(program)
    environ.setdefault(PREWARM_VARIABLE, str(directory / f"prewarm-{app}.json"))
    environ.setdefault(DIGESTS_VARIABLE, str(directory / "digests.json"))
    options = environ.get("NODE_OPTIONS", "").split()
    if "--preserve-symlinks" not in options:
        # What the launcher passes the kernel: packages resolve their dependencies through
        # the kernel's own node_modules links.
        environ["NODE_OPTIONS"] = " ".join(["--preserve-symlinks", *options])


def install_program(files: dict[str, bytes], directory: Path) -> Path | None:
    """``program.js`` and its worker script from ``files`` (jsii's embedded files by name)
    in a directory of their own under ``directory``, or None when the program does not open
    its API channel on fd 3 (a jsii the host does not know)."""
    if any(name not in files for name in _PROGRAM_FILES) or (
        API_CHANNEL not in files["lib__program.js"]
    ):
        return None
    installed = {**files, "lib__program.js": with_digest_hook(files["lib__program.js"])}
    digest = hashlib.sha256(b"".join(installed[name] for name in sorted(_PROGRAM_FILES)))
    target = directory / digest.hexdigest()[:16] / "lib"
    if not target.is_dir():
        directory.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=directory))
        for name, filename in _PROGRAM_FILES.items():
            (staging / filename).write_bytes(installed[name])
        target.parent.mkdir(exist_ok=True)
        try:
            os.rename(staging, target)  # atomic: another synth may install the same
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    return target / "program.js"


def with_digest_hook(program: bytes) -> bytes:
    """``program`` with its one ``digestFile`` asking ``kernel_digests.js`` first; unchanged
    when it defines ``digestFile`` otherwise (another jsii), or more than once."""
    hooked, count = _DIGEST_FILE.subn(_DIGEST_HOOK, program)
    return hooked if count == 1 else program


def _embedded_files() -> dict[str, bytes]:
    embedded = importlib.resources.files("jsii._embedded.jsii")
    return {name: embedded.joinpath(name).read_bytes() for name in _PROGRAM_FILES}
