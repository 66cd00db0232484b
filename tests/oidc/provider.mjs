// A real, certified OpenID Connect provider (the npm package oidc-provider) for the tests: started on a free port
// of 127.0.0.1 by tests/oidc/fixtures.py, it prints {"issuer": ...} on its first line of output.
// Usage: node tests/oidc/provider.mjs config.json
//   config: {"clients": [{client_id, client_secret, redirect_uris}], "accounts": {"<login>": {claims}},
//            "codeTtl": seconds (optional)}
// Its sign-in page is a form with one field, the account's login (no password: the tests are the users); consent
// is given at once.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', use: 'sig', alg: 'RS256' };

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

function loginForm(uid, error) {
  return page('Education system sign-in', `<h1>Education system</h1>${error ? `<p id="error">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label for="login">Login</label><input id="login" name="login" autofocus>
<button type="submit" id="submit">Sign in</button></form>`);
}

async function readForm(req) {
  let data = '';
  for await (const chunk of req) data += chunk;
  return new URLSearchParams(data);
}

function start(issuer, server) {
  const provider = new Provider(issuer, {
    clients: config.clients.map((c) => ({
      ...c,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: { keys: [signingKey] },
    cookies: { keys: ['awn-tests-cookie-key'] },
    claims: { openid: ['sub'], profile: ['name'], national_id: ['national_id', 'children'] },
    conformIdTokenClaims: false, // the claims of the scopes asked for go into the ID token itself
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    ttl: { AuthorizationCode: config.codeTtl || 60, IdToken: 300, AccessToken: 300, Session: 600, Grant: 600, Interaction: 600 },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (ctx, id) => {
      const claims = config.accounts[id];
      if (!claims) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
    },
  });
  const handle = provider.callback();
  server.on('request', async (req, res) => {
    const match = req.url.match(/^\/interaction\/([\w-]+)(\/login)?/);
    if (!match) return handle(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (match[2] && req.method === 'POST') {
        const login = (await readForm(req)).get('login') || '';
        if (!config.accounts[login]) {
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end(loginForm(details.uid, 'Unknown login'));
        }
        return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
      }
      if (details.prompt.name === 'login') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(loginForm(details.uid, ''));
      }
      const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      return res.end(`interaction failed: ${error.message}`);
    }
  });
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  start(issuer, server);
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
