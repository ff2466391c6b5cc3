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
# # 3. Sector differences and trends
#
# Two questions the report answers every year: *which sectors are more digitally mature*,
# and *is maturity rising*. Both look simple and both have a trap.
#
# * Sector figures rest on few organisations in some years: a sector with three
#   participating organisations says little about the sector.
# * Organisations join and leave the survey. If this year's newcomers are less mature than
#   those who took part before, the national mean can fall although no organisation got
#   worse. The **cross-sectional** change (this year's participants against last year's)
#   is not the **within-organisation** change.
#
# All figures are means over organisations, each organisation counting once
# (`method.organisation_weighting`). Demo data, loaded from the raw exports.

# %%
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from mognad.analyses.sectors import flag_small_groups, pairwise_contrasts
from mognad.analyses.trends import (
    decompose_change,
    fixed_effects_trend,
    sector_trends,
    year_over_year,
)
from mognad.explore import load_demo
from mognad.indices.scores import keyed_scores, organisation_standard_errors, score_columns

pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 20)

demo = load_demo(bootstrap_replicates=200)
MIN_ORGS = demo.config["analysis"]["min_orgs"]
orgs = demo.org_scores  # one row per organisation-year
print(f"{len(orgs)} organisation-years, {orgs['org_id'].nunique()} organisations")
print(f"groups with fewer than {MIN_ORGS} organisations are flagged, not interpreted")

# %% [markdown]
# ## 3.1 National figures by year
#
# Maturity, capability and legacy, with bootstrap intervals (two-stage: organisations,
# then respondents within them; 200 replicates here, the workflow uses the configured
# `bootstrap.replicates`). Note the dip in 2022.

# %%
national = demo.national.set_index("year")
national[
    [
        "n_orgs",
        "n_respondents",
        "maturity",
        "maturity_ci_low",
        "maturity_ci_high",
        "capability",
        "legacy",
    ]
].round(1)

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for column in ("capability", "maturity", "legacy"):
    ax.plot(national.index, national[column], marker="o", label=column)
    ax.fill_between(
        national.index, national[f"{column}_ci_low"], national[f"{column}_ci_high"], alpha=0.2
    )
ax.set_ylabel("score (%)")
ax.set_title("National means over participating organisations")
ax.legend()
fig.tight_layout()

# %% [markdown]
# ## 3.2 Sectors
#
# How many organisations stand behind each sector figure? `flag_small_groups` marks the
# cells with fewer than `analysis.min_orgs` organisations; the report shows them but does
# not draw conclusions from them (and disclosure control suppresses cells under 3).

# %%
sectors = flag_small_groups(demo.sector, MIN_ORGS)
sectors.pivot(index="sector", columns="year", values="n_orgs").fillna(0).astype(int)

# %%
# Maturity by sector and year, small cells blanked.
shown = sectors.assign(maturity=sectors["maturity"].where(~sectors["flag_small"]))
shown.pivot(index="sector", columns="year", values="maturity").round(1)

# %%
fig, ax = plt.subplots(figsize=(8, 4.5))
sns.lineplot(
    data=sectors[~sectors["flag_small"]], x="year", y="maturity", hue="sector", marker="o", ax=ax
)
ax.set_ylabel("maturity (%)")
ax.set_title(f"Maturity by sector (cells with at least {MIN_ORGS} organisations)")
ax.legend(fontsize="small", ncols=2)
fig.tight_layout()

# %% [markdown]
# Are the differences between sectors larger than chance? `pairwise_contrasts` compares
# every pair of sectors within a year (Welch's t-test on organisation scores, Holm-adjusted
# over all pairs of the year, with Cohen's d / Hedges' g as effect sizes). Sectors with
# too few organisations are left out and named in `excluded_groups`.

# %%
contrasts = pairwise_contrasts(orgs[orgs["year"] == 2025], "maturity", "sector", MIN_ORGS)
print("left out:", contrasts["excluded_groups"].iloc[0])
columns = [
    "group_a",
    "group_b",
    "n_a",
    "n_b",
    "difference",
    "ci_low",
    "ci_high",
    "p_holm",
    "hedges_g",
]
contrasts.sort_values("p_holm")[columns].head(8).round(3)

# %% [markdown]
# ## 3.3 Cross-sectional versus within-organisation change
#
# `year_over_year` gives both views for each pair of consecutive years:
#
# * `cross_sectional`: mean of this year's participants minus mean of last year's;
# * `within`: mean change of the `n_pairs` organisations that took part in both years
#   (the *stayers*); joiners and leavers do not enter it.

# %%
change = year_over_year(orgs, "maturity", min_orgs=MIN_ORGS).set_index("year")
change[["cross_sectional", "within", "n_pairs", "n_joiners", "n_leavers"]].round(2)

# %% [markdown]
# In 2022 the survey doubled (62 to 126 organisations). The cross-sectional change is about
# -2 points, but the stayers barely changed. Where does the rest come from?
#
# ## 3.4 The decomposition and the composition effect
#
# `decompose_change` splits the cross-sectional change *exactly* into
#
# * `within`: the stayers' change, at their average share of the two years;
# * `composition`: joiners compared with this year's stayers and leavers with last year's,
#   times their shares: negative when the newcomers are less mature than the stayers;
# * `interaction`: the stayers' change times the turnover share.
#
# Given the organisations' standard errors (how precisely each organisation is measured
# through its respondents), each part gets a standard error and an interval. These are
# intervals for the change *among the participants*, holding fixed who took part.

# %%
scores = keyed_scores(demo.responses, demo.instrument, demo.method)
se = organisation_standard_errors(scores, score_columns(demo.instrument))
decomposition = decompose_change(orgs, "maturity", None, MIN_ORGS, se=se).set_index("year")
parts = ["cross_sectional", "within", "composition", "interaction"]
assert (decomposition[parts[1:]].sum(axis=1) - decomposition["cross_sectional"]).abs().max() < 1e-9
decomposition[
    [*parts, "within_ci_low", "within_ci_high", "composition_ci_low", "composition_ci_high"]
].round(2)

# %%
dip = decomposition.loc[2022]
print(
    f"2022: cross-sectional {dip['cross_sectional']:+.2f} pp = within {dip['within']:+.2f}"
    f" + composition {dip['composition']:+.2f} + interaction {dip['interaction']:+.2f}"
)
print(
    f"joiners {int(dip['n_joiners'])}, leavers {int(dip['n_leavers'])}, stayers "
    f"{int(dip['n_pairs'])}"
)

# %%
fig, ax = plt.subplots(figsize=(7, 4))
decomposition[parts[1:]].plot.bar(stacked=True, ax=ax, width=0.7)
ax.plot(range(len(decomposition)), decomposition["cross_sectional"], "ko-", label="cross-sectional")
ax.axhline(0, color="grey", lw=0.8)
ax.set_ylabel("change from the previous year (pp)")
ax.set_title("Maturity: the parts of each year's change")
ax.legend(fontsize="small")
fig.tight_layout()

# %% [markdown]
# In the demo data most of the 2022 dip is **composition**: the many organisations that
# joined in 2022 are less mature than those that had taken part before (the generator
# plants exactly that: more mature organisations join first). Reporting "maturity fell by
# two points" would describe a change in *who answered*, not in the organisations.
#
# ## 3.5 Every year on the same organisations: fixed effects
#
# `fixed_effects_trend` compares every organisation with itself across all years
# (organisation fixed effects): each estimate is the year's effect relative to the first
# year, free of who joined when. Organisations seen once carry no information and drop out.

# %%
fe = fixed_effects_trend(orgs, "maturity").set_index("year")
fe.round(2)

# %%
first = national.index[0]
paths = pd.DataFrame(
    {
        "cross-sectional means": national["maturity"],
        "fixed effects (from the first year's mean)": national.loc[first, "maturity"]
        + fe["estimate"],
    }
)
ax = paths.plot(marker="o", figsize=(7, 4))
ax.set_ylabel("maturity (%)")
ax.set_title("Two views of the trend")
print(f"fixed effects, 2021 -> 2022: {fe.loc[2022, 'estimate'] - fe.loc[2021, 'estimate']:+.2f} pp")

# %% [markdown]
# The fixed-effects path dips in 2022 as well, but less than the cross-sectional means: a
# small part of the fall happened within organisations (the generator plants one), most of
# it is who answered. The fixed-effects view uses every organisation seen at least twice,
# in all its years, so it need not equal the 2021-22 stayers' change exactly.

# %% [markdown]
# Per sector, `sector_trends` fits one linear trend (points per year) per sector, with
# standard errors clustered by organisation. Sector-years with too few organisations are
# left out of the fit; a sector left with fewer than two years gets no slope.

# %%
sector_trends(orgs, "maturity", MIN_ORGS).round(2)

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Decompose the 2022 change of *capability* and of *legacy* separately.
# Is the composition effect the same in both dimensions?

# %%
# Hint: call decompose_change(orgs, indicator, None, MIN_ORGS, se=se) with indicator
# "capability" and then "legacy", and compare the 2022 rows.

# %% [markdown]
# **Exercise 2.** The demo data come with a planted truth (`data/truth/demo/`, which the
# pipeline never reads). Check the composition story there: in 2022, are the newcomers'
# *expected* maturities lower than the stayers'?

# %%
# Hint: from mognad.config import ROOT; read ROOT / "data/truth/demo/panel.csv" (status:
# stayer, newcomer, rejoiner) and ROOT / "data/truth/demo/org_latents.csv"
# (expected_maturity), merge them on year and org_id, and compare the group means for 2022.

# %% [markdown]
# **Exercise 3.** Run the decomposition per sector (`by="sector"`). Which sectors' 2022
# rows are flagged small, and why should a report not interpret them?

# %%
# Hint: decompose_change(orgs, "maturity", "sector", MIN_ORGS, se=se); look at flag_small,
# n_orgs_prev and the width of the intervals.
