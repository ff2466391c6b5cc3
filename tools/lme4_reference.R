# Reference values for tests/test_models.py: lme4's REML fit of the nested random-intercept
# model on tests/data/mixed_boundary.csv (simulated; the municipality variance is planted at
# the boundary). Run by hand from the project root: Rscript tools/lme4_reference.R
# Writes tests/data/mixed_boundary_lme4.csv: fixed effects (patsy's term names) with lme4's
# estimates and standard errors (vcov: the fixed-effects block (X'V^-1X)^-1, V the marginal
# covariance), then the variance estimates as var_* rows without a standard error.
suppressPackageStartupMessages(library(lme4))

data <- read.csv("tests/data/mixed_boundary.csv", na.strings = "", comment.char = "#",
                 stringsAsFactors = FALSE)
# Organisations without a municipality are their own top-level group, as in mognad.
data$muni <- ifelse(is.na(data$municipality_id), paste0("org:", data$org_id), data$municipality_id)
data$sector <- factor(data$sector)

control <- lmerControl(
  optimizer = "nloptwrap",
  optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14, xtol_rel = 1e-12, maxeval = 1e5)
)
fit <- lmer(y ~ sector + x + (1 | muni) + (1 | org_id), data = data, REML = TRUE,
            control = control)

terms <- names(fixef(fit))
terms <- sub("^\\(Intercept\\)$", "Intercept", terms)
terms <- sub("^sector(.+)$", "C(sector)[T.\\1]", terms)
variances <- as.data.frame(VarCorr(fit))
variance <- function(group) variances$vcov[variances$grp == group]
out <- data.frame(
  term = c(terms, "var_nested", "var_organisation", "var_residual"),
  estimate = c(unname(fixef(fit)), variance("muni"), variance("org_id"), variance("Residual")),
  std_error = c(sqrt(diag(as.matrix(vcov(fit)))), NA, NA, NA)
)
path <- "tests/data/mixed_boundary_lme4.csv"
header <- c(
  "# lme4 reference for tests/data/mixed_boundary.csv, written by tools/lme4_reference.R:",
  "# lmer(y ~ sector + x + (1 | muni) + (1 | org_id), REML = TRUE), muni = municipality_id",
  "# or org:<org_id> for organisations without one; nloptwrap with tight tolerances.",
  sprintf("# %s, lme4 %s, singular fit: %s", R.version.string, packageVersion("lme4"),
          isSingular(fit))
)
writeLines(header, path)
suppressWarnings(write.table(out, path, sep = ",", row.names = FALSE, quote = FALSE,
                             append = TRUE, na = ""))
