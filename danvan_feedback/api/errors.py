"""The API's own errors: spec errors (JSON or XML, by the URL's extension), never the app's HTML
pages, for every request routed to the API, and for paths and methods it does not have."""
from __future__ import annotations

from flask import current_app, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from .. import web
from .views import api_error, api_limit, bp


# ---------------------------------------------------------------- anything else under /open311

@bp.errorhandler(413)
def _too_large(err):
    """The app's 413 page is HTML; a partner gets a spec error."""
    return api_error(413, "Request body too large")


# The app's error pages are HTML (``web.register_errorhandlers``); a partner gets spec errors.
# Flask asks these before the app's handlers for any request routed to this blueprint.
@bp.errorhandler(HTTPException)
def _http_error(err):
    return api_error(err.code, err.description)


@bp.errorhandler(OperationalError)
@bp.errorhandler(DBAPIError)
def _db_down(err):
    web.database_failed(err)
    if web.outcome_unknown():
        return api_error(503, "Service temporarily unavailable; the request may have been "
                              "recorded: send it again with the same idempotency_key to find out")
    return api_error(503, "Service temporarily unavailable")


@bp.errorhandler(Exception)
def _unexpected(err):
    if isinstance(err, HTTPException):
        return _http_error(err)
    web.unexpected_failed(err)
    return api_error(500, "Internal error")


@bp.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/v2/", defaults={"rest": "v2/"}, endpoint="root_v2", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@api_limit
def unknown(rest: str):
    """Spec errors, not HTML pages, for paths and methods the API does not have."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in ("GET", "POST"):
        if method == request.method:
            continue
        try:
            endpoint, _args = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint not in ("api.unknown", "api.root_v2"):
            return api_error(405, "Method not allowed")
    return api_error(404, "Not found")
