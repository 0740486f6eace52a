// The graphql-ws client subscribing to a player's live activity, as an app would.
//
//   node live.mjs <ws URL> <user id> <after cursor> <count> [token]
//
// Subscribes to activityAdded(userId, after) over graphql-transport-ws (a token goes in connection_init's
// payload), prints each event received as one JSON line ({"seq": i, "cursor", "eventType", "matchId"}),
// and exits 0 after `count` events, or 1 on an error or when none came for 20 seconds.
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, userId, after, count, token] = process.argv.slice(2);
if (!url || !userId || !count) {
  console.error("usage: node live.mjs <ws URL> <user id> <after cursor|-> <count> [token]");
  process.exit(2);
}

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  retryAttempts: 0,
});

const QUERY = `subscription Live($userId: ID!, $after: String) {
  activityAdded(userId: $userId, after: $after) { cursor node { eventType metadata } }
}`;

let received = 0;
let timer = setTimeout(() => fail("no event for 20 seconds"), 20000);

function fail(message) {
  console.log(JSON.stringify({ error: message }));
  client.dispose();
  process.exit(1);
}

client.subscribe(
  { query: QUERY, variables: { userId, after: after === "-" ? null : after } },
  {
    next: (result) => {
      if (result.errors) fail(JSON.stringify(result.errors));
      const edge = result.data.activityAdded;
      received += 1;
      console.log(
        JSON.stringify({ cursor: edge.cursor, eventType: edge.node.eventType, matchId: edge.node.metadata.match_id }),
      );
      clearTimeout(timer);
      timer = setTimeout(() => fail("no event for 20 seconds"), 20000);
      if (received >= Number(count)) {
        clearTimeout(timer);
        client.dispose();
        setTimeout(() => process.exit(0), 50);
      }
    },
    error: (error) => fail(error instanceof Error ? error.message : JSON.stringify(error)),
    complete: () => {},
  },
);
