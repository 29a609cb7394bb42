"""Keeping the bokmål catalogue current with the source, with Babel's own extraction.

`python -m matcher.text.catalogue` extracts every marked text of the package and merges
it into `locale/nb.po`: new texts arrive untranslated (a test then fails until someone
translates them), texts gone from the source are dropped. The markers are the gettext
names: `gettext`, `ngettext`, `pgettext`, and `N_`, `NN_`, `NP_` where a text is defined
apart from where it is translated. The web app's Jinja2 templates are read with Jinja2's
own extractor.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from matcher.text.language import CATALOGUES, DOMAIN

PACKAGE = Path(__file__).resolve().parent.parent
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "N_": None,
    "NN_": (1, 2),
    "NP_": ((1, "c"), 2),
}


def extract() -> Catalog:
    """Every marked text in the package's source, as a catalogue template."""
    template = Catalog(domain=DOMAIN, project="likematch", charset="utf-8")
    found = extract_from_dir(
        str(PACKAGE),
        method_map=[("**.py", "python"), ("web/templates/**.html", "jinja2")],
        options_map={"web/templates/**.html": {"trimmed": "true"}},
        keywords=KEYWORDS,
        comment_tags=(),
    )
    for filename, lineno, message, _comments, context in found:
        template.add(message, locations=[(filename, lineno)], context=context)
    return template


def update(language: str = "nb") -> Path:
    """Merge the source's texts into the catalogue of `language`; returns its path."""
    path = CATALOGUES / f"{language}.po"
    with path.open("rb") as file:
        catalog = read_po(file, locale=language, domain=DOMAIN)
    catalog.update(extract(), no_fuzzy_matching=True)
    catalog.obsolete.clear()
    with path.open("wb") as file:
        write_po(file, catalog, width=100, sort_output=True, include_lineno=False)
    return path


if __name__ == "__main__":
    print(f"updated {update()}")
