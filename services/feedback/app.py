"""Feedback and petitions: routes and event handlers. Features arrive with their issues."""

from __future__ import annotations

from chalice.app import Chalice

from services.core.api import Api
from services.core.settings import get_settings
from services.core.standard_routes import add_standard_routes

app = Chalice(app_name="portal-feedback")
api = Api(app, service="feedback", title="Feedback and petitions")
add_standard_routes(api, lambda: get_settings().feedback_table)
