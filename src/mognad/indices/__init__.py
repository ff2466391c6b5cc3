"""Stage 2: indices per respondent, organisation and group, with their uncertainty,
measurement quality and sensitivity."""
