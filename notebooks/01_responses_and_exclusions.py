# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. The responses and the exclusions
#
# What does a survey export look like, what does the pipeline make of it, and which
# responses does it leave out, and why?
#
# Everything here runs on the **synthetic demo data** committed under `data/raw/demo/`
# (real answers are personal data and never enter git). We start from the raw exports, not
# from `data/processed/`: `mognad.explore.load_demo` runs the same package functions as the
# workflow's jobs, so what you see is what the pipeline computes.
#
# One rule for the whole notebook: the raw exports contain **personal columns** (names,
# e-mail addresses, free-text comments). We look at their *names*, never at their values.

# %%
# A bare expression at the end of a cell is how a notebook shows a table:
# ruff: noqa: B018
import pandas as pd

from mognad.explore import excluded_responses, load_demo, reason_counts
from mognad.ingest.contracts import REASONS

pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 20)

# Point estimates do not depend on the number of bootstrap replicates; 200 keeps this fast.
demo = load_demo(bootstrap_replicates=200)
print(f"years: {demo.years}")
print(f"analysed responses: {len(demo.responses):,}, excluded: {len(demo.exclusions):,}")

# %% [markdown]
# ## 1.1 One export per year, and they do not look alike
#
# Survey tools change. The codebook (`data/codebook/demo.yaml`) says, year by year, how the
# export is written: file format, encoding, which column holds what, and how answers are
# spelled (Swedish labels in 2018-2020, numeric codes from 2021, with a different code for
# "Vet ej", don't know). Ingestion reads the export *through* the codebook.

# %%
layouts = pd.DataFrame(
    [
        {
            "year": year,
            "file": spec.file.name,
            "format": spec.format,
            "revision": spec.instrument_revision,
            "answers": spec.answers.name,
            "organisation_by": spec.organisation_match,
            "items": len(spec.items),
        }
        for year, spec in demo.codebook.years.items()
    ]
)
layouts

# %% [markdown]
# Let us open the 2018 export as ingestion reads it: every cell as text, exactly as written.
# The codebook sorts its columns into *meta* columns (submission id, time, organisation,
# role, ...), *items* (one per statement), *personal* columns and *ignored* columns.

# %%
YEAR = 2018
spec = demo.spec(YEAR)
raw = demo.raw_export(YEAR)
print(f"{raw.file}: {raw.frame.shape[0]} rows x {raw.frame.shape[1]} columns")
print("meta columns:    ", list(spec.columns.values()))
print("personal columns:", list(spec.personal.values()))
print("ignored columns: ", list(spec.ignore))
print("item columns:    ", len(spec.items), "e.g.", next(iter(spec.items)))

# %% [markdown]
# A few rows, without the personal columns and without the respondent token (a pseudonym
# that links a person's submissions; it is used to find repeated submissions and then
# dropped). Note the Swedish answer labels: a label is turned into a number only by the
# codebook.

# %%
shown = [spec.columns[c] for c in ("submission_id", "submitted_at", "organisation", "role")]
first_items = list(spec.items)[:3]
raw.frame[shown + first_items].head()

# %%
# How one item is spelled in 2018 and in 2021: labels versus codes (0 = "Vet ej").
for year in (2018, 2021):
    year_spec = demo.spec(year)
    column = next(c for c, item in year_spec.items.items() if item == "TEK1")
    counts = demo.raw_export(year).frame[column].value_counts().sort_index()
    print(f"{year}, column {column!r}:\n{counts.to_string()}\n")

# %% [markdown]
# Three things to notice. A blank cell is an item left unanswered. "Vet ej" (code 0 in 2021)
# is an answer, but not a point on the scale. And in 2018 a few labels come with odd case or
# extra spaces ("Instämmer i liten grad " and the like): the codebook compares labels
# without case and surplus whitespace, so they still map to the right point, while a label
# the codebook does not know would stop ingestion with the file, row and column.

# %% [markdown]
# ## 1.2 What ingestion makes of it
#
# After ingestion every year has the same columns: register attributes of the organisation,
# one column per canonical item (`EFF1` ... `TEK7`, 1-5, blank when not answered) and one
# `<item>_dk` flag per item for "Vet ej". The personal columns are gone: they are read only
# to flag test responses and repeated submissions, and never leave ingestion.

# %%
responses = demo.responses
items = demo.instrument.item_ids()
meta = [c for c in responses.columns if c not in items and not c.endswith("_dk")]
print("meta columns:", meta)
print(f"{len(items)} item columns:", items[:6], "...", "and as many _dk flags")

personal = {c for s in demo.codebook.years.values() for c in s.personal.values()}
leaked = personal & set(responses.columns)
print("personal columns in the analysed responses:", leaked or "none")
assert not leaked

# %%
responses[["year", "org_id", "sector", "role", "EFF1", "EFF1_dk", "TEK1", "TEK1_dk"]].head()

# %% [markdown]
# ## 1.3 Which responses were excluded, and why
#
# Three rules, applied in order; each excluded response gets the **first** reason that
# applies (see `src/mognad/ingest/clean.py`):
#
# 1. `test_response`: a configured marker matches the name, e-mail or comment (key users
#    trying the survey, e.g. "Test Testsson").
# 2. `duplicate`: the same respondent submitted more than once to the same organisation;
#    `latest_complete` keeps the latest submission that answered every item.
# 3. `too_few_answers`: fewer than `cleaning.min_answered_share` of the year's items answered
#    on the 1-5 scale ("Vet ej" does not count as an answer).
#
# Nothing is dropped silently: every excluded row is in the exclusion log with its reason.

# %%
print("reasons, in rule order:", REASONS)
print(
    "cleaning settings:", {k: v for k, v in demo.config["cleaning"].items() if k != "test_markers"}
)
counts = reason_counts(demo.exclusions)
counts

# %%
# The same counts as shares of the rows received.
received = demo.flow.set_index("year")["received"]
(counts.div(received, axis=0) * 100).round(1)

# %% [markdown]
# ### One example per reason
#
# `excluded_responses` joins the exclusion log with what each reason rests on: the number
# of items answered, the personal field whose test marker matched (the field's *name*, not
# its value) and, for a duplicate, the submission that was kept instead.

# %%
excluded = excluded_responses(demo)
examples = excluded.groupby("reason", sort=False).head(1).set_index("reason")
examples.T

# %% [markdown]
# Reading the examples:
#
# * the **test response** is complete, but its name, e-mail or comment starts with "test";
# * the **duplicate** was superseded by `kept_submission`, the same respondent's later
#   complete submission. That one is in the analysed responses:

# %%
dup = examples.loc["duplicate"]
kept_id = f"{dup['year']}-{dup['kept_submission']}"
responses.loc[
    responses["respondent_id"] == kept_id,
    ["year", "org_id", "respondent_id", "role", "submitted_at", "duration_minutes"],
]

# %% [markdown]
# * the **too-few-answers** row answered fewer items than `min_answered`; such rows are
#   mostly break-offs, which also shows in their short durations:

# %%
excluded.groupby("reason")[["n_answered", "duration_minutes"]].median()

# %% [markdown]
# ## 1.4 The flow table
#
# For every year: received = excluded for each reason + analysed. This is the table the
# report publishes as `flow`.

# %%
flow = demo.flow.set_index("year")
parts = [f"excluded_{r}" for r in REASONS]
assert (flow["received"] == flow[parts].sum(axis=1) + flow["analysed"]).all()
flow

# %% [markdown]
# ## 1.5 Who answered
#
# The analysed responses per year and organisation type; the number of participating
# organisations grows from 20 to 182.

# %%
sample = responses.groupby(["year", "org_type"]).agg(
    organisations=("org_id", "nunique"), respondents=("respondent_id", "size")
)
sample.unstack("org_type", fill_value=0)

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Which share of the excluded rows are duplicates whose kept submission was
# itself excluded later (for too few answers)? Is that possible under the rules?

# %%
# Hint: build "<year>-<kept_submission>" for the duplicates and look it up in
# excluded["year"].astype(str) + "-" + excluded["respondent_key"].

# %% [markdown]
# **Exercise 2.** Change `min_answered_share` to 0.67 and reload: how do the
# `too_few_answers` counts move? (Do not edit `config.yaml`: copy it to `/tmp` and pass
# `config_path=` to `load_demo`.)

# %%
# Hint: yaml.safe_load the project's config.yaml, change ["cleaning"]["min_answered_share"],
# yaml.safe_dump it to /tmp/config.yaml, then load_demo(config_path="/tmp/config.yaml").
