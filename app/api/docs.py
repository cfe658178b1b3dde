"""The API's Swagger UI at /docs, served from an installed package's files: no CDN, so it works offline."""

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.staticfiles import StaticFiles

DOCS_URL = "/docs"
OPENAPI_URL = "/openapi.json"
# A prefix of its own rather than /docs/...: the page stays one plain route, the files one static mount.
ASSETS_URL = "/docs-static"
# `fastapi-swagger` ships swagger-ui-dist's bundle, CSS and favicon (and little else) in `fastapi_swagger/resources`.
ASSETS_PACKAGE = ("fastapi_swagger", "resources")
SWAGGER_UI_PARAMETERS = {
    # Swagger UI's default online-validator badge is an image from validator.swagger.io: the one foreign request.
    "validatorUrl": None,
}


def add_offline_docs(api: FastAPI) -> None:
    """Serve Swagger UI at /docs with its assets under /docs-static/, and the OpenAPI document at /openapi.json.

    Call it on the FastAPI app that receives requests first (before NiceGUI is mounted at "/"), created with
    `docs_url=None, redoc_url=None` so that FastAPI's own CDN-based pages are not there too. ReDoc is not served:
    its JS comes from a CDN and no package ships it.
    """
    if api.openapi_url is None:
        # NiceGUI's own app is created without one; a plain FastAPI() already serves /openapi.json.
        api.openapi_url = OPENAPI_URL

        async def openapi_document(request: Request) -> JSONResponse:
            return JSONResponse(api.openapi())

        api.add_route(OPENAPI_URL, openapi_document, include_in_schema=False)

    async def swagger_ui(request: Request) -> HTMLResponse:
        # Behind a proxy that serves the app under a prefix, every URL the page loads needs that prefix.
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{api.openapi_url}",
            title=f"{api.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon-32x32.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )

    api.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    api.mount(ASSETS_URL, StaticFiles(packages=[ASSETS_PACKAGE]), name="docs-static")
