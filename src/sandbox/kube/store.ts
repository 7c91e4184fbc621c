import { randomUUID } from 'node:crypto';

// Objects as the API server keeps them, with one resourceVersion counter for the whole cluster and
// a bounded history of changes, so a watch can resume from the resourceVersion it last saw.
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    generation?: number;
    creationTimestamp: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
};

// An object as a client sends it: the store fills in uid, creationTimestamp and resourceVersion.
export type NewKubeObject = Omit<KubeObject, 'metadata'> & {
  metadata: Partial<KubeObject['metadata']> & { name: string; namespace: string };
};

export type WatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject; resourceVersion: number };
type Listener = (event: WatchEvent) => void;

const HISTORY = 5_000;

export class ObjectStore {
  #revision = 1;
  readonly #objects = new Map<string, KubeObject>();
  readonly #history: WatchEvent[] = [];
  readonly #listeners = new Set<Listener>();

  static key(kind: string, namespace: string, name: string): string {
    return `${kind}/${namespace}/${name}`;
  }

  get revision(): number {
    return this.#revision;
  }

  get(kind: string, namespace: string, name: string): KubeObject | undefined {
    const object = this.#objects.get(ObjectStore.key(kind, namespace, name));
    return object ? structuredClone(object) : undefined;
  }

  list(kind: string, namespace: string | undefined): KubeObject[] {
    return [...this.#objects.values()]
      .filter((object) => object.kind === kind && (namespace === undefined || object.metadata.namespace === namespace))
      .map((object) => structuredClone(object));
  }

  create(object: NewKubeObject): KubeObject {
    const stored: KubeObject = {
      ...object,
      metadata: {
        uid: randomUUID(),
        creationTimestamp: new Date().toISOString(),
        ...object.metadata,
        resourceVersion: '',
      },
    } as KubeObject;
    return this.#write('ADDED', stored);
  }

  update(object: KubeObject): KubeObject {
    return this.#write('MODIFIED', object);
  }

  delete(kind: string, namespace: string, name: string): KubeObject | undefined {
    const key = ObjectStore.key(kind, namespace, name);
    const existing = this.#objects.get(key);
    if (!existing) return undefined;
    this.#objects.delete(key);
    this.#revision += 1;
    const gone = { ...existing, metadata: { ...existing.metadata, resourceVersion: String(this.#revision) } };
    this.#emit({ type: 'DELETED', object: gone, resourceVersion: this.#revision });
    return structuredClone(gone);
  }

  // Events after `resourceVersion`, or undefined when history no longer reaches that far (410 Gone).
  since(resourceVersion: number): WatchEvent[] | undefined {
    const oldest = this.#history[0]?.resourceVersion ?? this.#revision + 1;
    if (resourceVersion < oldest - 1 && resourceVersion < this.#revision) return undefined;
    return this.#history.filter((event) => event.resourceVersion > resourceVersion);
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #write(type: 'ADDED' | 'MODIFIED', object: KubeObject): KubeObject {
    this.#revision += 1;
    const stored = structuredClone({
      ...object,
      metadata: { ...object.metadata, resourceVersion: String(this.#revision) },
    });
    this.#objects.set(ObjectStore.key(stored.kind, stored.metadata.namespace, stored.metadata.name), stored);
    this.#emit({ type, object: structuredClone(stored), resourceVersion: this.#revision });
    return structuredClone(stored);
  }

  #emit(event: WatchEvent): void {
    this.#history.push(event);
    if (this.#history.length > HISTORY) this.#history.shift();
    for (const listener of this.#listeners) listener(event);
  }
}

export function matchesLabels(labels: Record<string, string> | undefined, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .every((term) => {
      const notEqual = /^([^!=]+)!=(.*)$/.exec(term);
      if (notEqual) return labels?.[notEqual[1]!.trim()] !== notEqual[2]!.trim();
      const equal = /^([^=]+)==?(.*)$/.exec(term);
      if (equal) return labels?.[equal[1]!.trim()] === equal[2]!.trim();
      return labels?.[term] !== undefined;
    });
}

export function matchesFields(object: KubeObject, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [path, value] = term.split('=');
    const actual = path!
      .split('.')
      .reduce<unknown>(
        (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
        object,
      );
    return String(actual) === value;
  });
}

// The labelSelector and fieldSelector of a list or watch query.
export function matchesQuery(object: KubeObject, query: Record<string, string>): boolean {
  return matchesLabels(object.metadata.labels, query.labelSelector) && matchesFields(object, query.fieldSelector);
}
