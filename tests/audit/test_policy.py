"""Policy files: the shipped default loads; a bad file names the file, the line and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from qunguan.audit import Auditor, MessageContext, PolicyError, Severity, load_policy


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_policy_loads_with_every_privacy_and_secret_category() -> None:
    policy = load_policy()
    for cat in ("privacy.id_card", "privacy.phone", "secret.doc_number", "secret.classified"):
        assert policy.category(cat).severity is not None
    assert policy.action_for("privacy.id_card") == "recall"
    assert policy.min_score == 0.5


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[defaults]\nmin_score = 0.5\naction = "notify\n')
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert str(err.value).startswith(f"{path}:3: TOML syntax error")
    assert err.value.line == 3


@pytest.mark.parametrize(
    ("body", "line", "reason"),
    [
        ('[defaults]\nmin_score = 0.5\naction = "explode"\n', 3, "unknown action 'explode'"),
        ("[defaults]\nmin_score = 2\n", 2, "min_score must be a number between 0 and 1, not 2"),
        ('[defaults]\nmood = "calm"\n', 2, "unknown key defaults.mood"),
        ('[categories."privacy.phone"]\nseverity = "huge"\n', 2, "unknown severity 'huge'"),
        (
            '[defaults]\naction = "warn"\n\n[categories."privacy.phone"]\naction = "warn"\nenabled = "yes"\n',
            6,
            "categories.privacy.phone.enabled must be true or false",
        ),
        ('[detectors]\ndisabled = ["no_such_detector"]\n', 2, "unknown detector 'no_such_detector'"),
        ("[detectors]\nuse_models = 1\n", 2, "detectors.use_models must be true or false"),
        ('[lexicons]\nextra = "words.txt"\n', 2, "lexicons.extra must be a list of strings"),
        ('[groups."123"]\naction = "shout"\n', 2, "unknown action 'shout'"),
        ('[groups."123".categories.offtopic]\naction = "shout"\n', 2, "unknown action 'shout'"),
        ("[surprise]\nx = 1\n", 1, "unknown table [surprise]"),
    ],
)
def test_semantic_error_names_line_and_reason(tmp_path: Path, body: str, line: int, reason: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert err.value.line == line
    assert reason in err.value.reason
    assert str(err.value).startswith(f"{path}:{line}: ")


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy(tmp_path / "absent.toml")


def test_lexicon_paths_resolve_relative_to_the_policy_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[lexicons]\nextra = ["words.txt"]\nallow = ["/etc/allow.txt"]\n')
    policy = load_policy(path)
    assert policy.lexicon_extra == (tmp_path / "words.txt",)
    assert policy.lexicon_allow == (Path("/etc/allow.txt"),)


def test_category_overrides_change_severity_and_can_switch_a_category_off(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[categories."privacy.phone"]\nseverity = "low"\n[categories."secret.doc_number"]\nenabled = false\n',
    )
    auditor = Auditor(load_policy(path))
    found = auditor.scan("电话13800138000 院党宣〔2022〕6号")
    phone = [f for f in found if f.category == "privacy.phone"]
    assert [f.severity for f in phone] == [Severity.LOW]
    assert not [f for f in found if f.category == "secret.doc_number"]


def test_group_override_applies_only_to_that_group(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[groups."42".detectors]\ndisabled = ["phone"]\n[groups."42".categories."privacy.id_card"]\naction = "none"\n',
    )
    auditor = Auditor(load_policy(path))
    text = "电话13800138000"
    assert [
        f.category
        for f in auditor.scan(text, MessageContext(group="42"))
        if f.category.startswith("privacy.")
    ] == []
    assert [
        f.category for f in auditor.scan(text, MessageContext(group="7")) if f.category.startswith("privacy.")
    ] == ["privacy.phone"]
    (idf,) = [f for f in auditor.scan("11010519491231002X") if f.category == "privacy.id_card"]
    assert auditor.action_for(idf, MessageContext(group="42")) == "none"
    assert auditor.action_for(idf) == "recall"


def test_min_score_threshold_drops_weak_findings(tmp_path: Path) -> None:
    path = write(tmp_path, '[categories."privacy.phone"]\nmin_score = 0.99\n')
    auditor = Auditor(load_policy(path))
    assert not [f for f in auditor.scan("13800138000") if f.category == "privacy.phone"]
