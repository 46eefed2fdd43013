"""A coded project → REFI-QDA project exchange file (``.qdpx``).

The archive holds ``project.qde`` (QDA-XML, valid against Project-mrt2019.xsd) and one
UTF-8 text per source in ``sources/<GUID>.txt``. Users are the coders: the rules as one
user, each reviewer and each other coder as another, so that rules versus person is just
another pair of coders in any QDA program. Dimensions (codes with children) are
non-codable parent codes. Informants are Cases with their role and agency; technique,
date and case are variables of each source. Every coding is a ``PlainTextSelection``
over its segment, named ``line:N`` (0-based line), with one ``Coding`` per code.
GUIDs derive from names, so exporting the same project twice gives the same file.
"""

from __future__ import annotations

import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from qualcode._version import __version__
from qualcode.exchange.refi_codes import code_description, code_guid, make_guid
from qualcode.export.files import atomic_path, refuse_existing
from qualcode.model import CodedCorpus, Coding, Source

NS = "urn:QDA-XML:project:1.0"
RULES_CODER = "rules"
SOURCE_VARIABLES = ("technique", "date", "case")
CASE_VARIABLES = ("role", "agency")
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def _el(parent: etree._Element | None, tag: str, **attrs: str) -> etree._Element:
    name = f"{{{NS}}}{tag}"
    clean = {k: v for k, v in attrs.items() if v not in (None, "")}
    if parent is None:
        return etree.Element(name, clean, nsmap={None: NS})
    return etree.SubElement(parent, name, clean)


@dataclass(frozen=True)
class CoderCodings:
    """One REFI user and the codings that user made."""

    name: str
    guid: str
    codings: tuple[Coding, ...]


def coders_of(corpus: CodedCorpus, rules_name: str = "qualcode rules") -> list[CoderCodings]:
    """The rules, every other coder, and every reviewer, each with their codings.

    A reviewer's codings are the rule codings they accepted and the ones they recoded
    (under the new code); rejected and unreviewed codings are not theirs.
    """
    by_coder: dict[str, list[Coding]] = defaultdict(list)
    for coding in corpus.all_codings or corpus.codings:
        by_coder[coding.coder].append(coding)
    out = []
    for coder, codings in by_coder.items():
        name = rules_name if coder == RULES_CODER else coder
        out.append(CoderCodings(name, make_guid("user", name), tuple(codings)))
    reviewed: dict[str, list[Coding]] = defaultdict(list)
    for review in corpus.reviews:
        if review.decision == "accept":
            code = review.code_id
        elif review.decision == "recode" and review.new_code:
            code = review.new_code
        else:
            continue
        who = review.reviewer or "reviewer"
        reviewed[who].append(Coding(review.segment_id, code, "review", coder=who))
    for who, codings in reviewed.items():
        if who not in by_coder:
            out.append(CoderCodings(who, make_guid("user", who), tuple(codings)))
    return out


def _codebook(root: etree._Element, corpus: CodedCorpus) -> dict[str, str]:
    book = corpus.codebook
    guids = {c.id: code_guid(c.id) for c in book.codes}
    codes_el = _el(_el(root, "CodeBook"), "Codes")
    elements: dict[str | None, etree._Element] = {None: codes_el}
    for code in book.codes:  # tree order: parents come before children
        parent = elements.get(code.parent, codes_el)
        codable = "false" if book.children(code.id) else "true"
        el = _el(parent, "Code", guid=guids[code.id], name=code.label or code.id,
                 isCodable=codable, color=code.color)
        description = code_description(code)
        if description:
            _el(el, "Description").text = description
        elements[code.id] = el
    return guids


def _variables(root: etree._Element, corpus: CodedCorpus) -> dict[str, str]:
    names: list[str] = list(CASE_VARIABLES + SOURCE_VARIABLES)
    for source in corpus.sources:
        names.extend(k for k in source.attributes if k not in names)
    guids = {n: make_guid("variable", n) for n in names}
    variables = _el(root, "Variables")
    for name in names:
        _el(variables, "Variable", guid=guids[name], name=name, typeOfVariable="Text")
    return guids


def _value(parent: etree._Element, guid: str, text: str) -> None:
    value = _el(parent, "VariableValue")
    _el(value, "VariableRef", targetGUID=guid)
    _el(value, "TextValue").text = text


def _cases(root: etree._Element, corpus: CodedCorpus, variables: dict[str, str],
           source_guids: dict[str, str]) -> None:
    people: dict[str, list[Source]] = defaultdict(list)
    for source in corpus.sources:
        people[source.informant or source.id].append(source)
    cases = _el(root, "Cases")
    for name, sources in people.items():
        case = _el(cases, "Case", guid=make_guid("case", corpus.title, name), name=name)
        for key in CASE_VARIABLES:
            value = next((getattr(s, key) for s in sources if getattr(s, key)), "")
            if value:
                _value(case, variables[key], value)
        for source in sources:
            _el(case, "SourceRef", targetGUID=source_guids[source.id])


def _sources(root: etree._Element, corpus: CodedCorpus, coders: list[CoderCodings],
             code_guids: dict[str, str], variables: dict[str, str],
             source_guids: dict[str, str]) -> None:
    # selections[source id][(coder guid, segment id)] → codings of that coder there
    selections: dict[str, dict[tuple[str, str], list[Coding]]] = defaultdict(
        lambda: defaultdict(list))
    for coder in coders:
        for coding in coder.codings:
            sid = corpus.segment(coding.segment_id).source_id
            selections[sid][(coder.guid, coding.segment_id)].append(coding)
    sources_el = _el(root, "Sources")
    for source in corpus.sources:
        guid = source_guids[source.id]
        el = _el(sources_el, "TextSource", guid=guid, name=source.id,
                 plainTextPath=f"internal://{guid}.txt")
        for (user, segment_id), codings in selections.get(source.id, {}).items():
            segment = corpus.segment(segment_id)
            sel = _el(el, "PlainTextSelection",
                      guid=make_guid("selection", guid, user, segment_id),
                      name=f"line:{segment.line_start - 1}", startPosition=str(segment.start),
                      endPosition=str(segment.end), creatingUser=user)
            for coding in codings:
                c = _el(sel, "Coding", guid=make_guid("coding", guid, user, segment_id,
                                                      coding.code_id), creatingUser=user)
                _el(c, "CodeRef", targetGUID=code_guids[coding.code_id])
        values = {"technique": source.technique, "date": source.date, "case": source.case,
                  **dict(source.attributes)}
        for key, value in values.items():
            if value and key in variables:
                _value(el, variables[key], str(value))


def project_xml(corpus: CodedCorpus, *, rules_name: str = "qualcode rules",
                description: str = "") -> tuple[bytes, dict[str, str]]:
    """``project.qde`` for a coded corpus, and the GUID of each source id."""
    coders = coders_of(corpus, rules_name)
    root = _el(None, "Project", name=corpus.title or corpus.codebook.title,
               origin=f"qualcode {__version__}",
               creatingUserGUID=coders[0].guid if coders else "")
    users = _el(root, "Users")
    for coder in coders or [CoderCodings(rules_name, make_guid("user", rules_name), ())]:
        _el(users, "User", guid=coder.guid, name=coder.name)
    code_guids = _codebook(root, corpus)
    variables = _variables(root, corpus)
    source_guids = {s.id: make_guid("source", corpus.title, s.id) for s in corpus.sources}
    _cases(root, corpus, variables, source_guids)
    _sources(root, corpus, coders, code_guids, variables, source_guids)
    if description:
        _el(root, "Description").text = description
    data = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return data, source_guids


@dataclass(frozen=True)
class QdpxSummary:
    """What an export wrote."""

    path: Path
    users: tuple[str, ...]
    codes: int
    sources: int
    selections: int


def write_qdpx(corpus: CodedCorpus, path: Path, *, rules_name: str = "qualcode rules",
               description: str = "", force: bool = False) -> QdpxSummary:
    """Write the corpus as a ``.qdpx`` archive (atomically; refuses to overwrite)."""
    path = Path(path)
    refuse_existing(path, force)
    data, source_guids = project_xml(corpus, rules_name=rules_name, description=description)
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(zipfile.ZipInfo("project.qde", _ZIP_TIME), data,
                             zipfile.ZIP_DEFLATED)
            for source in corpus.sources:
                name = f"sources/{source_guids[source.id]}.txt"
                archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME),
                                 source.text.encode("utf-8"), zipfile.ZIP_DEFLATED)
    coders = coders_of(corpus, rules_name)
    selections = data.count(b"<PlainTextSelection ")
    return QdpxSummary(path, tuple(c.name for c in coders), len(corpus.codebook.codes),
                       len(corpus.sources), selections)


def export_project(project_dir: str | Path, output: str | Path, *,
                   force: bool = False) -> QdpxSummary:
    """Code a project (as ``qualcode run`` does) and write it as ``.qdpx``."""
    from qualcode.errors import Report
    from qualcode.project import load_project
    from qualcode.run import build_corpus

    project = load_project(project_dir)
    corpus = build_corpus(project, Report())
    return write_qdpx(corpus, Path(output), rules_name=project.coder,
                      description=project.description, force=force)
