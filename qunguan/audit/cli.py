"""Command-line front ends of the audit engine: ``qunguan scan`` and ``qunguan redact``.

Both read plain text lines or JSONL lines with a ``text`` field (decided per line: a line
that parses as a JSON object with a string ``text`` is JSONL, anything else is plain text).
Exit status: 0 success, 1 ``--fail-on`` threshold reached, 2 usage or input error (one
line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import IO

from qunguan.audit.detectors.base import MessageContext
from qunguan.audit.engine import Auditor
from qunguan.audit.finding import Finding, Severity
from qunguan.audit.mask import redact
from qunguan.audit.policy import Policy, PolicyError, load_policy


class _InputError(Exception):
    pass


def _read_lines(path: str) -> Iterator[str]:
    """Yield the lines of ``path`` (``-`` = stdin) without their line ends."""
    try:
        if path == "-":
            stream: IO[str] = sys.stdin
            for line in stream:
                yield line.rstrip("\r\n")
            return
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                yield line.rstrip("\r\n")
    except OSError as exc:
        raise _InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise _InputError(f"{path} is not UTF-8 text (byte {exc.start})") from None


def _parse(line: str) -> tuple[str, MessageContext | None]:
    """Return (text, context) of one input line (JSONL object or plain text)."""
    if line.startswith("{"):
        try:
            obj = json.loads(line)
        except ValueError:
            return line, None
        if isinstance(obj, dict) and isinstance(obj.get("text"), str):
            group = obj.get("group")
            sender = obj.get("sender")
            ctx = MessageContext(
                group=str(group) if group is not None else None,
                sender=str(sender) if sender is not None else None,
                timestamp=obj.get("timestamp") if isinstance(obj.get("timestamp"), int | float) else None,
            )
            return obj["text"], ctx
    return line, None


def _policy(path: str | None) -> Policy:
    return load_policy(path) if path else load_policy()


def _severity(value: str) -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _error(prog: str, message: str) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return 2


def scan_main(argv: list[str]) -> int:
    """Run ``qunguan scan``; return the exit status (0 ok, 1 --fail-on reached, 2 error)."""
    parser = argparse.ArgumentParser(
        prog="qunguan scan",
        description="审核消息文本：逐行读取纯文本或 JSONL（text 字段），输出命中的违规信息。",
    )
    parser.add_argument("file", help="input file, or - for standard input")
    parser.add_argument("--json", action="store_true", help="one JSON object per input line")
    parser.add_argument("--policy", help="policy TOML file (default: the shipped policy)")
    parser.add_argument(
        "--fail-on", type=_severity, metavar="SEVERITY", help="exit 1 if any finding is at least this severe"
    )
    args = parser.parse_args(argv)
    try:
        auditor = Auditor(_policy(args.policy))
    except PolicyError as exc:
        return _error(parser.prog, str(exc))
    worst: Severity | None = None
    out = sys.stdout
    try:
        for n, line in enumerate(_read_lines(args.file), start=1):
            text, ctx = _parse(line)
            findings = auditor.scan(text, ctx)
            for f in findings:
                worst = f.severity if worst is None or f.severity > worst else worst
            if args.json:
                payload = {"line": n, "findings": [_as_json(f) for f in findings]}
                out.write(json.dumps(payload, ensure_ascii=False) + "\n")
            else:
                for f in findings:
                    out.write(_row(n, f) + "\n")
    except _InputError as exc:
        return _error(parser.prog, str(exc))
    except BrokenPipeError:  # `qunguan scan big.txt | head`
        return 0
    if args.fail_on is not None and worst is not None and worst >= args.fail_on:
        return 1
    return 0


def _as_json(f: Finding) -> dict[str, object]:
    return {
        "category": f.category,
        "rule": f.rule,
        "severity": f.severity.label,
        "start": f.start,
        "end": f.end,
        "evidence": f.evidence,
        "score": round(f.score, 3),
        "explanation": f.explanation,
    }


def _row(n: int, f: Finding) -> str:
    return (
        f"{n:>6}  {f.start:>4}-{f.end:<4}  {f.severity.label:<8}  {f.category:<20}  "
        f"{f.score:.2f}  {f.evidence}  {f.explanation}"
    )


def redact_main(argv: list[str]) -> int:
    """Run ``qunguan redact``: print each input line with every finding masked; return the status."""
    parser = argparse.ArgumentParser(
        prog="qunguan redact",
        description="脱敏：逐行输出屏蔽了个人信息和涉密内容的文本（JSONL 输入则输出 JSONL）。",
    )
    parser.add_argument("file", help="input file, or - for standard input")
    parser.add_argument("--policy", help="policy TOML file (default: the shipped policy)")
    args = parser.parse_args(argv)
    try:
        auditor = Auditor(_policy(args.policy))
    except PolicyError as exc:
        return _error(parser.prog, str(exc))
    try:
        for line in _read_lines(args.file):
            text, ctx = _parse(line)
            masked = redact(text, auditor.scan(text, ctx))
            if text is line:
                sys.stdout.write(masked + "\n")
            else:
                obj = json.loads(line)
                obj["text"] = masked
                sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    except _InputError as exc:
        return _error(parser.prog, str(exc))
    except BrokenPipeError:
        return 0
    return 0
