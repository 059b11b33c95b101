// Independent VC-JWT check with `jose` against the served JWKS.
// usage: node verify-jwt.mjs <jwt-file> <base-url> <expected-iss>
import {readFile} from 'node:fs/promises';
import {createRemoteJWKSet, jwtVerify} from 'jose';

const [file, base, iss] = process.argv.slice(2);
if(!file || !base || !iss) { console.error('usage: node verify-jwt.mjs <jwt-file> <base-url> <iss>'); process.exit(2); }
try {
  const jwt = (await readFile(file, 'utf8')).trim();
  const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', base));
  // The header's kid must match a JWKS entry's kid; alg pinned to what makermatch signs with.
  const {payload, protectedHeader} = await jwtVerify(jwt, jwks, {issuer: iss, algorithms: ['EdDSA']});
  console.log(JSON.stringify({verified: true, kid: protectedHeader.kid, jti: payload.jti, sub: payload.sub}));
} catch(e) {
  console.log(JSON.stringify({verified: false, error: String(e && e.code || e.message || e)}));
  process.exit(1);
}
