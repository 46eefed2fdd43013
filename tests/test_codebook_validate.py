"""Codebook validation: every error and warning, each checked with its location."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli import main
from qualcode.codebook import load_codebook, validate_codebook
from qualcode.errors import CodebookError

DATA = Path(__file__).parent / "data" / "codebooks"
ROOT = Path(__file__).resolve().parent.parent

HEAD = """\
codebook: Test
language: en
codes:
"""


def _write(tmp_path: Path, body: str, name: str = "cb.yaml", head: str = HEAD) -> Path:
    path = tmp_path / name
    path.write_text(head + textwrap.dedent(body), encoding="utf-8")
    return path


def _messages(path: Path) -> list[str]:
    return [str(p) for p in validate_codebook(path)]


def test_unknown_key_has_did_you_mean_and_line(tmp_path):
    path = _write(tmp_path, """\
        - id: A
          label: Alpha
          rules:
            - keywrds: [x]
              keywords: [y]
        """)
    assert _messages(path) == [
        f"{path}:7: codes[0].rules[0]: unknown key 'keywrds' (did you mean 'keywords'?)"]


def test_duplicate_id_names_both_lines(tmp_path):
    path = _write(tmp_path, """\
        - id: A
          label: Alpha
          rules: [{keywords: [x]}]
        - id: A
          label: Again
          rules: [{keywords: [z]}]
        """)
    assert _messages(path) == [
        f"{path}:7: codes: duplicate id 'A' (first defined on line 4; ids must be unique)"]


def test_missing_parent(tmp_path):
    path = _write(tmp_path, """\
        - id: A
          label: Alpha
          rules: [{keywords: [x]}]
        - id: B
          parent: NOPE
          label: Beta
          rules: [{keywords: [y]}]
        """)
    assert _messages(path) == [
        f"{path}:7: codes(B).parent: parent 'NOPE' of code 'B' is not defined "
        "(define the parent code, or fix the id in 'parent:')"]


def test_parent_cycle(tmp_path):
    path = _write(tmp_path, """\
        - id: A
          parent: B
          label: Alpha
          rules: [{keywords: [x]}]
        - id: B
          parent: A
          label: Beta
          rules: [{keywords: [y]}]
        """)
    messages = _messages(path)
    assert messages[0].startswith(f"{path}:4: codes(A).parent: parent cycle: A → B → A")
    assert messages[1].startswith(f"{path}:8: codes(B).parent: parent cycle: B → A → B")


def test_extends_cycle_points_at_the_extends_line():
    messages = _messages(DATA / "cycle-a.yaml")
    assert len(messages) == 1
    assert messages[0].startswith(f"{DATA / 'cycle-b.yaml'}:2: extends: extends cycle: ")
    assert "cycle-a.yaml → " in messages[0] and messages[0].count("→") == 2


def test_extends_unknown_base(tmp_path):
    path = _write(tmp_path, "", head="codebook: T\nextends: nowhere-to-be-found\n")
    assert _messages(path) == [
        f"{path}:2: extends: cannot find the codebook 'nowhere-to-be-found' to extend "
        "(give a path relative to this file, or the name of a file in codebooks/)"]


def test_empty_rule(tmp_path):
    path = _write(tmp_path, """\
        - id: A
          label: Alpha
          rules:
            - min: 2
        """)
    assert [m for m in _messages(path) if not m.startswith("warning")] == [
        f"{path}:7: codes[0].rules[0]: empty rule: nothing to match "
        "(give keywords, all, near, pattern or question)"]


def test_bad_spacy_pattern_located_at_the_token_key(tmp_path):
    path = _write(tmp_path, """\
        - id: A
          label: Alpha
          rules:
            - pattern:
                - LOWER: tidak
                - LOWERR: ada
        """)
    messages = _messages(path)
    assert messages == [f"{path}:9: codes[0].rules[0].pattern[1].LOWERR: bad spaCy pattern: "
                        "Extra inputs are not permitted (did you mean 'LOWER'?)"]


def test_bad_spacy_operator(tmp_path):
    path = _write(tmp_path, """\
        - id: A
          label: Alpha
          rules:
            - pattern: [{LOWER: a}, {LOWER: b, OP: "x"}]
        """)
    messages = _messages(path)
    assert messages and all(m.startswith(f"{path}:7: codes[0].rules[0].pattern[1].OP: "
                                         "bad spaCy pattern:") for m in messages)


def test_regex_in_pattern_refused(tmp_path):
    path = _write(tmp_path, """\
        - id: A
          label: Alpha
          rules:
            - pattern: [{TEXT: {REGEX: "(a+)+$"}}]
        """)
    assert _messages(path) == [
        f"{path}:7: codes[0].rules[0].pattern: regular expressions (REGEX) are not allowed in "
        "patterns (they can make matching hang; use IN lists, LOWER, NORM, or a prefix term "
        "such as 'lapor*')"]


def test_regex_like_term(tmp_path):
    path = _write(tmp_path, """\
        - id: A
          label: Alpha
          rules:
            - keywords: [fine, "lapor(an)?"]
        """)
    messages = _messages(path)
    assert messages == [f"{path}:7: codes[0].rules[0].keywords[1]: 'lapor(an)?' looks like a "
                        "regular expression (terms are words or phrases; use a trailing * for "
                        "a prefix, or a 'pattern' rule for token patterns)"]


def test_unknown_language(tmp_path):
    path = _write(tmp_path, """\
        - id: A
          label: Alpha
          rules: [{keywords: [x]}]
        """, head="codebook: T\nlanguage: klingon\ncodes:\n")
    assert _messages(path) == [
        f"{path}:2: language: spaCy does not know the language 'klingon' "
        "(use a spaCy language code such as id, en, ms, nl, de)"]


def test_yaml_object_tags_refused(tmp_path):
    path = _write(tmp_path, """\
        - id: A
          label: !!python/object/apply:os.system ["echo pwned"]
          rules: [{keywords: [x]}]
        """)
    messages = _messages(path)
    assert messages == [f"{path}:5: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' "
                        "is not allowed (codebooks hold plain text, lists and mappings; "
                        "remove the tag)"]
    with pytest.raises(CodebookError):
        load_codebook(path)


def test_yaml_container_aliases_refused(tmp_path):
    path = _write(tmp_path, """\
        - id: A
          label: Alpha
          rules: &r [{keywords: [x]}]
        - id: B
          label: Beta
          rules: *r
        """)
    assert [m.split(": ", 1)[0] for m in _messages(path)] == [f"{path}:9"]


def test_warnings_no_rules_never_match_identical(tmp_path):
    path = _write(tmp_path, """\
        - id: A
          label: Alpha
        - id: B
          label: Beta
          rules:
            - all: [x, y]
              none: [y]
        - id: C
          label: Gamma
          rules: [{keywords: [z], where: {technique: [wawancara]}}]
        - id: D
          label: Delta
          rules: [{keywords: [z], where: {technique: [wawancara]}}]
        """)
    problems = validate_codebook(path)
    assert all(p.severity == "warning" for p in problems)
    assert [str(p) for p in problems] == [
        f"warning: {path}:4: codes(A): code 'A' has no rules (it can only be applied by a "
        "person (review) or by import)",
        f"warning: {path}:10: codes[1].rules[0].none: rule can never match: 'y' is both "
        "required and excluded (remove it from 'none' or from the other list)",
        f"warning: {path}:13: codes[2].rules[0].where.technique: rule can never match: no "
        "source has technique wawancara (techniques are W (interview), O (observation), "
        "D (documentation))",
        f"warning: {path}:14: codes(D).rules: codes 'C' and 'D' have identical rules (they "
        "will always be applied together)",
        f"warning: {path}:16: codes[3].rules[0].where.technique: rule can never match: no "
        "source has technique wawancara (techniques are W (interview), O (observation), "
        "D (documentation))",
    ]


def test_every_problem_reported_at_once(tmp_path):
    path = _write(tmp_path, """\
        - id: A
          label: Alpha
          colour: "#ffffff"
          rules:
            - {}
        - id: A
          label: Again
          rules: [{keywords: ["a|b"]}]
        """)
    lines = [p.line for p in validate_codebook(path) if p.severity == "error"]
    assert lines == [6, 8, 9, 11]


def test_extends_add_override_drop():
    book = load_codebook(DATA / "child.yaml")
    assert [c.id for c in book.codes] == ["A", "A1", "C"]
    assert book.title == "Child" and book.language == "en" and book.version == "1"
    assert book.code("A").brief == "changed"
    assert book.code("A").rules[0].keywords[0].text == "alpha"
    assert book.code("C").parent == "A" and book.code("C").depth == 1


def test_extends_errors_located_in_child(tmp_path):
    (tmp_path / "base.yaml").write_text((DATA / "base.yaml").read_text(), encoding="utf-8")
    path = _write(tmp_path, """\
        - id: B
          label: Beta again
          rules: [{keywords: [b]}]
        """, name="kid.yaml",
        head="codebook: K\nextends: base.yaml\ndrop: [ZZ]\noverride:\n  QQ: {brief: x}\n"
             "codes:\n")
    assert _messages(path) == [
        f"{path}:3: drop[0]: cannot drop unknown code 'ZZ' (name the id of a code in the base "
        "codebook)",
        f"{path}:5: override.QQ: cannot override unknown code 'QQ' (name the id of a code in "
        "the base codebook)",
        f"{path}:7: codes(B): code 'B' is already defined in base.yaml (use 'override:' to "
        "change its fields, or 'drop:' it first)",
    ]


@pytest.mark.parametrize("path", sorted((ROOT / "codebooks").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_every_shipped_codebook_is_valid(path):
    errors = [str(p) for p in validate_codebook(path) if p.severity == "error"]
    assert errors == []
    assert load_codebook(path).codes


def test_cli_validate_exit_status(tmp_path):
    bad = _write(tmp_path, "- id: A\n  label: A\n  rules: [{keywrds: [x]}]\n", name="bad.yaml")
    warn = _write(tmp_path, "- id: A\n  label: A\n", name="warn.yaml")
    runner = CliRunner()
    result = runner.invoke(main, ["codebook", "validate", str(bad), str(warn)])
    assert result.exit_code == 1
    assert f"{bad}:6: codes[0].rules[0]: unknown key 'keywrds'" in result.output
    assert "2 file(s): 2 error(s), 2 warning(s)" in result.output
    result = runner.invoke(main, ["codebook", "validate", str(warn)])
    assert result.exit_code == 0 and "0 error(s), 1 warning(s)" in result.output


def test_yaml_round_trip_keeps_comments_and_key_order():
    from qualcode.codebook.yamlio import dump_yaml, read_yaml

    path = ROOT / "codebooks" / "edwards-iii-id.yaml"
    doc, problems = read_yaml(path)
    assert problems == []
    text = dump_yaml(doc)
    assert "# Kerangka implementasi kebijakan George C. Edwards III" in text
    assert list(doc) == ["codebook", "version", "language", "description", "authors",
                         "magnitude", "codes"]
    assert text.index("codebook:") < text.index("version:") < text.index("codes:")


def test_shipped_codebooks_code_real_sentences():
    from qualcode.engine import code_segments
    from qualcode.model import Segment, Source, Turn

    def codes(name: str, text: str) -> list[str]:
        seg = Segment(id="S:t0", source_id="S", unit="turn", start=0, end=len(text),
                      line_start=1, line_end=1, text=text)
        src = Source(id="S", path="s.txt", text=text, turns=(Turn(0, len(text)),))
        book = load_codebook(ROOT / "codebooks" / name)
        return [c.code_id for c in code_segments([seg], [src], book)]

    assert codes("edwards-iii-id.yaml", "Anggarannya terbatas, jadi monitoring sekali.") == [
        "SD-FAS"]
    assert codes("edwards-iii-en.yaml", "The guidelines are vague.") == ["COM-CLAR"]
    assert codes("interview-starter-en.yaml", "I have been working as head since 2019.") == [
        "BG"]
