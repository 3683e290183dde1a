"""Sphinx configuration. Build with ``make docs`` (warnings are errors)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import autogluon  # noqa: E402

project = "autogluon"
author = "the autogluon developers"
copyright = "2026, the autogluon developers"
release = version = autogluon.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "tools", "Thumbs.db", ".DS_Store"]

# Markdown: anchors for '#section' links inside and across pages.
myst_heading_anchors = 3

# API reference from the docstrings; the order in the source reads best.
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "none"
napoleon_google_docstring = False
napoleon_numpy_docstring = True

html_theme = "alabaster"
html_static_path = ["_static"]
html_theme_options = {
    "description": "Image classification and trial scheduling with early stopping",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "230px",
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
