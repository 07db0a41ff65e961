"""A scenario run as JUnit XML, the test-report format CI servers read.

Jenkins (junit plugin), GitLab (``artifacts:reports:junit``), GitHub
actions' report viewers and Azure all read the same shape: ``<testsuites>``
holding one ``<testsuite>`` per scenario, one ``<testcase>`` per expectation
(each command and each check of a step), a ``<failure>`` child for a failed
one. The attributes written are those of the Jenkins/Ant ``junit.xsd`` that
these tools accept (``name``, ``tests``, ``failures``, ``errors``,
``skipped``, ``time``, ``timestamp``; per case ``classname``, ``name``,
``time``, and ``message``/``type`` on a failure).

Times: the scenario's steps run on the pump's simulated clock, so a test
case has no wall time of its own; each case says ``time="0"`` and the suite
carries the run's wall time. The simulated time of each step is in its name
(``step 3 (check at 1d 8h)``).
"""
from __future__ import annotations

import datetime as _dt
import socket
import xml.etree.ElementTree as ET

from pyemu.therapy.player import RunResult

__all__ = ["junit_xml"]


def _classname(scenario_name: str) -> str:
    """``pyemu.scenario.<name>``: CI groups cases by it (dots make a tree in Jenkins)."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in scenario_name).strip("_")
    return f"pyemu.scenario.{safe or 'unnamed'}"


def junit_xml(result: RunResult, target: str, wall_s: float,
              started: _dt.datetime | None = None) -> bytes:
    """The run as a JUnit XML document (UTF-8 bytes, with the XML declaration)."""
    sc = result.scenario
    n = len(result.outcomes)
    failed = len(result.failures)
    started = started or _dt.datetime.now(_dt.timezone.utc)
    stamp = started.replace(microsecond=0, tzinfo=None).isoformat()
    suites = ET.Element("testsuites", name="pyemu run", tests=str(n), failures=str(failed),
                        errors="0", time=f"{wall_s:.3f}")
    suite = ET.SubElement(suites, "testsuite", name=sc.name, tests=str(n), failures=str(failed),
                          errors="0", skipped="0", time=f"{wall_s:.3f}", timestamp=stamp,
                          hostname=socket.gethostname() or "localhost")
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="scenario_file", value=str(sc.path))
    ET.SubElement(props, "property", name="target", value=target)
    cls = _classname(sc.name)
    for o in result.outcomes:
        name = f"{o.step.label()}: {o.what}"
        case = ET.SubElement(suite, "testcase", classname=cls, name=name, time="0")
        if not o.passed:
            fail = ET.SubElement(case, "failure", message=f"expected {o.what}; {o.detail}",
                                 type="expectation")
            fail.text = (f"{o.step.label()} (file line {o.step.line}): expected {o.what}\n"
                         f"got: {o.detail}" + (f"\nnote: {o.step.note}" if o.step.note else ""))
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"
