"""The Kafka transport depsim's worker runs on: faust's aiokafka one, guarded.

faust acknowledges an event that a stream takes while its flow control is suspended
(a rebalance or a stop is under way), or that was fetched before the latest
rebalance, without handing it to the agent; faust then commits that offset like any
other. A record fetched just before a stop or a rebalance could so be committed
without ever being graded, and the worker that resumes the partition starts after
it. This consumer accepts the acknowledgement of a guarded topic's record only once
depsim has marked it handled, so such a record is not committed and comes again.
An agent releases a record it will not handle the same way: by acknowledging it
unmarked.

Registered with faust under the URL scheme `depsim` (entry point group
`faust.transports`).
"""

from __future__ import annotations

import weakref
from typing import Any, ClassVar, cast

from faust.transport.drivers import aiokafka
from faust.types import ConsumerT, Message

SCHEME = "depsim"


class ConsumerThread(aiokafka.AIOKafkaConsumerThread):
    """faust's consumer thread, with the fetch long-poll the consumer asks for."""

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # faust fixes the wait at 1.5 s, and a broker that holds a fetch for all of
        # it when nothing is waiting (the embedded Tansu does) delays every record
        # by up to that much. aiokafka reads the attribute when the consumer starts.
        owner = cast(Consumer, self.consumer)
        consumer._fetch_max_wait_ms = round(owner.fetch_max_wait_s * 1000)
        return consumer


class Consumer(aiokafka.Consumer):
    """An aiokafka consumer that commits guarded records only once handled.

    `fetch_max_wait_s` is how long the broker may hold a fetch that finds nothing
    new; set it before the consumer starts.
    """

    guarded_topics: set[str]
    fetch_max_wait_s: float = 1.5
    _handled: weakref.WeakSet[Message]

    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.guarded_topics = set()
        self._handled = weakref.WeakSet()

    def handled(self, message: Message) -> None:
        """Let the next acknowledgement of `message` through."""
        self._handled.add(message)

    def ack(self, message: Message) -> bool:
        """Acknowledge `message`; a guarded one only if it was marked handled.

        A guarded message acknowledged unhandled is released instead: nothing
        waits for it any more, and its offset stays uncommitted (the worker reads
        the partition again from there, see `streamer.worker`).
        """
        if message.topic in self.guarded_topics and message not in self._handled:
            self.unacked.discard(message)
            return False

        self._handled.discard(message)
        return super().ack(message)


class Transport(aiokafka.Transport):
    """faust's aiokafka transport with the guarded consumer."""

    Consumer: ClassVar[type[ConsumerT]] = Consumer
