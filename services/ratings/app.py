"""Satisfaction ratings: routes and event handlers. Features arrive with their issues."""

from __future__ import annotations

from chalice.app import Chalice

from services.core.api import Api
from services.core.settings import get_settings
from services.core.standard_routes import add_standard_routes

app = Chalice(app_name="portal-ratings")
api = Api(app, service="ratings", title="Satisfaction ratings")
add_standard_routes(api, lambda: get_settings().ratings_table)
