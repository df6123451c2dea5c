// The Chatr client app (filled in by the client work).
