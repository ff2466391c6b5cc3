# Convenience wrappers; dev.sh is the real entry point and needs no make.
.PHONY: setup report test slurm-test lint lock demo-data

setup report test slurm-test lint lock demo-data:
	bash dev.sh $@
