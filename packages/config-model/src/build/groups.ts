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
import { exact } from './exact.ts';
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

/** The last build's hosts in creation order, with their members and memos at the same index. */
interface Layout {
  readonly generation: number;
  readonly contributions: readonly Contribution[];
  readonly defaultCertificate: Certificate;
  readonly hosts: readonly string[];
  readonly members: (readonly Contribution[])[];
  readonly memos: HostMemo[];
  /** Host -> its memo, for names.ts; updated in place as hosts are redrafted. */
  readonly byHost: Map<string, HostMemo>;
  /** Made on first use: host -> index, and dependency key -> indexes of hosts that read it. */
  positions: Map<string, number> | null;
  readers: Map<string, number[]> | null;
}

/** More replaced contributions than this and the hosts are grouped again. */
const PATCH_LIMIT = 64;

export class ServerBuilder {
  #layout: Layout | null = null;
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
    const patched = this.#patch(contributions, defaultCertificate);
    const layout = patched?.layout ?? this.#regroup(contributions, defaultCertificate);
    const dirty = patched?.dirty;
    const servers: Finished[] = [];
    const { hosts, members, memos } = layout;
    for (let i = 0; i < hosts.length; i++) {
      let memo: HostMemo | undefined = memos[i];
      const host = hosts[i] as string;
      const group = members[i] as readonly Contribution[];
      const reuse = dirty === undefined ? this.#reusable(memo, group, defaultCertificate) : dirty[i] !== 1;
      if (reuse && memo !== undefined) {
        this.#store.reload(memo.loads);
        if (memo.certificate !== null) this.#store.use(memo.certificate);
      } else {
        memo = this.#draft(host, group, defaultCertificate, memo?.finished);
        memos[i] = memo;
        layout.byHost.set(host, memo);
        if (layout.readers !== null) for (const key of memo.deps) addReader(layout.readers, key, i);
      }
      for (const d of memo.diagnostics) out.push(d);
      if (i > 0) servers.push(memo.finished);
    }
    this.#layout = layout;
    return { hosts: layout.byHost, servers, catchAll: (memos[0] as HostMemo).finished };
  }

  #reusable(
    memo: HostMemo | undefined,
    members: readonly Contribution[],
    defaultCertificate: Certificate,
  ): boolean {
    return (
      memo !== undefined &&
      memo.defaultCertificate === defaultCertificate &&
      sameItems(memo.members, members) &&
      this.#tracker.unchanged(memo)
    );
  }

  /** Groups every contribution by host; memos are found by host name. */
  #regroup(contributions: readonly Contribution[], defaultCertificate: Certificate): Layout {
    const groups = byHost(contributions);
    const previous = this.#layout?.byHost;
    const memos = [...groups.keys()].map((host) => previous?.get(host)) as HostMemo[];
    return {
      generation: this.#tracker.generation,
      contributions,
      defaultCertificate,
      hosts: [...groups.keys()],
      members: [...groups.values()],
      memos,
      byHost: new Map([...groups.keys()].map((host, i) => [host, memos[i] as HostMemo])),
      positions: null,
      readers: null,
    };
  }

  /**
   * The common rebuild: the same contributions but for a few replaced ones with the same hosts.
   * The grouping is the last one with those swapped in; the hosts to draft again are theirs and
   * the readers of the keys the tracker saw change. Every other host is reused without a look.
   * That holds because each build either checks every memo (regroup) or every host whose
   * dependencies changed since the previous build (this), so an unchecked memo is still good.
   */
  #patch(
    contributions: readonly Contribution[],
    defaultCertificate: Certificate,
  ): { layout: Layout; dirty: Uint8Array } | undefined {
    const last = this.#layout;
    if (
      last === null ||
      last.generation !== this.#tracker.generation - 1 ||
      last.defaultCertificate !== defaultCertificate ||
      last.contributions.length !== contributions.length
    )
      return undefined;
    const replaced: number[] = [];
    for (let i = 0; i < contributions.length; i++) {
      const before = last.contributions[i] as Contribution;
      if (before === contributions[i]) continue;
      if (replaced.push(i) > PATCH_LIMIT || !sameGroups(before, contributions[i] as Contribution))
        return undefined;
    }
    const layout: Layout = {
      ...last,
      generation: this.#tracker.generation,
      contributions,
      members: last.members.slice(),
      memos: last.memos.slice(),
    };
    const dirty = new Uint8Array(layout.hosts.length);
    layout.positions ??= new Map(layout.hosts.map((host, i) => [host, i]));
    for (const i of replaced) {
      const before = last.contributions[i] as Contribution;
      const after = contributions[i] as Contribution;
      for (const host of groupHosts(after)) {
        const at = layout.positions.get(host) as number;
        dirty[at] = 1;
        layout.members[at] = (layout.members[at] as Contribution[]).map((m) => (m === before ? after : m));
      }
    }
    const changed = this.#tracker.changedNow;
    if (changed.size > 0) {
      layout.readers ??= readers(layout.memos);
      for (const key of changed) {
        for (const at of layout.readers.get(key) ?? []) {
          if (!this.#tracker.unchanged(layout.memos[at] as HostMemo)) dirty[at] = 1;
        }
      }
    }
    return { layout, dirty };
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
      draft = draftServer(host, members, this.#resolver, scope);
      if (host === catchAllHost) return;
      const authOf = (item: Contribution['item']) => members.find((m) => m.item === item)?.auth ?? null;
      certificate = assignCertificate(draft, this.#store, defaultCertificate, authOf, scope.diagnostics);
    });
    const { ingresses, tls } = draft as ServerDraft;
    const finished = this.#finisher.server(draft as ServerDraft, previous);
    return {
      members,
      defaultCertificate,
      draft: { host, ingresses: exact(ingresses), tls },
      finished,
      diagnostics: exact(scope.diagnostics),
      loads,
      certificate,
      deps: exact(scope.deps),
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
  for (const member of contributions) {
    for (const host of groupHosts(member)) {
      const list = groups.get(host);
      if (list === undefined) groups.set(host, [member]);
      else if (list[list.length - 1] !== member) list.push(member);
    }
  }
  return groups;
}

/** The hosts (groups) a contribution belongs to, in order, repeats included. */
function groupHosts(member: Contribution): string[] {
  const hosts: string[] = [];
  if ((member.item.ingress.spec.rules ?? []).length === 0 && member.ingressDefault !== null)
    hosts.push(catchAllHost);
  for (const host of member.item.hosts) if (host !== undefined) hosts.push(host === '' ? catchAllHost : host);
  return hosts;
}

/** A replaced contribution that joins exactly the groups its predecessor was in. */
function sameGroups(a: Contribution, b: Contribution): boolean {
  return sameItems(groupHosts(a), groupHosts(b));
}

function readers(memos: readonly HostMemo[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  memos.forEach((memo, i) => {
    for (const key of memo.deps) addReader(index, key, i);
  });
  return index;
}

function addReader(index: Map<string, number[]>, key: string, host: number): void {
  const list = index.get(key);
  if (list === undefined) index.set(key, [host]);
  else if (!list.includes(host)) list.push(host);
}
