"""Audit policy (审核策略): which detectors run, how serious each category is, what to do.

A policy is a TOML file. The shipped default is ``qunguan/audit/data/default_policy.toml``;
a deployment passes its own with ``load_policy(path)``. Shape::

    [defaults]
    min_score = 0.5          # findings scoring below are dropped
    action = "notify"        # none | notify | warn | recall

    [detectors]
    enabled = ["id_card", "phone"]   # optional; absent = every registered detector
    disabled = ["classifier"]        # optional
    use_models = true                # false = leave model-backed detectors out

    [categories."privacy.id_card"]
    severity = "high"        # low | medium | high | critical
    action = "recall"
    min_score = 0.6
    enabled = true

    [lexicons]
    extra = ["/etc/qunguan/words.txt"]   # deployment lexicons (relative paths: to the file)
    allow = ["/etc/qunguan/allow.txt"]   # deployment allow-lists

    [groups."123456"]                    # per-group override (群号), same keys as above
    min_score = 0.7
    [groups."123456".detectors]
    disabled = []                        # e.g. report every chatty line here too (offtopic_model)
    [groups."123456".categories.offtopic]
    action = "none"

A deployment file is applied on top of the shipped default, so it lists only what it
changes. A list it gives (``detectors.disabled`` …) replaces the default's list: the shipped
``disabled = ["offtopic_model"]`` (chatter reported per run, not per line) is kept only by
naming ``offtopic_model`` again. A bad file raises ``PolicyError`` naming the file, the line and the reason.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qunguan.audit.finding import Severity

ACTIONS = ("none", "notify", "warn", "recall")
DEFAULT_POLICY_PATH = Path(__file__).parent / "data" / "default_policy.toml"


class PolicyError(ValueError):
    """A policy file cannot be used. ``str(err)`` reads ``FILE:LINE: reason``."""

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True, slots=True)
class CategoryPolicy:
    """Overrides for one category; ``None`` means "use the detector's or the default value"."""

    severity: Severity | None = None
    action: str | None = None
    min_score: float | None = None
    enabled: bool = True


@dataclass(frozen=True)
class Policy:
    """A parsed policy. Immutable: ``for_group`` returns a merged copy."""

    min_score: float = 0.5
    action: str = "notify"
    enabled_detectors: tuple[str, ...] | None = None
    disabled_detectors: tuple[str, ...] = ()
    use_models: bool = True
    categories: Mapping[str, CategoryPolicy] = field(default_factory=dict)
    lexicon_extra: tuple[Path, ...] = ()
    lexicon_allow: tuple[Path, ...] = ()
    groups: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source: str = "<default>"

    def detector_enabled(self, name: str) -> bool:
        """Return whether the detector called ``name`` runs under this policy."""
        if name in self.disabled_detectors:
            return False
        return self.enabled_detectors is None or name in self.enabled_detectors

    def category(self, category: str) -> CategoryPolicy:
        """Return the overrides for ``category`` (an empty ``CategoryPolicy`` when none)."""
        return self.categories.get(category, _NO_OVERRIDE)

    def threshold(self, category: str) -> float:
        """Return the minimum score a finding of ``category`` needs to be reported."""
        value = self.category(category).min_score
        return self.min_score if value is None else value

    def action_for(self, category: str) -> str:
        """Return the action (none / notify / warn / recall) for a finding of ``category``."""
        return self.category(category).action or self.action

    def for_group(self, group: str | None) -> Policy:
        """Return this policy with the ``[groups."<group>"]`` overrides applied (or itself)."""
        if group is None or group not in self.groups:
            return self
        return _apply(self, self.groups[group], self.source, f"groups.{group}", _LineFinder(None))

    def replace(self, **changes: Any) -> Policy:
        """Return a copy with ``changes`` applied (e.g. ``use_models=False``)."""
        return dataclasses.replace(self, **changes)


_NO_OVERRIDE = CategoryPolicy()


class _LineFinder:
    """Finds the line of a dotted key in the TOML source, for error messages.

    tomllib reports positions only for syntax errors; for a semantic error (a bad value) we
    search the text for the key's table header and then the key itself.
    """

    def __init__(self, text: str | None) -> None:
        self.lines = text.splitlines() if text else []

    def line_of(self, table: str, key: str | None = None) -> int | None:
        if not self.lines:
            return None
        start = 0
        if table:
            header = re.compile(r"^\s*\[\s*" + _table_pattern(table) + r"\s*\]\s*(#.*)?$")
            for i, line in enumerate(self.lines):
                if header.match(line):
                    start = i
                    break
            else:
                start = 0
        if key is None:
            return start + 1
        key_re = re.compile(r"^\s*(" + re.escape(key) + r'|"' + re.escape(key) + r'")\s*=')
        for i in range(start, len(self.lines)):
            if i > start and self.lines[i].lstrip().startswith("[") and table:
                break
            if key_re.match(self.lines[i]):
                return i + 1
        # Inline tables or dotted keys: fall back to any line naming the key.
        for i, line in enumerate(self.lines):
            if key in line:
                return i + 1
        return start + 1


def _table_pattern(table: str) -> str:
    parts = []
    for part in _split_dotted(table):
        parts.append("(?:" + re.escape(part) + '|"' + re.escape(part) + '")')
    return r"\s*\.\s*".join(parts)


def _split_dotted(table: str) -> list[str]:
    # Group ids and category names may contain dots ("privacy.phone"); the caller passes them
    # pre-split with "\x00" when needed. Plain dotted names split on ".".
    return table.split("\x00") if "\x00" in table else table.split(".")


def load_policy(path: str | Path | None = None) -> Policy:
    """Return the policy in the TOML file ``path`` (the shipped default when ``None``).

    Raises ``PolicyError`` (message ``FILE:LINE: reason``) for an unreadable file, a TOML
    syntax error, an unknown key or a bad value.
    """
    file = Path(path) if path is not None else DEFAULT_POLICY_PATH
    source = str(file)
    # A deployment's file is applied on top of the shipped default: it lists only what it
    # changes (one category's action, one group's override), not the whole taxonomy.
    base = None if path is None else load_policy(None)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(source, None, f"cannot read policy file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PolicyError(source, None, "policy file is not UTF-8 text") from None
    return parse_policy(text, source=source, base_dir=file.parent, base=base)


def parse_policy(
    text: str, source: str = "<string>", base_dir: Path | None = None, base: Policy | None = None
) -> Policy:
    """Return the policy in the TOML ``text`` applied on ``base`` (default: an empty policy).

    Raises ``PolicyError`` as ``load_policy`` does.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        reason = getattr(exc, "msg", None) or str(exc)
        if line is None:
            m = re.search(r"line (\d+)", str(exc))
            line = int(m.group(1)) if m else None
            reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise PolicyError(source, line, f"TOML syntax error: {reason}") from None
    finder = _LineFinder(text)
    policy = (base or Policy()).replace(source=source)
    unknown = set(data) - {"defaults", "detectors", "categories", "lexicons", "groups"}
    if unknown:
        key = sorted(unknown)[0]
        raise PolicyError(source, finder.line_of(key) or finder.line_of("", key), f"unknown table [{key}]")
    policy = _apply(policy, data, source, "", finder)
    lex = _table(data.get("lexicons", {}), source, "lexicons", finder)
    for key in lex:
        if key not in ("extra", "allow"):
            raise PolicyError(source, finder.line_of("lexicons", key), f"unknown key lexicons.{key}")
    root = base_dir or Path.cwd()
    extra = policy.lexicon_extra + _paths(lex.get("extra", []), source, "extra", finder, root)
    allow = policy.lexicon_allow + _paths(lex.get("allow", []), source, "allow", finder, root)
    groups = _table(data.get("groups", {}), source, "groups", finder)
    for group, body in groups.items():
        table = _table(body, source, f"groups\x00{group}", finder)
        # Validate now so that a bad override fails at load time, not at the first message.
        _apply(policy, table, source, f"groups\x00{group}", finder)
    return policy.replace(lexicon_extra=extra, lexicon_allow=allow, groups={**policy.groups, **groups})


def _apply(policy: Policy, data: Mapping[str, Any], source: str, prefix: str, finder: _LineFinder) -> Policy:
    """Return ``policy`` with the defaults/detectors/categories tables of ``data`` applied."""

    def where(table: str, key: str | None = None) -> int | None:
        full = (f"{prefix}\x00{table}" if prefix else table) if table else prefix
        if "\x00" not in full and "." in full:
            full = full.replace(".", "\x00")
        return finder.line_of(full, key)

    allowed = {"defaults", "detectors", "categories"} | ({"lexicons", "groups"} if not prefix else set())
    if prefix:
        for key in data:
            if key not in allowed and key not in ("min_score", "action"):
                raise PolicyError(source, where("", key) or finder.line_of(prefix), f"unknown key {key!r}")
    changes: dict[str, Any] = {}
    defaults = dict(_table(data.get("defaults", {}), source, "defaults", finder))
    # In a group override, top-level min_score/action are shorthands for [defaults].
    for key in ("min_score", "action"):
        if prefix and key in data:
            defaults[key] = data[key]
    for key, value in defaults.items():
        if key == "min_score":
            changes["min_score"] = _score(value, source, where("defaults", key))
        elif key == "action":
            changes["action"] = _action(value, source, where("defaults", key))
        else:
            raise PolicyError(source, where("defaults", key), f"unknown key defaults.{key}")
    det = _table(data.get("detectors", {}), source, "detectors", finder)
    for key, value in det.items():
        line = where("detectors", key)
        if key in ("enabled", "disabled"):
            names = _str_list(value, source, line, f"detectors.{key}")
            _check_detector_names(names, source, line)
            changes["enabled_detectors" if key == "enabled" else "disabled_detectors"] = tuple(names)
        elif key == "use_models":
            if not isinstance(value, bool):
                raise PolicyError(source, line, "detectors.use_models must be true or false")
            changes["use_models"] = value
        else:
            raise PolicyError(source, line, f"unknown key detectors.{key}")
    cats = dict(policy.categories)
    for cat, body in _table(data.get("categories", {}), source, "categories", finder).items():
        table = f"categories\x00{cat}"
        body = _table(body, source, table, finder)
        current = cats.get(cat, _NO_OVERRIDE)
        upd: dict[str, Any] = {}
        for key, value in body.items():
            line = where(table, key)
            if key == "severity":
                if not isinstance(value, str | int) or isinstance(value, bool):
                    raise PolicyError(source, line, f"categories.{cat}.severity must be a name")
                try:
                    upd["severity"] = Severity.parse(value)
                except ValueError as exc:
                    raise PolicyError(source, line, str(exc)) from None
            elif key == "action":
                upd["action"] = _action(value, source, line)
            elif key == "min_score":
                upd["min_score"] = _score(value, source, line)
            elif key == "enabled":
                if not isinstance(value, bool):
                    raise PolicyError(source, line, f"categories.{cat}.enabled must be true or false")
                upd["enabled"] = value
            else:
                raise PolicyError(source, line, f"unknown key categories.{cat}.{key}")
        cats[cat] = dataclasses.replace(current, **upd)
    changes["categories"] = cats
    return policy.replace(**changes)


def _table(value: Any, source: str, name: str, finder: _LineFinder) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        shown = name.replace("\x00", ".")
        raise PolicyError(source, finder.line_of("", name.split("\x00")[-1]), f"{shown} must be a table")
    return value


def _score(value: Any, source: str, line: int | None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise PolicyError(source, line, f"min_score must be a number between 0 and 1, not {value!r}")
    return float(value)


def _action(value: Any, source: str, line: int | None) -> str:
    if value not in ACTIONS:
        raise PolicyError(source, line, f"unknown action {value!r}; expected one of {', '.join(ACTIONS)}")
    return str(value)


def _str_list(value: Any, source: str, line: int | None, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(source, line, f"{name} must be a list of strings")
    return list(value)


def _check_detector_names(names: list[str], source: str, line: int | None) -> None:
    from qunguan.audit.detectors import DETECTORS

    for name in names:
        if name not in DETECTORS:
            known = ", ".join(sorted(DETECTORS))
            raise PolicyError(source, line, f"unknown detector {name!r}; known: {known}")


def _paths(value: Any, source: str, key: str, finder: _LineFinder, base: Path) -> tuple[Path, ...]:
    names = _str_list(value, source, finder.line_of("lexicons", key), f"lexicons.{key}")
    return tuple(p if p.is_absolute() else base / p for p in map(Path, names))
