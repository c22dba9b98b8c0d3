"""CallReview: review what voice-AI phone agents actually said."""

__version__ = "0.1.0"
APP_ID = "io.callreview.CallReview"
APP_NAME = "CallReview"
