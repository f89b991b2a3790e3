import { describe, expect, it } from "vitest";
import { kindOf, opsFor, valuesFor, withField } from "./smart";

describe("the smart playlist editor", () => {
  it("offers each field the comparisons the core accepts", () => {
    expect(opsFor("tempo").map((o) => o.op)).toEqual(["is", "is_not", "below", "above", "between"]);
    expect(opsFor("tag").map((o) => o.op)).toEqual(["is", "is_not"]);
    expect(opsFor("last_played").map((o) => o.op)).toContain("not_in_last");
    expect(kindOf("unknown")).toBe("text");
  });

  it("keeps what still fits when the field changes", () => {
    const rule = { field: "tempo", op: "between", values: ["100", "130"] };
    expect(withField(rule, "year")).toEqual({ field: "year", op: "between", values: ["100", "130"] });
    expect(withField(rule, "genre")).toEqual({ field: "genre", op: "is", values: ["100"] });
    expect(valuesFor("between", ["1"])).toEqual(["1", ""]);
  });
});
