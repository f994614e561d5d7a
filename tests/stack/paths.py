"""Where the stack finds the repository and keeps its own state."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# Ignored by git (/.stack/ in .gitignore): locks and default logs of the stack.
STACK_STATE = REPO_ROOT / ".stack"
