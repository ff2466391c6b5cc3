"""From participants to the population: calibration to a frame of all organisations that
could take part."""
