"""What an event costs on Azure at list prices, from what the event-cost benchmark counted.

Prices are pay-as-you-go list prices in USD (US/West Europe regions; they differ a little by region
and change over time; the README says where they come from and when they were read):

* Table Storage (Standard, LRS): transactions, per 10,000. Every request the SDK sends is one.
* Azure Functions, Flex Consumption, on demand: per million executions, and per GB-second of the
  instance memory (2,048 MB by default) while it executes. Counting each event's whole handler
  time at the full instance memory is an upper bound: concurrent executions share an instance.
* Web PubSub (Standard): units are a fixed daily price (1,000 connections and 1,000,000 messages a
  day each); messages beyond that are billed per million. A message is 2 KB of outbound traffic:
  every delivery to a client, and every event the service posts to the event handler.

The free grants (Functions) and the messages included with each unit are left out: this is the
marginal price of 1,000 more events.
"""

from __future__ import annotations

from dataclasses import dataclass

TABLE_TRANSACTION_PER_10K = 0.00036
FUNCTIONS_PER_MILLION_EXECUTIONS = 0.40
FUNCTIONS_PER_GB_SECOND = 0.000026
FUNCTIONS_INSTANCE_GB = 2.0
PUBSUB_PER_MILLION_MESSAGES = 1.00
PUBSUB_UNIT_PER_DAY = 1.61

# who receives what each REST call sends, in the scenario the README prices
BROADCAST_KINDS = ("send to all",)
GROUP_KINDS = ("send to group",)


@dataclass(frozen=True)
class Scenario:
    """How many clients a broadcast and a chat notice reach."""

    online: int = 1000  # connections a `send to all` reaches
    members: int = 10  # connections of a chat a `send to group` reaches


@dataclass(frozen=True)
class Cost:
    """USD per 1,000 events, by service."""

    tables: float
    functions: float
    pubsub: float
    messages: float  # Web PubSub messages per event

    @property
    def total(self) -> float:
        return self.tables + self.functions + self.pubsub


def per_thousand(
    table_ops: float, rest_kinds: dict[str, float], handler_seconds: float, scenario: Scenario, replies: int = 0
) -> Cost:
    """The price of 1,000 events that each make `table_ops` requests, these REST calls, and run this long.

    `replies`: messages the service sends back to the sender with the handler's answer (a `reply` frame).
    """
    deliveries = sum(n * scenario.online for kind, n in rest_kinds.items() if kind in BROADCAST_KINDS)
    deliveries += sum(n * scenario.members for kind, n in rest_kinds.items() if kind in GROUP_KINDS)
    messages = 1 + deliveries + replies  # the event posted to the handler, then what reaches clients
    tables = 1000 * table_ops * TABLE_TRANSACTION_PER_10K / 10_000
    functions = 1000 * (
        FUNCTIONS_PER_MILLION_EXECUTIONS / 1e6 + handler_seconds * FUNCTIONS_INSTANCE_GB * FUNCTIONS_PER_GB_SECOND
    )
    pubsub = 1000 * messages * PUBSUB_PER_MILLION_MESSAGES / 1e6
    return Cost(tables, functions, pubsub, messages)


def direct_group_send(scenario: Scenario) -> Cost:
    """The price of 1,000 frames a browser sends straight to a chat's group: one message per connection there.

    No webhook, no function, no table: what a message cost before it went through the backend.
    """
    return Cost(0.0, 0.0, 1000 * scenario.members * PUBSUB_PER_MILLION_MESSAGES / 1e6, scenario.members)
