import { describe, expect, it } from "vitest";

import { describeSource, KIND_NAMES, needsToken, toSourceConfig } from "./sourceKinds";

describe("source form", () => {
  it("offers every kind of the generated SourceConfig", () => {
    expect(KIND_NAMES).toEqual(["folder", "git", "openmetadata", "datahub", "marquez", "entropy", "amundsen"]);
  });

  it("asks a token of catalog servers only", () => {
    expect(KIND_NAMES.filter(needsToken)).toEqual(["openmetadata", "datahub", "marquez", "entropy", "amundsen"]);
    expect(toSourceConfig("om", "openmetadata", { url: "https://om.example.com" })).toEqual({
      name: "om",
      kind: "openmetadata",
      url: "https://om.example.com",
    });
  });

  it("builds the command argument, optional fields as null", () => {
    expect(toSourceConfig(" mesh ", "git", { url: " https://example.com/mesh.git " })).toEqual({
      name: "mesh",
      kind: "git",
      url: "https://example.com/mesh.git",
      branch: null,
    });
    expect(toSourceConfig("local", "folder", { path: "/data/mesh" })).toEqual({ name: "local", kind: "folder", path: "/data/mesh" });
    expect(describeSource({ name: "m", kind: "git", url: "u", branch: "main" })).toBe("u @ main");
    expect(toSourceConfig("am", "amundsen", { url: "https://meta.example.com" })).toEqual({
      name: "am",
      kind: "amundsen",
      url: "https://meta.example.com",
      search_url: null,
    });
  });
});
