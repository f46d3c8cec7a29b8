"""`moderation serve`: a self-hosted server that answers the Perspective API's wire format.

A front end over the core like the CLI and the queue: wire.py reads and writes the JSON,
service.py scores through the micro-batcher and stores through the store, app.py is the
Starlette app, runner.py starts uvicorn. starlette and uvicorn come with the `serve` extra and
are imported only here.
"""
