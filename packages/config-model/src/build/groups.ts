/**
 * Contributions -> servers, one host at a time. A host's server depends only on the Ingresses
 * with rules for it (in order), the Services and Secrets those lookups read, and the default
 * certificate; when all of these are the same objects as in the last build, the finished server,
 * its diagnostics and the Secrets it loaded are reused as they are. After one change among
 * 10,000 Ingresses, one host is drafted again and the rest cost a few lookups each.
 */
import type { Diagnostic } from '../diagnostics.ts';
import type { Certificate } from '../table.ts';
import type { BackendResolver } from './backends.ts';
import type { CertificateStore, LoadedSecrets } from './certificates.ts';
import type { Contribution } from './contributions.ts';
import type { Finished, TableFinisher } from './finish.ts';
import { catchAllHost, draftServer, type ServerDraft } from './servers.ts';
import { assignCertificate } from './tls.ts';
import { type ChangeTracker, type Checked, Scope, sameItems } from './tracker.ts';

/** What later stages (names.ts) read of a server draft; the rest is dropped once finished. */
export type DraftView = Pick<ServerDraft, 'host' | 'ingresses' | 'tls'>;

interface HostMemo extends Checked {
  readonly members: readonly Contribution[];
  readonly defaultCertificate: Certificate;
  readonly draft: DraftView;
  readonly finished: Finished;
  readonly diagnostics: readonly Diagnostic[];
  readonly loads: LoadedSecrets;
  readonly certificate: Certificate | null;
}

export interface Servers {
  /** Every host, in the order ingress-nginx creates servers (catch-all first). */
  readonly hosts: ReadonlyMap<string, { readonly draft: DraftView }>;
  /** Finished servers except the catch-all. */
  readonly servers: Finished[];
  readonly catchAll: Finished;
}

export class ServerBuilder {
  #memo = new Map<string, HostMemo>();
  readonly #tracker: ChangeTracker;
  readonly #resolver: BackendResolver;
  readonly #store: CertificateStore;
  readonly #finisher: TableFinisher;

  constructor(
    tracker: ChangeTracker,
    resolver: BackendResolver,
    store: CertificateStore,
    finisher: TableFinisher,
  ) {
    this.#tracker = tracker;
    this.#resolver = resolver;
    this.#store = store;
    this.#finisher = finisher;
  }

  build(contributions: readonly Contribution[], defaultCertificate: Certificate, out: Diagnostic[]): Servers {
    const servers: Finished[] = [];
    let catchAll: Finished | undefined;
    const next = new Map<string, HostMemo>();
    for (const [host, members] of byHost(contributions)) {
      let memo = this.#memo.get(host);
      if (
        memo !== undefined &&
        memo.defaultCertificate === defaultCertificate &&
        sameItems(memo.members, members) &&
        this.#tracker.unchanged(memo)
      ) {
        this.#store.reload(memo.loads);
        if (memo.certificate !== null) this.#store.use(memo.certificate);
      } else {
        memo = this.#draft(host, members, defaultCertificate, memo?.finished);
      }
      next.set(host, memo);
      for (const d of memo.diagnostics) out.push(d);
      if (host === catchAllHost) catchAll = memo.finished;
      else servers.push(memo.finished);
    }
    this.#memo = next;
    return { hosts: next, servers, catchAll: catchAll as Finished };
  }

  #draft(
    host: string,
    members: readonly Contribution[],
    defaultCertificate: Certificate,
    previous: Finished | undefined,
  ): HostMemo {
    const scope = new Scope();
    let draft: ServerDraft | undefined;
    let certificate: Certificate | null = null;
    const loads = this.#store.within(scope, () => {
      draft = draftServer(host, members, this.#resolver, this.#finisher.id, scope);
      if (host === catchAllHost) return;
      const authOf = (item: Contribution['item']) => members.find((m) => m.item === item)?.auth ?? null;
      certificate = assignCertificate(draft, this.#store, defaultCertificate, authOf, scope.diagnostics);
    });
    const { ingresses, tls } = draft as ServerDraft;
    const finished = this.#finisher.server(draft as ServerDraft, previous);
    return {
      members,
      defaultCertificate,
      draft: { host, ingresses, tls },
      finished,
      diagnostics: scope.diagnostics,
      loads,
      certificate,
      deps: scope.deps,
      checkedAt: this.#tracker.generation,
    };
  }
}

/**
 * Host -> its Ingresses' contributions, oldest first; the catch-all takes rules without a host
 * and Ingresses without rules (for their default backend). Map order is server creation order.
 */
function byHost(contributions: readonly Contribution[]): Map<string, Contribution[]> {
  const groups = new Map<string, Contribution[]>([[catchAllHost, []]]);
  const add = (host: string, member: Contribution) => {
    const list = groups.get(host);
    if (list === undefined) groups.set(host, [member]);
    else if (list[list.length - 1] !== member) list.push(member);
  };
  for (const member of contributions) {
    const { hosts } = member.item;
    if ((member.item.ingress.spec.rules ?? []).length === 0 && member.ingressDefault !== null)
      add(catchAllHost, member);
    for (const host of hosts) if (host !== undefined) add(host === '' ? catchAllHost : host, member);
  }
  return groups;
}
