"""The coding engine: codebook rules → spaCy matchers → codings, explainable and fast.

``code_segments`` is the entry point; ``explain_segment`` says why a segment got (or
nearly got) each code. See docs/engine.md for how matching works.
"""

from __future__ import annotations

from qualcode.engine.code import Workers, code_segments, compile_for
from qualcode.engine.explain import Explanation, explain, explain_segment
from qualcode.engine.rules import CompiledCodebook, Condition, compile_codebook

__all__ = ["CompiledCodebook", "Condition", "Explanation", "Workers", "code_segments",
           "compile_codebook", "compile_for", "explain", "explain_segment"]
