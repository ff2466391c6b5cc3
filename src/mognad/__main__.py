import sys

from mognad.cli import main

sys.exit(main())
