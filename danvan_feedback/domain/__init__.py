"""Pure rules of the domain. Nothing here imports Flask or reads a request."""
