// A real OpenID Connect provider for the sign-in tests: npm's
// `oidc-provider` (pinned in .ci/do), on 127.0.0.1 at a free port, with
// its stock login form (any password), one client for Hocvu, test people
// with phone_number claims, PKCE required and RP-initiated logout.
//
// Environment:
//   OIDC_PROVIDER_MODULES  node_modules holding oidc-provider (and jose)
//   (stdin)                the first line is the origin of the Hocvu under
//                          test (http://127.0.0.1:PORT): Hocvu starts after
//                          the provider, on a port of its own choosing
//   PROVIDER_IDS           Hocvu's ids for this provider (comma-separated):
//                          one redirect URI each
//   PEOPLE                 JSON: { "<login>": { claims... } }
//   CODE_TTL               seconds an authorization code lives (default 60)
//   MISBEHAVE              "" | "other_audience" | "clock_ahead" |
//                          "clock_behind": the ID token is re-signed, with
//                          the provider's own key, for another client or
//                          with times an hour off (a provider whose clock
//                          is wrong), to test that Hocvu refuses it.
// Prints `oidc-provider listening on http://127.0.0.1:PORT` once listening,
// then `oidc-provider ready` once it knows Hocvu's origin.

import http from 'node:http';
import readline from 'node:readline';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const modules = process.env.OIDC_PROVIDER_MODULES;
const load = (name, file) => import(pathToFileURL(path.join(modules, name, file)).href);
const { default: Provider } = await load('oidc-provider', 'lib/index.js');
const jose = await load('jose', 'dist/webapi/index.js');

const ids = (process.env.PROVIDER_IDS || 'tinh').split(',');
const people = JSON.parse(process.env.PEOPLE || '{}');
const misbehave = process.env.MISBEHAVE || '';

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

const server = http.createServer();
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const issuer = `http://127.0.0.1:${server.address().port}`;
console.log(`oidc-provider listening on ${issuer}`);
const input = readline.createInterface({ input: process.stdin });
const origin = (await input[Symbol.asyncIterator]().next()).value.trim();

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'hocvu',
    client_secret: 'hocvu-test-secret',
    redirect_uris: ids.map((id) => `${origin}/signin/with/${id}/callback`),
    post_logout_redirect_uris: [`${origin}/`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['hocvu-tests-cookie-key'] },
  claims: {
    openid: ['sub'],
    phone: ['phone_number', 'phone_number_verified'],
    profile: ['name'],
  },
  scopes: ['openid', 'phone', 'profile'],
  pkce: { required: () => true },
  ttl: { AuthorizationCode: Number(process.env.CODE_TTL || 60) },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // The stock page loads a web font; this one is plain.
      logoutSource: async (ctx, form) => {
        ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign out</title></head>
          <body>${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button></body></html>`;
      },
    },
  },
  async findAccount(ctx, sub) {
    const claims = people[sub];
    if (!claims) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...claims }) };
  },
  // Consent is implied: a test person agreed to share their phone.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid phone profile');
    await grant.save();
    return grant;
  },
});

// The misbehaving modes change the ID token of the token endpoint's answer
// and sign it again with the provider's key.
if (misbehave) {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== '/token' || !ctx.body || !ctx.body.id_token) return;
    const claims = jose.decodeJwt(ctx.body.id_token);
    const hour = 3600;
    if (misbehave === 'other_audience') claims.aud = 'another-client';
    if (misbehave === 'clock_ahead') { claims.iat += hour; claims.exp += hour; }
    if (misbehave === 'clock_behind') { claims.iat -= 2 * hour; claims.exp -= 2 * hour; }
    ctx.body.id_token = await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .sign(privateKey);
  });
}

server.on('request', provider.callback());
console.log('oidc-provider ready');
process.on('SIGTERM', () => process.exit(0));
