#!/usr/bin/env python3
"""Validates a --junit=FILE report as CI systems read it (tests/checker/junit_output.cmake).

usage: junit_check.py FILE EXECUTABLE CASES FAILURES [TOKEN_PREFIX]
Checks: well-formed XML; <testsuites> holding one <testsuite name=EXECUTABLE>; counts on both
agree with the <testcase> elements; every testcase has classname, name "<test> [<mode>]" and a
numeric time; every <failure> has a message with "replay: --replay=TOKEN_PREFIX..." and a
type, and the trace as its text.
"""
import re
import sys
import xml.etree.ElementTree as ET


def fail(why):
    print(f"junit_check: {why}", file=sys.stderr)
    sys.exit(1)


def main():
    path, exe, cases, failures = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    prefix = sys.argv[5] if len(sys.argv) > 5 else None
    root = ET.parse(path).getroot()
    if root.tag != "testsuites":
        fail(f"root is <{root.tag}>, not <testsuites>")
    suites = root.findall("testsuite")
    if len(suites) != 1 or suites[0].get("name") != exe:
        fail(f"expected one <testsuite name={exe!r}>")
    suite = suites[0]
    tcs = suite.findall("testcase")
    nfail = sum(1 for tc in tcs if tc.find("failure") is not None)
    nskip = sum(1 for tc in tcs if tc.find("skipped") is not None)
    for el in (root, suite):
        got = {k: el.get(k) for k in ("tests", "failures", "errors", "skipped")}
        want = {"tests": str(len(tcs)), "failures": str(nfail), "errors": "0",
                "skipped": str(nskip)}
        if got != want:
            fail(f"<{el.tag}> counts {got}, the testcases say {want}")
        float(el.get("time"))
    if len(tcs) != cases or nfail != failures:
        fail(f"{len(tcs)} testcases with {nfail} failures, expected {cases} with {failures}")
    for tc in tcs:
        if tc.get("classname") != exe or not re.fullmatch(r"\S+ \[[a-z]+\]", tc.get("name", "")):
            fail(f"testcase classname={tc.get('classname')!r} name={tc.get('name')!r}")
        float(tc.get("time"))
        f = tc.find("failure")
        if f is None:
            continue
        msg = f.get("message", "")
        if not msg.startswith("FAIL") or not f.get("type"):
            fail(f"failure message {msg!r}, type {f.get('type')!r}")
        if prefix is not None and f"replay: --replay={prefix}" not in msg:
            fail(f"failure message without the replay token: {msg!r}")
        if prefix is not None and "trace (" not in (f.text or ""):
            fail(f"failure text without the trace: {f.text!r}")
    print(f"junit_check: {path}: {len(tcs)} testcases, {nfail} failures: ok")


main()
