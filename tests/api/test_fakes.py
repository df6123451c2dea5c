"""The fakes stand in for the whole of State and PubSub: a method added to either fails here until the fake has it."""

from __future__ import annotations

import inspect

import pytest

from api.pubsub import PubSub
from api.state import State
from tests.api.fakes import FakePubSub, FakeState


@pytest.mark.parametrize(("real", "fake"), [(State, FakeState), (PubSub, FakePubSub)])
def test_the_fake_overrides_every_public_method_of_the_real_class(real: type, fake: type) -> None:
    public = {name for name, member in vars(real).items() if inspect.isfunction(member) and not name.startswith("_")}
    inherited = {name for name in public if name not in vars(fake)}
    assert not inherited, f"{fake.__name__} must implement {sorted(inherited)} (or they would reach Azure)"
