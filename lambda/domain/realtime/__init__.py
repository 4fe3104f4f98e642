"""Real-time rooms over WebSocket: connections, memberships, frames and broadcast.

Layering (handler -> domain -> model): ``handlers/ws`` parse events and call the functions of
:mod:`domain.realtime.rooms` (``$connect`` and ``$disconnect`` those of the lighter
:mod:`domain.realtime.connections`); those call the ``pydynamodel`` table; :mod:`.broadcast`
posts frames through the ``@connections`` management API of whichever region a member is
connected to.
"""
