"""The primitives: every operation with a hand-written backward rule."""
