# Reference values for tests/test_raking.py: the survey package's raking and bounded (logit)
# calibration of its own example data apiclus1 (a one-stage cluster sample of 183 California
# schools in 15 districts, design weight pw). Run by hand from the project root:
#   Rscript tools/raking_reference.R
# Two problems:
#   1. the documented example of ?rake: margins stype (E 4421, H 755, M 1018) and sch.wide
#      (No 1072, Yes 5122);
#   2. margins stype x sch.wide (crossed), comp.imp and awards, totals counted in apipop (the
#      population the sample was drawn from).
# Writes
#   tests/data/raking_api_survey.csv  the units (snum, the margin variables, pw, api00) and
#                                     their weights from rake() and calibrate();
#   tests/data/raking_api_totals.csv  the population total of every margin category;
#   tests/data/raking_api_means.csv   svymean(~api00) under each set of weights.
suppressPackageStartupMessages(library(survey))
data(api)

dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
# Tight tolerances: the tests compare weights to 1e-8 relative. rake() stops when the
# weighted table moves by less than epsilon * sum(weights) between sweeps; calibrate() when
# every |misfit| / (1 + |total|) is below epsilon.
rake_control <- list(maxit = 1000, epsilon = 1e-14)
cal_eps <- 1e-13
bounds1 <- c(0.5, 1.6)
bounds2 <- c(0.55, 3.3)

# Problem 1: the help page's example.
pop_types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
raked1 <- rake(dclus1, list(~stype, ~sch.wide), list(pop_types, pop_schwide),
               control = rake_control)
totals1 <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, sch.wideYes = 5122)
cal1 <- calibrate(dclus1, ~stype + sch.wide, totals1, calfun = "raking", epsilon = cal_eps,
                  maxit = 500)
logit1 <- calibrate(dclus1, ~stype + sch.wide, totals1, calfun = "logit", bounds = bounds1,
                    epsilon = cal_eps, maxit = 500)

# Problem 2: a crossed margin and two more, totals from apipop.
pop_cross <- as.data.frame(xtabs(~ stype + sch.wide, apipop))
pop_comp <- as.data.frame(xtabs(~ comp.imp, apipop))
pop_awards <- as.data.frame(xtabs(~ awards, apipop))
raked2 <- rake(dclus1, list(~ stype + sch.wide, ~comp.imp, ~awards),
               list(pop_cross, pop_comp, pop_awards), control = rake_control)
formula2 <- ~ stype * sch.wide + comp.imp + awards
totals2 <- colSums(model.matrix(formula2, apipop))
logit2 <- calibrate(dclus1, formula2, totals2, calfun = "logit", bounds = bounds2,
                    epsilon = cal_eps, maxit = 500)

designs <- list(rake1 = raked1, raking1 = cal1, logit1 = logit1, rake2 = raked2,
                logit2 = logit2)
g_range <- function(d) range(weights(d) / weights(dclus1))
for (name in names(designs)) {
  message(sprintf("%-8s g-weights in [%.6f, %.6f]", name, g_range(designs[[name]])[1],
                  g_range(designs[[name]])[2]))
}
# The bounds must matter: some g-weights near a bound, and the unbounded solution outside.
stopifnot(g_range(logit1)[2] > bounds1[2] - 0.01, g_range(raked1)[2] > bounds1[2])
stopifnot(g_range(logit2)[2] > bounds2[2] - 0.02, g_range(raked2)[2] > bounds2[2])

versions <- sprintf("# %s, survey %s", R.version.string, packageVersion("survey"))
write_with_header <- function(data, path, lines) {
  writeLines(c(lines, versions), path)
  suppressWarnings(write.table(data, path, sep = ",", row.names = FALSE, quote = FALSE,
                               append = TRUE))
}

units <- data.frame(
  snum = apiclus1$snum, stype = apiclus1$stype, sch.wide = apiclus1$sch.wide,
  comp.imp = apiclus1$comp.imp, awards = apiclus1$awards, pw = apiclus1$pw,
  api00 = apiclus1$api00
)
for (name in names(designs)) {
  units[[paste0("w_", name)]] <- sprintf("%.17g", weights(designs[[name]]))
}
units$pw <- sprintf("%.17g", units$pw)
write_with_header(units, "tests/data/raking_api_survey.csv", c(
  "# apiclus1 (R package survey) with raked and calibrated weights, from tools/raking_reference.R.",
  "# w_rake1: rake(dclus1, list(~stype, ~sch.wide)); w_raking1 / w_logit1: calibrate(dclus1,",
  sprintf("# ~stype + sch.wide, calfun = 'raking' / 'logit', bounds = c(%g, %g)); w_rake2: rake",
          bounds1[1], bounds1[2]),
  "# on list(~stype + sch.wide, ~comp.imp, ~awards); w_logit2: calibrate(dclus1, ~stype *",
  sprintf("# sch.wide + comp.imp + awards, calfun = 'logit', bounds = c(%g, %g)). Totals in",
          bounds2[1], bounds2[2]),
  "# raking_api_totals.csv."
))

category_totals <- function(problem, margin, table) {
  vars <- setdiff(names(table), "Freq")
  category <- do.call(paste, c(lapply(vars, function(v) as.character(table[[v]])), sep = ":"))
  data.frame(problem = problem, margin = paste(vars, collapse = ":"), category = category,
             total = table$Freq)
}
totals <- rbind(
  category_totals(1, "stype", pop_types), category_totals(1, "sch.wide", pop_schwide),
  category_totals(2, "stype:sch.wide", pop_cross), category_totals(2, "comp.imp", pop_comp),
  category_totals(2, "awards", pop_awards)
)
write_with_header(totals, "tests/data/raking_api_totals.csv", c(
  "# Population totals of the margins in raking_api_survey.csv (problem 1: ?rake's example;",
  "# problem 2: counted in apipop). A crossed margin's category is its values joined by ':'.",
  sprintf("# Logit bounds: problem 1 c(%g, %g), problem 2 c(%g, %g).", bounds1[1], bounds1[2],
          bounds2[1], bounds2[2])
))

means <- data.frame(
  weights = paste0("w_", names(designs)),
  api00 = sapply(designs, function(d) sprintf("%.17g", coef(svymean(~api00, d))))
)
write_with_header(means, "tests/data/raking_api_means.csv", c(
  "# svymean(~api00, design) under each set of weights in raking_api_survey.csv."
))
