"""``.. python-output::``: what the page's Python blocks print, made at build time.

The directive runs the page's ``.. code-block:: python`` blocks above it that
have not run yet, top to bottom in one namespace per page (as
``tests/test_docs.py`` runs them), and shows what they printed as a literal
block. The numbers on the page are then those of the code as built, never
copied by hand.
"""

import contextlib
import io

from docutils import nodes
from sphinx.util.docutils import SphinxDirective


class PythonOutput(SphinxDirective):
    """Show the output of the page's Python blocks above, not yet shown."""

    has_content = False

    def run(self):
        page = self.env.temp_data.setdefault(
            "python_output", {"namespace": {"__name__": "__main__"}, "ran": set()}
        )
        printed = io.StringIO()
        for block in self.state.document.findall(nodes.literal_block):
            # A literalinclude's block has the file it includes as its source.
            if (
                block.get("language") != "python"
                or "source" in block
                or id(block) in page["ran"]
            ):
                continue
            page["ran"].add(id(block))
            code = compile(block.astext(), self.env.docname, "exec")
            with contextlib.redirect_stdout(printed):
                exec(code, page["namespace"])
        text = printed.getvalue().rstrip("\n")
        output = nodes.literal_block(text, text, classes=["python-output"])
        output["language"] = "none"
        return [output]


def setup(app):
    app.add_directive("python-output", PythonOutput)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
