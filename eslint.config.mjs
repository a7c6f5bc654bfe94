// Lint runs inside `npm test`: strict TypeScript rules, no `any` on any surface.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "nodes/**/*.html", "**/*.js", "!resources/*.js", "**/*.mjs", "**/*.cjs", "harness/pulsar/work/**", "compat/**"] },
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
    // Product code, with type information: a promise nobody handles ends Node-RED (and every
    // user's flows with it), so each one is awaited, returned or given a catch that reports.
    // `void` does not count as handling it.
    files: ["nodes/**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": ["error", { ignoreVoid: false }],
      "@typescript-eslint/no-misused-promises": "error"
    }
  },
  {
    // The editor's shared code: plain browser scripts that Node-RED serves from resources/.
    files: ["resources/*.js"],
    languageOptions: {
      ecmaVersion: 2017,
      sourceType: "script",
      globals: {
        window: "readonly",
        document: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        console: "readonly",
        RED: "readonly",
        $: "readonly"
      }
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { "argsIgnorePattern": "^_" }],
      "no-console": ["error", { "allow": ["warn", "error"] }]
    }
  },
  {
    files: ["test/**/*.ts", "bench/**/*.ts", "harness/**/*.ts", "scripts/**/*.ts"],
    rules: { "no-console": "off" }
  }
);
