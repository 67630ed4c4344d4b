"""Serve one channel's webhook on loopback, as Rasa mounts it, with a scripted bot behind it."""
from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any, Awaitable, Callable, Iterator, List

from rasa.core.channels.channel import InputChannel, UserMessage, register
from sanic import Sanic

HOST = "127.0.0.1"
# Sanic 21.12 rewrites its own methods at each start; only in test mode can a second app start in one process.
Sanic.test_mode = True
RUSSIAN_ANSWER = "Интраоперационная лучевая терапия проводится во время операции."
QUESTION = "Что вы хотите узнать?"
BUTTONS = [{"title": "Что такое ИОЛТ?", "payload": "/ask_iort_what"},
           {"title": "Побочные эффекты", "payload": "/ask_iort_side_effects"}]


class ScriptedBot:
    """Records what reaches the bot; answers every message with a Russian text and a question with two buttons."""

    def __init__(self, reply: Callable[[UserMessage], Awaitable[None]] = None):
        self.received: List[UserMessage] = []
        self.reply = reply or self.answer

    async def handle_message(self, message: UserMessage) -> Any:
        self.received.append(message)
        await self.reply(message)

    @staticmethod
    async def answer(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": RUSSIAN_ANSWER})
        await message.output_channel.send_response(message.sender_id, {"text": QUESTION, "buttons": list(BUTTONS)})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextmanager
def serving(channel: InputChannel, bot: ScriptedBot) -> Iterator[str]:
    """The channel's base URL (…/webhooks/<name>), served by Sanic in a background thread."""
    app = Sanic(f"channel_test_{uuid.uuid4().hex[:8]}")
    app.ctx.agent = SimpleNamespace(handle_message=bot.handle_message)
    register([channel], app, route="/webhooks/")
    port = _free_port()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(app.create_server(host=HOST, port=port, return_asyncio_server=True))
        loop.run_until_complete(server.startup())
        holder["server"] = server
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if not started.wait(30):
        raise RuntimeError("the channel's test server did not start")
    try:
        yield f"http://{HOST}:{port}/webhooks/{channel.name()}"
    finally:
        async def close() -> None:
            holder["server"].close()
            await holder["server"].wait_closed()

        asyncio.run_coroutine_threadsafe(close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
