"""CallReview: review what voice-AI phone agents actually said."""

__version__ = "0.1.0"
APP_ID = "io.callreview.CallReview"
APP_NAME = "CallReview"
# The command-line commands; anything else opens the window (kept here so that telling them
# apart does not import the command line's dependencies).
CLI_COMMANDS = (
    "accounts",
    "fetch",
    "calls",
    "export",
    "bundle",
    "tag",
    "scorecards",
    "score",
    "scores",
    "report",
)
