"""The exit codes of every `mac` command."""

OK = 0
FINDINGS = 1  # a check found problems: invalid output, lint findings, stale files, pending changes
BAD_INPUT = 2  # the inventory, a file, an option or an id given is wrong; nothing was changed
ENVIRONMENT = 3  # AWS or the disk failed (unreachable, throttled after retries, disk full)

HELP = (
    "Exit codes: 0 ok; 1 problems found (findings, stale output, pending changes); "
    "2 bad input; 3 the environment failed (AWS unreachable, disk full)."
)
