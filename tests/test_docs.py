"""Every Python snippet of the documentation's pages runs, as a reader would paste it.

The README's Python blocks are run by ``test_demo.py``. Here each
``.. code-block:: python`` of ``docs/*.rst`` runs, page by page, top to bottom,
in one namespace per page: a later block may use the names of an earlier one of
its page, never those of another page.

A block that needs a module which is not among skbackprop's extras (or a
scikit-learn newer than the one installed) is preceded by a reST comment, which
the built page does not show::

    .. docs-test: needs dask_ml

    .. code-block:: python

It then runs only where that module can be imported. There is no way to skip a
block outright: a snippet that needs a cluster or the network is written so
that it runs on one machine.
"""

import importlib.util
import re
import textwrap
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(DOCS.glob("*.rst"))

DIRECTIVE = re.compile(r"^(?P<indent> *)\.\. code-block:: *python *$")
MARKER = re.compile(r"^ *\.\. docs-test: *(?P<text>.*?) *$")
NEEDS = re.compile(r"needs (?P<module>[A-Za-z_][\w.]*)")


def python_blocks(path):
    """The ``.. code-block:: python`` blocks of a page, in order.

    Each is ``(source, needs)``: the block's code, dedented and padded with
    newlines to its line in the page, so that a traceback names the page's own
    line numbers; and the module its ``docs-test: needs`` comment names, or
    None. A block may sit at any indentation (in a list, a definition, ...).
    """
    lines = path.read_text("utf-8").splitlines()
    blocks = []
    for number, line in enumerate(lines):
        match = DIRECTIVE.match(line)
        if not match:
            continue
        indent = len(match["indent"])
        end = number + 1
        # Options (":caption: ...") and the blank line before the code.
        while end < len(lines) and lines[end].strip().startswith(":"):
            end += 1
        start = end
        # The code: blank lines, and lines indented past the directive.
        while end < len(lines) and (
            not lines[end].strip() or indentation(lines[end]) > indent
        ):
            end += 1
        code = textwrap.dedent("\n".join(lines[start:end]))
        blocks.append(("\n" * start + code + "\n", block_needs(lines, number, path)))
    return blocks


def indentation(line):
    return len(line) - len(line.lstrip())


def block_needs(lines, number, path):
    """The module named by the ``docs-test`` comment just above line ``number``."""
    above = number - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    marker = MARKER.match(lines[above]) if above >= 0 else None
    if marker is None:
        return None
    needs = NEEDS.fullmatch(marker["text"])
    if needs is None:
        raise ValueError(
            f"{path.name}:{above + 1}: a docs-test comment says 'needs MODULE', "
            f"not {marker['text']!r}"
        )
    return needs["module"]


def can_import(module):
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def test_the_collector_finds_every_python_block_at_any_indentation():
    for page in PAGES:
        text = page.read_text("utf-8")
        expected = len(re.findall(r"^ *\.\. code-block:: *python *$", text, re.M))
        blocks = python_blocks(page)
        assert len(blocks) == expected, page.name
        for source, _ in blocks:
            # Every block has code, dedented to the left margin.
            code = source.lstrip("\n")
            assert code.strip(), page.name
            assert not code[0].isspace(), (page.name, code[:60])
    assert sum(len(python_blocks(page)) for page in PAGES) >= 10


def test_a_block_is_excused_only_by_a_module_it_needs_and_rarely():
    needed = [
        needs for page in PAGES for _, needs in python_blocks(page) if needs is not None
    ]
    # dask-ml (not among the extras), scikit-learn's callbacks (1.9 or newer)
    # and torch (make test installs it; the other stacks' venvs go without).
    assert sorted(needed) == ["dask_ml", "sklearn.callback", "torch", "torch"]
    # A misspelled comment is an error, not a silent skip.
    for page in PAGES:
        for number, line in enumerate(page.read_text("utf-8").splitlines()):
            if MARKER.match(line):
                assert NEEDS.fullmatch(MARKER.match(line)["text"]), (page, number + 1)


# A snippet that warns, or whose searches lose fits, is not an example to follow.
@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("error::sklearn.exceptions.FitFailedWarning")
@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_every_python_block_of_a_page_runs_top_to_bottom_in_one_namespace(
    page, tmp_path, monkeypatch
):
    # Files the snippets write (model.onnx, model.skops) go to a fresh folder.
    monkeypatch.chdir(tmp_path)
    # As a script run by `python page.py` would: `if __name__ == "__main__":` runs.
    namespace = {"__name__": "__main__"}
    for source, needs in python_blocks(page):
        if needs is not None and not can_import(needs):
            continue
        exec(compile(source, str(page), "exec"), namespace)
