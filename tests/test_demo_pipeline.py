"""The workflow on the committed demo data: complete, reproducible, private, and in
agreement with the generator's planted truth and the published national levels."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import CONFIG, ROOT, workflow_outputs

from mognad import registry
from mognad.indices.scores import respondent_scores, with_org_intervals
from mognad.outputs import EXPLORER_TABLES
from mognad.publish.disclosure import CellRule, Thresholds, violations
from mognad.publish.profiles import profile_violations, read_profile_data
from mognad.publish.tables import RANK_GROUPS, RULES
from mognad.runner import run_workflow

PUBLISHED = {2019: 41, 2020: 47, 2021: 53, 2022: 51}  # national maturity, % (status report)
INDICATORS = (
    *("effektivitet", "innovation", "balansering", "organisation", "anvandare", "teknik"),
    *("capability", "legacy", "maturity"),
)
TRUTH = ROOT / CONFIG["synth"]["truth_dir"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    run_workflow(first, CONFIG)
    run_workflow(second, CONFIG)
    return first, second


def test_outputs_are_byte_identical_across_runs(runs):
    first, second = (workflow_outputs(w) for w in runs)
    for table in (
        "responses.parquet",
        "org_scores.parquet",
        "national_by_year.csv",
        "reliability.csv",
        "invariance.csv",
        "sensitivity_ranks.csv",
        "quadrants.csv",
        "flow.csv",
    ):
        assert any(name.endswith(table) for name in first), table
    digest = {k: hashlib.sha256(v).hexdigest() for k, v in first.items()}
    assert digest == {k: hashlib.sha256(v).hexdigest() for k, v in second.items()}


def test_flow_adds_up_and_every_exclusion_has_a_reason(runs):
    work = runs[0]
    flow = pd.read_csv(work / "results/tables/flow.csv")
    excluded = flow.filter(like="excluded_").sum(axis=1)
    assert (flow["received"] == excluded + flow["analysed"]).all()
    exclusions = pd.read_csv(work / "data/processed/exclusions.csv", dtype={"respondent_key": str})
    assert exclusions["reason"].notna().all()
    counted = exclusions.groupby(["year", "reason"]).size().unstack(fill_value=0)
    for reason in counted.columns:
        assert counted[reason].tolist() == flow[f"excluded_{reason}"].tolist()
    responses = pd.read_parquet(work / "data/processed/responses.parquet")
    assert responses.groupby("year").size().tolist() == flow["analysed"].tolist()


def test_exclusions_are_exactly_the_planted_mess(runs):
    exclusions = pd.read_csv(runs[0] / "data/processed/exclusions.csv", dtype=str)
    planted = pd.read_csv(TRUTH / "mess.csv", dtype=str)
    reason = {"test": "test_response", "superseded": "duplicate", "breakoff": "too_few_answers"}
    planted_set = set(
        zip(planted["year"], planted["submission_id"], planted["kind"].map(reason), strict=True)
    )
    found = set(
        zip(exclusions["year"], exclusions["respondent_key"], exclusions["reason"], strict=True)
    )
    assert found == planted_set


def test_no_personal_data_anywhere_in_the_outputs(runs):
    personal = {
        "Namn",
        "E-post",
        "Kommentar",
        "Name",
        "Email",
        "Comment",
        "RespondentID",
        "Respondent-ID",
    }
    raw = pd.read_csv(
        ROOT / CONFIG["source"]["raw_dir"] / "dimios_2022.csv", dtype=str, encoding="utf-8-sig"
    )
    emails = list(raw["Email"].dropna())[:50]
    for name, data in workflow_outputs(runs[0]).items():
        path = runs[0] / name
        if path.suffix == ".parquet":
            assert not personal & set(pd.read_parquet(path).columns), name
            continue
        if path.suffix == ".png":
            continue  # pictures of published figures, drawn from the scanned CSVs beside them
        if path.suffix == ".xlsx":
            sheets = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl")
            text = "\n".join(sheet.astype(str).to_csv() for sheet in sheets.values())
        elif path.suffix in (".pdf", ".html", ".svg"):
            text = _visible_text(path)
        else:
            text = data.decode("utf-8")
            if path.name != "manifest.json":  # the config it records has e-mail patterns
                assert "@" not in text, name
        assert not any(e in text for e in emails), name
        if path.suffix == ".csv":
            assert not personal & set(pd.read_csv(path).columns), name


def test_national_maturity_after_ingestion_matches_published_levels(runs, instrument):
    responses = pd.read_parquet(runs[0] / "data/processed/responses.parquet")
    scores = pd.concat(
        [responses[["year", "org_id"]], respondent_scores(responses, instrument)], axis=1
    )
    national = scores.groupby(["year", "org_id"])["maturity"].mean().groupby("year").mean()
    for year, published in PUBLISHED.items():
        assert abs(national[year] - published) < 1.5, (year, national[year])
    orgs = responses.groupby("year")["org_id"].nunique()
    assert orgs[2019] == 35 and orgs[2020] == 29 and orgs[2022] == 126
    assert 43 <= len(responses.query("year == 2022")) / orgs[2022] <= 53


def test_national_scores_match_the_calibration_targets(runs):
    national = pd.read_csv(runs[0] / "results/tables/national_by_year.csv").set_index("year")
    calibration = json.loads((TRUTH / "effects.json").read_text())["calibration"]
    for year, entry in calibration.items():
        for indicator in ("capability", "legacy", "maturity"):
            assert abs(national.loc[int(year), indicator] - entry["target"][indicator]) < 1.5
        low, high = national.loc[int(year), ["maturity_ci_low", "maturity_ci_high"]]
        assert low < national.loc[int(year), "maturity"] < high


def test_organisation_scores_track_their_planted_latent_values(runs):
    orgs = with_org_intervals(
        pd.read_parquet(runs[0] / "data/processed/org_scores.parquet"),
        pd.read_parquet(runs[0] / "data/processed/org_intervals.parquet"),
    )
    truth = pd.read_csv(TRUTH / "org_latents.csv")
    merged = orgs.merge(truth, on=["year", "org_id"], validate="one_to_one")
    assert len(merged) == len(orgs) == len(truth)
    correlation = {
        d: merged[d].corr(merged[f"expected_{d}"]) for d in ("capability", "legacy", "maturity")
    }
    print("correlation of organisation scores with planted expectations:", correlation)
    assert min(correlation.values()) > 0.9
    inside = (merged["maturity_ci_low"] <= merged["expected_maturity"]) & (
        merged["expected_maturity"] <= merged["maturity_ci_high"]
    )
    print(f"organisation intervals covering the planted expectation: {inside.mean():.3f}")
    assert inside.mean() > 0.8


def test_analysis_tables_cover_every_year(runs):
    tables = runs[0] / "data/processed/tables"  # complete: nothing suppressed
    years = CONFIG["years"]
    sector = pd.read_csv(tables / "sector_by_year.csv")
    assert sorted(sector["year"].unique()) == years
    contrasts = pd.read_csv(tables / "sector_contrasts.csv")
    assert sorted(contrasts["year"].unique()) == years
    decomposition = pd.read_csv(tables / "change_decomposition.csv")
    assert sorted(decomposition["year"].unique()) == years[1:]
    parts = decomposition[["within", "composition", "interaction"]].sum(axis=1)
    assert (parts - decomposition["cross_sectional"]).abs().max() < 1e-9
    for part in ("cross_sectional", "within", "composition", "interaction"):
        low, high = decomposition[f"{part}_ci_low"], decomposition[f"{part}_ci_high"]
        assert (low <= decomposition[part]).all() and (decomposition[part] <= high).all()
    focus = pd.read_csv(tables / "sector_focus.csv")
    assert set(focus.loc[focus["focus"], "sector"]) == set(CONFIG["analysis"]["focus_sectors"])
    assert (focus["flag_small"] == (focus["n_orgs"] < CONFIG["analysis"]["min_orgs"])).all()


def _publishing_rules() -> set[str]:
    text = (ROOT / "workflow/rules/publish.smk").read_text(encoding="utf-8")
    return set(re.findall(r"^(?:rule|checkpoint) (\w+):", text, flags=re.MULTILINE))


def test_only_the_publishing_stage_turns_internal_data_into_published_outputs(runs):
    """One gate: every job that writes under results/ reads internal data
    (data/processed/) only through files the publishing stage (publish.smk) wrote, and
    only that stage reads internal data for anything published. Read from Snakemake's
    own record of what each output was made from."""
    summary = run_workflow(runs[0], CONFIG, extra=["--detailed-summary"]).stdout
    header, *lines = [line.split("\t") for line in summary.splitlines() if "\t" in line]
    rows = [dict(zip(header, line, strict=False)) for line in lines]
    made_by = {row["output_file"]: row["rule"] for row in rows}
    publishing = _publishing_rules()
    assert {"publish_tables", "publish_models", "profile_data", "open_data"} <= publishing
    folders = {"data/processed/profiles/": "profile_data"}  # the checkpoint's folder
    published_from_internal: dict[str, set[str]] = {}
    for row in rows:
        if not row["output_file"].startswith("results/") or row["rule"] == "manifest":
            continue  # the manifest lists hashes of everything, values of nothing
        for path in filter(None, row["input-file(s)"].split(",")):
            if path.startswith("data/processed/"):
                maker = made_by.get(path) or next(
                    (rule for folder, rule in folders.items() if path.startswith(folder)), path
                )
                published_from_internal.setdefault(row["rule"], set()).add(maker)
    outside = {
        rule: sorted(makers - publishing)
        for rule, makers in published_from_internal.items()
        if rule not in publishing and makers - publishing
    }
    assert not outside, outside
    assert set(published_from_internal) - publishing <= {
        "profile",
        "municipality_profile",
        "profile_index",
    }
    writers = {row["rule"] for row in rows if row["output_file"].startswith("results/")}
    assert writers >= {
        "publish_tables",
        "publish_models",
        "figure_national_trend",
        "report",
        "profile",
        "explorer",
    }


def test_no_published_table_shows_a_small_cell(runs):
    """The disclosure scan: every published table, checked by its rule against the
    configured thresholds; and the gate did hide something the analyses computed."""
    thresholds = Thresholds.from_config(CONFIG["disclosure"])
    published = runs[0] / "results/tables"
    for name, rule in RULES.items():
        table = pd.read_csv(published / f"{name}.csv")
        assert table.columns.intersection(rule.counts()).size == len(rule.counts()), name
        found = violations(table, rule, thresholds)
        assert found.empty, (name, found.head())
        internal = runs[0] / "data/processed/tables" / f"{name}.csv"
        if internal.exists():
            rows = pd.read_csv(internal)
            if name == "sensitivity_ranks":  # published by fifths of each year's ranking
                assert len(table) == RANK_GROUPS * rows["year"].nunique(), name
            else:
                assert len(rows) == len(table), name
    for path in sorted((runs[0] / "results").glob("*/figures/*.csv")):
        data = pd.read_csv(path)
        assert "org_id" not in data.columns, path.name
        # a quadrant's share rests on its group's organisations, not on its own count
        group = "n_orgs_group" if "n_orgs_group" in data.columns else "n_orgs"
        counts = [c for c in (group, "n_orgs_prev") if c in data.columns]
        people = [c for c in ("n_respondents",) if c in data.columns]
        values = tuple(
            c
            for c in (
                "value",
                "share",
                "estimate",
                "capability",
                "legacy",
                "median",
                "p05",
                "p95",
                "ci_low",
                "ci_high",
            )
            if c in data.columns
        )
        rule = CellRule(org_counts=tuple(counts), respondent_counts=tuple(people), values=values)
        found = violations(data, rule, thresholds)
        assert found.empty, (path.name, found.head())
    year = CONFIG["report"]["year"] or max(CONFIG["years"])
    profiles = sorted((runs[0] / f"data/processed/profiles/{year}").glob("*.json"))
    assert len(profiles) == len(
        pd.read_parquet(runs[0] / "data/processed/org_scores.parquet").query("year == @year")
    )
    for path in profiles:
        assert not profile_violations(read_profile_data(path)), path.name
    sector = pd.read_csv(published / "sector_by_year.csv")
    small = sector["n_orgs"] < thresholds.min_orgs
    assert small.any() and sector.loc[small, "maturity"].isna().all()
    complete = pd.read_csv(runs[0] / "data/processed/tables/sector_by_year.csv")
    assert complete.loc[small.to_numpy(), "maturity"].notna().all()


def test_no_hidden_value_can_be_narrowed_below_the_protection_width(runs):
    """The interval audit over each year's published national, type, sector, area and
    size tables, by a reader who knows every participant's sector, area and size band:
    for the outside reader, and for every participating organisation knowing its own
    score (its profile shows it for every year it took part, in its trend), in every
    year, every hidden value and every single organisation keeps at least the protection
    width; and
    over each two consecutive years with the change tables, every value hidden for its
    own sake."""
    from mognad.publish.audit import audit_changes, audit_year

    thresholds = Thresholds.from_config(CONFIG["disclosure"])
    published = runs[0] / "results" / "tables"
    orgs_all = pd.read_parquet(runs[0] / "data/processed/org_scores.parquet")
    names = ("sample", *EXPLORER_TABLES)
    tables = {n: pd.read_csv(published / f"{n}.csv") for n in names}
    indicators = [c for c in tables["national_by_year"].columns if c in INDICATORS]
    audits = [audit_year(tables, int(y), indicators, members=orgs_all) for y in CONFIG["years"]]
    audits += [
        audit_year(
            tables,
            int(y),
            ["maturity"],
            orgs_all[orgs_all["year"] == y],
            outsider=False,
            members=orgs_all,
        )
        for y in CONFIG["years"]
    ]
    audit = pd.concat(audits)
    hidden = audit[audit["target"] == "group"]
    narrow = audit[~(audit["width"] >= thresholds.protection_width)]
    print(f"{len(hidden)} hidden values audited; smallest interval {hidden['width'].min():.1f}")
    assert len(hidden) and narrow.empty, narrow.head(10)
    # the change tables, with every organisation's value in both years as the unknowns
    names += ("year_over_year", "change_decomposition")
    tables = {n: pd.read_csv(published / f"{n}.csv") for n in names}
    members = orgs_all[["year", "org_id", "org_type", "sector", "area", "size_band"]]
    years = sorted(CONFIG["years"])
    changes = pd.concat(
        audit_changes(tables, now, before, members, indicator, thresholds)
        for before, now in pairwise(years)
        for indicator in ("maturity", "capability", "legacy")
    )
    sensitive = changes[changes["sensitive"]]
    narrow = sensitive[~(sensitive["width"] >= thresholds.protection_width)]
    print(f"{len(sensitive)} hidden change values; smallest {sensitive['width'].min():.1f}")
    assert len(sensitive) and narrow.empty, narrow.head(10)


def test_the_explorer_publishes_no_number_beyond_the_audited_tables(runs):
    """Every number in "Allas resultat" is a cell of the national, type, sector, area and
    size tables the audit above bounds (so the audit covers the page), at most rounded; a
    hidden group has no number at all, and the page's data is complete: every group, year
    and indicator of the tables."""
    from mognad.publish.disclosure import LINKED_TABLES

    published = runs[0] / "results" / "tables"
    levels = LINKED_TABLES
    for language in CONFIG["languages"]:
        html = (runs[0] / "results" / language / "explorer.html").read_text(encoding="utf-8")
        found = re.search(
            r'<script type="application/json" id="explorer-data">(.*?)</script>', html
        )
        records = pd.DataFrame(json.loads(found.group(1))["results"])
        expected = 0
        for level, (name, column) in levels.items():
            table = pd.read_csv(published / f"{name}.csv")
            table["group"] = table[column].astype(str) if column else "all"
            long = table.melt(["year", "group", "suppressed"], INDICATORS, "indicator", "published")
            page = long.merge(
                records[records["level"] == level], on=["year", "group", "indicator"], how="left"
            )
            expected += len(long)
            assert page["value"].notna().sum() == (~long["suppressed"]).sum()
            shown = page[~page["suppressed_x"]]
            assert (shown["value"] - shown["published"]).abs().max() <= 0.005 + 1e-9
            assert page.loc[page["suppressed_x"], ["value", "ci_low", "ci_high"]].isna().all().all()
        assert len(records) == expected


def test_no_published_row_describes_one_organisation(runs):
    """An attacker's scan of every published CSV (tables, figures' data, open data) and
    workbook sheet: no organisation ids or names, and no row holding an organisation's
    own score together with its own number of respondents, in the same year (the
    combination that named organisations when joined with the profile index). The quadrant
    figure's anonymous points carry no sector or size, and only types of at least min_orgs
    organisations."""
    from mognad.io import round_significant

    thresholds = Thresholds.from_config(CONFIG["disclosure"])
    orgs = pd.read_parquet(runs[0] / "data/processed/org_scores.parquet")
    scores = round_significant(orgs[list(INDICATORS)])
    sizes: dict[tuple[int, float], set[int]] = {}
    rows = zip(orgs["year"], orgs["n_respondents"], scores.to_numpy(), strict=True)
    for year, size, values in rows:
        for value in values[np.isfinite(values)]:
            sizes.setdefault((int(year), float(value)), set()).add(int(size))
    register = pd.read_csv(ROOT / CONFIG["source"]["organisations"])
    names = set(register["name"].astype(str)) | set(register["org_id"].astype(str))
    results = runs[0] / "results"
    frames = {p.relative_to(results).as_posix(): pd.read_csv(p) for p in results.rglob("*.csv")}
    year = CONFIG["report"]["year"] or max(CONFIG["years"])
    for language in CONFIG["languages"]:
        book = pd.read_excel(
            results / f"{language}/tables/tables_{year}.xlsx", sheet_name=None, engine="openpyxl"
        )
        frames |= {f"workbook:{language}:{sheet}": frame for sheet, frame in book.items()}
    for path, frame in frames.items():
        assert not {"org_id", "name"} & set(frame.columns), path
        cells = set(frame.astype(str).to_numpy().ravel())
        assert not cells & names, (path, sorted(cells & names)[:3])
        if "year" not in frame.columns:
            continue
        counts = [c for c in frame.columns if c == "n_respondents"]
        if not counts:
            continue
        values = [c for c in frame.select_dtypes("number").columns if not c.startswith("n")]
        rounded = round_significant(frame[values].astype(float))
        for i, row_year in enumerate(frame["year"].astype(int)):
            row_counts = {int(v) for v in frame.loc[i, counts] if pd.notna(v)}
            for value in rounded.iloc[i].dropna():
                assert not sizes.get((row_year, float(value)), set()) & row_counts, (path, i)
    scatter = frames[f"{CONFIG['languages'][0]}/figures/quadrant_scatter.csv"]
    assert set(scatter.columns) <= {"year", "org_type", "capability", "legacy", "quadrant"}
    assert (scatter.groupby("org_type").size() >= thresholds.min_orgs).all()


def test_snakemake_report_embeds_only_files_the_scans_cover(runs, tmp_path):
    """Snakemake's report is published too: every file it embeds is byte for byte a file
    under results/ (which the scans above read), and its own pages name no organisation."""
    archive = tmp_path / "report.zip"
    run_workflow(runs[0], CONFIG, extra=["--report", str(archive)])
    results = runs[0] / "results"
    published: dict[str, set[bytes]] = {}
    for path in results.rglob("*.*"):
        published.setdefault(path.name, set()).add(path.read_bytes())
    register = pd.read_csv(ROOT / CONFIG["source"]["organisations"])
    names = set(register["name"].astype(str))
    embedded = 0
    with zipfile.ZipFile(archive) as report:
        for member in report.infolist():
            if member.is_dir():
                continue
            data = report.read(member)
            name = Path(member.filename).name
            if "/data/raw/" in member.filename:  # where the report keeps the files it shows
                assert data in published.get(name, set()), member.filename
                embedded += 1
            elif name.endswith(".html"):
                text = data.decode("utf-8")
                assert not [n for n in names if n in text], member.filename
    assert embedded >= 40


def _visible_text(path: Path) -> str:
    """The text a reader sees in an HTML, SVG or PDF output."""
    if path.suffix == ".pdf":
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(str(path))
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    import re

    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", text, flags=re.DOTALL)
    text = re.sub(r'src="data:[^"]*"', " ", text)  # embedded images
    return re.sub(r"<[^>]+>", " ", text)


def test_both_languages_from_one_run_each_in_its_own_words(runs):
    """One run writes every readable output once per language, each in its own folder:
    the English ones without a Swedish letter, the Swedish ones in Swedish, the two
    reports and their figures apart, and every one of them in the manifest."""
    work = runs[0]
    year = CONFIG["report"]["year"] or max(CONFIG["years"])
    assert CONFIG["languages"] == ["sv", "en"]
    swedish = set("åäöÅÄÖ")

    def readable(language: str, stem: str) -> list[Path]:
        folder = work / "results" / language
        return [
            folder / f"report/{stem}.html",
            folder / f"report/{stem}.pdf",
            *sorted((folder / "figures").glob("*.svg")),
            folder / "tables/sector_by_year.md",
            folder / "tables/regression_table.md",
            *sorted((folder / f"profiles/{year}").glob("O000*.html")),
            *sorted((folder / f"profiles/{year}").glob("O000*.pdf")),
            folder / f"profiles/{year}/index.html",
        ]

    english = readable("en", f"status_report_{year}")
    swedish_files = readable("sv", f"statusrapport_{year}")
    assert len(english) == len(swedish_files) > 12
    # Proper names keep their letters in English too: the organisations', the counties'
    # and the national areas' (Småland).
    register = pd.read_csv(ROOT / CONFIG["source"]["organisations"])
    areas = yaml.safe_load((ROOT / CONFIG["labels"]).read_text(encoding="utf-8"))["areas"]
    places = {*register["name"], *register["county"], *(a["en"] for a in areas.values())}
    proper = sorted(places, key=len, reverse=True)
    for en, sv in zip(english, swedish_files, strict=True):
        text_en, text_sv = _visible_text(en), _visible_text(sv)
        if "profiles" in en.parts:
            text_en = " ".join(text_en.split())  # a long name may wrap in the PDF
            for name in proper:
                text_en = text_en.replace(name, "")
        assert len(text_en) > 100, en
        assert not swedish & set(text_en), (en, sorted(swedish & set(text_en)))
        assert text_en != text_sv, en
        if sv.suffix in (".html", ".pdf") or sv.name == "sector_by_year.md":
            assert swedish & set(text_sv), sv
    for language, sheets_swedish in (("en", False), ("sv", True)):
        book = pd.read_excel(
            work / f"results/{language}/tables/tables_{year}.xlsx",
            sheet_name=None,
            engine="openpyxl",
        )
        names = "".join(book) + "".join("".join(map(str, s.columns)) for s in book.values())
        assert bool(swedish & set(names)) is sheets_swedish, language
    manifest = json.loads((work / "results/manifest.json").read_text(encoding="utf-8"))
    listed = json.dumps(manifest)
    for path in [*english, *swedish_files]:
        assert path.relative_to(work).as_posix() in listed, path
    published = {
        p.relative_to(work).as_posix()
        for p in (work / "results").rglob("*")
        if p.is_file() and p.name not in ("manifest.json", "snakemake_report.html")
    }
    assert {p for p in published if p not in listed} == set()


def test_report_pages_are_filled_and_figures_stay_in_their_chapters(runs):
    """The demo report as printed, in both languages: no page but the title page and the
    last is more than a quarter empty, and every figure stands in its own chapter."""
    from pdfpages import blank_shares, figures_out_of_chapter

    year = CONFIG["report"]["year"] or max(CONFIG["years"])
    for language, stem in (("sv", f"statusrapport_{year}"), ("en", f"status_report_{year}")):
        folder = runs[0] / f"results/{language}/report"
        pdf = folder / f"{stem}.pdf"
        shares = blank_shares(pdf)
        assert len(shares) > 8
        emptier = {page + 1: round(s, 2) for page, s in enumerate(shares[1:-1], 1) if s > 0.25}
        assert emptier == {}, (language, emptier)
        markdown = (folder / f"{stem}.md").read_text(encoding="utf-8")
        assert figures_out_of_chapter(markdown, pdf) == [], language


def _written_by(work: Path) -> dict[str, str]:
    """Snakemake's own record of the rule that wrote each file (.snakemake/metadata:
    one JSON record per output, named by the urlsafe base64 of its path)."""
    import base64

    found = {}
    for record in (work / ".snakemake" / "metadata").rglob("*"):
        if record.is_file():
            parts = record.relative_to(work / ".snakemake" / "metadata").parts
            encoded = "".join(p.removeprefix("@") for p in parts)
            path = base64.urlsafe_b64decode(encoded).decode()
            found[path] = json.loads(record.read_text(encoding="utf-8"))["rule"]
    return found


def _rule_code(rule: str) -> str:
    """The code a rule runs: its script, or the workflow helper its ``run`` calls, and
    for a figure the figure's own module."""
    if rule.startswith("figure_"):
        name = rule.removeprefix("figure_")
        module = registry.by_name(name, "figure").module.split(".")[-1]
        paths = [
            ROOT / "workflow/scripts/figure.py",
            ROOT / f"src/mognad/publish/figures/{module}.py",
        ]
        return "".join(p.read_text(encoding="utf-8") for p in paths)
    for path in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        text = path.read_text(encoding="utf-8")
        for block in re.split(r"^(?=(?:rule|checkpoint) )", text, flags=re.MULTILINE):
            if re.match(rf"(?:rule|checkpoint) {rule}:", block):
                script = re.search(r'"\.\./scripts/(\w+\.py)"', block)
                if script:
                    return (ROOT / "workflow/scripts" / script.group(1)).read_text("utf-8")
                return (ROOT / "workflow/rules/common.smk").read_text(encoding="utf-8")
    raise AssertionError(f"no rule {rule}")


def test_every_published_file_has_one_registry_entry_and_one_writer(runs):
    """Walk results/: each file belongs to exactly one registered output, was written by
    that output's rule (Snakemake's record), and that rule's code calls the registered
    function. Every output but Snakemake's own report (bash dev.sh report) was made."""
    work = runs[0]
    written_by = _written_by(work)
    files = sorted(
        p.relative_to(work).as_posix() for p in (work / "results").rglob("*") if p.is_file()
    )
    assert len(files) > 400
    made = set()
    for path in files:
        owners = registry.owners(path)
        assert len(owners) == 1, (path, [o.key for o in owners])
        output = owners[0]
        assert written_by.get(path) == output.rule, path
        made.add(output.key)
    assert made == {o.key for o in registry.OUTPUTS} - {"record:snakemake_report"}
    for output in registry.OUTPUTS:
        if output.key in made:
            assert re.search(rf"\b{output.function}\(", _rule_code(output.rule)), output.key
