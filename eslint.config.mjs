// Lint runs inside `npm test`: strict TypeScript rules, no `any` on any surface.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "nodes/**/*.html", "**/*.js", "**/*.mjs", "**/*.cjs", "harness/pulsar/work/**", "compat/**", "bench/results/**"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unused-vars": ["error", { "argsIgnorePattern": "^_" }],
      "no-console": ["error", { "allow": ["warn", "error"] }],
      // Node-RED constructors conventionally name their instance `node`.
      "@typescript-eslint/no-this-alias": ["error", { "allowedNames": ["node"] }]
    }
  },
  {
    files: ["test/**/*.ts", "bench/**/*.ts", "harness/**/*.ts", "scripts/**/*.ts"],
    rules: { "no-console": "off" }
  }
);
