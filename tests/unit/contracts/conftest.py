import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))   # works in every pytest import mode
from contract_builders import admin, js_operator, seller_member, sh_operator  # noqa: E402,F401  (fixtures)
