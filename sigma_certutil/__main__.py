import sys

from sigma_certutil.cli import main

sys.exit(main())
