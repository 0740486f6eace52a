"""Live subscriptions: `activityAdded` and `myActivity` (docs/realtime.md)."""
