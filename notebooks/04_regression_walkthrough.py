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
# # 4. A regression walkthrough
#
# *What goes with higher digital maturity?* The report answers with the regression models
# declared in `config.yaml` under `models`: adding a model is configuration, not code. This
# notebook fits them with `mognad.analyses.models`, reads the coefficient table and the fit
# statistics, checks the residuals and shows why the standard errors are clustered by
# organisation.
#
# Three kinds of model, each with its own assumption:
#
# * `ols`: ordinary least squares on organisation-years, standard errors clustered by
#   organisation (an organisation's years are not independent observations);
# * `mixed`: a linear mixed model on respondents, with random intercepts for organisations
#   (and municipalities);
# * `fixed_effects`: every organisation compared with itself (the within estimator).
#
# Demo data, loaded from the raw exports.

# %%
# A bare expression at the end of a cell is how a notebook shows a table:
# ruff: noqa: B018
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import statsmodels.api as sm
import statsmodels.formula.api as smf

from mognad.analyses.modelresult import model_outputs
from mognad.analyses.models import fit_all, model_frame
from mognad.analyses.trends import fixed_effects_trend
from mognad.explore import load_demo
from mognad.publish.modeltables import regression_table

pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 20)
pd.set_option("display.max_colwidth", 60)

# The models use point estimates only: a few bootstrap replicates are enough here.
demo = load_demo(bootstrap_replicates=50)
specs = demo.config["models"]
pd.DataFrame(specs).T

# %% [markdown]
# ## 4.1 Fitting the declared models
#
# `fit_all` builds each level's data once (`model_frame`: organisation-years with the
# organisation's size, or respondents with their role) and fits every model. This is
# exactly what the workflow's `fit_models` job does. The mixed model takes a few seconds.

# %%
results = fit_all(specs, demo.org_scores, demo.responses, demo.instrument, demo.method)
table, markdown, latex = regression_table(results)
table

# %% [markdown]
# Each cell is "estimate (standard error)" with stars for p < .05, .01, .001. The
# reference categories are the first level alphabetically: sector `central_admin`,
# organisation type `municipal` and year 2018.
#
# ## 4.2 Reading one model
#
# `maturity_ols`: maturity (0-100) of organisation-years on sector, organisation type,
# log number of employees and survey year.

# %%
ols = results["maturity_ols"]
ols.coefficients.round(3)

# %% [markdown]
# How to read it:
#
# * `C(sector)[T.education]`: education administrations score about 7 points lower than
#   central administrations of the same size in the same year;
# * `np.log(employees)`: one unit of log employees is a factor e (about 2.7) in size; ten
#   times more employees means `estimate * log(10)` points;
# * `C(year)[T.2025]`: the 2025 mean over 2018, for the same sector and size.
#
# The fit record says how many observations and organisations stand behind the model, and
# what could **not** be estimated:

# %%
fit = model_outputs(ols)["maturity_ols_fit"].set_index("statistic")["value"]
fit[["n", "n_groups", "r_squared", "adj_r_squared", "aic", "dropped"]]

# %%
effect = ols.coefficients.set_index("term").loc["np.log(employees)", "estimate"]
print(f"ten times more employees: {effect * np.log(10):+.2f} points of maturity")

# %% [markdown]
# `dropped` lists the organisation-type terms: the sector determines the type (health care
# and regional development are regions, `state_agency` is the agencies' sector), so type
# adds nothing the sector does not already say. The package detects such aliased columns
# and drops them rather than reporting arbitrary numbers.
#
# ## 4.3 The mixed model: how much lies between organisations?
#
# `maturity_mixed` is fitted on respondents. Its variance components split the variance of
# a respondent's maturity into a part shared by everyone in the same organisation, a part
# shared within a municipality, and the rest.

# %%
mixed = results["maturity_mixed"].fit
keys = [
    "n",
    "n_groups",
    "n_nested",
    "var_organisation",
    "var_nested",
    "var_residual",
    "icc_organisation",
    "boundary",
    "converged",
    "estimation",
    "warnings",
]
pd.Series({k: mixed[k] for k in keys}, dtype=object)

# %% [markdown]
# About a seventh of the variance lies between organisations (`icc_organisation`). The
# municipality variance is essentially zero: administrations of the same municipality are
# not more alike than others once sector and year are accounted for (the demo generator
# plants no municipality effect on maturity). A variance at zero is a **boundary** fit:
# the fit table says so, its interval is left empty, and the warning is recorded rather
# than hidden.
#
# ## 4.4 The fixed-effects model
#
# `maturity_within` compares each organisation with itself: its year effects are the
# change within organisations, free of who joined when (see notebook 3). They are the same
# estimates as `mognad.analyses.trends.fixed_effects_trend`:

# %%
within = results["maturity_within"].coefficients.set_index("term")["estimate"]
trend = fixed_effects_trend(demo.org_scores, "maturity").set_index("year")["estimate"]
years = pd.DataFrame(
    {
        "ols (between and within)": ols.coefficients.set_index("term")["estimate"],
        "fixed effects (within)": within,
    }
).loc[within.index]
assert np.allclose(years["fixed effects (within)"].to_numpy(), trend.iloc[1:].to_numpy())
years.round(2)

# %% [markdown]
# The within-organisation year effects are larger. The OLS year effects compare partly
# different organisations, adjusted only for sector and size; since the more mature
# organisations took part first, later years' newcomers pull the OLS effects down. That is
# the composition effect of notebook 3 again, now inside a regression.

# %% [markdown]
# ## 4.5 Checking the model: residuals
#
# `ModelResult` keeps the tidy estimates, not the residuals. An OLS fit with statsmodels'
# defaults on the same data and formula gives the same point estimates, hence the same
# residuals; only its standard errors differ (section 4.6). The formula below leaves out
# organisation type, which the package dropped anyway (check: the estimates agree).

# %%
frame = model_frame("organisation", demo.org_scores, demo.responses, demo.instrument, demo.method)
formula = "maturity ~ C(sector) + np.log(employees) + C(year)"
naive = smf.ols(formula, frame).fit()
ours = ols.coefficients.set_index("term")["estimate"]
assert np.allclose(naive.params, ours.loc[naive.params.index])
checks = frame.loc[naive.resid.index, ["org_id", "year", "sector"]].assign(
    fitted=naive.fittedvalues, residual=naive.resid
)
print(f"{len(checks)} organisation-years; residual SD {checks['residual'].std():.2f} points")

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 4))
sns.scatterplot(data=checks, x="fitted", y="residual", alpha=0.4, ax=axes[0])
axes[0].axhline(0, color="grey", lw=0.8)
axes[0].set_title("Residuals against fitted values")
sm.qqplot(checks["residual"], line="s", ax=axes[1])
axes[1].set_title("Normal Q-Q plot of the residuals")
sns.boxplot(data=checks, x="residual", y="sector", ax=axes[2])
axes[2].axvline(0, color="grey", lw=0.8)
axes[2].set_title("Residuals by sector")
fig.tight_layout()

# %% [markdown]
# What to look for: no pattern (a curve or a funnel) against the fitted values; points
# near the line in the Q-Q plot (with a few hundred observations, mild departures from
# normality hardly matter for the estimates); no sector systematically off zero.
#
# One more check matters most here. The same organisation appears in several years. Are
# its residuals related from one year to the next?

# %%
wide = checks.pivot(index="org_id", columns="year", values="residual")
now = pd.concat([wide[b] for b in wide.columns[1:]])
before = pd.concat([wide[a] for a in wide.columns[:-1]])
print(
    f"correlation of an organisation's residuals in consecutive survey years: "
    f"{now.corr(before):.2f}"
)

# %% [markdown]
# Strongly. An organisation that is above what the model predicts stays above it: the
# organisation-years are not independent observations.
#
# ## 4.6 Cluster-robust versus naive standard errors
#
# Naive OLS standard errors assume independent observations. With correlated residuals
# within organisations, 767 organisation-years carry much less information about
# *time-constant* things (sector, size) than 767 independent observations would. The
# package's OLS standard errors are clustered by organisation (CR1, t with G - 1 degrees
# of freedom).

# %%
comparison = pd.DataFrame(
    {
        "estimate": naive.params,
        "se_naive": naive.bse,
        "se_clustered": ols.coefficients.set_index("term")["std_error"],
    }
).dropna()
comparison["ratio"] = comparison["se_clustered"] / comparison["se_naive"]
comparison.round(3)

# %% [markdown]
# For sector and size the clustered standard errors are 1.5 to 2.5 times the naive ones:
# the naive ones would make sector differences look far more certain than they are. For
# the year effects the clustered ones are *smaller*: the same organisations are compared
# across years, much like a paired comparison, and the positive correlation helps.
#
# ## Exercises
#
# **Exercise 1.** Add a model without changing `config.yaml`: maturity of respondents on
# their role, sector and year, with clustered standard errors. Do managers rate their
# organisation higher than staff?

# %%
# Hint: spec = {"kind": "ols", "level": "respondent",
#               "formula": "maturity ~ C(role) + C(sector) + C(year)"}
# then (from mognad.analyses.models import fit_model)
# fit_model("role_ols", spec, model_frame("respondent", demo.org_scores,
# demo.responses, demo.instrument, demo.method)) and read .coefficients.

# %% [markdown]
# **Exercise 2.** Fit `maturity_ols` on municipal administrations only. Which terms
# disappear, and why?

# %%
# Hint: a spec may carry a filter: {**specs["maturity_ols"], "sample": "org_type ==
# 'municipal'"}; then look at the fit record's "dropped".

# %% [markdown]
# **Exercise 3.** Repeat the naive-versus-clustered comparison for the respondent-level
# model of exercise 1. Why is the ratio much larger there than for organisation-years?

# %%
# Hint: smf.ols(formula, respondent_frame).fit().bse against the std_error column of your
# fitted model; think about how many respondents share one organisation.
