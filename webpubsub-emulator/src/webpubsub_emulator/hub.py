"""The state of one hub: its connections indexed by id, group and user, and fan-out to them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

from .config import HubSettings
from .connections import Connection
from .messages import Outbound, Payload

Predicate = Callable[[Connection], bool]


class Hub:
    """Connections of one hub; user-level group membership outlives connections, as on the service."""

    def __init__(self, name: str, settings: HubSettings) -> None:
        self.name = name
        self.settings = settings
        self.connections: dict[str, Connection] = {}
        self._groups: dict[str, dict[str, Connection]] = {}
        self._users: dict[str, dict[str, Connection]] = {}
        self._user_groups: dict[str, set[str]] = {}

    # ---- membership ---------------------------------------------------------------------------

    def add(self, connection: Connection, groups: Iterable[str] = ()) -> None:
        """Register a new connection and join it to `groups` and to its user's groups."""
        self.connections[connection.id] = connection
        if connection.user_id is not None:
            self._users.setdefault(connection.user_id, {})[connection.id] = connection
            groups = [*groups, *self._user_groups.get(connection.user_id, ())]
        for group in groups:
            self.join(connection, group)

    def remove(self, connection: Connection) -> None:
        """Forget a connection everywhere."""
        self.connections.pop(connection.id, None)
        self.leave_all(connection)
        if connection.user_id is not None:
            same_user = self._users.get(connection.user_id, {})
            same_user.pop(connection.id, None)
            if not same_user:
                self._users.pop(connection.user_id, None)

    def get(self, connection_id: str) -> Connection | None:
        """The live connection with this id, if any."""
        return self.connections.get(connection_id)

    def join(self, connection: Connection, group: str) -> None:
        """Add a connection to a group (idempotent)."""
        connection.groups.add(group)
        self._groups.setdefault(group, {})[connection.id] = connection

    def leave(self, connection: Connection, group: str) -> None:
        """Remove a connection from a group (idempotent)."""
        connection.groups.discard(group)
        members = self._groups.get(group)
        if members is not None:
            members.pop(connection.id, None)
            if not members:
                del self._groups[group]

    def leave_all(self, connection: Connection) -> None:
        """Remove a connection from every group."""
        for group in list(connection.groups):
            self.leave(connection, group)

    def members(self, group: str) -> list[Connection]:
        """Connections in a group, in a stable order (by id) for paging."""
        return sorted(self._groups.get(group, {}).values(), key=lambda c: c.id)

    def user_connections(self, user_id: str) -> list[Connection]:
        """Every connection of a user."""
        return list(self._users.get(user_id, {}).values())

    def group_exists(self, group: str) -> bool:
        """Does any connection belong to the group?"""
        return group in self._groups

    def user_exists(self, user_id: str) -> bool:
        """Does the user have any connection?"""
        return user_id in self._users

    def add_user_to_group(self, user_id: str, group: str) -> None:
        """Join the user's connections now and later ones on connect."""
        self._user_groups.setdefault(user_id, set()).add(group)
        for connection in self.user_connections(user_id):
            self.join(connection, group)

    def remove_user_from_group(self, user_id: str, group: str) -> None:
        """Take the user's connections out of the group and stop joining later ones."""
        remembered = self._user_groups.get(user_id)
        if remembered is not None:
            remembered.discard(group)
            if not remembered:
                del self._user_groups[user_id]
        for connection in self.user_connections(user_id):
            self.leave(connection, group)

    def remove_user_from_all_groups(self, user_id: str) -> None:
        """Take the user's connections out of every group and forget the user's groups."""
        self._user_groups.pop(user_id, None)
        for connection in self.user_connections(user_id):
            self.leave_all(connection)

    # ---- fan-out ----------------------------------------------------------------------------------

    @staticmethod
    def _deliver(
        targets: Iterable[Connection],
        message: Outbound,
        excluded: Collection[str] = (),
        predicate: Predicate | None = None,
        skip: Connection | None = None,
    ) -> None:
        for connection in list(targets):  # a copy: a receiver that overflows is removed on the way
            if connection is skip or connection.id in excluded or (predicate and not predicate(connection)):
                continue
            connection.deliver(message)

    def send_to_all(self, payload: Payload, excluded: Collection[str] = (), predicate: Predicate | None = None) -> None:
        """A server message to every connection of the hub."""
        self._deliver(self.connections.values(), Outbound.from_server(payload), excluded, predicate)

    def send_to_user(self, user_id: str, payload: Payload, predicate: Predicate | None = None) -> None:
        """A server message to every connection of a user."""
        self._deliver(self.user_connections(user_id), Outbound.from_server(payload), (), predicate)

    def send_to_connection(self, connection_id: str, payload: Payload) -> None:
        """A server message to one connection (nothing happens if it is gone)."""
        if connection := self.connections.get(connection_id):
            connection.deliver(Outbound.from_server(payload))

    def send_to_group(
        self,
        group: str,
        payload: Payload,
        *,
        sender: Connection | None = None,
        no_echo: bool = False,
        excluded: Collection[str] = (),
        predicate: Predicate | None = None,
    ) -> None:
        """A group message, from a client (`sender`) or from the server; serialised once for everyone."""
        members = self._groups.get(group)
        if not members:
            return
        message = Outbound.to_group(group, sender.user_id if sender else None, payload)
        self._deliver(members.values(), message, excluded, predicate, sender if no_echo else None)
