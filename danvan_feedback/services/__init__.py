"""Use cases that change state. They take the actor, the clock and settings as arguments."""
