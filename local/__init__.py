"""The offline stack: Web PubSub emulator, Functions host adapter and the runner that starts them."""
