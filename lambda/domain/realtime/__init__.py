"""Real-time rooms over WebSocket: connections, memberships, frames and broadcast.

Layering (handler -> domain -> model): ``handlers/ws`` parse events and call the functions of
:mod:`domain.realtime.rooms` (send and delivery), of the lighter
:mod:`domain.realtime.membership` (join, leave) or :mod:`domain.realtime.connections`
(``$connect``, ``$disconnect``): each handler loads only its own use cases on its cold start.
Those call the ``pydynamodel`` table; :mod:`.broadcast`
posts frames through the ``@connections`` management API of whichever region a member is
connected to.
"""
