"""The Word report: a title page with the corpus, a table of contents, the method's three
flows (reduction, display, conclusion drawing and verification) with every table the
project has data for, the charts, the reviewers' decisions, and the codebook appendix.

Tables come from the analysis registry (``qualcode.analysis.TABLES``): a new table there
appears here under its stage without a change to this module.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt

from qualcode.analysis.labels import label
from qualcode.export.word.fast import (Piece, add_fast_table, add_field, begin_field,
                                       column_widths, end_field, usable_width_cm)
from qualcode.export.word.highlight import MatchedTerms, mark, quote_columns
from qualcode.export.word.text import say
from qualcode.model import CodedCorpus

WIDE_TABLE_COLUMNS = 6
STAGES = ("reduction", "display", "triangulation", "conclusion")
HEADING_OF = {"reduction": "reduction", "display": "display", "triangulation": "conclusion",
              "conclusion": "conclusion"}
CHART_CAPTIONS = {"code_informant": "chart_heatmap", "code_technique": "chart_techniques",
                  "cooccurrence": "chart_cooccurrence"}
A4 = (Cm(21.0), Cm(29.7))


@dataclass
class _State:
    """What the writer tracks while it goes: headings for the TOC, numbers, stage."""

    language: str
    headings: list[tuple[int, str]] = field(default_factory=list)
    tables: int = 0
    figures: int = 0
    chapter: int = 0
    section: int = 0


def _stage_of(name: str) -> str:
    from qualcode.analysis import TABLES

    spec = TABLES.get(name)
    return str(spec[0]) if spec is not None else "display"


def _is_wide(name: str, frame: pd.DataFrame) -> bool:
    from qualcode.analysis import TABLES

    spec = TABLES.get(name)
    return bool(getattr(spec, "wide", False)) or len(frame.columns) > WIDE_TABLE_COLUMNS


def _title_of(name: str, language: str) -> str:
    from qualcode.analysis import TABLES

    spec = TABLES.get(name)
    return label(getattr(spec, "title", name) if spec is not None else name, language)


def _orient(document, landscape: bool) -> None:
    """Start a new section when the orientation must change (a new page)."""
    section = document.sections[-1]
    if (section.orientation == WD_ORIENT.LANDSCAPE) == landscape:
        return
    new = document.add_section(WD_SECTION.NEW_PAGE)
    short, long_ = sorted((new.page_width, new.page_height))
    new.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    new.page_width, new.page_height = (long_, short) if landscape else (short, long_)


def _heading(document, state: _State, text: str, level: int) -> None:
    document.add_heading(text, level=level)
    state.headings.append((level, text))


def _chapter(document, state: _State, title: str) -> None:
    state.chapter += 1
    state.section = 0
    _heading(document, state, f"{state.chapter}. {title}", 1)


def _caption(document, state: _State, kind: str, text: str) -> None:
    """A numbered caption (``Table 3. …``) with a SEQ field, as Word numbers captions."""
    number = state.tables if kind == "table" else state.figures
    p = document.add_paragraph(style="Caption")
    p.add_run(f"{say(kind, state.language)} ")
    add_field(p, f"SEQ {'Table' if kind == 'table' else 'Figure'} \\* ARABIC", str(number))
    p.add_run(f". {text}")
    if kind == "table":
        p.paragraph_format.keep_with_next = True


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value)


def frame_pieces(frame: pd.DataFrame, terms: MatchedTerms | None
                 ) -> tuple[list[str], list[list[str]], list[list[list[Piece]]]]:
    """Header, plain cell text, and cell pieces with matched terms and citations marked."""
    header = [str(c) for c in frame.columns]
    texts = [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    quotes = quote_columns(header, texts) if terms else set()
    if not quotes or terms is None:
        return header, texts, [[[(v, "")] for v in row] for row in texts]
    heads = {i: terms.code_in(header[i]) for i in quotes}
    ids = {label("id", lang) for lang in ("en", "id")}
    id_col = next((i for i, h in enumerate(header) if h in ids), None)
    rows = []
    for row in texts:
        segment = row[id_col] if id_col is not None else ""
        row_code = next((c for i, v in enumerate(row) if i not in quotes
                         for c in [terms.code_in(v)] if c), "")
        cells = []
        for i, value in enumerate(row):
            if i in quotes:
                code = heads[i] or row_code
                cells.append(mark(value, terms.forms(segment, code) if code else None))
            else:
                cells.append([(value, "")])
        rows.append(cells)
    return header, texts, rows


def add_table(document, frame: pd.DataFrame, terms: MatchedTerms | None = None) -> None:
    """Append ``frame`` as a fast table fitted to the current section's text width."""
    header, texts, rows = frame_pieces(frame, terms)
    size = 8 if len(header) <= 12 else 7
    # Room to write a decision or a note by hand in the Review and Memo columns.
    writable = {label(k, lang) for k in ("review", "memo") for lang in ("en", "id")}
    minimum = {i: 1.6 for i, name in enumerate(header) if name in writable}
    widths = column_widths(header, texts, usable_width_cm(document.sections[-1]), size,
                           minimum)
    add_fast_table(document, header, rows, widths, font_size=size)


# Coding-sheet columns a reader of the printed report does not need: the citation after
# each quote already gives technique, informant, date and lines; the code column names it.
PRINT_DROPS = ("technique", "role", "date", "place", "code_id")


def printable(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The coding sheet without columns that repeat what the quote's citation says,
    and without Category/Coder when they carry no information; other tables as they are."""
    if name != "coding_sheet" or frame.empty:
        return frame
    drop = {label(k, lang) for k in PRINT_DROPS for lang in ("en", "id")}
    for key in ("category", "coder"):
        for lang in ("en", "id"):
            column = label(key, lang)
            if column in frame.columns and frame[column].nunique() <= 1:
                drop.add(column)
    code, category = (next((label(k, lang) for lang in ("en", "id")
                            if label(k, lang) in frame.columns), None)
                      for k in ("code", "category"))
    if code and category and (frame[code].str.split(" ", n=1).str[-1] == frame[category]).all():
        drop.add(category)
    return frame[[c for c in frame.columns if c not in drop]]


def _table_section(document, state: _State, name: str, frame: pd.DataFrame,
                   terms: MatchedTerms) -> None:
    frame = printable(name, frame)
    title = _title_of(name, state.language)
    state.section += 1
    state.tables += 1
    _heading(document, state, f"{state.chapter}.{state.section} {title}", 2)
    _caption(document, state, "table",
             f"{title} ({len(frame):,} {say('rows', state.language)})")
    add_table(document, frame, terms)


def _title_page(document, corpus: CodedCorpus, title: str, state: _State) -> None:
    lang = state.language
    document.add_paragraph(title or corpus.title or corpus.codebook.title, style="Title")
    document.add_paragraph(say("subtitle", lang), style="Subtitle")
    book = corpus.codebook
    by_tech = {t: sum(1 for s in corpus.sources if s.technique == t) for t in "WOD"}
    people = {s.informant for s in corpus.sources if s.technique == "W" and s.informant}
    coded = {c.segment_id for c in corpus.codings}
    leaves = [c for c in book.codes if not book.children(c.id)]
    applied = {c.code_id for c in corpus.codings}
    rows = [
        (label("codebook", lang), f"{book.title} {book.version}".strip()),
        (say("date", lang), dt.date.today().isoformat()),
        (say("sources", lang), f"{len(corpus.sources)} ("
         + ", ".join(f"{label(t, lang).lower()} {n}" for t, n in by_tech.items()) + ")"),
        (say("informants", lang), str(len(people))),
        (say("words", lang), f"{sum(s.words for s in corpus.sources):,}"),
        (say("segments", lang), f"{len(corpus.segments):,}"),
        (say("coded_segments", lang), f"{len(coded):,}"),
        (say("codings", lang), f"{len(corpus.codings):,}"),
        (say("codes_applied", lang), f"{len(applied & {c.id for c in leaves})} / {len(leaves)}"),
    ]
    if corpus.reviews:
        counts = {d: sum(1 for r in corpus.reviews if r.decision == d)
                  for d in ("accept", "reject", "recode", "pending")}
        rows.append((say("review_counts", lang), ", ".join(
            f"{say(d, lang)} {n}" for d, n in counts.items() if n)))
    document.add_heading(say("summary", lang), level=2)
    table = document.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    for row, (name, value) in zip(table.rows, rows):
        row.cells[0].width, row.cells[1].width = Cm(5.5), Cm(11.0)
        row.cells[0].paragraphs[0].add_run(name).bold = True
        row.cells[1].paragraphs[0].add_run(value)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _contents(document, state: _State):
    """The TOC field; its entries are filled in when the headings are known."""
    document.add_paragraph(say("contents", state.language), style="TOC Heading")
    start = document.add_paragraph()
    begin_field(start, 'TOC \\o "1-2" \\h \\z \\u')
    end = document.add_paragraph()
    end_field(end)
    hint = document.add_paragraph()
    hint.add_run(say("toc_hint", state.language)).italic = True
    return end


def _fill_contents(document, end, state: _State) -> None:
    for level, text in state.headings:
        p = document.add_paragraph(text)
        p.paragraph_format.left_indent = Cm(0.8 * (level - 1))
        p.paragraph_format.space_after = Pt(2)
        end._p.addprevious(p._p)


def _charts(document, state: _State, charts: Mapping[str, Path]) -> None:
    if not charts:
        return
    _orient(document, False)
    state.section += 1
    _heading(document, state, f"{state.chapter}.{state.section} {say('charts', state.language)}",
             2)
    width = Cm(min(16.0, usable_width_cm(document.sections[-1])))
    for name, path in charts.items():
        state.figures += 1
        document.add_picture(str(path), width=width)
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _caption(document, state, "figure", label(CHART_CAPTIONS.get(name, name),
                                                  state.language))


def _not_shown(document, state: _State, skipped: Sequence[tuple[str, str]]) -> None:
    for name, reason in skipped:
        p = document.add_paragraph()
        p.add_run(f"{say('not_shown', state.language)}: {_title_of(name, state.language)}"
                  f" — {reason}").italic = True


def _reviews_table(corpus: CodedCorpus) -> pd.DataFrame:
    lang = corpus.language
    rows = [(r.segment_id, r.code_id, say(r.decision, lang), r.new_code, r.reviewer,
             r.when, r.comment) for r in sorted(corpus.reviews,
                                                 key=lambda r: (r.segment_id, r.code_id))]
    keys = ("decision", "new_code", "reviewer", "when", "comment")
    return pd.DataFrame(rows, columns=[label("id", lang), label("code", lang)]
                        + [say(k, lang) for k in keys])


def codebook_frame(corpus: CodedCorpus) -> pd.DataFrame:
    """T0, the codebook appendix (the codebook stage's own table when it exists)."""
    try:
        from qualcode.codebook.table import codebook_table
    except ImportError:  # pragma: no cover - the codebook stage provides it
        lang = corpus.language
        rows = [(c.id, c.label, c.brief, c.use_when, c.not_when) for c in corpus.codebook.codes]
        return pd.DataFrame(rows, columns=[label(k, lang) for k in
                                           ("code_id", "code", "brief", "use_when",
                                            "not_when")])
    return codebook_table(corpus.codebook, corpus.language)


def _body(document, corpus: CodedCorpus, tables: Mapping[str, pd.DataFrame],
          charts: Mapping[str, Path], state: _State) -> None:
    terms = MatchedTerms(corpus)
    skipped = dict(getattr(tables, "skipped", {}) or {})
    skipped.update({n: say("no_rows", state.language) for n, f in tables.items() if f.empty})
    names = [n for n, f in tables.items() if not f.empty]
    order = {s: i for i, s in enumerate(STAGES)}
    names.sort(key=lambda n: order.get(_stage_of(n), len(STAGES)))
    chapters = []
    for stage in STAGES + tuple(sorted({_stage_of(n) for n in names} - set(STAGES))):
        heading = HEADING_OF.get(stage, stage)
        if heading not in chapters:
            chapters.append(heading)
    for heading in chapters:
        members = [n for n in names if HEADING_OF.get(_stage_of(n), _stage_of(n)) == heading]
        _orient(document, bool(members) and _is_wide(members[0], tables[members[0]]))
        _chapter(document, state, label(heading, state.language))
        document.add_paragraph(say(f"intro_{heading}", state.language))
        for name in members:
            _orient(document, _is_wide(name, tables[name]))
            _table_section(document, state, name, tables[name], terms)
        if heading == "display":
            _charts(document, state, charts)
        if heading == "conclusion" and corpus.reviews:
            frame = _reviews_table(corpus)
            _orient(document, True)
            state.section += 1
            state.tables += 1
            _heading(document, state, f"{state.chapter}.{state.section} "
                     f"{say('reviews', state.language)}", 2)
            _caption(document, state, "table", say("reviews", state.language))
            add_table(document, frame)
        _not_shown(document, state, [(n, r) for n, r in skipped.items()
                                     if HEADING_OF.get(_stage_of(n), _stage_of(n)) == heading])


def _appendix(document, corpus: CodedCorpus, state: _State) -> None:
    frame = codebook_frame(corpus)
    lang = state.language
    _orient(document, len(frame.columns) > WIDE_TABLE_COLUMNS)
    if document.sections[-1].orientation == WD_ORIENT.PORTRAIT:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    title = f"{say('appendix', lang)} A. {label('codebook', lang)}"
    _heading(document, state, title, 1)
    document.add_paragraph(say("intro_codebook", lang))
    state.tables += 1
    _caption(document, state, "table", f"{label('codebook', lang)}: {corpus.codebook.title} "
             f"{corpus.codebook.version}".strip())
    add_table(document, frame)


def _setup(document, title: str) -> None:
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)
    section = document.sections[0]
    section.page_width, section.page_height = A4
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_field(footer, "PAGE", "1")
    props = document.core_properties
    props.author = props.last_modified_by = "qualcode"
    props.created = props.modified = dt.datetime.now().replace(microsecond=0)
    props.title = title[:250]


def build_document(corpus: CodedCorpus, tables: Mapping[str, pd.DataFrame],
                   title: str = "", charts: Mapping[str, Path] | None = None):
    """The report as a python-docx ``Document`` (not yet saved)."""
    document = Document()
    title = title or corpus.title or corpus.codebook.title
    _setup(document, title)
    state = _State(corpus.language)
    _title_page(document, corpus, title, state)
    end = _contents(document, state)
    _body(document, corpus, tables, dict(charts or {}), state)
    _appendix(document, corpus, state)
    _fill_contents(document, end, state)
    return document
