// The smart playlist editor's vocabulary: which comparisons each field
// has (the core checks the same and says what is wrong).

import type { RuleSpec, SmartField, SmartOp } from "./types";

export type FieldKind = "text" | "tag" | "key" | "number" | "days";

export const FIELDS: { field: SmartField; label: string; kind: FieldKind; hint: string }[] = [
  { field: "title", label: "Title", kind: "text", hint: "words" },
  { field: "artist", label: "Artist", kind: "text", hint: "a name" },
  { field: "album", label: "Album", kind: "text", hint: "a name" },
  { field: "genre", label: "Genre tag", kind: "text", hint: "rock" },
  { field: "tag", label: "Tag (ear or genre)", kind: "tag", hint: "christmas" },
  { field: "year", label: "Year", kind: "number", hint: "1999" },
  { field: "tempo", label: "Tempo (BPM)", kind: "number", hint: "120" },
  { field: "key", label: "Key", kind: "key", hint: "A minor" },
  { field: "loudness", label: "Loudness (LUFS)", kind: "number", hint: "-14" },
  { field: "duration", label: "Length (s)", kind: "number", hint: "240" },
  { field: "added", label: "Added (days ago)", kind: "days", hint: "30" },
  { field: "play_count", label: "Plays", kind: "number", hint: "5" },
  { field: "last_played", label: "Last played (days ago)", kind: "days", hint: "30" },
  { field: "skip_rate", label: "Skip rate (0–1)", kind: "number", hint: "0.5" },
];

const OPS: Record<FieldKind, { op: SmartOp; label: string }[]> = {
  text: [
    { op: "is", label: "is" },
    { op: "is_not", label: "is not" },
    { op: "contains", label: "contains" },
    { op: "not_contains", label: "does not contain" },
  ],
  tag: [
    { op: "is", label: "has" },
    { op: "is_not", label: "has not" },
  ],
  key: [
    { op: "is", label: "is" },
    { op: "is_not", label: "is not" },
  ],
  number: [
    { op: "is", label: "is" },
    { op: "is_not", label: "is not" },
    { op: "below", label: "below" },
    { op: "above", label: "above" },
    { op: "between", label: "between" },
  ],
  days: [
    { op: "in_last", label: "within the last" },
    { op: "not_in_last", label: "not within the last" },
    { op: "between", label: "between" },
  ],
};

export function kindOf(field: string): FieldKind {
  return FIELDS.find((f) => f.field === field)?.kind ?? "text";
}

/** The comparisons a field offers, in the editor's words. */
export function opsFor(field: string): { op: SmartOp; label: string }[] {
  return OPS[kindOf(field)];
}

/** A rule edited to another field keeps its comparison when it can. */
export function withField(rule: RuleSpec, field: SmartField): RuleSpec {
  const ops = opsFor(field).map((o) => o.op as string);
  const op = ops.includes(rule.op) ? rule.op : ops[0];
  return { field, op, values: valuesFor(op, rule.values) };
}

/** The value slots an operator takes: two for "between", else one. */
export function valuesFor(op: string, values: string[]): string[] {
  const n = op === "between" ? 2 : 1;
  return Array.from({ length: n }, (_, i) => values[i] ?? "");
}
