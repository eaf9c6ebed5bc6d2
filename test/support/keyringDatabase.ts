// A test database, a superuser pool on it and a fresh keyring file (what worker processes
// and the API need), for one test file; all removed after it. It starts no worker itself.
import fs from "node:fs";
import path from "node:path";
import type pg from "pg";
import { afterAll, beforeAll } from "vitest";
import type { KeyringDocument } from "../../src/crypto/keyring.ts";
import { freshKeyringDocument } from "./keyrings.ts";
import { createTestDatabase, type TestDatabase } from "./testDatabase.ts";
import { writeKeyringFile } from "./workerProcess.ts";

export interface KeyringDatabase {
  doc: KeyringDocument;
  keyringFile: string;
  db: TestDatabase;
  root: pg.Pool;
}

export function useKeyringDatabase(): KeyringDatabase {
  const doc = freshKeyringDocument();
  const fixture = { doc, keyringFile: writeKeyringFile(doc) } as KeyringDatabase;
  beforeAll(async () => {
    fixture.db = await createTestDatabase();
    fixture.root = fixture.db.pool();
  });
  afterAll(async () => {
    await fixture.root.end();
    await fixture.db.drop();
    fs.rmSync(path.dirname(fixture.keyringFile), { recursive: true, force: true });
  });
  return fixture;
}
