"""Lambda handlers of the WebSocket API routes ($connect, $disconnect, join, leave, send) and
of the consumer of the ``publish`` queue. Each parses its event and calls domain.realtime."""
