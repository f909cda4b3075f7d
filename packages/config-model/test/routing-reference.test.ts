/**
 * Drives routing from every row of the Kubernetes documentation's Ingress path- and
 * host-matching tables (test/reference/*.tsv): build() a table, then match as the data plane does.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { generateFakeCertificate } from '../src/certificates/index.ts';
import {
  type BuildOptions,
  build,
  defaultOptions,
  lookupServer,
  matchRoute,
  type RoutingTable,
  snapshotFromObjects,
} from '../src/index.ts';
import { endpointSlice, ingress, service } from './support/objects.ts';

const now = new Date('2026-06-01T00:00:00Z');
let options: BuildOptions;
before(async () => {
  options = {
    ...defaultOptions,
    fakeCertificate: await generateFakeCertificate(now),
    now,
    watchIngressWithoutClass: true,
  };
});

function rows(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(new URL(`reference/${file}`, import.meta.url), 'utf8')
    .trim()
    .split('\n');
  const names = (header ?? '').split('\t');
  return lines.map((line) => Object.fromEntries(line.split('\t').map((cell, i) => [names[i], cell])));
}

function tableFor(
  rules: { host?: string; paths: { path: string; pathType: 'Exact' | 'Prefix' }[] }[],
): RoutingTable {
  // Every path gets its own Service so the test can tell which path matched.
  const services = rules.flatMap((r) => r.paths).map((p) => `${p.pathType}${p.path}`);
  const objects = [
    ingress('ref', {
      rules: rules.map((r) => ({ ...r, paths: r.paths.map((p) => ({ ...p, service: svcName(p) })) })),
    }),
    ...services.map((s) => service(svcName(s), [{ port: 80 }])),
    ...services.map((s, i) => endpointSlice(svcName(s), [{ ip: `10.0.0.${i + 1}` }], [{ port: 8080 }])),
  ];
  const { table, diagnostics } = build(snapshotFromObjects(objects).snapshot, options);
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  return table;
}

function svcName(p: string | { path: string; pathType: string }): string {
  const text = typeof p === 'string' ? p : `${p.pathType}${p.path}`;
  return `s-${Buffer.from(text).toString('hex')}`;
}

function matched(table: RoutingTable, host: string, path: string): string | undefined {
  const server = lookupServer(table, host);
  const route = matchRoute(server, path);
  return route === undefined ? undefined : `${route.pathType} ${route.path}`;
}

describe('Kubernetes docs: path matching examples', () => {
  for (const row of rows('ingress-path-examples.tsv')) {
    const { kind = '', paths = '', request_paths: requestPaths = '', matches = '' } = row;
    it(`${kind} ${paths} | ${requestPaths} -> ${matches}`, () => {
      const specs = paths.split(',').map((p) => {
        const m = /^\s*(\S+)(?:\s+\((Exact|Prefix)\))?\s*$/.exec(p);
        assert.ok(m, `cannot read path spec "${p}"`);
        return { path: m[1] as string, pathType: (m[2] ?? kind) as 'Exact' | 'Prefix' };
      });
      const table = tableFor([{ host: 'foo.example.com', paths: specs }]);
      const requests =
        requestPaths === '(all paths)'
          ? ['/', '/x', '/x/y/', '/.well-known/z']
          : requestPaths.split(',').map((s) => s.trim());
      for (const request of requests) {
        const got = matched(table, 'foo.example.com', request);
        if (matches.startsWith('No')) {
          assert.equal(got, undefined, `${request} must not match`);
          continue;
        }
        assert.ok(got, `${request} must match`);
        // "matches /aaa prefix", "prefers Exact": the documented winner, else the only path.
        const named = /matches (\S+) prefix/.exec(matches)?.[1];
        if (named) assert.equal(got, `Prefix ${named}`);
        if (matches.includes('prefers Exact')) assert.equal(got, `Exact ${specs[0]?.path}`);
      }
    });
  }
});

describe('Kubernetes docs: wildcard host examples', () => {
  for (const row of rows('ingress-host-examples.tsv')) {
    const { rule_host: ruleHost = '', host_header: hostHeader = '', match = '' } = row;
    it(`${ruleHost} vs ${hostHeader} -> ${match}`, () => {
      const table = tableFor([{ host: ruleHost, paths: [{ path: '/', pathType: 'Prefix' }] }]);
      const server = lookupServer(table, hostHeader);
      assert.equal(server.host === ruleHost, match.startsWith('Matches'));
      // Host names are case-insensitive and may carry one trailing dot (RFC 4343, RFC 1034 §3.1).
      if (match.startsWith('Matches'))
        assert.equal(lookupServer(table, `${hostHeader.toUpperCase()}.`).host, ruleHost);
    });
  }
});
