"""Binary MS Project files (``.mpp``) and the other formats MPXJ reads, through MPXJ.

MPXJ is a Java library; its Python package (``mpxj``) runs it with JPype. Neither is a
dependency of pmo-sim: they come with the optional extra ``pmo-sim[mpxj]``, and a Java
runtime must be installed. MPXJ converts the file to MS Project XML (MSPDI), which
``read_mspdi`` then reads, so an ``.mpp`` file and the XML MS Project saves from it
import the same way.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ...model.errors import ScenarioError
from .common import ImportedSchedule, read_bytes

INSTALL_HINT = (
    'pip install ".[mpxj]" (MPXJ and JPype1) and a Java runtime (for example '
    "apt-get install default-jre-headless); or save the plan from MS Project as XML "
    "(File > Save As > XML) and import that file instead"
)


def _mpxj_classes(source: str):
    """MPXJ's reader and MSPDI writer classes, starting the JVM when needed."""
    try:
        import jpype
        import mpxj  # noqa: F401  (puts MPXJ's jars on the JVM class path)
    except ImportError as exc:
        raise ScenarioError(
            f"reading this format needs the optional MPXJ reader ({exc.name} is not "
            f"installed): {INSTALL_HINT}",
            source,
        ) from None
    if not jpype.isJVMStarted():
        if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
            raise ScenarioError(
                f"reading this format needs a Java runtime, and none was found: {INSTALL_HINT}",
                source,
            )
        try:
            # MPXJ logs through log4j; without a provider, log4j complains on stderr.
            jpype.startJVM(
                "-Dlog4j2.loggerContextFactory="
                "org.apache.logging.log4j.simple.SimpleLoggerContextFactory"
            )
        except Exception as exc:  # JVMNotFoundException and friends
            raise ScenarioError(
                f"the Java runtime could not be started ({exc}): {INSTALL_HINT}", source
            ) from None
    for package in ("org.mpxj", "net.sf.mpxj"):
        try:
            reader = jpype.JClass(f"{package}.reader.UniversalProjectReader")
            writer = jpype.JClass(f"{package}.mspdi.MSPDIWriter")
            return reader, writer
        except Exception:  # a class not found in this MPXJ version's package
            continue
    raise ScenarioError(
        f"the installed MPXJ has neither org.mpxj nor net.sf.mpxj classes: {INSTALL_HINT}",
        source,
    )


def read_mpp(path: str | os.PathLike[str], project: str | None = None) -> ImportedSchedule:
    """Read an ``.mpp`` (or other MPXJ-readable) file by converting it to MSPDI.

    Raises ``ScenarioError`` naming ``pip install ".[mpxj]"`` and a Java runtime
    when either is missing.
    """
    from .mspdi import read_mspdi

    source = os.fspath(path)
    read_bytes(path)  # a clean message for a missing or unreadable file
    reader_class, writer_class = _mpxj_classes(source)
    try:
        plan = reader_class().read(source)
    except Exception as exc:  # Java exceptions surface as many Python types
        raise ScenarioError(f"MPXJ could not read the file: {exc}", source) from None
    if plan is None:
        raise ScenarioError("MPXJ does not recognise this file's format", source)
    with tempfile.TemporaryDirectory(prefix="pmo-sim-mpp-") as tmp:
        xml = Path(tmp) / (Path(source).stem + ".xml")
        try:
            writer_class().write(plan, str(xml))
        except Exception as exc:
            raise ScenarioError(f"MPXJ could not convert the file to XML: {exc}", source) from None
        imported = read_mspdi(xml)
    from dataclasses import replace

    return replace(
        imported,
        format="MPP",
        source=source,
        scenario=replace(imported.scenario, source=source),
    )
