"""Stage 3: sector comparisons, trends and regression models."""
