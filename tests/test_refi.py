"""REFI-QDA project exchange: export valid against the XSD, round trip, other tools'
files, and hostile archives."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from qualcode.cli import main
from qualcode.errors import ExchangeError, OutputError
from qualcode.exchange.codings import read_coded_csv
from qualcode.exchange.project import import_qdpx, normalise_text
from qualcode.exchange.qdpx import read_qdpx
from qualcode.exchange.safe import Limits, SafeArchive, check_member_name, parse_xml
from qualcode.export.refi import project_xml, write_qdpx
from qualcode.model import Code, Codebook, CodedCorpus, Coding, Review, Segment, Source, Turn

FIXTURE = Path(__file__).parent / "data" / "qdpx" / "other-tool"


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return target


def zip_entries(target: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return target


def small_corpus() -> CodedCorpus:
    """Two sources, a dimension with two codes, rule codings and one reviewer."""
    text1 = "Q: How is guidance given?\nA: Through socialisation every year.\n"
    text2 = "Reports arrive.\n\nNobody reads the reports."
    book = Codebook("Tiny", (
        Code("DIM", "Dimension", brief="A theme"),
        Code("SOS", "Socialisation", parent="DIM", depth=1, color="#112233",
             examples=("every year",)),
        Code("REP", "Reporting", parent="DIM", depth=1, use_when="reports"),
    ))
    a = text1.index("Through")
    s1 = Source("W-1", "w1.txt", text1, (Turn(a, a + 33, "A"),), technique="W", informant="INF-1",
                role="Official", agency="Ministry", date="2024-03-14", case="West Java",
                attributes={"gender": "F"}, has_speakers=True)
    s2 = Source("D-1", "d1.txt", text2, (Turn(0, 15), Turn(17, 42)), technique="D",
                informant="DOC-1")
    segs = (Segment("W-1:t002", "W-1", "turn", a, a + 33, 2, 2, text1[a:a + 33], "A"),
            Segment("D-1:p001", "D-1", "paragraph", 0, 15, 1, 1, text2[0:15]),
            Segment("D-1:p002", "D-1", "paragraph", 17, 42, 3, 3, text2[17:42]))
    codings = (Coding("W-1:t002", "SOS", "rules[0]:keywords"),
               Coding("D-1:p001", "REP", "rules[0]:keywords"),
               Coding("D-1:p002", "REP", "rules[0]:keywords"))
    reviews = (Review("D-1:p001", "REP", "accept", reviewer="Rina"),
               Review("D-1:p002", "REP", "recode", new_code="SOS", reviewer="Rina"))
    return CodedCorpus(book, (s1, s2), segs, codings, reviews, codings, title="Tiny study")


def test_small_export_is_valid_and_complete(refi_dir):
    data, guids = project_xml(small_corpus())
    schema = etree.XMLSchema(etree.parse(str(refi_dir / "Project-mrt2019.xsd")))
    schema.assertValid(etree.fromstring(data))
    project = read_qdpx_bytes(data, {guids[s.id]: s.text for s in small_corpus().sources})
    assert [c.name for c in project.codes] == ["Dimension", "Socialisation", "Reporting"]
    assert [c.codable for c in project.codes] == [False, True, True]
    assert sorted(project.users.values()) == ["Rina", "qualcode rules"]
    rules = sorted((c.start, c.end) for c in project.codings
                   if project.user_name(c.user) == "qualcode rules")
    assert rules == [(0, 15), (17, 42), (29, 62)]
    rina = {(c.start, c.end, next(x.name for x in project.codes if x.guid == c.code))
            for c in project.codings if project.user_name(c.user) == "Rina"}
    assert rina == {(0, 15, "Reporting"), (17, 42, "Socialisation")}
    case = next(c for c in project.cases if c.name == "INF-1")
    assert dict(case.variables) == {"role": "Official", "agency": "Ministry"}
    w1 = next(s for s in project.sources if s.name == "W-1")
    assert dict(w1.variables) == {"technique": "W", "date": "2024-03-14", "case": "West Java",
                                  "gender": "F"}
    assert b'name="line:1"' in data  # segment on line 2 → 0-based line 1


def read_qdpx_bytes(data: bytes, texts: dict[str, str], tmp: Path | None = None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", data)
        for guid, text in texts.items():
            archive.writestr(f"sources/{guid}.txt", text.encode())
    path = Path(__import__("tempfile").mkdtemp()) / "p.qdpx"
    path.write_bytes(buffer.getvalue())
    return read_qdpx(path)


def test_export_is_reproducible(tmp_path):
    corpus = small_corpus()
    write_qdpx(corpus, tmp_path / "a.qdpx")
    write_qdpx(corpus, tmp_path / "b.qdpx")
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()
    with pytest.raises(OutputError):
        write_qdpx(corpus, tmp_path / "a.qdpx")


def test_demo_round_trip(demo_run, refi_dir, tmp_path):
    corpus = demo_run.corpus
    path = tmp_path / "demo.qdpx"
    write_qdpx(corpus, path, rules_name="qualcode rules")
    schema = etree.XMLSchema(etree.parse(str(refi_dir / "Project-mrt2019.xsd")))
    with zipfile.ZipFile(path) as archive:
        schema.assertValid(etree.fromstring(archive.read("project.qde")))
    project = read_qdpx(path)
    assert {s.name: s.text for s in project.sources} == {s.id: s.text for s in corpus.sources}
    assert {c.name for c in project.cases} == {s.informant for s in corpus.sources}
    assert len(project.codes) == len(corpus.codebook.codes)
    summary = import_qdpx(path, tmp_path / "back", language=corpus.codebook.language)
    assert summary.sources == len(corpus.sources) and summary.problems == ()
    back = read_coded_csv(tmp_path / "back" / "codings" / "qualcode_rules.csv")
    expected = {(corpus.segment(c.segment_id).source_id, corpus.segment(c.segment_id).start,
                 corpus.segment(c.segment_id).end, c.code_id) for c in corpus.all_codings}
    assert {(c.source, c.start, c.end, c.code_id) for c in back.codings} == expected
    from qualcode.codebook import load_codebook

    book = load_codebook(next((tmp_path / "back" / "codebooks").glob("*.yaml")))
    assert [(c.id, c.parent, c.label) for c in book.codes] == [
        (c.id, c.parent, c.label) for c in corpus.codebook.codes]
    def rules(codes):
        return [[replace(r, line=None) for r in c.rules] for c in codes]

    assert rules(book.codes) == rules(corpus.codebook.codes)
    for source in corpus.sources:
        saved = (tmp_path / "back" / "sources" / f"{source.id}.txt").read_text("utf-8")
        assert saved == source.text


def test_other_tool_file_imports(tmp_path, refi_dir):
    schema = etree.XMLSchema(etree.parse(str(refi_dir / "Project-mrt2019.xsd")))
    schema.assertValid(etree.parse(str(FIXTURE / "project.qde")))
    path = zip_folder(FIXTURE, tmp_path / "pilot.qdpx")
    project = read_qdpx(path)
    assert project.coders() == ["Alice", "Bob"]
    assert [(c.name, c.codable) for c in project.codes] == [
        ("Guidance", False), ("Socialisation", True), ("Workshops", True),
        ("Supervision", False), ("Reporting", True)]
    pdf = next(s for s in project.sources if s.kind == "pdf")
    assert pdf.text.startswith("Article 5.")
    summary = import_qdpx(path, tmp_path / "pilot")
    assert summary.coders == {"Alice": 3, "Bob": 4}
    folder = tmp_path / "pilot"
    bob = read_coded_csv(folder / "codings" / "Bob.csv")
    texts = {p.stem: p.read_text("utf-8") for p in (folder / "sources").glob("*.txt")}
    assert {texts[c.source][c.start:c.end] for c in bob.codings} == {
        "socialisation workshops", "nobody reads them", "The ministry evaluates the reports."}
    informants = (folder / "informants.csv").read_text("utf-8").splitlines()
    assert informants[0] == "file,informant,role,agency,technique,date,case,age"
    assert "sources/Interview_A.txt,Official A,Official,,W,,,45" in informants
    from qualcode.codebook import load_codebook
    from qualcode.project import load_project

    project_file = load_project(folder)
    book = load_codebook(project_file.codebook)
    assert [(c.id, c.parent) for c in book.codes] == [
        ("GUIDANCE", None), ("SOCIALISATION", "GUIDANCE"), ("WORKSHOPS", "SOCIALISATION"),
        ("SUPERVISION", None), ("REPORTING", "SUPERVISION")]
    assert book.code("SOCIALISATION").brief.startswith("Briefings and workshops")


def test_import_runs(tmp_path):
    path = zip_folder(FIXTURE, tmp_path / "pilot.qdpx")
    result = CliRunner().invoke(main, ["import", "qdpx", str(path), "-o",
                                       str(tmp_path / "pilot")])
    assert result.exit_code == 0, result.output
    assert "Alice: 3 codings" in result.output
    again = CliRunner().invoke(main, ["import", "qdpx", str(path), "-o",
                                      str(tmp_path / "pilot")])
    assert again.exit_code == 1 and "not empty" in again.output
    from qualcode.run import run

    done = run(tmp_path / "pilot")
    assert len(done.corpus.sources) == 2


# Hostile archives -------------------------------------------------------------------

QDE = (FIXTURE / "project.qde").read_bytes()


@pytest.mark.parametrize("name,message", [
    ("../escape.txt", "escaping"), ("sources/../../escape.txt", "escaping"),
    ("/tmp/absolute.txt", "absolute"), ("C:/Windows/evil.txt", "absolute"),
    ("..\\windows.txt", "escaping"),
])
def test_path_escapes_are_refused(tmp_path, name, message):
    bad = zip_entries(tmp_path / "bad.qdpx", {"project.qde": QDE, name: b"x"})
    target = tmp_path / "out" / "project"
    result = CliRunner().invoke(main, ["import", "qdpx", str(bad), "-o", str(target)])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.qdpx"]


def test_zip_bomb_is_refused(tmp_path):
    bomb = zip_entries(tmp_path / "bomb.qdpx", {"project.qde": QDE,
                                                "sources/big.txt": b"\0" * (8 << 20)})
    with pytest.raises(ExchangeError, match="zip bomb"):
        read_qdpx(bomb)
    with pytest.raises(ExchangeError, match="would unpack"):
        SafeArchive(zip_folder(FIXTURE, tmp_path / "ok.qdpx"), Limits(total_bytes=100))


def test_reads_are_capped_at_declared_size(tmp_path):
    path = zip_entries(tmp_path / "lie.qdpx", {"project.qde": QDE})
    data = bytearray(path.read_bytes())
    # Shrink the declared size in both headers: the real data is longer than declared.
    size = len(QDE).to_bytes(4, "little")
    small = (100).to_bytes(4, "little")
    data = data.replace(size, small)
    path.write_bytes(bytes(data))
    with pytest.raises((ExchangeError, zipfile.BadZipFile)):
        with SafeArchive(path) as archive:
            archive.read("project.qde")


@pytest.mark.parametrize("xml", [
    b'<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>',
    b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><Project/>',
    b'<?xml version="1.0"?><!doctype Project SYSTEM "http://example.invalid/x.dtd"><Project/>',
])
def test_entities_and_dtds_are_refused(tmp_path, xml):
    bad = zip_entries(tmp_path / "xxe.qdpx", {"project.qde": xml})
    with pytest.raises(ExchangeError, match="DOCTYPE"):
        read_qdpx(bad)
    result = CliRunner().invoke(main, ["import", "qdpx", str(bad), "-o", str(tmp_path / "t")])
    assert result.exit_code == 1 and "DOCTYPE" in result.output
    assert not (tmp_path / "t").exists()


def test_not_a_zip_and_no_project(tmp_path):
    (tmp_path / "x.qdpx").write_text("hello")
    with pytest.raises(ExchangeError, match="not a readable"):
        read_qdpx(tmp_path / "x.qdpx")
    empty = zip_entries(tmp_path / "e.qdpx", {"sources/a.txt": b"a"})
    with pytest.raises(ExchangeError, match="no project.qde"):
        read_qdpx(empty)
    with pytest.raises(ExchangeError, match="not well formed"):
        parse_xml(b"<Project", "x")


def test_external_paths_are_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    xml = QDE.replace(b'plainTextPath="internal://4F0E2A3C-1B2D-4C5E-8F90-A1B2C3D4E5F6.txt"',
                      f'plainTextPath="file://{secret}"'.encode())
    path = zip_entries(tmp_path / "ext.qdpx", {"project.qde": xml})
    project = read_qdpx(path)
    assert [s.name for s in project.sources] == []  # PDF text missing too: nothing read
    assert any("inside the archive" in p.message for p in project.problems)


def test_member_names():
    check_member_name("sources/A.txt", "x")
    check_member_name("Sources/{GUID}.txt", "x")


@given(st.text(alphabet=st.sampled_from("ab\r\n\u0065\u0301\u00e9 "), max_size=40),
       st.data())
def test_normalise_text_moves_offsets_with_the_text(text, data):
    new, mapping = normalise_text(text)
    assert "\r" not in new and len(mapping) == len(text) + 1
    assert mapping == sorted(mapping) and mapping[-1] == len(new)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    if "\r" not in text and "\u0301" not in text:
        assert new[mapping[start]:mapping[end]] == text[start:end]


def test_normalise_crlf_offsets():
    text = "ab\r\ncd\ref"
    new, mapping = normalise_text(text)
    assert new == "ab\ncd\nef"
    assert new[mapping[4]:mapping[6]] == "cd"
    assert new[mapping[7]:mapping[9]] == "ef"


def test_cli_export(tmp_path):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "a.txt").write_text(
        "Interviewer: Any reports?\nOfficial: We report every year.\n", encoding="utf-8")
    (tmp_path / "codebook.yaml").write_text(
        "codebook: T\nlanguage: en\ncodes:\n  - id: REP\n    label: Reporting\n"
        "    rules: [{keywords: [report]}]\n", encoding="utf-8")
    (tmp_path / "qualcode.yaml").write_text(
        "codebook: codebook.yaml\nsources: [sources]\ncoder: rules v1\n", encoding="utf-8")
    out = tmp_path / "t.qdpx"
    runner = CliRunner()
    result = runner.invoke(main, ["export", "qdpx", str(tmp_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 coded selections by rules v1" in result.output
    project = read_qdpx(out)
    (coding,) = project.codings
    assert "We report every year." in project.sources[0].text[coding.start:coding.end]
    again = runner.invoke(main, ["export", "qdpx", str(tmp_path), "-o", str(out)])
    assert again.exit_code == 1 and "--force" in again.output


@pytest.mark.parametrize("text, new, mapping", [
    ("e\u0301\u00e9", "\u00e9\u00e9", [0, 1, 1, 2]),      # a composed é after a decomposed one
    ("ae\u0301b", "a\u00e9b", [0, 1, 2, 2, 3]),
    ("\u1100\u1161\u11a8x", "\uac01x", [0, 1, 1, 1, 2]),  # Hangul jamo compose across cuts
])
def test_normalise_text_offsets_by_hand(text, new, mapping):
    assert normalise_text(text) == (new, mapping)
