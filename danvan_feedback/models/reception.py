"""Reception log and dialogue session models."""
