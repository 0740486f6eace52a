"""A player's activity calendar, streaks and recent form: types, resolvers and their batched loaders."""
