"""Forms shared by several blueprints (the case form, its messages, choices and files): a neutral home,
so that no blueprint imports another (the independence contract in .importlinter)."""
