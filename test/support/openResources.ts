// Every pool, client, worker or listener a test opens is registered here; the hooks in
// test/support/setupFile.ts fail a test that leaves one open.
export interface Resource {
  label: string;
  close(): Promise<void>;
  /** "file": may outlive the test that opened it, but not the file (checked in afterAll). */
  scope?: "test" | "file";
}

const open = new Set<Resource>();

export function track<T extends Resource>(resource: T): T {
  open.add(resource);
  return resource;
}

export function untrack(resource: Resource): void {
  open.delete(resource);
}

export function openResources(): Resource[] {
  return [...open];
}
