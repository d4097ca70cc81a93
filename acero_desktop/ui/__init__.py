"""The desktop client (PySide6): Qt models over the local cache, views, dialogs and the tray.

Split by feature like qutebrowser: ``tickets/`` (table model, view, delegate), ``sidebar/``,
``search/``, ``detail/``, ``new_ticket/`` and ``login/``; ``app.py`` and ``main.py`` start it.
Nothing here talks to the network from a slot: network work runs as asyncio tasks on the
qasync loop, slots read the cache and issue mutations through :class:`session.ClientSession`.
"""
