import sys

from fa_nlp.cli import main

sys.exit(main())
