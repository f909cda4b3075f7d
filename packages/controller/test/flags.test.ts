import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flagTable } from '../src/flag-table.ts';
import { parseFlags, UsageError } from '../src/flags.ts';
import { usage } from '../src/usage.ts';

function usageError(argv: string[], message: RegExp): void {
  assert.throws(
    () => parseFlags(argv),
    (error: unknown) => {
      assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    },
  );
}

describe('parseFlags', () => {
  it('defaults match ingress-nginx', () => {
    const options = parseFlags([]);
    assert.deepEqual(options, {
      command: 'run',
      manifests: [],
      httpPort: 80,
      httpsPort: 443,
      healthzPort: 10254,
      bindAddress: null,
      defaultSslCertificate: null,
      enableSslPassthrough: false,
      passthroughSplicer: 'native',
      configMap: null,
      ingressClass: 'nginx',
      controllerClass: 'k8s.io/ingress-nginx',
      watchIngressWithoutClass: false,
      workers: 'auto',
      kubeconfig: null,
      watchNamespace: null,
      electionId: 'ingress-controller-leader',
      publishService: null,
      publishStatusAddress: [],
      output: 'text',
      help: false,
    });
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    const options = parseFlags([
      'run',
      '--manifests',
      'a',
      '--manifests=b',
      '--http-port=8080',
      '--https-port',
      '8443',
      '--healthz-port=0',
      '--bind-address',
      '::1',
      '--default-ssl-certificate=ingress/default-cert',
      '--enable-ssl-passthrough',
      '--passthrough-splicer=javascript',
      '--configmap',
      'ingress-nginx/ingress-nginx-controller',
      '--ingress-class=internal',
      '--controller-class',
      'example.com/internal',
      '--watch-ingress-without-class=true',
      '--workers=4',
      '--kubeconfig',
      '/etc/kube/config',
      '--watch-namespace=shop',
      '--election-id',
      'portcullis-leader',
      '--publish-service=ingress/portcullis',
      '--publish-status-address',
      '203.0.113.7,lb.example.com',
      '--output=json',
    ]);
    assert.deepEqual(options, {
      command: 'run',
      manifests: ['a', 'b'],
      httpPort: 8080,
      httpsPort: 8443,
      healthzPort: 0,
      bindAddress: '::1',
      defaultSslCertificate: { namespace: 'ingress', name: 'default-cert' },
      enableSslPassthrough: true,
      passthroughSplicer: 'javascript',
      configMap: { namespace: 'ingress-nginx', name: 'ingress-nginx-controller' },
      ingressClass: 'internal',
      controllerClass: 'example.com/internal',
      watchIngressWithoutClass: true,
      workers: 4,
      kubeconfig: '/etc/kube/config',
      watchNamespace: 'shop',
      electionId: 'portcullis-leader',
      publishService: { namespace: 'ingress', name: 'portcullis' },
      publishStatusAddress: ['203.0.113.7', 'lb.example.com'],
      output: 'json',
      help: false,
    });
  });

  it('accepts booleans as --flag=true|false, as Go flags do', () => {
    assert.equal(parseFlags(['--enable-ssl-passthrough=false']).enableSslPassthrough, false);
    assert.equal(parseFlags(['--enable-ssl-passthrough=true']).enableSslPassthrough, true);
    assert.equal(
      parseFlags(['--enable-ssl-passthrough', '--enable-ssl-passthrough=false']).enableSslPassthrough,
      false,
    );
    assert.equal(parseFlags(['--watch-ingress-without-class']).watchIngressWithoutClass, true);
    usageError(['--enable-ssl-passthrough=yes'], /^invalid value "yes" for --enable-ssl-passthrough/);
  });

  it('check takes PATHs as arguments and from --manifests, flags anywhere', () => {
    const options = parseFlags([
      '--ingress-class',
      'x',
      'check',
      'dir1',
      '--output',
      'json',
      'dir2',
      '--manifests=d3',
    ]);
    assert.equal(options.command, 'check');
    assert.deepEqual(options.manifests, ['dir1', 'dir2', 'd3']);
    assert.equal(options.output, 'json');
    assert.equal(options.ingressClass, 'x');
    assert.deepEqual(parseFlags(['check', '--', '--odd-name']).manifests, ['--odd-name']);
  });

  it('rejects bad values with one line naming the flag and the value', () => {
    usageError(['--http-port', '65536'], /^invalid value "65536" for --http-port: expected a port/);
    usageError(['--https-port=-1'], /^invalid value "-1" for --https-port/);
    usageError(['--healthz-port=ten'], /^invalid value "ten" for --healthz-port/);
    usageError(
      ['--default-ssl-certificate', 'default-cert'],
      /"default-cert" for --default-ssl-certificate: expected NAMESPACE\/NAME/,
    );
    usageError(['--configmap=a/b/c'], /"a\/b\/c" for --configmap: expected NAMESPACE\/NAME/);
    usageError(['--publish-service=/svc'], /"\/svc" for --publish-service/);
    usageError(['--default-ssl-certificate=Ingress/cert'], /"Ingress" is not a valid namespace/);
    usageError(
      ['--bind-address=localhost'],
      /"localhost" for --bind-address: expected an IPv4 or IPv6 address/,
    );
    usageError(['--workers=0'], /"0" for --workers: expected a number 1-1024 or auto/);
    usageError(['--workers=many'], /"many" for --workers/);
    usageError(['--passthrough-splicer=c'], /"c" for --passthrough-splicer: expected native or javascript/);
    usageError(['--watch-namespace=Shop'], /"Shop" for --watch-namespace/);
    usageError(
      ['--publish-status-address=1.2.3.4,not valid'],
      /"not valid" is not an IP address or host name/,
    );
    usageError(['--ingress-class='], /for --ingress-class: expected a non-empty value/);
    usageError(['--output=yaml'], /"yaml" for --output: expected text or json/);
    usageError(['--http-port=8080', '--https-port=8080'], /--https-port 8080 is already used by --http-port/);
  });

  it('rejects unknown flags, missing values and stray arguments by name', () => {
    usageError(['--no-such-flag=1'], /^unknown flag --no-such-flag$/);
    usageError(['--sync-period', '10s'], /^unknown flag --sync-period$/);
    usageError(['-x'], /^unknown flag -x$/);
    usageError(['--http-port'], /^flag --http-port needs a value$/);
    usageError(['--configmap', '--enable-ssl-passthrough'], /^flag --configmap needs a value$/);
    usageError(['serve'], /^unknown command "serve"/);
    usageError(['run', 'extra'], /^unexpected argument "extra" for run$/);
    usageError(['check'], /^check needs at least one manifest PATH$/);
  });

  it('--help (and -h) lists every flag with its default', () => {
    assert.equal(parseFlags(['--help']).help, true);
    assert.equal(parseFlags(['check', '-h']).help, true);
    const text = usage();
    for (const flag of flagTable) {
      const line = text.split('\n').find((l) => l.trimStart().startsWith(`--${flag.name}`));
      assert.ok(line, `--help lists --${flag.name}`);
      assert.ok(line.includes(`(default: ${flag.default})`), `--${flag.name} shows its default: ${line}`);
    }
    assert.match(text, /--https-port PORT .*\(default: 443\)/);
    assert.match(text, /--controller-class CLASS .*\(default: k8s\.io\/ingress-nginx\)/);
  });
});
