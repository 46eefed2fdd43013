"""Codebook exchange: REFI-QDA .qdc, CSV, XLSX, Word, the T0 table, show and scaffold."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from qualcode.cli import main
from qualcode.codebook import load_codebook
from qualcode.codebook.exchange import export_codebook, import_codebook
from qualcode.codebook.qdc import description_text, parse_description
from qualcode.codebook.table import codebook_table
from qualcode.errors import ExchangeError, OutputError
from qualcode.model import Code

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "codebooks"
DEMO = ROOT / "codebooks" / "edwards-iii-id.yaml"
MACQUEEN = ("label", "brief", "full", "use_when", "not_when", "examples")


def _same_codes(a, b) -> None:
    assert [c.id for c in a.codes] == [c.id for c in b.codes]
    for x, y in zip(a.codes, b.codes):
        assert (x.parent, x.depth, x.source, x.color) == (y.parent, y.depth, y.source, y.color)
        assert [getattr(x, f) for f in MACQUEEN] == [getattr(y, f) for f in MACQUEEN]
        assert [r.terms() + r.none for r in x.rules] == [r.terms() + r.none for r in y.rules]


@pytest.mark.parametrize("fmt", ["qdc", "csv", "xlsx"])
def test_round_trip_keeps_ids_hierarchy_macqueen_and_rules(tmp_path, fmt):
    source = load_codebook(DEMO)
    out = export_codebook(DEMO, fmt, tmp_path / f"cb.{fmt}")
    result = import_codebook(out, tmp_path / "back.yaml", language="id")
    assert result.warnings == ()
    _same_codes(source, load_codebook(tmp_path / "back.yaml"))


def test_qdc_is_valid_against_the_schema(tmp_path, refi_dir):
    out = export_codebook(ROOT / "codebooks" / "interview-starter-en.yaml", "qdc",
                          tmp_path / "cb.qdc")
    schema = etree.XMLSchema(etree.parse(str(refi_dir / "Codebook-mrt2019.xsd")))
    schema.assertValid(etree.parse(str(out)))
    root = etree.parse(str(out)).getroot()
    ns = {"q": "urn:QDA-XML:codebook:1.0"}
    top = root.findall("q:Codes/q:Code", ns)
    assert [c.get("name") for c in top][:2] == ["Background", "Experiences"]
    assert [c.get("isCodable") for c in top][:2] == ["true", "false"]  # a parent: not codable
    assert [c.get("name") for c in top[1].findall("q:Code", ns)] == [
        "Problems and barriers", "Facilitators"]


def test_qdc_export_is_deterministic(tmp_path):
    a = export_codebook(DEMO, "qdc", tmp_path / "a.qdc").read_bytes()
    b = export_codebook(DEMO, "qdc", tmp_path / "b.qdc").read_bytes()
    assert a == b


def test_foreign_qdc_imports_with_accents_and_non_latin_names(tmp_path):
    result = import_codebook(DATA / "foreign.qdc", tmp_path / "f.yaml", title="Foreign")
    book = result.codebook
    assert [(c.id, c.label, c.parent) for c in book.codes] == [
        ("EDUCACION", "Educación", None),
        ("NINEZ-Y-APRENDIZAJE", "Niñez y aprendizaje", "EDUCACION"),
        ("CODE", "協力", None),
        ("CODE-2", "Сотрудничество", None),
    ]
    assert book.code("EDUCACION").brief == "Todo lo relativo a la escuela."
    assert book.code("EDUCACION").color == "#AA00BB"
    child = book.code("NINEZ-Y-APRENDIZAJE")
    assert child.brief == "Experiences of learning in childhood."
    assert child.full.endswith("Second line of a longer note.")
    assert all(not c.rules for c in book.codes)
    text = (tmp_path / "f.yaml").read_text(encoding="utf-8")
    assert "協力" in text and "Сотрудничество" in text and text.startswith("# Imported")


def test_qdpx_project_codebook_imports(tmp_path):
    qde = (DATA / "foreign.qdc").read_text(encoding="utf-8").replace(
        "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"", "<Project xmlns=\"urn:QDA-XML:project:1.0\""
        " name=\"p\"><CodeBook").replace("</CodeBook>", "</CodeBook></Project>")
    qde = qde.replace("urn:QDA-XML:codebook:1.0", "urn:QDA-XML:project:1.0")
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
    result = import_codebook(path, tmp_path / "p.yaml")
    assert len(result.codebook.codes) == 4


@pytest.mark.parametrize("payload", [
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="&e;" '
    'isCodable="true"/></Codes></CodeBook>',
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
    '<CodeBook/>',
])
def test_qdc_with_dtd_or_entities_is_refused(tmp_path, payload):
    path = tmp_path / "evil.qdc"
    path.write_text(payload, encoding="utf-8")
    with pytest.raises(ExchangeError, match="DTD or entities"):
        import_codebook(path, tmp_path / "x.yaml")
    assert not (tmp_path / "x.yaml").exists()


def test_spreadsheet_with_loose_headers_and_t0_hierarchy(tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_text("Dimensi;Indikator;Kode;Definisi;Contoh\n"
                    "Komunikasi;Transmisi;Sosialisasi;Penyampaian;a | b\n"
                    "Komunikasi;Transmisi;Surat edaran;Lewat surat;\n"
                    "Sumber daya;;Anggaran;Dana;\n", encoding="utf-8")
    book = import_codebook(path, tmp_path / "s.yaml", language="id").codebook
    assert [(c.id, c.parent) for c in book.codes] == [
        ("KOMUNIKASI", None), ("TRANSMISI", "KOMUNIKASI"), ("SOSIALISASI", "TRANSMISI"),
        ("SURAT-EDARAN", "TRANSMISI"), ("SUMBER-DAYA", None), ("ANGGARAN", "SUMBER-DAYA")]
    assert book.code("SOSIALISASI").examples == ("a", "b")
    assert book.code("SOSIALISASI").brief == "Penyampaian"


def test_bad_rules_cell_is_a_located_warning(tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_text("id,label,rules\nA,Alpha,not a rule list\nB,Beta,\"[{keywords: [b]}]\"\n",
                    encoding="utf-8")
    result = import_codebook(path, tmp_path / "s.yaml")
    assert str(result.warnings[0]) == (
        f"warning: {path}:2: rules: rules cell is not a YAML/JSON list of rules; left out "
        "(write e.g. [{keywords: [lapor, monev]}])")
    assert result.codebook.code("B").rules[0].keywords[0].text == "b"


def test_outputs_are_never_overwritten_without_force(tmp_path):
    out = tmp_path / "cb.csv"
    out.write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError):
        export_codebook(DEMO, "csv", out)
    assert out.read_text(encoding="utf-8") == "mine"
    export_codebook(DEMO, "csv", out, force=True)
    assert out.read_text(encoding="utf-8-sig").startswith("id,parent,label")


def test_codebook_table_t0_in_indonesian():
    table = codebook_table(load_codebook(DEMO), "id")
    assert list(table.columns) == ["Dimensi", "Indikator", "Kode", "Definisi singkat",
                                   "Digunakan bila", "Tidak digunakan bila", "Contoh", "Aturan"]
    assert len(table) == 12  # the twelve indicators; the four dimensions are parents only
    first = table.iloc[0]
    assert (first["Dimensi"], first["Indikator"], first["Kode"]) == (
        "Komunikasi", "Transmisi", "KOM-TRANS Transmisi")
    assert first["Aturan"] == ('any of: sosialisasi, bimtek, "bimbingan teknis", '
                               '"surat edaran", "rapat koordinasi", rakor\n'
                               'near (≤6 words): informasi, sampai')


def test_docx_appendix(tmp_path):
    import docx

    out = export_codebook(DEMO, "docx", tmp_path / "cb.docx")
    document = docx.Document(str(out))
    section = document.sections[0]
    assert section.page_width > section.page_height
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["Dimensi", "Indikator", "Kode"]
    assert "tblHeader" in table.rows[0]._tr.xml
    assert len(table.rows) == 13
    assert table.rows[1].cells[2].text == "KOM-TRANS Transmisi"


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40).map(str.strip)
_LINES = st.lists(_TEXT, max_size=3).map("\n".join).map(str.strip)


@settings(max_examples=150, deadline=None)
@given(brief=_LINES, full=_LINES, use=_TEXT, notw=_LINES,
       examples=st.lists(_LINES.filter(bool), max_size=3), source=_TEXT)
def test_description_round_trips(brief, full, use, notw, examples, source):
    code = Code(id="X-1", label="x", brief=brief, full=full, use_when=use, not_when=notw,
                examples=tuple(examples), source=source)
    back = parse_description(description_text(code))
    assert (back.get("brief", ""), back.get("full", ""), back.get("use_when", ""),
            back.get("not_when", ""), tuple(back["examples"]), back.get("source", "")) == (
        brief, full, use, notw, tuple(examples), source)
    assert back["id"] == "X-1"


def test_cli_show_export_import_new(tmp_path):
    runner = CliRunner()
    shown = runner.invoke(main, ["codebook", "show", str(DEMO)])
    assert shown.exit_code == 0
    assert "  KOM-TRANS  Transmisi  [theory]" in shown.output
    assert "rule 1: any of: sosialisasi" in shown.output
    out = tmp_path / "cb.qdc"
    done = runner.invoke(main, ["codebook", "export", str(DEMO), "--to", "qdc", "-o", str(out)])
    assert done.exit_code == 0 and out.is_file()
    again = runner.invoke(main, ["codebook", "export", str(DEMO), "--to", "qdc", "-o", str(out)])
    assert again.exit_code == 1 and again.output.startswith(f"error: {out}: the file exists")
    back = runner.invoke(main, ["codebook", "import", str(out), "-o", str(tmp_path / "b.yaml"),
                                "--language", "id"])
    assert back.exit_code == 0 and "(16 codes)" in back.output
    guide = tmp_path / "guide.csv"
    guide.write_text("No,Focus,Dimension,Indicator,Question,Target informant,Technique,Code\n"
                     "1,F,Komunikasi,Transmisi,Bagaimana sosialisasi dilaksanakan?,Biro,W,T\n",
                     encoding="utf-8")
    new = runner.invoke(main, ["codebook", "new", str(guide), "-o", str(tmp_path / "n.yaml"),
                               "--structural"])
    assert new.exit_code == 0, new.output
    book = load_codebook(tmp_path / "n.yaml")
    assert [(c.id, c.parent) for c in book.codes] == [
        ("KOMUNIKASI", None), ("T", "KOMUNIKASI"), ("T-Q1", "T")]
    assert [str(t) for t in book.code("T-Q1").rules[0].question] == [
        "dilaksanakan", "sosialisasi"]
    broken = runner.invoke(main, ["codebook", "show", str(DATA / "cycle-a.yaml")])
    assert broken.exit_code == 1 and "extends cycle" in broken.output
    assert "Traceback" not in broken.output
