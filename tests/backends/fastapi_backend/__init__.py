"""An independent FastAPI backend of the export-download contract, correct or with one
deliberate bug (see ``BUGS``). It shares no code with the export-contract toolkit."""

from .app import create_app, create_app_from_env
from .bugs import BUGS
from .exports import EXPORTS, SOURCE_URLS

__all__ = ["BUGS", "EXPORTS", "SOURCE_URLS", "create_app", "create_app_from_env"]
