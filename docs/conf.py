"""Sphinx configuration of the skbackprop documentation."""

import os
import re
import sys
from pathlib import Path

import skbackprop

sys.path.insert(0, str(Path(__file__).parent / "sphinxext"))

project = "skbackprop"
author = "the skbackprop developers"
copyright = "the skbackprop developers, BSD-3-Clause"
version = release = skbackprop.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # MathJax itself, served with the site: it renders the equations offline too.
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    # .. python-output::, the printed numbers of the derivation page's traces.
    "python_output",
]

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]
default_role = "literal"

# -- API pages ---------------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"inherited-members": True}
# Inherited members of scikit-learn's mixins are listed by name only; their
# docstrings refer to labels of scikit-learn's own documentation.
numpydoc_show_class_members = False
numpydoc_attributes_as_param_list = True

# -- Cross-references to other projects --------------------------------------
# The inventories are fetched over the network, which the build machines do not
# have; a failed fetch is a warning, and warnings fail the build. So the links
# to scikit-learn, numpy and scipy are made only when SKBACKPROP_DOCS_ONLINE is
# set (to anything but "" or "0"); offline, such references render as code.
_INTERSPHINX = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "scipy": ("https://docs.scipy.org/doc/scipy", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
    "matplotlib": ("https://matplotlib.org/stable", None),
}
_ONLINE = os.environ.get("SKBACKPROP_DOCS_ONLINE", "") not in ("", "0")
intersphinx_mapping = _INTERSPHINX if _ONLINE else {}
intersphinx_timeout = 10

# -- Gallery -----------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "within_subsection_order": "gallery_order.ExampleOrder",
    "doc_module": ("skbackprop",),
    "backreferences_dir": "generated/backreferences",
    "remove_config_comments": True,
    "download_all_examples": False,
    "matplotlib_animations": False,
    "show_memory": False,
    # No sg_execution_times.rst in the source tree; the build log has the times.
    "write_computation_times": False,
}

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skbackprop {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_show_sourcelink = True
# The long pages list their sections once, in the secondary sidebar ("On this
# page", on the right). The left one lists the pages below the current one,
# which these pages do not have: it would be an empty column, so they go
# without it. (The API reference and the gallery keep theirs.)
html_sidebars = {page: [] for page in ["user_guide", "ecosystem", "derivations"]}


# -- scikit-learn's docstrings, offline ---------------------------------------
# The methods the estimators inherit from scikit-learn (score, get_params,
# set_fit_request, ...) refer to labels and glossary terms of scikit-learn's own
# documentation. Without its inventory those references cannot resolve, so,
# offline only, they are turned into their plain text.
_SKLEARN_REF = re.compile(r":(?:ref|term):`(?:([^`<]*?)\s*<[^`>]*>|([^`]*))`")


def _unlink_sklearn_refs(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", None) or ""
    if _ONLINE or not module.startswith("sklearn"):
        return
    lines[:] = [
        _SKLEARN_REF.sub(lambda m: m.group(1) or m.group(2), line) for line in lines
    ]


def setup(app):
    app.connect("autodoc-process-docstring", _unlink_sklearn_refs)
