// The benchmark's reference: the least any Node client can do for a steady-state run. Three hosts over HTTP/2,
// the token and then the app read, with the GitHub listing in parallel; no checks, no output.
// Usage: node scripts/reference-client.cjs AUTHORITY GRAPH GITHUB TENANT CLIENT_ID CLIENT_SECRET GITHUB_TOKEN
'use strict';
const http2 = require('node:http2');

const [authority, graph, github, tenant, clientId, clientSecret, githubToken] = process.argv.slice(2);
const sessions = {};
const session = (origin) => (sessions[origin] ??= http2.connect(origin));
const request = (origin, headers, body) =>
  new Promise((resolve, reject) => {
    const stream = session(origin).request(headers);
    let data = '';
    stream.on('data', (chunk) => (data += chunk));
    stream.on('end', () => resolve(data));
    stream.on('error', reject);
    stream.end(body);
  });

session(graph);
(async () => {
  const listing = request(github, {
    ':path': '/repos/octo/app/actions/secrets?per_page=100',
    authorization: `Bearer ${githubToken}`,
    accept: 'application/vnd.github+json',
    'user-agent': 'reference',
  });
  const form = new URLSearchParams({ client_id: clientId, client_secret: clientSecret, scope: `${graph}/.default`, grant_type: 'client_credentials' });
  const token = JSON.parse(
    await request(authority, { ':method': 'POST', ':path': `/${tenant}/oauth2/v2.0/token`, 'content-type': 'application/x-www-form-urlencoded' }, form.toString()),
  ).access_token;
  await request(graph, { ':path': "/v1.0/applications?$filter=displayName%20eq%20'bench-app'", authorization: `Bearer ${token}` });
  await listing;
  for (const s of Object.values(sessions)) s.close();
})();
