"""Stories: posts carrying the same claim, grouped per watchlist; alert decisions (NEW, UPDATE or none)."""

from .changes import describe_changes
from .detector import Decision, StoryDetector
from .stage import StoriesStage, replay

__all__ = ["Decision", "StoryDetector", "StoriesStage", "describe_changes", "replay"]
