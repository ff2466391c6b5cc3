"""Stage 4: the one gate to ``results/`` (disclosure control) and everything
published from it: tables, models, open data, figures, the report and the profiles."""
