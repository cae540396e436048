import sys

from negoprep.cli import main

sys.exit(main())
