// Runs graphql-http's GraphQL-over-HTTP audit against the URL given as the first argument
// and prints one line per audit that is not `ok`: `<status> <id> <name>: <reason>`.
// Exits 0 when every audit passed, 1 otherwise (2 when the audit itself could not run).
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs http://127.0.0.1:PORT/graphql');
  process.exit(2);
}

const results = await auditServer({ url });
let failed = 0;
for (const result of results) {
  if (result.status === 'ok') continue;
  failed += 1;
  let body = '';
  if (result.response) {
    try {
      body = ` (HTTP ${result.response.status}: ${(await result.response.text()).slice(0, 300)})`;
    } catch {
      // The body was read by the audit already.
    }
  }
  console.log(`${result.status} ${result.id} ${result.name}: ${result.reason}${body}`);
}
console.log(`${results.length} audits, ${failed} not ok`);
process.exit(failed === 0 ? 0 : 1);
