import sys

from negoprep.cli.main import main

sys.exit(main())
