// LoCoMo-shaped conversations (Maharana et al., ACL 2024): each one is a tenant's memories
// (one per turn, "<speaker>: <text>", plus the shared image's caption) with the session's
// time as occurredAt, and questions whose evidence is a list of turn ids. Read from any
// LoCoMo-shaped file (`--file`), by default the 7 conversations of MEMVAULT_SHARED_DIR
// (CC BY-NC: read there, never copied into the project); without one, a generated
// conversation with planted facts, and the result says so.
import fs from "node:fs";
import path from "node:path";
import { readProcessConfig } from "../../src/config/processConfig.ts";

export interface Turn {
  diaId: string;
  text: string;
  occurredAt: string | null;
}
export interface Question {
  question: string;
  category: number;
  evidence: string[];
}
export interface Conversation {
  id: string;
  turns: Turn[];
  questions: Question[];
}

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

/** "1:56 pm on 8 May, 2023" as ISO 8601 (UTC: the dataset gives no zone), or null. */
export function sessionTime(text: unknown): string | null {
  const m = /(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([a-z]+),?\s+(\d{4})/i.exec(String(text ?? ""));
  const month = m ? MONTHS.indexOf(m[5]!.toLowerCase()) : -1;
  if (!m || month < 0) return null;
  const hour = (Number(m[1]) % 12) + (m[3]!.toLowerCase() === "pm" ? 12 : 0);
  return new Date(Date.UTC(Number(m[6]), month, Number(m[4]), hour, Number(m[2]))).toISOString();
}

/** Evidence as the dataset writes it, normalised ("D8:6; D9:17" is two ids, "D:11:26" is D11:26); malformed ids dropped. */
export function evidenceIds(evidence: unknown): string[] {
  const parts = (Array.isArray(evidence) ? evidence : []).flatMap((e) => String(e).split(/[;,\s]+/));
  return [...new Set(parts.map((p) => /^D:?(\d+):(\d+)$/.exec(p.trim())).filter((m) => m !== null).map((m) => `D${m[1]}:${m[2]}`))];
}

type RawTurn = { speaker?: unknown; dia_id?: unknown; text?: unknown; blip_caption?: unknown };
type RawConversation = { sample_id?: unknown; conversation?: Record<string, unknown>; qa?: { question?: unknown; category?: unknown; evidence?: unknown }[] };

function parseConversation(raw: RawConversation, index: number): Conversation {
  const c = raw.conversation ?? {};
  const sessions = Object.keys(c)
    .map((k) => /^session_(\d+)$/.exec(k))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const turns = sessions.flatMap((n) =>
    ((c[`session_${n}`] as RawTurn[] | undefined) ?? []).map((t) => ({
      diaId: String(t.dia_id),
      text: `${String(t.speaker)}: ${String(t.text ?? "")}${t.blip_caption ? ` [shares ${String(t.blip_caption)}]` : ""}`,
      occurredAt: sessionTime(c[`session_${n}_date_time`]),
    })),
  );
  const known = new Set(turns.map((t) => t.diaId));
  const questions = (raw.qa ?? [])
    .map((q) => ({ question: String(q.question ?? ""), category: Number(q.category), evidence: evidenceIds(q.evidence).filter((e) => known.has(e)) }))
    .filter((q) => q.category >= 1 && q.category <= 4 && q.evidence.length > 0 && q.question.trim() !== "");
  return { id: String(raw.sample_id ?? `conversation-${index + 1}`), turns, questions };
}

export function readConversations(file: string): Conversation[] {
  const raw = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
  const list = (Array.isArray(raw) ? raw : [raw]) as RawConversation[];
  const conversations = list.map(parseConversation).filter((c) => c.turns.length > 0);
  if (conversations.length === 0) throw new Error(`${file}: no LoCoMo-shaped conversation (conversation.session_N turns) in it`);
  return conversations;
}

/** The shared 7 conversations' file, when MEMVAULT_SHARED_DIR has them. */
export function sharedLocomoFile(): string | undefined {
  const dir = readProcessConfig().MEMVAULT_SHARED_DIR;
  const file = dir ? path.join(dir, "testdata", "locomo", "locomo7.json") : undefined;
  return file && fs.existsSync(file) ? file : undefined;
}
