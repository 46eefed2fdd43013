"""qualcode: qualitative coding for the descriptive qualitative method.

The public API: load a project or a codebook, read and segment sources, code them,
and build the tables of the method. Names are imported on first use, so that the
command line starts fast; everything not listed in ``__all__`` is private.
"""

from __future__ import annotations

import importlib
from typing import Any

from qualcode._version import __version__

_EXPORTS = {
    "Code": "qualcode.model",
    "Codebook": "qualcode.model",
    "CodedCorpus": "qualcode.model",
    "Coding": "qualcode.model",
    "Hit": "qualcode.model",
    "Project": "qualcode.project",
    "QualcodeError": "qualcode.errors",
    "Review": "qualcode.model",
    "Rule": "qualcode.model",
    "RunResult": "qualcode.run",
    "Segment": "qualcode.model",
    "Source": "qualcode.model",
    "Term": "qualcode.model",
    "build_corpus": "qualcode.run",
    "build_tables": "qualcode.analysis",
    "code_segments": "qualcode.engine",
    "load_codebook": "qualcode.codebook",
    "load_project": "qualcode.project",
    "read_source": "qualcode.ingest",
    "run": "qualcode.run",
    "segment_source": "qualcode.segment",
    "segment_sources": "qualcode.segment",
    "validate_codebook": "qualcode.codebook",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'qualcode' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
