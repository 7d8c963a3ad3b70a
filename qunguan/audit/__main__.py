"""``python -m qunguan.audit scan|redact …`` — the audit CLI without the Django project."""

from __future__ import annotations

import sys

from qunguan.audit.cli import redact_main, scan_main


def main(argv: list[str] | None = None) -> int:
    """Dispatch to ``scan`` or ``redact``; return the exit status."""
    args = sys.argv[1:] if argv is None else argv
    commands = {"scan": scan_main, "redact": redact_main}
    if not args or args[0] not in commands:
        print("usage: python -m qunguan.audit {scan,redact} FILE|- [options]", file=sys.stderr)
        return 2
    return commands[args[0]](args[1:])


if __name__ == "__main__":
    raise SystemExit(main())
