"""The API contract, declared once and read by both sides: the CDK stacks build routes,
models, integrations and grants by iterating it; the handlers, validation and frames read
their limits, actions and schemas from it.

Pure data (dataclasses, dicts, tuples): it imports no CDK and no AWS SDK, so the Lambda
runtime loads it cheaply and the CDK app imports it without any Lambda code. Import the
module you need (``contract.limits``, ``contract.rest`` ...); this package imports none.

| module       | holds                                                                 |
|--------------|-----------------------------------------------------------------------|
| ``limits``   | body bytes, identifier rule, text lengths, page sizes, WebSocket sizes |
| ``errors``   | error codes and HTTP statuses (REST), error codes of frames (WebSocket) |
| ``schemas``  | JSON schemas of request bodies, frames and responses                  |
| ``table``    | index names, TTL attribute, key templates, read actions               |
| ``access``   | :class:`TableAccess`: what a function calls on the table              |
| ``rest``     | the REST route table and the functions behind it                      |
| ``websocket``| the WebSocket action table and the functions behind it                |
"""
