# The objections/repairs fixtures (lists fixtures, evidence files, contact block).
from jointcredit.casework.testing import *  # noqa: F403
