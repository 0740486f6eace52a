// Apollo Client's automatic persisted queries against /graphql/, as a browser app would use them.
//
//   node apq.mjs http://127.0.0.1:8000/graphql/
//
// Runs one query twice with createPersistedQueryLink({ sha256, useGETForHashedQueries: true }):
// the first run sends the hash alone (GET), is told PersistedQueryNotFound and sends the query (POST), which
// registers it; the second run sends the hash alone (GET) and gets the data. Prints a JSON summary of every
// HTTP request seen (method, whether the query text was sent, status, error codes) and both results; exits
// non-zero when a run fails.
import { createHash } from "node:crypto";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client/core/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";

const endpoint = process.argv[2];
if (!endpoint) {
  console.error("usage: node apq.mjs <GraphQL endpoint URL>");
  process.exit(2);
}

const QUERY = gql`
  query ApqLeaderboard($metric: LeaderboardMetric!) {
    leaderboard(metric: $metric, first: 3) {
      edges {
        rank
        node {
          username
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`;

const sha256 = (text) => createHash("sha256").update(text).digest("hex");

const requests = [];

async function recordingFetch(input, init = {}) {
  const url = new URL(typeof input === "string" ? input : input.url);
  const method = (init.method || "GET").toUpperCase();
  let sent = {};
  if (method === "GET") {
    sent = Object.fromEntries(url.searchParams.entries());
    for (const key of ["variables", "extensions"]) {
      if (sent[key]) sent[key] = JSON.parse(sent[key]);
    }
  } else if (typeof init.body === "string") {
    sent = JSON.parse(init.body);
  }
  const response = await fetch(input, init);
  const record = {
    method,
    querySent: typeof sent.query === "string" && sent.query.length > 0,
    sha256Hash: sent.extensions?.persistedQuery?.sha256Hash ?? null,
    status: response.status,
    cacheControl: response.headers.get("cache-control"),
    errorCodes: [],
    errorMessages: [],
    hasData: false,
  };
  try {
    const body = await response.clone().json();
    record.errorCodes = (body.errors || []).map((error) => error.extensions?.code ?? null);
    record.errorMessages = (body.errors || []).map((error) => error.message);
    record.hasData = body.data !== undefined && body.data !== null;
  } catch {
    record.errorMessages = ["(response is not JSON)"];
  }
  requests.push(record);
  return response;
}

const client = new ApolloClient({
  cache: new InMemoryCache(),
  link: createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
    new HttpLink({ uri: endpoint, fetch: recordingFetch }),
  ),
});

const results = [];
let failed = false;
for (let run = 1; run <= 2; run++) {
  try {
    // no-cache: each run goes to the server (the second one must not be answered by Apollo's cache).
    const result = await client.query({
      query: QUERY,
      variables: { metric: "MATCHES_WON" },
      fetchPolicy: "no-cache",
    });
    results.push({ run, data: result.data, errors: result.errors ?? null });
  } catch (error) {
    failed = true;
    results.push({ run, error: String(error?.message ?? error) });
  }
}

console.log(JSON.stringify({ endpoint, requests, results }, null, 2));
process.exit(failed ? 1 : 0);
