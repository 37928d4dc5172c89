import { defineConfig } from "vitest/config";

// Tauri serves ui/dist from its own protocol; relative asset paths are not needed, but a fixed
// output folder is: src-tauri/tauri.conf.json points `frontendDist` at ../ui/dist.
export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    // A test ends when its conditions hold; this bound only catches a hang. vitest's 5 s default failed the longest
    // editor test (a user typing a sentence) while both cores were busy with other work.
    testTimeout: 120_000,
  },
});
