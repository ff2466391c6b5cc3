"""The synthetic demo data set: a generator with planted truth, apart from the analytics."""
