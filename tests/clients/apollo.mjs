// Apollo Client against makermatch: automatic persisted queries with hashed queries over
// GET (`useGETForHashedQueries`), through an HttpLink on Node's fetch. Runs the query of
// the second argument twice against the URL of the first (the first run registers the
// hash, the second is answered from it) and prints one JSON line: the data, and each
// request's method, status and ETag as the server answered them.
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { createHash } from 'node:crypto';

const [url, query] = process.argv.slice(2);
if (!url || !query) {
  console.error('usage: node apollo.mjs http://127.0.0.1:PORT/graphql "query Name { ... }"');
  process.exit(2);
}

const requests = [];
const recordingFetch = async (input, init) => {
  const response = await fetch(input, init);
  requests.push({
    method: (init?.method ?? 'GET').toUpperCase(),
    status: response.status,
    etag: response.headers.get('etag'),
  });
  return response;
};

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const client = new ApolloClient({
  link: createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
    new HttpLink({ uri: url, fetch: recordingFetch }),
  ),
  cache: new InMemoryCache(),
});

const document = gql(query);
const first = await client.query({ query: document, fetchPolicy: 'network-only' });
const second = await client.query({ query: document, fetchPolicy: 'network-only' });
console.log(JSON.stringify({ first: first.data, second: second.data, requests }));
