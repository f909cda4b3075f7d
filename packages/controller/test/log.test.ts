import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, logDiagnostic } from '../src/log.ts';

function capture(level?: 'debug' | 'info' | 'warn' | 'error') {
  const lines: string[] = [];
  const clock = () => new Date('2026-04-01T12:00:00.000Z');
  const logger = createLogger({ write: (line) => lines.push(line), clock, ...(level ? { level } : {}) });
  return { logger, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>), lines };
}

describe('createLogger', () => {
  it('writes one JSON object per line with level, time, msg and fields', () => {
    const { logger, lines, records } = capture();
    logger.info('table published', { hash: 'abc', servers: 3 });
    assert.equal(lines.length, 1);
    assert.ok(lines[0]?.endsWith('}\n'));
    assert.deepEqual(records()[0], {
      level: 'info',
      time: '2026-04-01T12:00:00.000Z',
      msg: 'table published',
      hash: 'abc',
      servers: 3,
    });
  });

  it('drops lines below the level (default info)', () => {
    const quiet = capture();
    quiet.logger.debug('noise');
    quiet.logger.warn('kept');
    assert.deepEqual(
      quiet.records().map((r) => r.msg),
      ['kept'],
    );
    const loud = capture('debug');
    loud.logger.debug('noise');
    assert.equal(loud.records().length, 1);
  });

  it('child loggers add their fields; errors keep message and code', () => {
    const { logger, records } = capture();
    const error = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    logger.child({ component: 'kube-source' }).error('watch failed', { err: error });
    assert.deepEqual(records()[0], {
      level: 'error',
      time: '2026-04-01T12:00:00.000Z',
      msg: 'watch failed',
      component: 'kube-source',
      err: { message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' },
    });
  });

  it('logs diagnostics with their code and object at the matching level', () => {
    const { logger, records } = capture();
    logDiagnostic(logger, {
      code: 'SecretNotFound',
      severity: 'error',
      object: { kind: 'Ingress', namespace: 'shop', name: 'web', field: 'spec.tls[0].secretName' },
      message: 'Secret shop/web-tls not found; serving the default certificate',
    });
    assert.deepEqual(records()[0], {
      level: 'error',
      time: '2026-04-01T12:00:00.000Z',
      msg: 'Secret shop/web-tls not found; serving the default certificate',
      code: 'SecretNotFound',
      object: 'Ingress shop/web (spec.tls[0].secretName)',
    });
  });
});
