"""One ASGI request driven in-process (no sockets, no server), for the bench's CPU tools."""

import asyncio


async def drive(app, method, path, body=b"", headers=()):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8080"), *headers],
        "client": ("127.0.0.1", 5555),
        "server": ("127.0.0.1", 8080),
        "state": {},
    }
    sent = []
    got = False

    async def receive():
        nonlocal got
        if not got:
            got = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)

    async def send(m):
        sent.append(m)

    await app(scope, receive, send)
    return sent
