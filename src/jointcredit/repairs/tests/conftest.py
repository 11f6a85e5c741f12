# The fixtures shared by the objections and repairs suites (and the lists fixtures they build on).
from jointcredit.casework.testing import *  # noqa: F403
