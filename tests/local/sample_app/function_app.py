"""A small function app the adapter tests serve: one function per behaviour under test."""

import json
import os

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="echo/{id}", methods=["POST", "PUT"])
async def echo(req: func.HttpRequest) -> func.HttpResponse:
    body = {
        "method": req.method,
        "url": req.url,
        "header": req.headers.get("x-sample"),
        "params": dict(req.params),
        "route_params": dict(req.route_params),
        "body": req.get_body().decode(),
    }
    return func.HttpResponse(json.dumps(body), status_code=201, mimetype="application/json", headers={"x-echo": "yes"})


@app.route(route="sync", methods=["GET"])
def sync(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("sync ok", mimetype="text/plain", charset="utf-8")


@app.route(route="boom")
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("boom on purpose")


@app.route(route="items/new", methods=["GET"])
def new_item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("literal")


@app.route(route="items/{id:int}", methods=["GET"])
def item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"item {req.route_params['id']}")


@app.function_name("setting")
@app.route(methods=["GET"])
def setting(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(os.environ.get("SAMPLE_SETTING", "unset"))


@app.route(route="forwarded", methods=["GET", "POST"])
def forwarded(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.headers.get("x-forwarded-for", ""), mimetype="text/plain")


async def on_stop() -> None:
    print("sample app: on_stop awaited", flush=True)
