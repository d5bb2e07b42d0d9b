"""Sentences the code generates, in both editions from one catalogue (issue 16).

The English of every converted function is the string it returned before the
conversion (the literals below were produced by the previous code); the Chinese
comes from ``esgrisk/locale/zh_CN/prose.po`` with the same values, so the
numbers agree; a template without a translation is reported, and ``glue_i18n``
glues ``key`` and ``key__zh_CN`` (the twin tagged with its language and its
untranslated msgids).
"""

from __future__ import annotations

import ast
import re
import string
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import polib
import pytest

from esgrisk import audit, i18n, incidents, paths, preflight, status
from esgrisk import descriptive as ds
from esgrisk import evidence as ev
from esgrisk.i18n import tr
from esgrisk.prose import Text, and_join, and_list, comma_list, render, semicolon_list, text

CATALOGUES = sorted((Path(i18n.__file__).parent / "locale" / "zh_CN").glob("*.po"))
PROSE = Path(i18n.__file__).parent / "locale" / "zh_CN" / "prose.po"
# modules whose generated text the pages glue; their literal templates must all be translated
PROSE_MODULES = ["evidence", "prose", "status", "audit", "incidents", "weakiv", "descriptive", "preflight"]
NUMBER = re.compile(r"(-?\d[\d,]*(?:\.\d+)?)( ?(?:billion|million|亿|万))?")
SCALE = {"billion": 1e9, "million": 1e6, "亿": 1e8, "万": 1e4}


def fields(template: str) -> Counter:
    """The replacement fields of a format string with their conversions and specs, e.g. {pct:.0f}."""
    return Counter((name, conversion, spec) for _, name, spec, conversion in string.Formatter().parse(template)
                   if name is not None)


def numbers(sentence: str) -> Counter:
    """The numbers of a sentence as values ("746 million" and "7.46 亿" are the same number)."""
    return Counter(round(float(n.replace(",", "")) * SCALE.get(word.strip(), 1), 9)
                   for n, word in NUMBER.findall(sentence))


def _ar(intervals, bounded):
    return SimpleNamespace(intervals=intervals, bounded=bounded, empty=not intervals)


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: p.name)
def test_every_translation_keeps_the_placeholders_of_its_msgid(catalogue):
    bad = [e.msgid for e in polib.pofile(str(catalogue)) if e.msgstr and fields(e.msgstr) != fields(e.msgid)]
    assert not bad, f"{catalogue.name}: translations that change the {{placeholders}}: {bad}"


def test_the_prose_catalogue_is_complete_and_parses():
    entries = [e for e in polib.pofile(str(PROSE)) if not e.obsolete]
    assert len(entries) > 150
    assert not [e.msgid for e in entries if not e.msgstr.strip() or "fuzzy" in e.flags]
    for entry in entries:  # the translation formats with the values the English takes
        values = {name: 1 for name, _, spec in fields(entry.msgid)}
        assert tr(entry.msgid, **values).render("zh_CN") == entry.msgstr.format(**values)


def _literal_templates(path: Path) -> set[str]:
    """Templates passed as literals to tr()/text()/i18n.tr() (both branches of a conditional)."""
    def strings(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, ast.IfExp):
            yield from strings(node.body)
            yield from strings(node.orelse)

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args and (
                (isinstance(node.func, ast.Name) and node.func.id in ("tr", "text"))
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "tr")):
            found.update(strings(node.args[0]))
    return found


def test_every_literal_template_of_the_generated_text_is_translated():
    translated = {e.msgid for c in CATALOGUES for e in polib.pofile(str(c)) if e.msgstr and not e.obsolete}
    files = [paths.ROOT / "esgrisk" / f"{m}.py" for m in PROSE_MODULES]
    templates = {t: f.name for f in files for t in _literal_templates(f)}
    tables = [*ev._DESIGN_CLAUSES.values(), *ev._PARENTHESISED.values(), *ev._F_CLAUSES.values(),
              *(t for pair in ev._AR_PREDICATES.values() for t in pair), *ev.NUMBER_WORDS.values(),
              *incidents.AMOUNT_TEMPLATES.values(), audit.CONSISTENT, audit.INCONSISTENT, audit.UNEXPLAINED,
              *ds.LABELS.values(), *(level for level, _ in preflight._LEVELS), *preflight.EQUATIONS,
              "too few firms for clustered inference", "few clusters", "no residual degrees of freedom",
              "constant column", "absorbed by the effects", "instrument or regressor absorbed", "exact collinearity"]
    templates.update({t: "tables" for t in tables})
    # the firm names the pages list (the book's own data files; a reader's own names are reported)
    for data in ("data/events/incidents.csv", "data/published/public_financials.csv"):
        templates.update({firm: data for firm in pd.read_csv(paths.ROOT / data)["firm"]})
    missing = {t: where for t, where in templates.items() if t not in translated}
    assert not missing, f"templates of generated text without a translation: {missing}"


# (the old function's output, the new one's call): English byte-identical to before the conversion
ENGLISH = [
    ("In 50 % of parametric draws of the two system coefficients the feedback loop is not stable, so the data "
     "cannot say whether it damps or amplifies shocks", lambda: ev.loop_stability_sentence(0.5)),
    ("The feedback loop is stable in 99 % of parametric draws of the two system coefficients",
     lambda: ev.loop_stability_sentence(0.01)),
    ("For H1, the design's intervals under-cover, so significance would overstate the evidence; for H2, the "
     "design is underpowered, so a miss says little; for H3, the design can detect the effect.",
     lambda: ev.design_summary({"H1": ev.design_verdict(1.0, 0.83), "H2": ev.design_verdict(0.5, 0.95),
                                "H3": ev.design_verdict(0.82, 0.95)})),
    ("Against the rule-of-thumb threshold of 10: for the leave-one-out mean, the classical and cluster-robust "
     "statistics fall on different sides of it, and the cluster-robust one decides; for the inclusive mean, both "
     "statistics are above it.",
     lambda: ev.first_stage_sentence({tr("leave-one-out mean"): (12.0, 3.0), tr("inclusive mean"): (50.0, 30.0)},
                                     10)),
    ("The set for A is empty: every value is rejected, so the model itself is in doubt. The sets for B and C are "
     "the whole real line: the data cannot rule out effects of any size, the honest statement of a weak "
     "instrument.",
     lambda: ev.ar_sentence({"A": _ar([], False), "B": _ar([(-np.inf, np.inf)], False),
                             "C": _ar([(-np.inf, np.inf)], False)})),
    ("All four sets are bounded.", lambda: ev.ar_sentence({k: _ar([(-1.0, 1.0)], True) for k in "ABCD"})),
    ("negative, significant", lambda: ev.arrow_verdict(-0.5, 0.01, 25.0)),
    ("not established: weak instrument", lambda: ev.arrow_verdict(-0.5, 0.01, 2.0)),
    ("**Data of this build: the chapters read different panels:** a user's panel (not the simulation) "
     "`data/x.csv` (12 firms, 6 years, 72 firm-years; sha256 `abcdef012345`) in 04; a user's panel (not the "
     "simulation) `y.csv` (5 firms, 6 years, 30 firm-years; sha256 `bbcdef012345`) in 05.",
     lambda: status.panel_summary([
         {"panel": "data/x.csv", "panel_sha256": "abcdef0123456789", "n_firms": 12, "n_years": 6, "nobs": 72,
          "chapter": "04"},
         {"panel": "y.csv", "panel_sha256": "bbcdef0123456789", "n_firms": 5, "n_years": 6, "nobs": 30,
          "chapter": "05"}])),
    ("2 chapters; their last executions took 6.0 seconds of execution in total, of which 75 % in the slowest, b.",
     lambda: status.run_time_summary(pd.DataFrame({"chapter": ["a", "b"], "seconds": [1.5, 4.5]}))),
    ("df >= 180 (and normal)", lambda: audit.describe_df_set(list(range(180, audit.DF_GRID.stop)), True)),
    ("EUR 746 million", lambda: incidents.format_amount(746000000, "EUR")),
    ("56,904,909 accounts", lambda: incidents.format_amount(56904909, "accounts")),
    ("2 of the panel's 30 firms, drawn at random (seed 7), are shown; pooled quantities use all 60 firm-years.",
     lambda: ds.firms_shown_note(pd.DataFrame({"firm": [f"f{i}" for i in range(30) for _ in range(2)]}),
                                 ["f1", "f2"], seed=7)),
]


@pytest.mark.parametrize(("old", "make"), ENGLISH, ids=lambda v: v[:40] if isinstance(v, str) else "")
def test_english_is_unchanged_and_chinese_has_the_same_numbers(old, make):
    new = make()
    assert isinstance(new, Text) and new == old and new.render("en") == old
    chinese = render(new, "zh_CN")
    assert chinese != old and re.search(r"[\u4e00-\u9fff]", chinese), chinese
    assert numbers(chinese) == numbers(old), (old, chinese)


def test_chinese_renders_read_as_chinese():
    v = ev.design_verdict(1.0, 0.83)
    summary = ev.design_summary({"H1": v, "H2": ev.design_verdict(0.82, 0.95), "H3": v})
    assert render(summary, "zh_CN") == ("就 H1 和 H3 而言，该设计的区间覆盖不足，因此显著性会夸大证据；"
                                        "就 H2 而言，该设计能够检出这一效应。")
    assert render(incidents.format_amount(145e6, "users"), "zh_CN") == "1.45 亿用户"
    assert render(incidents.format_amount(25e6, "USD"), "zh_CN") == "2500 万美元"
    assert render(ev.loop_stability_sentence(0.01), "zh_CN").endswith("99% 的抽样中是稳定的")


def test_a_text_survives_copy_and_pickle():
    import copy
    import pickle

    verdict = ev.design_summary({"H1": ev.design_verdict(1.0, 0.83)})
    for again in (copy.deepcopy(verdict), pickle.loads(pickle.dumps(verdict))):
        assert again == verdict and render(again, "zh_CN") == render(verdict, "zh_CN")


def test_lists_join_in_each_language():
    assert and_join(["a", "b", "c"]) == "a, b and c" and render(and_list(["a", "b", "c"]), "zh_CN") == "a、b 和 c"
    assert render(comma_list(["a", "b"])) == "a, b" and render(comma_list(["a", "b"]), "zh_CN") == "a、b"
    assert render(semicolon_list(["a", "b"]), "zh_CN") == "a；b"
    assert render(and_list([tr("leave-one-out mean"), tr("inclusive mean")]), "zh_CN") == "留一均值和含本企业均值"


def test_an_untranslated_template_is_reported():
    missing = text("A sentence no catalogue holds, with {n} in it", n=3)
    with i18n.missed_msgids() as missed:
        assert missing.render("zh_CN") == "A sentence no catalogue holds, with 3 in it"
        assert render(ev.arrow_verdict(-0.5, 0.01, 25.0), "zh_CN") == "为负，显著"
    assert missed == ["A sentence no catalogue holds, with {n} in it"]
    assert "A sentence no catalogue holds, with {n} in it" in i18n.UNTRANSLATED["zh_CN"]


class _Recorder:
    def __init__(self):
        self.outputs = []

    def glue(self, name, value, display=True):
        self.outputs.append((name, getattr(value, "data", value), {}))

    def display(self, bundle, raw=False, metadata=None):
        self.outputs.append((metadata["scrapbook"]["name"], bundle, metadata))


@pytest.fixture
def recorder(monkeypatch):
    import IPython.display
    import myst_nb

    rec = _Recorder()
    monkeypatch.setattr(myst_nb, "glue", rec.glue)
    monkeypatch.setattr(IPython.display, "display", rec.display)
    return rec


def test_glue_i18n_glues_key_and_its_chinese_twin(recorder):
    i18n.glue_i18n("h1_verdict", ev.arrow_verdict(-0.5, 0.01, 25.0))
    (en_key, en, en_meta), (zh_key, zh, zh_meta) = recorder.outputs
    assert (en_key, en, en_meta) == ("h1_verdict", "negative, significant", {})
    assert zh_key == "h1_verdict__zh_CN" and zh_meta["esgrisk"] == {"language": "zh_CN"}
    assert zh["application/papermill.record/text/plain"] == repr("为负，显著")


def test_glue_i18n_names_the_untranslated_msgids_of_a_twin(recorder):
    i18n.glue_i18n("x", tr("{a}; {b}", a=tr("none"), b=tr("An untranslated clause")), kind="md")
    (_, en, _), (_, zh, meta) = recorder.outputs
    assert en == "none; An untranslated clause"
    assert zh["application/papermill.record/text/markdown"] == "无; An untranslated clause"
    assert meta["esgrisk"]["language"] == "zh_CN"
    assert sorted(meta["esgrisk"]["untranslated"]) == ["An untranslated clause", "{a}; {b}"]


def test_glue_i18n_takes_a_function_of_the_language_or_a_shared_string(recorder):
    i18n.glue_i18n("label", lambda language: "pooled" if language == "en" else "混合模型")
    i18n.glue_i18n("file", "`panel.csv`", kind="md")
    prefix = "application/papermill.record/"
    values = [(k, v if isinstance(v, str) else v.get(prefix + "text/markdown", v[prefix + "text/plain"]))
              for k, v, _ in recorder.outputs]
    assert values == [("label", "pooled"), ("label__zh_CN", repr("混合模型")),
                      ("file", "`panel.csv`"), ("file__zh_CN", "`panel.csv`")]


def test_the_code_catalogues_translate_a_shared_msgid_alike():
    i18n._code_translations.cache_clear()
    assert i18n._code_translations("zh_CN")  # raises ValueError naming a msgid translated differently in two files
