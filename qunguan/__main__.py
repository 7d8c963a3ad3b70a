import sys

from qunguan.cli import main

sys.exit(main())
