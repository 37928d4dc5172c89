// Checks that every rule of src/styles.css is closed where it should be (run by `npm run lint`).
//
// A missing `}` is no syntax error in today's CSS: the rules after it become nested rules of the unclosed one and
// silently stop applying (the inbox badges once lost their colours so). So a rule block may sit only at the top level
// or directly inside an at-rule (`@media`, `@supports`).
import { readFileSync } from "node:fs";

/** What is wrong with the blocks of `css`: rules nested in rules, stray or missing braces. */
export function misplacedRules(css) {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, "").replace(/"[^"]*"|'[^']*'/g, '""');
  const stack = []; // per open block: is it an at-rule?
  const problems = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") {
      const prelude = text.slice(start, i).trim();
      const atRule = prelude.startsWith("@");
      if (!atRule && !stack.every(Boolean)) problems.push(`"${prelude}" is nested in a rule`);
      stack.push(atRule);
      start = i + 1;
    } else if (c === "}") {
      if (stack.pop() === undefined) problems.push(`a stray "}" at offset ${i}`);
      start = i + 1;
    } else if (c === ";") {
      start = i + 1;
    }
  }
  if (stack.length > 0) problems.push(`${stack.length} block(s) never closed`);
  return problems;
}

function same(actual, expected) {
  return JSON.stringify(actual) === JSON.stringify(expected);
}

// The checker checks itself first, so a broken checker cannot pass a broken stylesheet.
const selfTest = [
  [".a {\n  color: red;\n\n.b {\n  color: blue;\n}\n", ['".b" is nested in a rule', "1 block(s) never closed"]],
  ["@media (min-width: 1px) {\n  .a { color: red; }\n}\n.b { content: \"{\"; }\n", []],
];
for (const [sample, expected] of selfTest) {
  const found = misplacedRules(sample);
  if (!same(found, expected)) throw new Error(`check-css: self-test found ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}`);
}

const file = new URL("../src/styles.css", import.meta.url);
const problems = misplacedRules(readFileSync(file, "utf8"));
if (problems.length > 0) {
  console.error(`src/styles.css: ${problems.join("; ")}`);
  process.exit(1);
}
