"""The one writer of text tables (Markdown pipe tables and LaTeX booktabs tabulars).

Cells arrive already formatted as text, so every table, published or in the report,
is laid out by the same code and differs only in its words and numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

_LATEX_SPECIALS = str.maketrans(
    {c: f"\\{c}" for c in "&%$#_{}"} | {"~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
)


def markdown_table(rows: Sequence[Sequence[str]], headers: Sequence[str], align: str) -> str:
    """A pipe table (no final newline); ``align`` has one ``l`` or ``r`` per column.

    A column's dashes are as many as its longest cell or the longest word of its header
    (headers wrap between words), so pandoc gives wide tables relative widths that fit
    the page.
    """
    cells = [[str(c).replace("|", "\\|") for c in row] for row in rows]
    widths = [
        max([len(w) for w in str(h).split()] + [len(r[i]) for r in cells] + [3]) + 2
        for i, h in enumerate(headers)
    ]
    rule = [
        ("-" * w) + ":" if a == "r" else ":" + "-" * w for w, a in zip(widths, align, strict=True)
    ]
    lines = ["| " + " | ".join(map(str, headers)) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in cells]
    return "\n".join(lines)


def latex_escape(text: str) -> str:
    """``text`` with LaTeX's special characters escaped."""
    return str(text).translate(_LATEX_SPECIALS)


def latex_table(rows: Sequence[Sequence[str]], headers: Sequence[str], align: str) -> str:
    """A booktabs tabular (needs ``\\usepackage{booktabs}``); cells are escaped here."""
    lines = [f"\\begin{{tabular}}{{{align}}}", "\\toprule"]
    lines.append(" & ".join(latex_escape(h) for h in headers) + r" \\")
    lines.append("\\midrule")
    lines += [" & ".join(latex_escape(c) for c in row) + r" \\" for row in rows]
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines)
