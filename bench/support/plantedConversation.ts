// A generated LoCoMo-shaped conversation for when no LoCoMo file is at hand: two speakers
// chatting over ten sessions, with facts planted among small talk and one question per
// fact whose evidence is the turn(s) that state it. Deterministic. It checks that the
// bench runs and that retrieval finds planted facts; its numbers are not LoCoMo's.
import type { Conversation, Turn } from "./locomoData.ts";
import { seededRandom } from "./seededRandom.ts";

const SPEAKERS = ["Avery", "Jordan"] as const;
const SMALL_TALK = [
  "How was your week?", "Pretty busy, but good overall.", "I have been meaning to call you.", "That sounds lovely, tell me more.",
  "Work has been hectic lately.", "I finally got some rest this weekend.", "The weather has been strange.", "We should catch up more often.",
  "I made pasta for dinner again.", "Did you watch anything good?", "Not much new on my side.", "Haha, that is so like you.",
];
const THINGS = ["greyhound", "violin", "kayak", "sourdough", "telescope", "bonsai", "tandem bike", "pottery wheel", "harmonica", "chess set"];
const PLACES = ["Tromsø", "Valparaíso", "Hokkaido", "Tbilisi", "Cartagena", "Ljubljana", "Zanzibar", "Oaxaca", "Reykjavík", "Bruges"];
const NAMES = ["Zelda", "Oswin", "Marisol", "Tobiah", "Ingrid", "Caspian", "Odalys", "Fenwick", "Liesel", "Quentin"];

export function plantedConversation(id = "generated-1"): Conversation {
  const rand = seededRandom(20260507);
  const turns: Turn[] = [];
  const questions: Conversation["questions"] = [];
  const say = (session: number, speaker: string, text: string) => {
    const diaId = `D${session}:${turns.filter((t) => t.diaId.startsWith(`D${session}:`)).length + 1}`;
    turns.push({ diaId, text: `${speaker}: ${text}`, occurredAt: new Date(Date.UTC(2023, 0, 1 + session * 9, 14, 5)).toISOString() });
    return diaId;
  };
  for (let session = 1; session <= 10; session++) {
    for (let i = 0; i < 20; i++) say(session, SPEAKERS[i % 2]!, SMALL_TALK[Math.floor(rand() * SMALL_TALK.length)]!);
    const a = SPEAKERS[session % 2]!;
    const b = SPEAKERS[(session + 1) % 2]!;
    const n = session - 1;
    const moved = say(session, a, `My cousin ${NAMES[n]} moved to ${PLACES[n]} last month.`);
    questions.push({ question: `Where did ${a}'s cousin ${NAMES[n]} move to?`, category: 4, evidence: [moved] });
    const bought = say(session, b, `I bought a ${THINGS[n]} today, finally!`);
    questions.push({ question: `When did ${b} buy the ${THINGS[n]}?`, category: 2, evidence: [bought] });
    const liked = say(session, a, `${NAMES[n]} says the ${THINGS[n]} shops in ${PLACES[n]} are wonderful.`);
    questions.push({ question: `What does ${NAMES[n]} think of the shops where they live, and who bought one?`, category: 1, evidence: [moved, liked] });
    questions.push({ question: `Would ${b} enjoy a trip to ${PLACES[n]}?`, category: 3, evidence: [liked] });
    for (let i = 0; i < 5; i++) say(session, SPEAKERS[i % 2]!, SMALL_TALK[Math.floor(rand() * SMALL_TALK.length)]!);
  }
  return { id, turns, questions };
}
