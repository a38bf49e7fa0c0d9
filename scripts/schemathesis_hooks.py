"""Schemathesis hooks for `scripts/schemathesis.sh` (loaded through SCHEMATHESIS_HOOKS).

CPython 3.11 before 3.11.8 can raise `SystemError: AST constructor recursion depth mismatch`
(CPython gh-106905) from `ast.parse` when it runs deep inside a recursive call, and Hypothesis
parses source to describe a lambda in a strategy's repr while drawing deeply nested bodies. The
run then reports a Hypothesis "flaky" runtime error that says nothing about the API. A lambda's
description is only cosmetic, so it falls back to a plain one when the parser fails that way.

Hypothesis is pinned with schemathesis in scripts/schemathesis.sh; should a later version move
the private function, the hook does nothing rather than break the run.
"""

try:
    from hypothesis.internal import lambda_sources
except ImportError:  # pragma: no cover - another Hypothesis layout
    lambda_sources = None

_describe = getattr(lambda_sources, "_lambda_description", None)

if _describe is not None:

    def _lambda_description(f, *args, **kwargs):
        try:
            return _describe(f, *args, **kwargs)
        except SystemError:
            return "lambda: <unknown>"

    lambda_sources._lambda_description = _lambda_description
