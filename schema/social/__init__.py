"""Player-to-player views of the activity log: head-to-head between two players and the grouped feed."""
