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
# # 2. From items to indices
#
# A respondent answers 36 or 37 statements on a five-point agreement scale. The report
# speaks of six category scores, two dimensions (capability and legacy) and one maturity
# index, all in per cent. This notebook follows that path and asks whether it is
# justified:
#
# * how items are answered, including "Vet ej" (don't know);
# * why "Vet ej" is scored as **missing** and not as the midpoint of the scale;
# * whether the items of a category hang together (Cronbach's alpha, McDonald's omega);
# * whether the claimed structure (six categories under two dimensions) fits the data (a
#   confirmatory factor analysis).
#
# It runs on the synthetic demo data, from the raw exports (see notebook 1).

# %%
from dataclasses import replace

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from mognad.explore import load_demo, with_method
from mognad.indices.factor import cfa_fit_table
from mognad.indices.reliability import aggregation_table, item_rates, item_table, reliability_table
from mognad.indices.scores import keyed_answers, respondent_scores, to_percent

pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 20)

demo = load_demo(bootstrap_replicates=200)
instrument, responses = demo.instrument, demo.responses
print(f"{len(responses):,} responses, {len(demo.years)} years")

# %% [markdown]
# ## 2.1 The instrument
#
# Each item belongs to one category, each category to one dimension. Some statements are
# worded negatively ("Föråldrade system begränsar vad vi kan göra", old systems limit what
# we can do): they are **reverse-keyed**, and agreeing with them means *less* maturity.
# The instrument was revised in 2021 (revision 2): ORG6 was dropped, INN7 and TEK7 added,
# and EFF3 and ANV2 were reworded.

# %%
items = pd.DataFrame(
    [
        {
            "item": i.id,
            "category": i.category,
            "dimension": i.dimension,
            "reverse": i.reverse,
            "revisions": i.revisions,
            "statement": i.en,
        }
        for i in instrument.items
    ]
)
items[items["reverse"] | (items["revisions"] != (1, 2))]

# %%
items.groupby(["dimension", "category"], sort=False).size().rename("items")

# %% [markdown]
# ## 2.2 How items are answered
#
# The distribution of answers per item in 2025, as shares of the respondents asked the
# item: the five scale points, "Vet ej" and blank (left unanswered). The "Vet ej" and blank
# rates come from `mognad.indices.reliability.item_rates`, the same function behind the published
# `item_quality` table.

# %%
YEAR = 2025
year_rows = responses[responses["year"] == YEAR]
revision = int(year_rows["instrument_revision"].iloc[0])
asked = instrument.item_ids(revision)
points = {p: year_rows[asked].eq(p).sum() / len(year_rows) for p in range(1, 6)}
rates = item_rates(year_rows, instrument).set_index("item").loc[asked]
answers = (
    pd.DataFrame(points)
    .assign(vet_ej=rates["dont_know_rate"], blank=rates["missing_rate"])
    .astype("float64")
)
assert (answers.sum(axis=1) - 1).abs().max() < 1e-9  # every respondent asked is counted once
(answers * 100).round(1).head(8)

# %%
fig, ax = plt.subplots(figsize=(6, 9))
sns.heatmap(answers * 100, cmap="Blues", annot=False, cbar_kws={"label": "% of respondents"})
ax.set_title(f"Answers per item, {YEAR}")
ax.set_xlabel("answer")
fig.tight_layout()

# %% [markdown]
# "Vet ej" is not spread evenly. It is about twice as common in the *teknik* (technology)
# category, and there mainly among respondents outside IT, who often cannot judge the IT
# environment:

# %%
by_role = {}
for role, rows in responses.groupby("role"):
    role_rates = item_rates(rows, instrument)
    role_rates = role_rates[role_rates["n_asked"] > 0]
    category = role_rates["item"].map(lambda i: instrument.item(i).category)
    by_role[role] = role_rates.groupby(category)["dont_know_rate"].mean()
(pd.DataFrame(by_role) * 100).round(1).rename_axis("category")

# %% [markdown]
# ## 2.3 Why "Vet ej" is missing, not the midpoint
#
# "Vet ej" says *I cannot judge this*, not *I partly agree*. Scoring it as 3, the midpoint
# (50 %), would put an opinion into the data that nobody gave. How much it matters is
# easy to show, because the method is a declared object: `Method(dont_know="midpoint")`
# exists only so that the sensitivity analysis can show this. We rescore every year under
# it (same responses, same everything else) and compare.

# %%
midpoint = with_method(demo, replace(demo.method, dont_know="midpoint"), bootstrap_replicates=20)
columns = ["teknik", "legacy", "maturity"]
national = pd.concat(
    {
        "missing (method)": demo.national.set_index("year")[columns],
        "midpoint": midpoint.national.set_index("year")[columns],
    },
    axis=1,
)
national[("difference", "teknik")] = (
    national[("midpoint", "teknik")] - national[("missing (method)", "teknik")]
)
national.round(2)

# %% [markdown]
# The midpoint rule pulls scores **towards 50 %**: up in the early years, when scores were
# below 50, and down later, when they were above. So it does not just add noise, it
# *shrinks the trend*: the rise in *teknik* from the first to the last year is smaller
# under the midpoint rule.

# %%
first, last = demo.years[0], demo.years[-1]
for name, table in (("missing", demo.national), ("midpoint", midpoint.national)):
    values = table.set_index("year")["teknik"]
    print(f"{name:>8}: teknik {first}->{last} = {values[last] - values[first]:+.2f} pp")

# %% [markdown]
# For single organisations the pull depends on how many of their respondents said "Vet ej",
# i.e. on who answered (their role mix), not on how mature the organisation is. Each point
# below is an organisation-year: the shift its *teknik* score gets under the midpoint rule,
# against its score under the method.

# %%
shift = (
    midpoint.org_scores.set_index(["year", "org_id"])["teknik"]
    - demo.org_scores.set_index(["year", "org_id"])["teknik"]
).rename("shift")
orgs = demo.org_scores.set_index(["year", "org_id"])[["teknik", "n_respondents"]].join(shift)
fig, ax = plt.subplots(figsize=(6, 4))
sns.scatterplot(data=orgs, x="teknik", y="shift", size="n_respondents", alpha=0.5, ax=ax)
ax.axhline(0, color="grey", lw=0.8)
ax.axvline(50, color="grey", lw=0.8, ls="--")
ax.set_xlabel("teknik score, Vet ej as missing (%)")
ax.set_ylabel("shift under the midpoint rule (pp)")
fig.tight_layout()
print(f"correlation of shift and score: {orgs['shift'].corr(orgs['teknik']):.2f}")

# %% [markdown]
# ## 2.4 From answers to scores
#
# `keyed_answers` flips reverse-keyed items (6 - answer) and leaves "Vet ej" and blanks
# missing; a category score is the mean of its answered items, if at least half of them
# were answered (`method.min_answered_share`); the dimensions combine their categories and
# maturity the two dimensions; `to_percent` maps 1-5 to 0-100 %.

# %%
keyed = keyed_answers(year_rows, instrument)
print(
    "TEK3 (reverse-keyed): mean as answered",
    round(year_rows["TEK3"].mean(), 2),
    "-> keyed",
    round(keyed["TEK3"].mean(), 2),
)
print("scale 1, 3, 5 in per cent:", list(to_percent(pd.Series([1, 3, 5]), instrument)))
scores = respondent_scores(year_rows, instrument, demo.method)
scores.describe().T[["count", "mean", "std", "min", "max"]].round(1)

# %% [markdown]
# ## 2.5 Do the items of a category hang together?
#
# **Cronbach's alpha** is the classic lower bound of the reliability of a sum score; it
# assumes every item measures the category equally well. **McDonald's omega** lets each
# item load with its own strength (from a one-factor model). Both use the respondents who
# answered every item of the category (`n`), with reverse-keyed items flipped. Values
# around 0.7-0.8 are usual for five to seven items.

# %%
reliability = pd.concat([reliability_table(responses, instrument, y) for y in demo.years])
reliability.pivot(index="category", columns="year", values="alpha").round(2)

# %%
fig, ax = plt.subplots(figsize=(7, 4))
sns.lineplot(data=reliability, x="year", y="omega", hue="category", marker="o", ax=ax)
ax.set_ylim(0.5, 1)
ax.set_ylabel("McDonald's omega")
ax.legend(ncols=3, fontsize="small", loc="lower right")
fig.tight_layout()

# %% [markdown]
# Alpha and omega are nearly equal here: the items of a category load about equally. An
# item that does not belong shows a low **corrected item-total correlation** (the item
# against the sum of the *other* items of its category). A negative value would typically
# be a reverse-keyed item that was not flipped.

# %%
quality = item_table(responses, instrument, YEAR)
quality.sort_values("corrected_item_total").head(6).round(3)

# %% [markdown]
# Results are reported per **organisation**, so respondents of one organisation should
# agree enough for their mean to describe it. ICC(1) is the share of the variance that lies
# between organisations; ICC(2) is the reliability of an organisation's mean.

# %%
aggregation_table(scores, year_rows, instrument, YEAR).round(3)

# %% [markdown]
# ## 2.6 Does the structure fit? A confirmatory factor analysis
#
# The instrument claims: items measure six categories, and the categories measure two
# correlated dimensions. `mognad.indices.factor.cfa_fit_table` fits that second-order model by
# maximum likelihood, one year at a time; here only 2025, to keep the notebook quick.
#
# How to read the fit: with thousands of respondents the chi-square test (chi2 against df)
# rejects even small, unimportant misfit, so one looks at approximate fit as well. Common
# rules of thumb: CFI and TLI at least 0.95, RMSEA at most 0.06, SRMR at most 0.08.

# %%
cfa = cfa_fit_table(year_rows, instrument)
cfa.round(4)

# %% [markdown]
# The demo data were generated from exactly this structure, so the fit is (too) good: even
# the chi-square is close to its degrees of freedom. On real data expect worse values, and
# look at where the misfit is before dropping items.
#
# Comparing scores across years also assumes that the items measure the same thing every
# year (**measurement invariance**). The workflow tests it with
# `mognad.indices.factor.invariance_table` (configural, metric, scalar) on the items every year
# asks; over all eight years it takes about 20 seconds, so it is not run here.

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Which single item has the highest "Vet ej" rate in 2025, and is it the
# same for respondents in IT?

# %%
# Hint: item_rates(rows, instrument) for the 2025 rows with role == "it" and for the rest;
# sort by "dont_know_rate".

# %% [markdown]
# **Exercise 2.** Run the invariance tests for 2024 and 2025 only. Does the fit get much
# worse from configural to metric to scalar (a drop in CFI of more than 0.01)?

# %%
# Hint: from mognad.indices.factor import invariance_table, then pass the responses of those two
# years; look at the delta_cfi and delta_rmsea columns.
